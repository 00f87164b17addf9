#!/usr/bin/env bash
# Deploy the release this script was unpacked with (<baseDir>/releases/<sha>/.compose-on-ec2/deploy.sh).
# stdin: the .env file (secret: written 0600, never printed).
#
#   build (host mode) or pull (registry mode) → gapless switch (the new container migrates first):
#   start the new web container beside the old one, wait until it is healthy, reload nginx (routes
#   to the new one alone: the old one drains), retire the old one (stop, reload nginx) in the
#   background while the other services come up (only when changed), the health check goes through
#   nginx and the edge starts → once retired, switch `current`. When the new container does not get
#   healthy, it is removed and the old one never stopped serving. A redeploy of the current release
#   with the same .env restarts nothing.
# What it records and removes (current/previous, kept images for `--images-built` rollbacks, the rollback
# rule, old releases): records.sh. The edge and certificates: deploy-edge.sh.
# All output goes to a 0600 log under <baseDir>/logs; a failure hands back only its reason and that path.
set -euo pipefail

script_name=deploy
usage_text="usage: deploy.sh --base-dir DIR --app-name NAME --compose-file F --web-service S --proxy-service S
                 --web-port PORT --env-file F --health-source compose|probe --health-path P
                 --timeout SECONDS --keep-releases N --mode host|registry --http-port PORT
                 --https-port PORT --proxy-port PORT --acme-port PORT --hsts on|off
                 [--domains 'NAME…' --acme-email E --acme-server URL] [--lock-timeout SECONDS] [--images-built]  < .env"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=records.sh
source "$(dirname "${BASH_SOURCE[0]}")/records.sh"
# shellcheck source-path=SCRIPTDIR source=probe.sh
source "$(dirname "${BASH_SOURCE[0]}")/probe.sh"
# shellcheck source-path=SCRIPTDIR source=edge-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/edge-lib.sh"
# shellcheck source-path=SCRIPTDIR source=deploy-edge.sh
source "$(dirname "${BASH_SOURCE[0]}")/deploy-edge.sh"

parse_args() {
  base_dir="" app_name="" compose_file="" web_service="" health_path="" timeout="" keep_releases=""
  mode="" http_port="" proxy_service="" web_port="" env_file_name="" health_source="" lock_timeout=300 images_built=0
  https_port="" proxy_port="" acme_port="" hsts="" domains="" acme_email="" acme_server=""
  flag_vars=([base-dir]=base_dir [app-name]=app_name [compose-file]=compose_file [web-service]=web_service
    [proxy-service]=proxy_service [web-port]=web_port [env-file]=env_file_name [health-source]=health_source
    [health-path]=health_path [timeout]=timeout [keep-releases]=keep_releases [mode]=mode [http-port]=http_port
    [lock-timeout]=lock_timeout [https-port]=https_port [proxy-port]=proxy_port [acme-port]=acme_port [hsts]=hsts
    [domains]=domains [acme-email]=acme_email [acme-server]=acme_server)
  flag_switches=([images-built]=images_built)
  read_flags "$@"
  require_flags base-dir app-name compose-file web-service proxy-service env-file
  [[ "${env_file_name}" != /* && "/${env_file_name}/" != */../* ]] || die "--env-file must be a path inside the release (got '${env_file_name}')"
  [[ "${health_source}" == compose || "${health_source}" == probe ]] || die "--health-source must be compose or probe (got '${health_source}')"
  require_flag health-path "${health_path}"
  whole_number web-port "${web_port}"
  [[ "${mode}" == host || "${mode}" == registry ]] || die "--mode must be host or registry (got '${mode}')"
  whole_number timeout "${timeout}"
  whole_number keep-releases "${keep_releases}"
  whole_number http-port "${http_port}"
  whole_number lock-timeout "${lock_timeout}"
  whole_number https-port "${https_port}"
  whole_number proxy-port "${proxy_port}"
  whole_number acme-port "${acme_port}"
  [[ "${hsts}" == on || "${hsts}" == off ]] || die "--hsts must be on or off (got '${hsts}')"
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
  project_dir="${base_dir}/${layout_active}"   # compose runs here (see lib.sh: compose)
  deployed_record="${base_dir}/${layout_deployed_containers}"
}

# Until the old containers start retiring (stage "prepare"), a failure leaves everything as it was:
# `active` and this release's .env are put back.
stage=prepare
current_target=""
previous_active=""
others_build_pid=""
services_file=""
others_hashes=""
on_exit() {
  local status=$?
  # A background build of the other services must not outlive a failed deploy (it holds the lock).
  if [[ -n "${others_build_pid}" ]]; then kill "${others_build_pid}" 2>/dev/null || true; fi
  # A retirement under way finishes before the deploy hands back (and lets go of the lock).
  if [[ -n "${retire_pid}" ]]; then wait "${retire_pid}" || true; fi
  finish_host_log "${status}" "${incoming_env}" "${env_file}" "${env_backup}"
  rm -f "${incoming_env}" "${services_file}" "${others_hashes}"
  if (( status != 0 )) && [[ "${stage}" == prepare ]]; then
    if [[ -n "${previous_active}" ]]; then point_link "${project_dir}" "${previous_active}"; fi
    if [[ -f "${env_backup}" ]]; then mv -f "${env_backup}" "${env_file}"; fi
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
}

# One deploy at a time.
take_lock() {
  local lock="${base_dir}/${layout_deploy_lock}"
  exec 9>>"${lock}"
  if ! flock -n 9; then
    log "another deploy holds ${lock}; waiting up to ${lock_timeout}s"
    flock -w "${lock_timeout}" 9 || die "another deploy still holds ${lock} after ${lock_timeout}s"
  fi
}

# True when the web containers are healthy and the app answers through nginx.
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
  (( n >= 1 )) && curl -fsS -o /dev/null -m 5 "${health_url}" 2>/dev/null
}

running_containers() {
  docker ps -q --no-trunc --filter "label=com.docker.compose.project=${app_name}" \
    --filter "label=com.docker.compose.oneoff=False" | sort
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

# The release's services but web (nginx, workers…) into `others`. A compose call costs about half a
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
}

# The other services built from the release (nginx with its config) build in the background while
# web builds and starts; the switch waits for them, so a failed build still switches nothing. Then,
# still in the background, the config hashes compose would give them now (others_up decides with
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
  fi
}

# `compose config --hash` of the other services into others_hashes (empty when compose cannot tell).
others_config_hashes() {
  compose config --hash="$(IFS=,; printf '%s' "${others[*]}")" > "${others_hashes}" 2>/dev/null || : > "${others_hashes}"
}

new_containers() {
  local id
  for id in $(service_containers "${web_service}" -a); do
    [[ " ${old_ids[*]} " == *" ${id} "* ]] || printf '%s\n' "${id}"
  done
}

# Nothing may be left behind that the next reload or deploy would take for a serving container.
roll_back() {
  local ids
  ids="$(new_containers)"
  log "rolling back: removing the new container(s); the old one(s), if any, kept serving throughout"
  # shellcheck disable=SC2086 # one hex id per word
  if [[ -n "${ids}" ]]; then docker stop -t 10 ${ids} >/dev/null 2>&1 || true; docker rm -f ${ids} >/dev/null 2>&1 || true; fi
  # nginx may have been pinned to the new container before its reload failed: back to Docker's DNS.
  if (( pinned )); then reload_nginx now unpin >/dev/null 2>&1 || log "WARNING: nginx did not reload after the rollback; it reaches the old container through Docker's DNS"; fi
  if (( ${#old_ids[@]} )); then die "$1; release $(basename "${current_target:-unknown}") is still serving"; fi
  die "$1; nothing was serving before, and nothing of this release is left running"
}

# Migrations run before any traffic moves: the web service's start command migrates before it serves
# (app/bin/start.sh), and nginx routes to a new container only once it is healthy. So a failed
# migration (e.g. database unreachable) leaves the old containers serving, untouched, and no separate
# one-off container (seconds of start-up) is needed on every deploy.
start_new_web() {
  local id up_args
  # shellcheck disable=SC2207 # ids are hex, no globbing or spaces
  old_ids=($(service_containers "${web_service}" -a))
  # shellcheck disable=SC2207
  old_running=($(service_containers "${web_service}"))
  # Stopped leftovers would be started again by the scale-up (compose starts every container of the
  # service) and run an old release: remove them first.
  for id in "${old_ids[@]}"; do
    [[ " ${old_running[*]} " == *" ${id} "* ]] || docker rm -f "${id}" >/dev/null
  done
  old_ids=("${old_running[@]}")
  # Web alone and without waiting for anything: our own health probe (below) is faster than compose's
  # `depends_on: service_healthy`, which waits for Docker's next scheduled check.
  up_args=(-d --no-deps --no-recreate --scale "${web_service}=$(( ${#old_running[@]} + 1 ))")
  if [[ "${mode}" == registry ]] || (( images_built )); then
    up_args+=(--no-build)   # the pulled or kept image, never a fallback build on the host
    log "starting the new ${web_service} container beside ${#old_running[@]} running one(s)"
  else
    up_args+=(--build)      # one compose call builds web and starts it
    log "building ${web_service} and starting the new container beside ${#old_running[@]} running one(s)"
  fi
  if ! compose up "${up_args[@]}" "${web_service}"; then
    [[ "${mode}" == registry ]] && roll_back "compose could not start a new ${web_service} container: its image was not pulled from the registry (see the pull above; registry login, image pushed?)"
    roll_back "compose could not build or start a new ${web_service} container"
  fi
  mapfile -t new_ids < <(new_containers)
  (( ${#new_ids[@]} )) || roll_back "compose did not start a new ${web_service} container"
  for id in "${new_ids[@]}"; do
    if ! wait_new_web_ready "${id}" "${timeout}"; then
      show_logs "${id}"
      roll_back "new ${web_service} container did not become healthy"
    fi
  done
  if [[ -n "${others_build_pid}" ]]; then
    wait "${others_build_pid}" || { others_build_pid=""; roll_back "building ${others[*]} failed"; }
    others_build_pid=""
  fi
  log "new container(s) healthy: ${new_ids[*]:0:1}…"
}

# Waits for the old web container(s) retiring in the background, if any (once).
retire_pid=""
# 1 once route_to_new has pinned (or tried to pin) the proxy to the new container(s).
pinned=0
wait_retired() {
  [[ -n "${retire_pid}" ]] || return 0
  local pid="${retire_pid}"
  retire_pid=""
  wait "${pid}" || die "retiring the old ${web_service} container(s) failed: ${old_ids[*]}"
  log "retired ${old_ids[*]}"
}

# nginx's new workers to the new container(s) alone; its old workers (which know only the old
# container) finish their requests and exit (settle). That drains the old container: once this
# returns, no request of nginx heads for it. The drain pins the web service's name to the new
# addresses in the proxy's /etc/hosts (nginx-reload.sh); a proxy that shares no network with them
# gets the undrained switch (old and new side by side until the old one stops).
route_to_new() {
  local proxy id addresses=() status=0
  proxy="$(service_containers "${proxy_service}" | head -n 1)"
  if [[ -n "${proxy}" ]]; then
    for id in "${new_ids[@]}"; do mapfile -t -O "${#addresses[@]}" addresses < <(addresses_seen_by "${id}" "${proxy}"); done
  fi
  if (( ${#addresses[@]} )); then
    log "routing to the new container only (${addresses[*]}); the old one finishes what it has"
    pinned=1
    reload_nginx settle pin "${web_service}" "${addresses[@]}" || status=$?
    case "${status}" in
      0) return 0 ;;
      4) log "WARNING: the proxy's /etc/hosts cannot take the pin (read_only?): the old container is not drained"
         reload_nginx now unpin >/dev/null 2>&1 || true
         pinned=0 ;;
      *) roll_back "nginx did not reload, so it cannot route to the new container" ;;
    esac
  fi
  log "routing to old and new"
  reload_nginx settle || roll_back "nginx did not reload, so it cannot route to the new container"
}

# Traffic to the new container, the old one retired gracefully, the other services up.
switch() {
  start_new_web
  if (( ${#old_ids[@]} )); then
    route_to_new
    log "retiring the old container(s): ${old_ids[*]}"
    stage=switched
    # In the background, while the other services come up: SIGTERM makes gunicorn stop accepting and
    # finish the requests it has. Drained (pinned), nothing new reaches it, so no connection waits in
    # its queue to be reset; undrained, nginx retries such connections on the new container (GET).
    # Then nginx resolves web through Docker's DNS again (unpin), which now names the new one only.
    (
      stopped=0
      docker stop -t 30 "${old_ids[@]}" >/dev/null || stopped=$?
      reload_nginx now unpin || log "WARNING: nginx did not reload after the old container stopped; it retries on the new one meanwhile"
      (( stopped == 0 )) || exit "${stopped}"
      docker rm "${old_ids[@]}" >/dev/null
    ) 3>&- 4>&- &
    retire_pid=$!
    # No `--scale web=1` call afterwards: exactly one web container is left, which is what compose
    # expects next time, and a compose call costs a second or more.
  else
    stage=switched
    # First start, or web had stopped: a proxy that is already running re-resolves web now.
    if [[ -n "$(service_containers "${proxy_service}")" ]]; then
      # unpin: a pin an interrupted deploy left behind must not outlive the containers it names.
      reload_nginx now unpin || log "WARNING: nginx did not reload; the health check through it below decides"
    fi
  fi
  others_up
  # Through nginx while the old container retires (main awaits that before promoting).
  log "waiting for ${health_url} through nginx (up to ${timeout}s)"
  wait_http_ok "${health_url}" "${timeout}" || {
    for id in $(service_containers "${web_service}"); do show_logs "${id}"; done
    die "${health_url} did not answer 2xx within ${timeout}s"
  }
}

# Other services: created or recreated only when their config or image changed (built above). A
# compose up costs seconds of CPU even when it changes nothing, so it runs only when it would
# change something (services_unchanged, lib.sh).
others_up() {
  (( ${#others[@]} )) || return 0
  if services_unchanged "${others_hashes}" "${others[@]}" && ! has_orphans "${web_service}" "${others[@]}"; then
    log "${others[*]} unchanged (same config hash and image, running): not recreated"
    return 0
  fi
  log "bringing up ${others[*]} (recreated only if changed)"
  if ! compose up -d --no-deps --no-build --remove-orphans "${others[@]}"; then
    # compose v1 lists the project's containers, then inspects each one: an old web container
    # removed in the background meanwhile fails it ("No such container"). Once that is done, again.
    wait_retired
    log "bringing up ${others[*]} again, now that the old container(s) are gone"
    compose up -d --no-deps --no-build --remove-orphans "${others[@]}" || die "compose could not bring up ${others[*]}"
  fi
}

main() {
  parse_args "$@"
  locate_release
  start_host_log "deploy-${release:0:12}"
  trap on_exit EXIT
  # Anchors the +seconds of every line to the clock (the host tests' per-step breakdown reads it).
  log "clock: script started at epoch_us=${started_us}"
  prepare_env
  take_lock
  detect_compose
  log "release ${release} (app ${app_name}, ${compose_cmd[*]}, ${mode} mode)"
  current_target="$(readlink "${base_dir}/${layout_current}" 2>/dev/null || true)"
  previous_active="$(readlink "${project_dir}" 2>/dev/null || true)"
  (( images_built )) || refuse_over_rollback
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
  open_edge
  wait_retired
  promote
  certificates
  prune
  log "deployed ${release}"
}

main "$@"
