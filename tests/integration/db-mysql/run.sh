#!/usr/bin/env bash
# The MySQL/MariaDB side of `ops db`, for real: host/release/ops/db-tool.sh (what runs inside the tools
# container ops/db.sh starts) against a MariaDB server from Debian's packages on 127.0.0.1. An "old"
# database (a few thousand rows over tables with a foreign key, AUTO_INCREMENT and a binary column)
# is copied into the stack's database (streamed dump → restore), its dump restored into a fresh one,
# and every table's census (rows and CHECKSUM TABLE) compared. Credentials reach the tool only as
# its environment, in the lines ops/db.sh's write_env_file writes. Needs root (apt-get, mariadbd).
# Last line: db-mysql: copy_tables_equal=<n>/<n> restore_tables_equal=<n>/<n> refuses_non_empty=<0|1>
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
TOOL="${ROOT}/host/release/ops/db-tool.sh"
WORK="$(mktemp -d /tmp/db-mysql.XXXXXX)"
WAIT_SECONDS=60
ROWS=3000
declare -A RESULT=([copy]="0/0" [restore]="0/0" [refuses]=0)
SERVER_PID=""

summary() { echo "db-mysql: copy_tables_equal=${RESULT[copy]} restore_tables_equal=${RESULT[restore]} refuses_non_empty=${RESULT[refuses]}"; }

cleanup() {
  if [[ -n "${SERVER_PID}" ]]; then kill "${SERVER_PID}" 2>/dev/null || true; wait "${SERVER_PID}" 2>/dev/null || true; fi
  [[ "${KEEP_WORK:-0}" == 1 ]] || rm -rf "${WORK}"
  summary
}
trap cleanup EXIT

install_packages() {
  if command -v mariadbd >/dev/null && command -v mysqldump >/dev/null; then return; fi
  echo "installing mariadb-server, mariadb-client (apt-get)"
  timeout 300 apt-get install -y -q mariadb-server mariadb-client >"${WORK}/apt.log" 2>&1 \
    || { timeout 120 apt-get update -q >>"${WORK}/apt.log" 2>&1 && timeout 300 apt-get install -y -q mariadb-server mariadb-client >>"${WORK}/apt.log" 2>&1; } \
    || { tail -20 "${WORK}/apt.log"; echo "cannot install MariaDB" >&2; exit 1; }
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# A throwaway server: its own data directory, socket and port on 127.0.0.1; waits (bounded) until it answers.
start_server() {
  PORT="$(free_port)"
  SOCKET="${WORK}/mysqld.sock"
  mariadb-install-db --user=root --datadir="${WORK}/data" --auth-root-authentication-method=socket >"${WORK}/install.log" 2>&1 \
    || { tail -20 "${WORK}/install.log"; exit 1; }
  mariadbd --no-defaults --user=root --datadir="${WORK}/data" --socket="${SOCKET}" --port="${PORT}" \
    --bind-address=127.0.0.1 --pid-file="${WORK}/mysqld.pid" --log-error="${WORK}/mysqld.err" &
  SERVER_PID=$!
  local i
  for ((i = 0; i < WAIT_SECONDS * 10; i++)); do
    if mysql --no-defaults --socket="${SOCKET}" -e 'select 1' >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  tail -20 "${WORK}/mysqld.err" >&2 || true
  echo "MariaDB did not answer within ${WAIT_SECONDS}s" >&2
  exit 1
}

as_root() { mysql --no-defaults --socket="${SOCKET}" "$@"; }

# Three databases, each with its own user (as RDS and the old box would have), and the old one filled.
prepare_databases() {
  local db
  for db in old_shop shop restored; do
    as_root -e "create database ${db}; create user '${db}_user'@'127.0.0.1' identified by 'pw-${db}-\$x'; grant all on ${db}.* to '${db}_user'@'127.0.0.1';"
  done
  as_root old_shop <<SQL
create table customers (id int auto_increment primary key, name varchar(100) not null, email varchar(200) unique) engine=InnoDB;
create table orders (id bigint auto_increment primary key, customer_id int not null, total decimal(10,2), note text,
  receipt varbinary(64), foreign key (customer_id) references customers(id)) engine=InnoDB;
insert into customers (name, email) select concat('customer ', seq), concat('c', seq, '@example.com') from seq_1_to_${ROWS};
insert into orders (customer_id, total, note, receipt)
  select 1 + (seq % ${ROWS}), seq / 7, concat('order ', seq, ' café'), unhex(sha2(seq, 256)) from seq_1_to_$((ROWS * 2));
SQL
}

# The tool with the environment db.sh's write_env_file gives the container: the stack's database
# (MYSQL_HOST, MYSQL_TCP_PORT, DB_USER, MYSQL_PWD, DB_NAME) and, for a copy, the other one (SRC_*).
tool() {
  local stack="$1" src="$2"; shift 2
  env -i PATH="${PATH}" MYSQL_HOST=127.0.0.1 MYSQL_TCP_PORT="${PORT}" DB_USER="${stack}_user" MYSQL_PWD="pw-${stack}-\$x" DB_NAME="${stack}" \
    ${src:+SRC_HOST=127.0.0.1 SRC_PORT="${PORT}" SRC_USER="${src}_user" SRC_PASSWORD="pw-${src}-\$x" SRC_DATABASE="${src}"} \
    bash "${TOOL}" mysql "$@"
}

# "equal/total" of the tables of census $1 found in census $2 with the same rows and checksum.
compare_census() {
  local total equal
  total="$(grep -c . <<< "$1" || true)"
  equal="$(comm -12 <(LC_ALL=C sort <<< "$1") <(LC_ALL=C sort <<< "$2") | grep -c . || true)"
  echo "${equal}/${total}"
}

main() {
  install_packages
  start_server
  prepare_databases
  local old copied restored
  old="$(tool old_shop "" census)"
  printf "old database:\n%s\n" "${old}"
  tool shop old_shop copy -- 2>"${WORK}/copy.log" || { tail -20 "${WORK}/copy.log"; exit 1; }
  copied="$(tool shop "" census)"
  RESULT[copy]="$(compare_census "${old}" "${copied}")"
  echo "copy: ${RESULT[copy]} tables equal"
  tool shop "" dump 2>"${WORK}/dump.log" > "${WORK}/shop.sql" || { tail -20 "${WORK}/dump.log"; exit 1; }
  tool restored "" restore -- < "${WORK}/shop.sql" 2>"${WORK}/restore.log" || { tail -20 "${WORK}/restore.log"; exit 1; }
  restored="$(tool restored "" census)"
  RESULT[restore]="$(compare_census "${copied}" "${restored}")"
  echo "restore: ${RESULT[restore]} tables equal"
  if ! tool restored "" restore -- < "${WORK}/shop.sql" 2>"${WORK}/again.log" && grep -q 'Give --force' "${WORK}/again.log"; then
    RESULT[refuses]=1
  fi
  echo "a restore into a database with tables without --force: $( ((RESULT[refuses])) && echo refused || echo NOT refused)"
  [[ "${RESULT[copy]}" == "2/2" && "${RESULT[restore]}" == "2/2" && "${RESULT[refuses]}" == 1 ]]
}

main "$@"
