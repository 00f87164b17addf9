#!/usr/bin/env bash
# Take the app down: `compose down --remove-orphans` with the compose file of the release compose
# last ran. Named volumes (static files, user uploads in media) are KEPT: deleting user data is a
# separate, deliberate step (`docker volume rm <app>_media`). Release files stay too. Exits 0 when
# nothing is there (no release, no docker).
# All output goes to a 0600 log under <baseDir>/logs; a failure hands back only its reason and that path.
set -euo pipefail

script_name=destroy
usage_text="usage: destroy.sh --base-dir DIR --app-name NAME --compose-file F"
# shellcheck source-path=SCRIPTDIR source=containers.sh
source "$(dirname "${BASH_SOURCE[0]}")/containers.sh"

parse_args() {
  base_dir="" app_name="" compose_file=""
  flag_vars=([base-dir]=base_dir [app-name]=app_name [compose-file]=compose_file)
  read_flags "$@"
  require_flags base-dir app-name compose-file
}

# Sets project_dir to where compose ran: <baseDir>/active (deploy.sh), else current, else the newest
# release (a first deploy that never switched `current` may still have left containers). False when
# nothing was ever assembled.
find_project_dir() {
  local newest
  project_dir="${base_dir}/${layout_active}"
  [[ -d "${project_dir}" ]] && return 0
  project_dir="${base_dir}/${layout_current}"
  [[ -d "${project_dir}" ]] && return 0
  # shellcheck disable=SC2012 # release names are sha256 hex
  newest="$(ls -1t "${base_dir}/${layout_releases}" 2>/dev/null | head -n 1 || true)"
  [[ -n "${newest}" ]] || return 1
  project_dir="${base_dir}/${layout_releases}/${newest}"
}

main() {
  parse_args "$@"
  find_project_dir || { log "nothing deployed under ${base_dir}: nothing to destroy"; return 0; }
  start_host_log destroy
  env_file="$(dirname "${project_dir}/${compose_file}")/.env"
  trap 'finish_host_log $? "${env_file}"' EXIT
  if ! docker info >/dev/null 2>&1; then
    log "docker does not answer: nothing to destroy"
    return 0
  fi
  [[ -f "${project_dir}/${compose_file}" ]] || { log "no ${compose_file} in ${project_dir}: nothing to destroy"; return 0; }
  [[ -f "${env_file}" ]] || ( umask 077; : > "${env_file}" )
  detect_compose
  log "compose down (project ${app_name}; volumes kept)"
  compose down --remove-orphans --timeout 30 || die "compose down failed for project ${app_name}"
  # The edge goes with the app; its certificate and ACME account stay (a re-deploy does not re-issue).
  if [[ -x "$(dirname "${BASH_SOURCE[0]}")/edge.sh" ]]; then "$(dirname "${BASH_SOURCE[0]}")/edge.sh" stop --base-dir "${base_dir}"; fi
  log "destroyed ${app_name}"
}

main "$@"
