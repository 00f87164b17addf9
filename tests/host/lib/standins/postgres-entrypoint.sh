#!/usr/bin/env bash
# The stand-in postgres image's entrypoint, doing what the official image's docker-entrypoint.sh does
# for the variables the rehearsal sets (docker-library/postgres, docker-entrypoint.sh): as root, make
# PGDATA and re-run itself as the postgres user (the official image: `exec gosu postgres "$BASH_SOURCE"
# "$@"`); on an empty PGDATA, initdb with POSTGRES_USER as superuser and POSTGRES_PASSWORD (scram over
# TCP, the password from a process substitution the postgres user itself opens), a temporary server
# listening on no address creates POSTGRES_DB; then `postgres` with the command's settings.
set -euo pipefail

# As root: the data directory for the postgres user, then this script again as that user.
become_postgres() {
  install -d -o postgres -g postgres -m 0700 "${PGDATA}"
  install -d -o postgres -g postgres -m 2775 /var/run/postgresql
  exec runuser -u postgres -- "${BASH_SOURCE[0]}" "$@"
}

init_cluster() {
  local user="${POSTGRES_USER:-postgres}" db="${POSTGRES_DB:-${POSTGRES_USER:-postgres}}"
  [[ -n "${POSTGRES_PASSWORD:-}" ]] || { echo "postgres stand-in: POSTGRES_PASSWORD is required" >&2; exit 1; }
  initdb -D "${PGDATA}" --username="${user}" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD}") \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 >/dev/null
  echo "listen_addresses = '*'" >> "${PGDATA}/postgresql.conf"
  echo "host all all all scram-sha-256" >> "${PGDATA}/pg_hba.conf"
  # The temporary server listens on no TCP address: a readiness probe over TCP sees only the real one.
  pg_ctl -D "${PGDATA}" -o "-c listen_addresses=''" -w -t 60 start >/dev/null
  if [[ "${db}" != postgres ]]; then
    printf 'CREATE DATABASE "%s";\n' "${db}" | psql -X -q -v ON_ERROR_STOP=1 --username="${user}" --dbname=postgres
  fi
  pg_ctl -D "${PGDATA}" -m fast -w stop >/dev/null
  echo "postgres stand-in: initialised ${PGDATA} (user ${user}, database ${db})"
}

main() {
  if [[ "${1:-}" != postgres ]]; then exec "$@"; fi
  if [[ "$(id -u)" == 0 ]]; then become_postgres "$@"; fi
  if [[ ! -s "${PGDATA}/PG_VERSION" ]]; then init_cluster; fi
  exec "$@"
}

main "$@"
