#!/usr/bin/env bash
# Deploy the release this script was assembled with (<baseDir>/releases/<sha>/.compose-on-ec2/deploy.sh).
# stdin: the .env file (secret: written 0600, never printed).
#
#   build (host mode) or pull (registry mode, the pulled image checked against the pushed digest:
#   registry.sh) → gapless switch (the new container migrates first):
#   start the new web container beside the old one, wait until it is healthy, reload nginx (routes
#   to the new one alone: the old one drains), retire the old one (stop, reload nginx) in the
#   background while the other services come up (only when changed), the health check goes through
#   nginx and the edge starts → once retired, switch `current`. When the new container does not get
#   healthy, it is removed and the old one never stopped serving. Then the workers restart, one
#   replica at a time, each given its stop_grace_period to finish its job (workers.sh). A redeploy
#   of the current release with the same .env restarts nothing.
# Checks through nginx and the edge tell busy from broken (verdict.sh): a slow answer while the new
# container answers its own health check is "busy", a warning after --busy-timeout seconds, never a
# failure. A failure once traffic has moved (any step, or the deploy being stopped by a signal) ends
# in one consistent state (settle_after_switch, switch.sh): the new release recorded as current when
# it answers, else the previous one switched back the same gapless way; `current` always names the
# release that serves.
# What it records and removes (current/previous, kept images for `--images-built` rollbacks, the rollback
# rule, old releases): records.sh. The switch and its rollback: switch.sh. The edge and certificates:
# deploy-edge.sh.
# All output goes to a 0600 log under <baseDir>/logs; a failure hands back only its reason and that path.
set -euo pipefail

script_name=deploy
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# switch.sh brings the rest of the deploy's libraries: records.sh (and through it params.sh,
# containers.sh, fingerprints.sh, edge-lib.sh, verdict.sh with health.sh) and proxy.sh.
# shellcheck source-path=SCRIPTDIR source=switch.sh
source "$(dirname "${BASH_SOURCE[0]}")/switch.sh"
# shellcheck source-path=SCRIPTDIR source=deploy-edge.sh
source "$(dirname "${BASH_SOURCE[0]}")/deploy-edge.sh"
# shellcheck source-path=SCRIPTDIR source=registry.sh
source "$(dirname "${BASH_SOURCE[0]}")/registry.sh"
# shellcheck source-path=SCRIPTDIR source=workers.sh
source "$(dirname "${BASH_SOURCE[0]}")/workers.sh"

# The flags, their defaults and checks: params.sh's table (sourced by records.sh).
usage_text="$(deploy_usage)"
parse_args() {
  param_defaults
  read_flags "$@"
  param_checks
  if [[ -n "${domains}" ]]; then require_flags acme-email acme-server; fi
}

# Where this release lives; everything below works inside it.
locate_release() {
  release_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
  release="$(basename "${release_dir}")"
  releases_dir="${base_dir}/${layout_releases}"
  [[ "$(cd "${releases_dir}" 2>/dev/null && pwd -P)" == "$(dirname "${release_dir}")" ]] \
    || die "this script must run from ${releases_dir}/<sha>/${layout_release_scripts}/ (it is in ${release_dir})"
  cd "${release_dir}"
  [[ -f "${compose_file}" ]] || die "compose file '${compose_file}' not found in release ${release}"
  # The web service's env_file (relative to the compose file) gets the .env content; compose reads
  # .env next to the compose file for ${VAR} references, so that name links to it (link_dotenv).
  env_file="${release_dir}/$(dirname "${compose_file}")/${env_file_name}"
  dotenv="${release_dir}/$(dirname "${compose_file}")/.env"
  mkdir -p "$(dirname "${env_file}")"
  incoming_env="${env_file}.incoming.$$"
  env_backup="${env_file}.before.$$"
  # The app's proxy, straight (the edge in front of it may redirect to HTTPS).
  health_url="http://127.0.0.1:${proxy_port}${health_path}"
  # The release the checks through nginx and the edge expect (X-Release-Id, when the app sends it).
  expected_release=""
  project_dir="${base_dir}/${layout_active}"   # compose runs here (see containers.sh: compose)
  deployed_record="${base_dir}/${layout_deployed_containers}"
  fingerprints_record="${base_dir}/${layout_others_fingerprints}"   # read by services_unchanged (fingerprints.sh)
}

# Until the old containers start retiring (stage "prepare"), a failure leaves everything as it was:
# `active` and this release's .env are put back.
stage=prepare
# The step under way, for the message of a failure after the switch.
step=prepare
current_target=""
previous_active=""
others_build_pid=""
services_file=""
others_hashes=""
env_installed=0
on_exit() {
  local status=$?
  # Stopped by a signal once traffic has moved: settle first (the records must name what serves).
  trap '' HUP INT TERM PIPE
  if (( status != 0 )) && [[ "${stage}" == switched ]]; then
    if [[ -n "${retire_pid}" ]]; then wait "${retire_pid}" || log "WARNING: retiring ${old_ids[*]} failed"; retire_pid=""; fi
    ( settle_after_switch ) || log "WARNING: settling after the failed switch stopped early (see above)"
  fi
  # A background build of the other services must not outlive a failed deploy (it holds the lock).
  if [[ -n "${others_build_pid}" ]]; then kill "${others_build_pid}" 2>/dev/null || true; fi
  # A retirement under way finishes before the deploy hands back (and lets go of the lock).
  if [[ -n "${retire_pid}" ]]; then wait "${retire_pid}" || true; fi
  finish_host_log "${status}" "${incoming_env}" "${env_file}" "${env_backup}"
  rm -f "${incoming_env}" "${services_file}" "${others_hashes}"
  if (( status != 0 )) && [[ "${stage}" == prepare ]]; then
    if [[ -n "${previous_active}" ]]; then point_link "${project_dir}" "${previous_active}"; fi
    # The release's .env as it was; a release that had none (a new one that never served) keeps none.
    if [[ -f "${env_backup}" ]]; then mv -f "${env_backup}" "${env_file}"
    elif (( env_installed )); then rm -f "${env_file}"; fi
  fi
  rm -f "${env_backup}"
}

# --- steps ---------------------------------------------------------------------------------------

# The .env from stdin, 0600, never echoed.
prepare_env() {
  [[ -t 0 ]] && die "pipe the .env file on stdin"
  ( umask 077; cat > "${incoming_env}" )
  if ! grep -q '^RELEASE_ID=' "${incoming_env}"; then
    # The app shows RELEASE_ID and the web image is tagged with it: default to the bundle's sha.
    printf 'RELEASE_ID=%s\n' "${release:0:12}" >> "${incoming_env}"
  fi
  # The app's proxy publishes on loopback only: the edge (edge.sh) owns the public ports.
  export HTTP_PORT="127.0.0.1:${proxy_port}"
  # The proxy mounts this directory (ops/maintenance.sh puts its page there).
  export MAINTENANCE_DIR="${base_dir}/${layout_maintenance}"
  mkdir -p "${MAINTENANCE_DIR}"
  # The app's services mount the database's CA bundle from here (the db-user step puts it there).
  export DB_CA_DIR="${base_dir}/${layout_db_ca}"
}

# One deploy at a time. A deploy that switches back to the previous release after a failed switch
# runs that release's deploy.sh while it holds the lock (settle_after_switch): that one says so
# with COMPOSE_ON_EC2_LOCK_HELD=<the lock's path>, and its lock is the caller's.
# shellcheck disable=SC2154 # lock_timeout: params.sh's table
take_lock() {
  local lock="${base_dir}/${layout_deploy_lock}"
  if [[ "${COMPOSE_ON_EC2_LOCK_HELD:-}" == "${lock}" ]]; then
    log "switching back for the deploy that holds ${lock}"
    return 0
  fi
  exec 9>>"${lock}"
  if ! flock -n 9; then
    log "another deploy holds ${lock}; waiting up to ${lock_timeout}s"
    flock -w "${lock_timeout}" 9 || die "another deploy still holds ${lock} after ${lock_timeout}s"
  fi
}

# True when the web containers are healthy and the app answers through nginx (ok or busy).
all_healthy() {
  local ids id n=0 status health pid
  ids="$(service_containers "${web_service}" -a)"
  for id in ${ids}; do
    n=$((n + 1))
    read -r status health _ pid <<<"$(container_state "${id}")"
    case "${status} ${health}" in
      "running healthy") ;;
      "running none") if [[ "${health_source}" == probe ]]; then probe_web_now "${id}" "${pid}" || return 1; fi ;;
      # Docker's first scheduled check may not have run yet (a deploy right after the last one).
      "running starting") probe_health_now "${id}" || return 1 ;;
      *) return 1 ;;
    esac
  done
  (( n >= 1 )) || return 1
  check_through "${health_url}" "${expected_release}" 0 0 || [[ $? == 3 ]]
}

# Nothing changed? Then touch nothing. True when this release already serves, healthy, with the same
# .env, and the running containers are exactly the ones the last deploy left (<baseDir>/deployed-containers;
# someone running compose by hand, or a recreated container, makes it no no-op). `active` too: after
# a deploy that failed past the switch, `current` may name this release while another one runs.
is_noop() {
  [[ "${current_target}" == "${layout_releases}/${release}" && "${previous_active}" == "${layout_releases}/${release}" && -f "${env_file}" ]] \
    && cmp -s "${incoming_env}" "${env_file}" && [[ "$(running_containers)" == "$(cat "${deployed_record}" 2>/dev/null)" ]] \
    && all_healthy
}

# The new .env in place (the old one kept until the switch succeeds, so a failed attempt cannot
# leave a .env that the running containers do not use), and compose pointed at this release.
install_env() {
  if [[ -f "${env_file}" ]]; then cp -p "${env_file}" "${env_backup}"; fi
  mv -f "${incoming_env}" "${env_file}"
  env_installed=1
  expected_release="$(release_id_of "${env_file}")"
  log "wrote ${env_file_name} ($(wc -l < "${env_file}") lines, mode 0600)"
  link_dotenv
  # From here compose works on this release (on failure, on_exit points `active` back).
  point_link "${project_dir}" "${layout_releases}/${release}"
}

# compose reads .env next to the compose file for ${VAR} references (RELEASE_ID, WEB_IMAGE): when the
# web service's env file has another name, .env links to it. A .env the release carries is kept.
link_dotenv() {
  [[ "${env_file}" != "${dotenv}" ]] || return 0
  if [[ -e "${dotenv}" && ! -L "${dotenv}" ]]; then
    log "keeping the release's own .env for \${VAR} references (the stack's values are in ${env_file_name})"
    return 0
  fi
  point_link "${dotenv}" "${env_file_name}"
}

# The release's services but web (nginx, workers…) into `others`, and those split into `workers`
# and the `rest` (workers.sh). A compose call costs about half a
# second of CPU, so the list is kept per compose file content (<baseDir>/cache) and read anew only
# when that changed.
read_services() {
  local cache_dir="${base_dir}/${layout_cache}" services_cache
  services_cache="${cache_dir}/services-$(sha256sum < "${compose_file}" | cut -c1-64)"
  if [[ ! -s "${services_cache}" ]]; then
    mkdir -p "${cache_dir}"
    services_file="${services_cache}.$$"
    compose config --services > "${services_file}" || die "compose could not read ${compose_file}: nothing was switched"
    mv -f "${services_file}" "${services_cache}"
  fi
  mapfile -t others < <(grep -Fvx -e "${web_service}" -e "" "${services_cache}" || true)
  split_workers
}

# The other services built from the release (nginx with its config) build in the background while
# web builds and starts; the switch waits for them, so a failed build still switches nothing. Then,
# still in the background, their fingerprints now (config hash and env digest: others_up decides with
# them whether their compose up would change anything; compose v1's hash covers the built image).
build() {
  if (( images_built )); then restore_release_images; fi
  if (( ${#others[@]} )); then
    others_hashes="${base_dir}/${layout_cache}/others-hashes.$$"
    mkdir -p "${base_dir}/${layout_cache}"
    if (( images_built )); then
      others_config_hashes 3>&- 4>&- &
    else
      log "building ${others[*]} on the host (in the background)"
      { compose build "${others[@]}" && others_config_hashes; } 3>&- 4>&- &
    fi
    others_build_pid=$!
  fi
  (( ! images_built )) || return 0
  if [[ "${mode}" == registry ]]; then
    # The web image must come from the registry, never from a silent build on the host. compose may
    # only warn when the pull of a buildable service fails; then the `--no-build` start in switch
    # stops the deploy, still before anything old is touched.
    log "pulling the ${web_service} image"
    compose pull "${web_service}" || die "pulling the ${web_service} image failed (registry login? see the instance role): nothing was switched"
    # The tag is movable: the pulled image must carry the digest the stack pushed (registry.sh).
    verify_pulled_image
  fi
}

# The other services' fingerprints into others_hashes (fingerprints.sh: service_fingerprints; empty when
# compose cannot tell).
others_config_hashes() {
  service_fingerprints "${others_hashes}" "${others[@]}"
}

main() {
  parse_args "$@"
  locate_release
  start_host_log "deploy-${release:0:12}"
  trap on_exit EXIT
  # A stop (Pulumi cancelled, the SSH session gone) exits through on_exit with a failure status.
  trap 'exit 143' TERM INT
  trap 'exit 129' HUP
  # Anchors the +seconds of every line to the clock (the host tests' per-step breakdown reads it).
  log "clock: script started at epoch_us=${started_us}"
  prepare_env
  take_lock
  detect_compose
  log "release ${release} (app ${app_name}, ${compose_cmd[*]}, ${mode} mode)"
  current_target="$(readlink "${base_dir}/${layout_current}" 2>/dev/null || true)"
  previous_active="$(readlink "${project_dir}" 2>/dev/null || true)"
  (( images_built )) || refuse_over_rollback
  expected_release="$(release_id_of "${incoming_env}")"
  if is_noop; then
    log "release ${release} is already current and healthy, .env unchanged: nothing to do (nothing restarted)"
    open_edge
    certificates
    return 0
  fi
  install_env
  read_services
  build
  switch
  step="starting the edge"
  open_edge
  step="retiring the old container"
  wait_retired
  # Once web serves this release and the old web container is gone: each worker in turn finishes
  # its job (SIGTERM, its stop_grace_period) and restarts from this release (workers.sh).
  step="restarting the workers"
  workers_up
  step="recording the release"
  promote
  stage=promoted
  step="certificates"
  certificates
  step="pruning old releases"
  prune
  log "deployed ${release}"
}

main "$@"
