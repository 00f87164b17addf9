#!/usr/bin/env bash
# PostgreSQL 15 as the RDS stand-in: a non-root server, a password-authenticated (scram) role and a
# database, listening on 127.0.0.1 and on the test dockerd's bridge gateway so containers reach it.
# Like RDS: the master role has CREATEROLE and CREATEDB but is no superuser
# (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Appendix.PostgreSQL.CommonDBATasks.Roles.rds_superuser.html),
# and the server speaks TLS with a certificate from its own test CA for the addresses clients use
# (RDS's come from the CAs of its bundle). The app's login (compose_app) is refused without TLS.
#   postgres.sh init    fresh cluster + role + database + random password (password file 0600)
#   postgres.sh start   start the cluster (init first when there is none), wait until it answers
#   postgres.sh stop    stop it (bounded)
#   postgres.sh createdb NAME   a fresh, empty database NAME owned by the role (dropped first if it exists)
#   postgres.sh env     print the exports the host test scenarios read (DB_HOST, DB_PORT, DB_PASSWORD_FILE, ...)
# The password never appears on a command line: it goes to psql on stdin and to clients in a file.
set -euo pipefail
# shellcheck source=tests/host/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

pg_user="e2epg"              # OS user that runs the server
pg_dir="${work_root}/pg"
# The server user must reach its data dir; a checkout under a private home (/root) would hide it.
if id -u "${pg_user}" >/dev/null 2>&1 && ! runuser -u "${pg_user}" -- test -x "${work_root}" 2>/dev/null; then
  pg_dir="/var/lib/compose-on-ec2-e2e/pg"
fi
data_dir="${pg_dir}/data"
socket_dir="${pg_dir}/run"
log_file="${pg_dir}/postgres.log"
password_file="${pg_dir}/password"
tls_dir="${pg_dir}/tls"
ca_file="${tls_dir}/ca.pem"             # the CA the server's certificate chains to (what the stack's bundle is on RDS)
stranger_ca_file="${tls_dir}/stranger-ca.pem" # a CA that signed nothing here: verify-full must refuse the server with it
app_role="compose_app"                 # components/config/engines.ts APP_DB_USER
port=25432
gateway="10.212.0.1"         # tests/host/lib/dockerd.sh: --bip 10.212.0.1/24
container_cidr="10.212.0.0/15" # the bridge plus compose networks from 10.213.0.0/16
db_name="app"
db_role="app_admin"

bin_dir="$(bash "$(dirname "${BASH_SOURCE[0]}")/packages.sh" pg-bin)"

as_pg() { runuser -u "${pg_user}" -- "$@"; }

running() {
  [[ -f "${data_dir}/postmaster.pid" ]] && as_pg "${bin_dir}/pg_ctl" -D "${data_dir}" status >/dev/null 2>&1
}

init() {
  require_root "postgres.sh"
  if ! id -u "${pg_user}" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "${pg_user}"
    # Re-run with the user in place, so the data dir check above sees it.
    exec bash "${BASH_SOURCE[0]}" init
  fi
  log "postgres: state in ${pg_dir}"
  running && stop
  rm -rf "${data_dir}"
  install -d -m 0755 "$(dirname "${pg_dir}")" "${pg_dir}"
  install -d -m 0700 -o "${pg_user}" -g "${pg_user}" "${data_dir}"
  install -d -m 0755 -o "${pg_user}" -g "${pg_user}" "${socket_dir}"
  : >"${log_file}"
  chown "${pg_user}" "${log_file}"
  # 32 alphanumerics: valid for RDS, URL-safe, and distinctive enough to grep for leaks.
  local password
  password="$(head -c 4096 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')"
  password="${password:0:32}"
  (umask 077 && printf '%s' "${password}" >"${password_file}")
  log "postgres: initdb in ${data_dir}"
  as_pg "${bin_dir}/initdb" -D "${data_dir}" -U "${pg_user}" --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"${data_dir}/postgresql.conf" <<CONF
# tests/host/lib/postgres.sh
listen_addresses = '127.0.0.1,${gateway}'
port = ${port}
ssl = on
ssl_cert_file = '${tls_dir}/server.pem'
ssl_key_file = '${tls_dir}/server.key'

unix_socket_directories = '${socket_dir}'
password_encryption = scram-sha-256
max_connections = 100
CONF
  cat >"${data_dir}/pg_hba.conf" <<CONF
# tests/host/lib/postgres.sh: the server user over the socket; everyone else by scram password.
local all ${pg_user} peer
hostnossl all ${app_role} 0.0.0.0/0 reject
host all all 127.0.0.1/32 scram-sha-256
host all all ${container_cidr} scram-sha-256
CONF
  make_tls
  start_server
  # Role and password over stdin: printf is a builtin, so the password is in no process's argv.
  printf "CREATE ROLE %s LOGIN CREATEROLE CREATEDB PASSWORD '%s';\nCREATE DATABASE %s OWNER %s;\n" \
    "${db_role}" "${password}" "${db_name}" "${db_role}" |
    as_pg "${bin_dir}/psql" -X -q -v ON_ERROR_STOP=1 -h "${socket_dir}" -p "${port}" -d postgres -f - \
    || die "postgres: could not create role/database"
  log "postgres: role ${db_role} and database ${db_name} created"
}

# A test CA, the server's certificate from it for every address clients use (verify-full checks the
# name), and an unrelated CA.
make_tls() {
  install -d -m 0755 "${tls_dir}"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=compose-on-ec2 test database CA" \
    -keyout "${tls_dir}/ca.key" -out "${ca_file}" 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=a CA that signed nothing here" \
    -keyout "${tls_dir}/stranger-ca.key" -out "${stranger_ca_file}" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=${gateway}" -keyout "${tls_dir}/server.key" \
    -out "${tls_dir}/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:%s,IP:127.0.0.1,DNS:localhost\n' "${gateway}" >"${tls_dir}/san.ext"
  openssl x509 -req -in "${tls_dir}/server.csr" -CA "${ca_file}" -CAkey "${tls_dir}/ca.key" -CAcreateserial \
    -days 30 -extfile "${tls_dir}/san.ext" -out "${tls_dir}/server.pem" 2>/dev/null
  chown "${pg_user}" "${tls_dir}/server.key" "${tls_dir}/server.pem"
  chmod 0600 "${tls_dir}/server.key" "${tls_dir}/ca.key" "${tls_dir}/stranger-ca.key"
  chmod 0644 "${ca_file}" "${stranger_ca_file}"
}

start_server() {
  if running; then
    log "postgres: already running"
    return 0
  fi
  # Read the whole list first: `ip … | grep -q` fails under pipefail when grep stops reading early
  # (ip gets SIGPIPE), which happens on hosts with many interfaces.
  [[ "$(ip -4 addr show)" == *"inet ${gateway}/"* ]] || die "postgres: ${gateway} is not on this host (start dockerd first)"
  log "postgres: starting on 127.0.0.1,${gateway}:${port}"
  as_pg "${bin_dir}/pg_ctl" -D "${data_dir}" -l "${log_file}" -w -t 60 start >/dev/null \
    || { tail -n 20 "${log_file}" >&2; die "postgres: did not start"; }
}

start() {
  require_root "postgres.sh"
  if [[ ! -f "${data_dir}/PG_VERSION" || ! -f "${password_file}" || ! -f "${ca_file}" ]]; then
    init
  else
    start_server
  fi
}

stop() {
  if running; then
    log "postgres: stopping"
    as_pg "${bin_dir}/pg_ctl" -D "${data_dir}" -m fast -w -t 30 stop >/dev/null || {
      local pid
      pid="$(head -n1 "${data_dir}/postmaster.pid" 2>/dev/null || true)"
      [[ -n "${pid}" ]] && stop_pid "${pid}" postgres 10
    }
  fi
}

# A second database beside the app's (the data scenarios' "old" database and restore target).
createdb() {
  local name="$1"
  [[ "${name}" =~ ^[a-z][a-z0-9_]*$ && "${name}" != "${db_name}" ]] || die "postgres: createdb needs a lower-case name other than ${db_name}"
  printf 'DROP DATABASE IF EXISTS %s WITH (FORCE);\nCREATE DATABASE %s OWNER %s;\n' "${name}" "${name}" "${db_role}" |
    as_pg "${bin_dir}/psql" -X -q -v ON_ERROR_STOP=1 -h "${socket_dir}" -p "${port}" -d postgres -f - \
    || die "postgres: could not create database ${name}"
  log "postgres: database ${name} created (owner ${db_role})"
}

print_env() {
  echo "export DB_HOST_FOR_CONTAINERS=${gateway}"
  echo "export DB_PORT=${port}"
  echo "export DB_NAME=${db_name}"
  echo "export DB_USER=${db_role}"
  echo "export DB_PASSWORD_FILE=${password_file}"
  echo "export DB_CA_FILE=${ca_file}"
  echo "export DB_STRANGER_CA_FILE=${stranger_ca_file}"
}

case "${1:-}" in
  init) init ;;
  start) start ;;
  stop) stop ;;
  createdb) createdb "${2:-}" ;;
  env) print_env ;;
  *) echo "usage: $0 init|start|stop|createdb NAME|env" >&2; exit 2 ;;
esac
