#!/usr/bin/env bash
# Runs on the host as the deploy user (the host tests send it over SSH): compose, the containers of a
# service and the nginx reload for the deployed app, through the serving release's own lib.sh (and the
# containers.sh and proxy.sh beside it), so the
# tests address the compose project exactly as deploy.sh does (project name, directory, compose file).
#   on-host.sh LIB_SH PROJECT_DIR APP_NAME COMPOSE_FILE HTTP_PORT compose ARGS...   (HTTP_PORT: what deploy.sh gives compose, 127.0.0.1:<proxy port>)
#   on-host.sh LIB_SH PROJECT_DIR APP_NAME COMPOSE_FILE HTTP_PORT service-containers SERVICE
#   on-host.sh LIB_SH PROJECT_DIR APP_NAME COMPOSE_FILE HTTP_PORT reload-nginx PROXY_SERVICE
set -euo pipefail

main() {
  local lib="$1" action="$6"
  # Read by containers.sh's compose and service_containers, and proxy.sh's reload_nginx.
  # shellcheck disable=SC2034 # read by the sourced containers.sh and proxy.sh (proxy_service too)
  project_dir="$2" app_name="$3" compose_file="$4" script_name=on-host
  export HTTP_PORT="$5"
  # As deploy.sh sets it: LIB_SH is <base>/<link>/.compose-on-ec2/lib.sh, the CA bundle <base>/db-ca.
  DB_CA_DIR="$(dirname "$(dirname "$(dirname "${lib}")")")/db-ca"
  export DB_CA_DIR
  shift 6
  [[ -f "${lib}" ]] || { echo "[on-host] ERROR: ${lib} is missing: is a release deployed?" >&2; exit 1; }
  # shellcheck source=host/release/lib.sh
  source "${lib}"
  # shellcheck source=host/release/proxy.sh
  source "$(dirname "${lib}")/proxy.sh"
  # shellcheck disable=SC2034 # proxy_service: read by reload_nginx
  case "${action}" in
    compose) detect_compose; compose "$@" ;;
    service-containers) service_containers "${1:?service}" ;;
    reload-nginx) proxy_service="${1:?proxy service}"; reload_nginx now ;;
    *) die "unknown action '${action}' (compose, service-containers, reload-nginx)" ;;
  esac
}

main "$@"
