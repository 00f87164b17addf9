#!/usr/bin/env bash
# The stand-in mariadb image's entrypoint, doing what the official image's docker-entrypoint.sh does
# for the variables the rehearsal sets (MariaDB/mariadb-docker, docker-entrypoint.sh; the image's
# docs: MARIADB_* names, or their MYSQL_* aliases): options alone run `mariadbd` with them; as root,
# re-run itself as the mysql user; on an empty datadir, install the system tables, and a temporary
# server without networking sets the root password and creates the database and its user (all
# privileges on it, from any host); then the server itself.
set -euo pipefail

datadir=/var/lib/mysql
socket=/run/mysqld/mysqld.sock

# $1 -> the value of MARIADB_$1, else MYSQL_$1.
setting() {
  local mariadb="MARIADB_$1" mysql="MYSQL_$1"
  printf '%s' "${!mariadb:-${!mysql:-}}"
}

# A MariaDB string literal (quotes and backslashes escaped).
sql_string() {
  local s="${1//\\/\\\\}"
  printf "'%s'" "${s//\'/\\\'}"
}

init_datadir() {
  local root_password database user password pid
  root_password="$(setting ROOT_PASSWORD)" database="$(setting DATABASE)" user="$(setting USER)" password="$(setting PASSWORD)"
  [[ -n "${root_password}" ]] || { echo "mariadb stand-in: MARIADB_ROOT_PASSWORD (or MYSQL_ROOT_PASSWORD) is required" >&2; exit 1; }
  mariadb-install-db --datadir="${datadir}" --auth-root-authentication-method=normal --skip-test-db >/dev/null
  mariadbd --datadir="${datadir}" --skip-networking --socket="${socket}" &
  pid=$!
  for _ in $(seq 1 60); do
    mariadb-admin --socket="${socket}" -uroot ping --silent 2>/dev/null && break
    kill -0 "${pid}" 2>/dev/null || { echo "mariadb stand-in: the temporary server exited" >&2; exit 1; }
    sleep 1
  done
  {
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(sql_string "${root_password}");"
    if [[ -n "${database}" ]]; then echo "CREATE DATABASE IF NOT EXISTS \`${database}\`;"; fi
    if [[ -n "${user}" && -n "${password}" ]]; then
      echo "CREATE USER $(sql_string "${user}")@'%' IDENTIFIED BY $(sql_string "${password}");"
      if [[ -n "${database}" ]]; then echo "GRANT ALL ON \`${database}\`.* TO $(sql_string "${user}")@'%';"; fi
    fi
  } | mariadb --socket="${socket}" -uroot
  MYSQL_PWD="${root_password}" mariadb-admin --socket="${socket}" -uroot shutdown
  wait "${pid}" || true
  echo "mariadb stand-in: initialised ${datadir} (database ${database:-none}, user ${user:-none})"
}

main() {
  if [[ "${1:-}" == -* ]]; then set -- mariadbd "$@"; fi
  if [[ "${1:-}" != mariadbd && "${1:-}" != mysqld ]]; then exec "$@"; fi
  if [[ "$(id -u)" == 0 ]]; then exec runuser -u mysql -- "${BASH_SOURCE[0]}" "$@"; fi
  if [[ ! -d "${datadir}/mysql" ]]; then init_datadir; fi
  exec "$@"
}

main "$@"
