#!/usr/bin/env bash
# Take the app down: `compose down --remove-orphans` with the current release's compose file.
# Named volumes (static files, user uploads in media) are KEPT: deleting user data is a separate,
# deliberate step (`docker volume rm <app>_media`). Release files stay too. Exits 0 when nothing is
# there (no release, no docker).
#   destroy.sh BASE_DIR APP_NAME [COMPOSE_FILE]
set -euo pipefail

script_name=destroy
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

base_dir="${1:?usage: destroy.sh BASE_DIR APP_NAME [COMPOSE_FILE]}"
app_name="${2:?usage: destroy.sh BASE_DIR APP_NAME [COMPOSE_FILE]}"
compose_file="${3:-docker-compose.prod.yml}"

# compose ran from <baseDir>/active (deploy.sh); fall back to current, then to the newest release.
project_dir="${base_dir}/active"
[[ -d "${project_dir}" ]] || project_dir="${base_dir}/current"
if [[ ! -d "${project_dir}" ]]; then
  # A first deploy that never switched `current` may still have left containers: use the newest release.
  # shellcheck disable=SC2012 # release names are sha256 hex
  newest="$(ls -1t "${base_dir}/releases" 2>/dev/null | head -n 1 || true)"
  [[ -n "${newest}" ]] || { log "nothing deployed under ${base_dir}: nothing to destroy"; exit 0; }
  project_dir="${base_dir}/releases/${newest}"
fi
if ! docker info >/dev/null 2>&1; then
  log "docker does not answer: nothing to destroy"
  exit 0
fi
[[ -f "${project_dir}/${compose_file}" ]] || { log "no ${compose_file} in ${project_dir}: nothing to destroy"; exit 0; }
env_file="$(dirname "${project_dir}/${compose_file}")/.env"
[[ -f "${env_file}" ]] || ( umask 077; : > "${env_file}" )
detect_compose
log "compose down (project ${app_name}; volumes kept)"
compose down --remove-orphans --timeout 30
log "destroyed ${app_name}"
