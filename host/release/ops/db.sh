#!/usr/bin/env bash
# ops db: the stack's database from the host (the only machine that reaches RDS), with the engine's
# own tools in a container: postgres:<major> (pg_dump/pg_restore/psql) or mysql:8.0 (mysqldump/mysql);
# --image names another image with those clients. The stack's DATABASE_URL is read from the serving
# release's env file; another database's URL arrives on stdin (first line). Credentials reach the
# container only through a 0600 --env-file that is removed on exit: never an argument of any process.
#   db.sh --base-dir DIR dump [--image IMG]                 the dump (pg_dump custom format / SQL) to stdout
#   db.sh --base-dir DIR restore [--force] [--image IMG]    a dump from stdin into the stack's database
#   db.sh --base-dir DIR copy [--force] [--image IMG]       stdin: the source URL; its dump streams straight in
#   db.sh --base-dir DIR verify [--image IMG]               stdin: the other URL; rows and checksums of its tables here
# Progress (the tools' verbose lines) goes to stderr. Restore and copy refuse a database that has
# tables unless --force. Exit: 0 done (verify: every table equal), 1 failed or differ, 2 bad usage.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

parse_args() {
  start_verb db "usage: db.sh --base-dir DIR dump|restore|copy|verify [--force] [--image IMAGE]" "$@"
  take_action dump restore copy verify
  set -- "${rest[@]}"
  force=0 image=""
  while (( $# )); do
    case "$1" in
      --force) [[ "${action}" == restore || "${action}" == copy ]] || usage_error "--force is for restore and copy"; force=1 ;;
      --image) [[ -n "${2:-}" ]] || usage_error "--image needs a value"; image="$2"; shift ;;
      *) usage_error "unknown argument '$1'" ;;
    esac
    shift
  done
}

# Set by parse_url (printf -v): the stack's database and the other one.
stack_engine="" stack_user="" stack_password="" stack_host="" stack_port="" stack_database="" stack_tls_mode="" stack_tls_ca=""
src_engine="" src_user="" src_password="" src_host="" src_port="" src_database="" src_tls_mode=""

# %XX in a URL part → the byte.
url_decode() { local s="${1//+/ }"; printf '%b' "${s//%/\\x}"; }

# Splits a postgres:// or mysql:// URL into <prefix>_engine, _user, _password, _host, _port, _database.
# The URL and its parts stay in shell variables (never printed, never an argument).
parse_url() {
  local prefix="$1" url="$2" re='^([a-z0-9+]+)://([^:@/]*)(:([^@/]*))?@([^:/?]+)(:([0-9]+))?/([^?]+)'
  [[ "${url}" =~ ${re} ]] || die "the ${prefix} database URL is not scheme://user:password@host[:port]/name (its value is not shown)"
  local scheme="${BASH_REMATCH[1]}" engine
  case "${scheme}" in postgres | postgresql) engine=postgres ;; mysql | mysql2 | mariadb) engine=mysql ;; *) die "the ${prefix} database URL's scheme '${scheme}' is neither postgres nor mysql" ;; esac
  printf -v "${prefix}_engine" '%s' "${engine}"
  printf -v "${prefix}_user" '%s' "$(url_decode "${BASH_REMATCH[2]}")"
  printf -v "${prefix}_password" '%s' "$(url_decode "${BASH_REMATCH[4]}")"
  printf -v "${prefix}_host" '%s' "${BASH_REMATCH[5]}"
  printf -v "${prefix}_port" '%s' "${BASH_REMATCH[7]:-$([[ "${engine}" == postgres ]] && echo 5432 || echo 3306)}"
  printf -v "${prefix}_database" '%s' "$(url_decode "${BASH_REMATCH[8]}")"
  parse_tls "${prefix}" "${url}"
}

# The URL's TLS settings (the stack's: components/database.ts verifiedTlsQuery): PostgreSQL's sslmode
# and sslrootcert, MySQL's ssl-mode and ssl-ca, into <prefix>_tls_mode and <prefix>_tls_ca.
parse_tls() {
  local prefix="$1" query="" pair pairs=() mode="" ca=""
  [[ "$2" == *\?* ]] && query="${2#*\?}"
  # Split on & without word splitting or globbing the values.
  IFS='&' read -ra pairs <<< "${query}"
  for pair in "${pairs[@]}"; do
    case "${pair}" in
      sslmode=* | ssl-mode=*) mode="$(url_decode "${pair#*=}")" ;;
      sslrootcert=* | ssl-ca=*) ca="$(url_decode "${pair#*=}")" ;;
    esac
  done
  printf -v "${prefix}_tls_mode" '%s' "${mode}"
  printf -v "${prefix}_tls_ca" '%s' "${ca}"
}

# The stack's DATABASE_URL from the serving release's env file.
read_stack_url() {
  local env_path line
  env_path="${base_dir}/${layout_current}/$(dirname "${compose_file}")/${env_file_name}"
  [[ -f "${env_path}" ]] || die "${env_path} is missing: deploy once (pulumi up) so the release has its .env"
  stack_url=""
  while IFS= read -r line; do
    [[ "${line}" == DATABASE_URL=* ]] && stack_url="${line#DATABASE_URL=}"
  done < "${env_path}"
  # The deployment writes KEY='value' (components/config/envfile.ts: single quotes, read literally).
  if [[ "${stack_url}" == \'*\' ]]; then stack_url="${stack_url:1:${#stack_url}-2}"; fi
  if [[ "${stack_url}" == \"*\" ]]; then stack_url="${stack_url:1:${#stack_url}-2}"; fi
  [[ -n "${stack_url}" ]] || die "${env_path} has no DATABASE_URL"
  parse_url stack "${stack_url}"
}

# The other database's URL: the first line of stdin.
read_other_url() {
  local url=""
  [[ -t 0 ]] && die "send the other database's URL on stdin (npm run ops -- db ${action} --from env:NAME does)"
  IFS= read -r url || true
  [[ -n "${url}" ]] || die "no database URL on stdin"
  parse_url src "${url}"
  [[ "${src_engine}" == "${stack_engine}" ]] || die "the other database is ${src_engine} and the stack's is ${stack_engine}: copy between the same engine only"
}

# The 0600 env file the container reads: the stack's credentials (and the source's when there is one).
write_env_file() {
  work_dir="$(mktemp -d)"
  trap 'rm -rf "${work_dir}"' EXIT
  env_file_path="${work_dir}/db.env"
  (
    umask 077
    if [[ "${stack_engine}" == postgres ]]; then
      printf 'PGHOST=%s\nPGPORT=%s\nPGUSER=%s\nPGPASSWORD=%s\nPGDATABASE=%s\n' "${stack_host}" "${stack_port}" "${stack_user}" "${stack_password}" "${stack_database}"
    else
      printf 'MYSQL_HOST=%s\nMYSQL_TCP_PORT=%s\nDB_USER=%s\nMYSQL_PWD=%s\nDB_NAME=%s\n' "${stack_host}" "${stack_port}" "${stack_user}" "${stack_password}" "${stack_database}"
    fi
    # The stack's certificate check, against the CA bundle mounted where the URL names it (run_tool).
    printf 'DB_TLS_MODE=%s\nDB_TLS_CA=%s\n' "${stack_tls_mode}" "${stack_tls_ca}"
    if [[ -n "${src_host}" ]]; then
      printf 'SRC_HOST=%s\nSRC_PORT=%s\nSRC_USER=%s\nSRC_PASSWORD=%s\nSRC_DATABASE=%s\nSRC_TLS_MODE=%s\n' "${src_host}" "${src_port}" "${src_user}" "${src_password}" "${src_database}" "${src_tls_mode}"
    fi
  ) > "${env_file_path}"
}

# The tools image: --image, else the engine's official image for the stack's major version.
tools_image() {
  if [[ -n "${image}" ]]; then printf '%s' "${image}"; return; fi
  if [[ "${stack_engine}" == postgres ]]; then printf 'postgres:%s' "${db_major:-16}"; else printf 'mysql:8.0'; fi
}

# db-tool.sh ACTION [FLAG] in the tools container (stdin passed through with -i when asked).
run_tool() {
  local stdin_flag="$1"; shift
  local args=(run --rm --env-file "${env_file_path}" -v "$(cd "${ops_dir}" && pwd -P)/db-tool.sh:/usr/local/bin/db-tool.sh:ro" --entrypoint bash)
  [[ "${stdin_flag}" == -i ]] && args+=(-i)
  # The stack's URL verifies the database's certificate: mount the CA bundle the deploy mounts into the app.
  [[ -n "${stack_tls_ca}" ]] && args+=(-v "${base_dir}/${layout_db_ca}:$(dirname "${stack_tls_ca}"):ro")
  docker "${args[@]}" "$(tools_image)" /usr/local/bin/db-tool.sh "${stack_engine}" "$@"
}

# Every table of the other database must be here with its row count and checksum; tables only here
# (the app's own, made by its migrations before the move) are listed but do not count against it.
verify() {
  local mine theirs table rows sum here_rows here_sum equal=0 total=0 only_here
  theirs="$(run_tool - census --source)" || die "could not read the other database's tables"
  mine="$(run_tool - census)" || die "could not read the stack's database's tables"
  while IFS=$'\t' read -r table rows sum; do
    [[ -n "${table}" ]] || continue
    total=$((total + 1))
    here_rows="" here_sum=""
    IFS=$'\t' read -r _ here_rows here_sum < <(awk -F'\t' -v t="${table}" '$1 == t' <<< "${mine}" | head -n 1) || true
    if [[ -z "${here_rows}" ]]; then
      say "table ${table}: rows ${rows} there, MISSING here"
    elif [[ "${rows}" == "${here_rows}" && "${sum}" == "${here_sum}" ]]; then
      equal=$((equal + 1))
      say "table ${table}: rows ${here_rows} = ${rows}, checksum $([[ "${sum}" == - ]] && echo "skipped (large table)" || echo equal)"
    else
      say "table ${table}: rows ${here_rows} here vs ${rows} there, checksum $([[ "${sum}" == "${here_sum}" ]] && echo equal || echo DIFFERS)"
    fi
  done <<< "${theirs}"
  only_here="$(comm -23 <(cut -f1 <<< "${mine}" | LC_ALL=C sort) <(cut -f1 <<< "${theirs}" | LC_ALL=C sort) | grep -c . || true)"
  (( only_here == 0 )) || say "tables only here (not compared): ${only_here}"
  say "verify: tables_equal=${equal}/${total}"
  (( equal == total && total > 0 ))
}

main() {
  parse_args "$@"
  read_settings
  read_stack_url
  if [[ "${action}" == copy || "${action}" == verify ]]; then read_other_url; fi
  write_env_file
  case "${action}" in
    dump) say "db dump: ${stack_engine} ${stack_database} on ${stack_host} → stdout" >&2; run_tool - dump ;;
    restore) say "db restore: stdin → ${stack_engine} ${stack_database} on ${stack_host}" >&2; run_tool -i restore "$([[ ${force} == 1 ]] && echo --force || echo --)" ;;
    copy) say "db copy: ${src_database} on ${src_host} → ${stack_database} on ${stack_host} (streamed)" >&2; run_tool - copy "$([[ ${force} == 1 ]] && echo --force || echo --)" ;;
    verify) verify ;;
  esac
  [[ "${action}" == verify ]] || say "db ${action}: done" >&2
}

main "$@"
