#!/usr/bin/env bash
# Runs INSIDE the database tools container that ops/db.sh starts (postgres:<major> or mysql:<version>
# images, or any image with the engine's clients): the dump, restore, copy and table census of one
# database. Credentials come only from the environment the container was given with --env-file
# (PG* / MYSQL_PWD for the stack's database, SRC_* for the other one): never from arguments.
#   db-tool.sh ENGINE ACTION [--force]
#     ENGINE  postgres | mysql
#     ACTION  dump (to stdout) | restore (from stdin) | copy (SRC_* → the stack's) | census [--source] | tables [--source]
set -euo pipefail

# Tables above this many rows get a count but no checksum (a checksum reads every row).
readonly checksum_max_rows=2000000

say() { printf 'db-tool: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# --- PostgreSQL: PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE (libpq reads them) ---
# The stack's URL asks for a verified certificate (DB_TLS_MODE, DB_TLS_CA: its sslmode and sslrootcert).
[[ -n "${DB_TLS_MODE:-}" ]] && export PGSSLMODE="${DB_TLS_MODE}"
[[ -n "${DB_TLS_CA:-}" ]] && export PGSSLROOTCERT="${DB_TLS_CA}"
pg_as_source() {
  export PGHOST="${SRC_HOST}" PGPORT="${SRC_PORT}" PGUSER="${SRC_USER}" PGPASSWORD="${SRC_PASSWORD}" PGDATABASE="${SRC_DATABASE}"
  export PGSSLMODE="${SRC_TLS_MODE:-prefer}"
  unset PGSSLROOTCERT
}
pg_user_tables() {
  psql -X -A -t -v ON_ERROR_STOP=1 -c "select count(*) from pg_catalog.pg_tables where schemaname not in ('pg_catalog','information_schema')"
}
pg_dump_stream() { pg_dump --format=custom --no-owner --no-privileges --verbose; }
pg_restore_stream() {
  local force="$1" args=(--no-owner --no-privileges --verbose --exit-on-error --dbname="${PGDATABASE}")
  (( force )) && args+=(--clean --if-exists)
  pg_restore "${args[@]}"
}
# One line per table: schema.table<TAB>rows<TAB>md5 of its rows (order-independent) or "-".
pg_census() {
  local tables table rows sum
  tables="$(psql -X -A -t -v ON_ERROR_STOP=1 -c "select quote_ident(schemaname)||'.'||quote_ident(tablename) from pg_catalog.pg_tables where schemaname not in ('pg_catalog','information_schema') order by 1")"
  while IFS= read -r table; do
    [[ -n "${table}" ]] || continue
    rows="$(psql -X -A -t -v ON_ERROR_STOP=1 -c "select count(*) from ${table}")"
    sum="-"
    if (( rows <= checksum_max_rows )); then
      sum="$(psql -X -A -t -v ON_ERROR_STOP=1 -c "select md5(coalesce(string_agg(h, '' order by h), '')) from (select md5(t::text) as h from ${table} t) s")"
    fi
    printf '%s\t%s\t%s\n' "${table}" "${rows}" "${sum}"
  done <<< "${tables}"
}

# --- MySQL / MariaDB: MYSQL_HOST MYSQL_TCP_PORT MYSQL_PWD (the clients read them), user and database as files ---
my_client_args() {
  printf '%s\n' "--host=${MYSQL_HOST}" "--port=${MYSQL_TCP_PORT}" "--user=${DB_USER}"
  [[ -n "${DB_TLS_MODE:-}" ]] && printf '%s\n' "--ssl-mode=${DB_TLS_MODE}"
  [[ -n "${DB_TLS_CA:-}" ]] && printf '%s\n' "--ssl-ca=${DB_TLS_CA}"
  return 0
}
my_as_source() {
  export MYSQL_HOST="${SRC_HOST}" MYSQL_TCP_PORT="${SRC_PORT}" DB_USER="${SRC_USER}" MYSQL_PWD="${SRC_PASSWORD}" DB_NAME="${SRC_DATABASE}"
  DB_TLS_MODE="${SRC_TLS_MODE:-}" DB_TLS_CA=""
}
my_query() { local args; mapfile -t args < <(my_client_args); mysql "${args[@]}" --batch --skip-column-names "${DB_NAME}" -e "$1"; }
my_user_tables() { my_query "select count(*) from information_schema.tables where table_schema = database() and table_type = 'BASE TABLE'"; }
my_dump_stream() { local args; mapfile -t args < <(my_client_args); mysqldump "${args[@]}" --single-transaction --routines --triggers --events --verbose "${DB_NAME}"; }
my_restore_stream() { local args; mapfile -t args < <(my_client_args); mysql "${args[@]}" "${DB_NAME}"; }
my_census() {
  local table rows sum
  while IFS= read -r table; do
    [[ -n "${table}" ]] || continue
    rows="$(my_query "select count(*) from \`${table}\`")"
    sum="-"
    (( rows <= checksum_max_rows )) && sum="$(my_query "checksum table \`${table}\`" | cut -f2)"
    printf '%s\t%s\t%s\n' "${table}" "${rows}" "${sum}"
  done < <(my_query "select table_name from information_schema.tables where table_schema = database() and table_type = 'BASE TABLE' order by 1")
}

# Restoring over tables that exist needs --force (then existing objects are dropped first).
check_empty() {
  local force="$1" count
  count="$("${engine}_user_tables")"
  if (( count > 0 && ! force )); then
    die "the stack's database already has ${count} table(s): restoring would mix two databases. Give --force to drop what the dump holds and restore over it"
  fi
}

main() {
  engine="$1" action="$2"
  local flag="${3:-}" force=0
  case "${engine}" in postgres) engine=pg ;; mysql) engine=my ;; *) die "unknown engine '${engine}'" ;; esac
  [[ "${flag}" == --force ]] && force=1
  case "${action}" in
    dump) "${engine}_dump_stream" ;;
    restore) check_empty "${force}"; "${engine}_restore_stream" "${force}" ;;
    copy)
      check_empty "${force}"
      # The source's dump streams straight into the restore: nothing lands on disk.
      ( "${engine}_as_source"; "${engine}_dump_stream" ) | "${engine}_restore_stream" "${force}"
      ;;
    census)
      [[ "${flag}" == --source ]] && "${engine}_as_source"
      "${engine}_census"
      ;;
    *) die "unknown action '${action}'" ;;
  esac
}

main "$@"
