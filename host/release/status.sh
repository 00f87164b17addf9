#!/usr/bin/env bash
# Show what is deployed: current/previous release, the app's containers and health via nginx.
# Exits 1 when the health check through nginx fails.
set -euo pipefail

script_name=status
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  echo "usage: status.sh --base-dir DIR --app-name NAME --http-port PORT --health-path P" >&2
  exit 2
}

parse_args() {
  base_dir="" app_name="" http_port="" health_path=""
  while (( $# )); do
    case "$1" in
      --base-dir) base_dir="$2" ;;
      --app-name) app_name="$2" ;;
      --http-port) http_port="$2" ;;
      --health-path) health_path="$2" ;;
      *) usage ;;
    esac
    shift 2 || usage
  done
  require_flag base-dir "${base_dir}"
  require_flag app-name "${app_name}"
  require_flag health-path "${health_path}"
  whole_number http-port "${http_port}"
}

main() {
  local url
  parse_args "$@"
  url="http://127.0.0.1:${http_port}${health_path}"
  log "current:  $(readlink "${base_dir}/${layout_current}" 2>/dev/null || echo none)"
  log "previous: $(readlink "${base_dir}/${layout_previous}" 2>/dev/null || echo none)"
  docker ps -a --filter "label=com.docker.compose.project=${app_name}" \
    --format 'table {{.Names}}\t{{.Image}}\t{{.Status}}'
  if curl -fsS -o /dev/null -m 5 "${url}"; then
    log "health: ${url} OK"
  else
    log "health: ${url} FAILING"
    return 1
  fi
}

main "$@"
