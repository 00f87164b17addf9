# The worker services (--worker-services: celery or rq workers, beat), restarted after web has
# switched (sourced by deploy.sh, not run). A worker takes jobs from a queue rather than requests
# from the proxy, so it needs no gapless switch; what it must not lose is the job in hand. Each
# replica in turn is stopped with SIGTERM and given its stop_grace_period to finish that job (a warm
# shutdown: celery's and rq's answer to SIGTERM), then its replacement starts from this release;
# the other replicas keep taking jobs meanwhile, and the queue keeps what arrives. A worker whose
# config, env files and image did not change is left alone (fingerprints.sh: services_unchanged).
# Reads app_name, compose_file, project_dir, worker_services (params.sh), others and others_hashes
# (deploy.sh).
# shellcheck shell=bash disable=SC2154 # deploy.sh sets the variables these functions read

[[ -z "${workers_sh_loaded:-}" ]] || return 0
workers_sh_loaded=1
# shellcheck source-path=SCRIPTDIR source=containers.sh
source "$(dirname "${BASH_SOURCE[0]}")/containers.sh"
# shellcheck source-path=SCRIPTDIR source=fingerprints.sh
source "$(dirname "${BASH_SOURCE[0]}")/fingerprints.sh"

# compose's stop timeout when a service sets no stop_grace_period (compose-spec 05-services.md,
# stop_grace_period: "Default value is 10 seconds"; docker-compose 1.29 compose/const.py
# DEFAULT_TIMEOUT). Both compose v1 (compose/service.py: container_options['stop_timeout']) and v2
# (pkg/compose/create.go: StopTimeout: ToSeconds(service.StopGracePeriod)) store the service's
# stop_grace_period in the container's Config.StopTimeout, which is read back below.
default_stop_grace=10

# The release's worker services (those of --worker-services it defines) into `workers`, and the
# other services but web into `rest` (others_up brings those up with the switch).
split_workers() {
  local service
  workers=() rest=()
  for service in "${others[@]}"; do
    if [[ " ${worker_services} " == *" ${service} "* ]]; then workers+=("${service}"); else rest+=("${service}"); fi
  done
}

# Seconds container $1 has between SIGTERM and SIGKILL: its stop_grace_period as compose stored it.
stop_grace_of() {
  local seconds
  seconds="$(docker inspect -f '{{if .Config.StopTimeout}}{{.Config.StopTimeout}}{{end}}' "$1" 2>/dev/null || true)"
  [[ "${seconds}" =~ ^[0-9]+$ ]] || seconds="${default_stop_grace}"
  printf '%s' "${seconds}"
}

# restart_worker SERVICE: its replicas replaced one at a time (warm shutdown, then the new one), or
# left alone when unchanged; started when none runs.
restart_worker() {
  local service="$1" id grace count all running=() n=0
  if services_unchanged "${others_hashes}" "${service}"; then
    log "worker ${service} unchanged (same config hash, env files and image, running): left alone"
    return 0
  fi
  mapfile -t all < <(service_containers "${service}" -a)
  mapfile -t running < <(service_containers "${service}")
  # A stopped leftover would be started again by the scale-up below and run an old release.
  for id in "${all[@]}"; do
    [[ " ${running[*]} " == *" ${id} "* ]] || docker rm -f "${id}" >/dev/null
  done
  count="${#running[@]}"
  if (( count == 0 )); then
    log "starting worker ${service}"
    compose up -d --no-deps --no-build "${service}" || die "compose could not start worker ${service}"
    return 0
  fi
  for id in "${running[@]}"; do
    n=$((n + 1))
    grace="$(stop_grace_of "${id}")"
    log "worker ${service} replica ${n}/${count} (${id:0:12}): SIGTERM, up to ${grace}s (its stop_grace_period) to finish its job"
    docker stop -t "${grace}" "${id}" >/dev/null || die "could not stop worker ${service} replica ${id:0:12}"
    log "worker ${service} replica ${n}/${count} stopped"
    docker rm "${id}" >/dev/null || die "could not remove the stopped worker ${service} replica ${id:0:12}"
    # The replicas not yet replaced are left as they are (--no-recreate): the scale back to the
    # count creates one container, from this release.
    compose up -d --no-deps --no-build --no-recreate --scale "${service}=${count}" "${service}" \
      || die "compose could not start the new worker ${service} replica ${n}/${count}"
  done
  log "worker ${service}: ${count} replica(s) restarted from this release"
}

# Every worker, in the compose file's order, once web serves this release.
workers_up() {
  local service
  (( ${#workers[@]} )) || return 0
  for service in "${workers[@]}"; do restart_worker "${service}"; done
}
