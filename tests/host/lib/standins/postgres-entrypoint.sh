#!/usr/bin/env bash
# The stand-in postgres image's entrypoint, doing what the official image's docker-entrypoint.sh does
# for the variables the rehearsal sets (docker-library/postgres, docker-entrypoint.sh): on an empty
# PGDATA, initdb with POSTGRES_USER as superuser and POSTGRES_PASSWORD (scram over TCP), listen on
# every address, create POSTGRES_DB; then run the command as the postgres user.
set -euo pipefail

init_cluster() {
  local user="${POSTGRES_USER:-postgres}" db="${POSTGRES_DB:-${POSTGRES_USER:-postgres}}"
  [[ -n "${POSTGRES_PASSWORD:-}" ]] || { echo "POSTGRES_PASSWORD is required" >&2; exit 1; }
  install -d -o postgres -g postgres -m 0700 "${PGDATA}"
  runuser -u postgres -- initdb -D "${PGDATA}" --username="${user}" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD}") \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 >/dev/null
  echo "listen_addresses = '*'" >> "${PGDATA}/postgresql.conf"
  echo "host all all all scram-sha-256" >> "${PGDATA}/pg_hba.conf"
  runuser -u postgres -- pg_ctl -D "${PGDATA}" -o "-c listen_addresses=''" -w -t 60 start >/dev/null
  if [[ "${db}" != postgres ]]; then
    printf 'CREATE DATABASE "%s";\n' "${db}" | runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 --username="${user}" --dbname=postgres
  fi
  runuser -u postgres -- pg_ctl -D "${PGDATA}" -m fast -w stop >/dev/null
  echo "postgres stand-in: initialised ${PGDATA} (user ${user}, database ${db})"
}

main() {
  if [[ "${1:-}" == postgres && ! -s "${PGDATA}/PG_VERSION" ]]; then init_cluster; fi
  if [[ "${1:-}" == postgres ]]; then exec runuser -u postgres -- "$@"; fi
  exec "$@"
}

main "$@"
