#!/usr/bin/env bash
# Show what is deployed: current/previous release, the app's containers and health via nginx.
# Exits 1 when the health check through nginx fails.
set -euo pipefail

script_name=status
usage_text="usage: status.sh --base-dir DIR --app-name NAME --http-port PORT --health-path P"
# shellcheck source-path=SCRIPTDIR source=containers.sh
source "$(dirname "${BASH_SOURCE[0]}")/containers.sh"

parse_args() {
  base_dir="" app_name="" http_port="" health_path=""
  flag_vars=([base-dir]=base_dir [app-name]=app_name [http-port]=http_port [health-path]=health_path)
  read_flags "$@"
  require_flags base-dir app-name health-path
  whole_number http-port "${http_port}"
}

main() {
  local url
  parse_args "$@"
  url="http://127.0.0.1:${http_port}${health_path}"
  log "current:  $(readlink "${base_dir}/${layout_current}" 2>/dev/null || echo none)"
  log "previous: $(readlink "${base_dir}/${layout_previous}" 2>/dev/null || echo none)"
  project_containers --with-oneoff -a --format 'table {{.Names}}\t{{.Image}}\t{{.Status}}'
  if curl -fsS -o /dev/null -m 5 "${url}"; then
    log "health: ${url} OK"
  else
    log "health: ${url} FAILING"
    return 1
  fi
}

main "$@"
