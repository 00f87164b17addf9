#!/usr/bin/env bash
# Show what is deployed: current/previous release, the app's containers and health via nginx.
#   status.sh BASE_DIR APP_NAME [HTTP_PORT] [HEALTH_PATH]
set -euo pipefail

script_name=status
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

base_dir="${1:?usage: status.sh BASE_DIR APP_NAME [HTTP_PORT] [HEALTH_PATH]}"
app_name="${2:?usage: status.sh BASE_DIR APP_NAME [HTTP_PORT] [HEALTH_PATH]}"
http_port="${3:-80}"
health_path="${4:-/healthz}"

log "current:  $(readlink "${base_dir}/current" 2>/dev/null || echo none)"
log "previous: $(readlink "${base_dir}/previous" 2>/dev/null || echo none)"
docker ps -a --filter "label=com.docker.compose.project=${app_name}" \
  --format 'table {{.Names}}\t{{.Image}}\t{{.Status}}'
if curl -fsS -o /dev/null -m 5 "http://127.0.0.1:${http_port}${health_path}"; then
  log "health: http://127.0.0.1:${http_port}${health_path} OK"
else
  log "health: http://127.0.0.1:${http_port}${health_path} FAILING"
  exit 1
fi
