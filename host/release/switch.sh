# The gapless switch (sourced by deploy.sh, not run): start the new web container beside the old one,
# route nginx to it alone once it is healthy (the old one drains), retire the old one in the
# background while the other services come up, then check health through nginx (busy or broken:
# verdict.sh). roll_back undoes a switch that failed before anything old was touched;
# settle_after_switch ends a failure after it.
# Reads the deploy's parameters (params.sh: web_service, proxy_service, mode, images_built, timeout,
# busy_timeout…) and deploy.sh's state (health_url, expected_release, others, rest, others_build_pid,
# others_hashes, current_target, stage, step).
# shellcheck shell=bash disable=SC2154,SC2034 # deploy.sh sets the variables these functions read, and reads stage

[[ -z "${switch_sh_loaded:-}" ]] || return 0
switch_sh_loaded=1
# records.sh brings containers.sh and verdict.sh (with health.sh).
# shellcheck source-path=SCRIPTDIR source=records.sh
source "$(dirname "${BASH_SOURCE[0]}")/records.sh"
# shellcheck source-path=SCRIPTDIR source=proxy.sh
source "$(dirname "${BASH_SOURCE[0]}")/proxy.sh"

new_containers() {
  local id
  for id in $(service_containers "${web_service}" -a); do
    [[ " ${old_ids[*]} " == *" ${id} "* ]] || printf '%s\n' "${id}"
  done
}

# Nothing may be left behind that the next reload or deploy would take for a serving container.
roll_back() {
  local ids
  stage=prepare
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
    # From the reload on, traffic may have moved: a failure or a signal from here settles
    # (settle_after_switch); roll_back, which undoes a switch that did not happen, sets it back.
    stage=switched
    route_to_new
    log "retiring the old container(s): ${old_ids[*]}"
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
  step="bringing up the other services"
  others_up
  # Through nginx while the old container retires (main awaits that before promoting).
  step="checking the app through nginx"
  log "waiting for ${health_url} through nginx (up to ${timeout}s; busy up to ${busy_timeout}s)"
  local verdict=0
  check_through "${health_url}" "${expected_release}" "${timeout}" "${busy_timeout}" || verdict=$?
  case "${verdict}" in
    0) ;;
    3) log "WARNING: ${check_why}: the deploy goes on (the app is busy, not broken)" ;;
    *) for id in $(service_containers "${web_service}"); do show_logs "${id}"; done
       die "${check_why} (checked for ${timeout}s)" ;;
  esac
}

# --- after the switch ---------------------------------------------------------------------------
# Once traffic has moved (stage=switched), a failure of any step, or a signal, ends here (on_exit),
# in one consistent state:
#   1. the new release answers through nginx (ok, or busy: verdict.sh) → it is recorded as current
#      (promote): it serves and is healthy, whatever step failed;
#   2. it does not → the release that served before is switched back with the same gapless switch:
#      its own deploy.sh with --images-built (its kept images, its .env; ops rollback does the same),
#      which drains and retires the new container; `current` never stopped naming it;
#   3. that cannot be done (no release before, its images gone, or the switch back failed) → whatever
#      serves now (the `active` link names the release compose runs) is recorded.
# Runs in a subshell of on_exit (a `die` in it must not skip the rest of on_exit), after the
# retirement finished. Its last line is an ERROR that says how it ended, then why the deploy failed.
settle_after_switch() {
  local verdict=0 serving reason settled_how
  reason="$(last_error "${host_log}")"
  reason="${reason:-stopped (a signal, or the SSH session closed)}"
  log "the deploy failed after traffic moved (at: ${step}); settling so the records name the release that serves"
  check_through "${health_url}" "${expected_release}" 10 "${busy_timeout}" || verdict=$?
  if (( verdict != 1 )); then
    promote
    settled_how="release ${release:0:12} serves and answers through nginx: it is recorded as current"
  elif switch_back; then
    serving="${current_target##*/}"
    settled_how="switched back to ${serving:0:12} (release ${release:0:12} did not answer after the switch: ${check_why}); it serves and is current"
  else
    serving="$(readlink "${project_dir}" 2>/dev/null || true)"
    if [[ "${serving}" == "${layout_releases}/${release}" ]]; then promote; fi
    serving="${serving##*/}"
    settled_how="release ${release:0:12} does not answer (${check_why}) and could not be switched back (${switch_back_why}); ${serving:0:12} runs and is recorded as current"
  fi
  log "${settled_how}"
  printf '[%s +%ss] ERROR: %s; the deploy failed at %s: %s\n' "${script_name}" "$(elapsed)" "${settled_how}" "${step}" "${reason}" >&2
}

# The release that served before this deploy, back by its own deploy.sh --images-built, with the
# settings it was deployed with (<baseDir>/deploy-settings), under this deploy's lock.
switch_back() {
  local target="${current_target##*/}"
  switch_back_why=""
  if [[ -n "${COMPOSE_ON_EC2_LOCK_HELD:-}" ]]; then switch_back_why="this deploy is itself a switch back"; return 1; fi
  if [[ -z "${current_target}" || "${current_target}" == "${layout_releases}/${release}" ]]; then
    switch_back_why="no other release served before"; return 1
  fi
  if [[ ! -s "${base_dir}/${current_target}/${layout_release_images}" ]]; then
    switch_back_why="release ${target:0:12} has no kept images"; return 1
  fi
  log "switching back to ${target:0:12} (kept images, no build)"
  if ( read_settings; COMPOSE_ON_EC2_LOCK_HELD="${base_dir}/${layout_deploy_lock}" deploy_kept_release "${target}" ); then
    return 0
  fi
  switch_back_why="the switch back to ${target:0:12} failed (see above)"
  return 1
}

# Other services but the workers (workers.sh restarts those once web has switched): created or
# recreated only when their config or image changed (built above). A compose up costs seconds of
# CPU even when it changes nothing, so it runs only when it would change something
# (services_unchanged, fingerprints.sh).
others_up() {
  (( ${#rest[@]} )) || return 0
  if services_unchanged "${others_hashes}" "${rest[@]}" && ! has_orphans "${web_service}" "${others[@]}"; then
    log "${rest[*]} unchanged (same config hash and image, running): not recreated"
    return 0
  fi
  log "bringing up ${rest[*]} (recreated only if changed)"
  if ! compose up -d --no-deps --no-build --remove-orphans "${rest[@]}"; then
    # compose v1 lists the project's containers, then inspects each one: an old web container
    # removed in the background meanwhile fails it ("No such container"). Once that is done, again.
    wait_retired
    log "bringing up ${rest[*]} again, now that the old container(s) are gone"
    compose up -d --no-deps --no-build --remove-orphans "${rest[@]}" || die "compose could not bring up ${rest[*]}"
  fi
}
