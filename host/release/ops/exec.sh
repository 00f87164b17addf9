#!/usr/bin/env bash
# ops exec: run a command in a running container of a service (the first one, by name), e.g.
# `exec web -- python manage.py createsuperuser`. stdin passes through; --tty (sent by the runner
# when its stdin is a terminal) gives the command a terminal. The command's exit code is returned.
#   exec.sh --base-dir DIR SERVICE [--tty] -- COMMAND [ARGS…]
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

parse_args() {
  start_verb exec "usage: exec.sh --base-dir DIR SERVICE [--tty] -- COMMAND [ARGS...]" "$@"
  service="" tty=0
  set -- "${rest[@]}"
  while (( $# )); do
    case "$1" in
      --) shift; break ;;
      --tty) tty=1 ;;
      -*) usage_error "unknown option '$1' (put the command after --)" ;;
      *) [[ -z "${service}" ]] || usage_error "one service (got '${service}' and '$1'); put the command after --"; service="$1" ;;
    esac
    shift
  done
  [[ -n "${service}" ]] || usage_error "name the service (e.g. web)"
  (( $# )) || usage_error "give the command after -- (e.g. -- python manage.py check)"
  cmd=("$@")
}

main() {
  local id args=(-i)
  parse_args "$@"
  read_settings
  id="$(project_containers --filter "label=com.docker.compose.service=${service}" --format '{{.Names}} {{.ID}}' | sort | head -n 1 | cut -d' ' -f2)"
  [[ -n "${id}" ]] || die "no running container of service '${service}' (app ${app_name}): see ops status"
  (( ! tty )) || args+=(-t)
  exec docker exec "${args[@]}" "${id}" "${cmd[@]}"
}

main "$@"
