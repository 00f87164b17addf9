#!/usr/bin/env bash
# ops logs: the app's container logs, each line prefixed with its container's name.
#   logs.sh --base-dir DIR [SERVICE] [-f|--follow] [--since 10m] [--tail N]
# Without SERVICE: every service of the app. --tail defaults to 100 lines per container.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

parse_args() {
  start_verb logs "usage: logs.sh --base-dir DIR [SERVICE] [-f|--follow] [--since DURATION|TIME] [--tail N|all]" "$@"
  service="" follow=0 since="" tail_lines=100
  set -- "${rest[@]}"
  while (( $# )); do
    case "$1" in
      -f|--follow) follow=1 ;;
      --since) [[ -n "${2:-}" ]] || usage_error "--since needs a value (e.g. 10m)"; since="$2"; shift ;;
      --tail) [[ "${2:-}" =~ ^([0-9]+|all)$ ]] || usage_error "--tail needs a whole number or 'all' (got '${2:-}')"; tail_lines="$2"; shift ;;
      -*) usage_error "unknown option '$1'" ;;
      *) [[ -z "${service}" ]] || usage_error "one service at most (got '${service}' and '$1')"; service="$1" ;;
    esac
    shift
  done
}

# The app's containers (of SERVICE when given), one-off ones aside, stopped ones included.
containers() {
  if [[ -n "${service}" ]]; then
    service_containers "${service}" -a
  else
    project_containers -aq
  fi
}

# One container's log, each line prefixed with its name.
show() {
  local id="$1" name args=(--tail "${tail_lines}")
  name="$(docker inspect -f '{{.Name}}' "${id}" | sed 's|^/||')"
  [[ -z "${since}" ]] || args+=(--since "${since}")
  (( ! follow )) || args+=(--follow)
  docker logs "${args[@]}" "${id}" 2>&1 | sed -u "s|^|${name} \| |"
}

main() {
  local id pids=()
  parse_args "$@"
  read_settings
  mapfile -t ids < <(containers)
  (( ${#ids[@]} )) || die "no container of ${service:-the app} (${app_name}) on this host"
  if (( ! follow )); then
    for id in "${ids[@]}"; do show "${id}"; done
    return 0
  fi
  trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
  for id in "${ids[@]}"; do show "${id}" & pids+=($!); done
  wait
}

main "$@"
