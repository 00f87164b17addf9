# Shared helpers for the host scripts (sourced, not run). Works with compose v2 (`docker compose`)
# and v1 (`docker-compose`).
# shellcheck shell=bash

# Every line carries the seconds since the script started, so a slow step shows in the deploy log.
started_us="${EPOCHREALTIME/./}"
elapsed() { local us=$(( ${EPOCHREALTIME/./} - started_us )); printf '%d.%d' $(( us / 1000000 )) $(( us / 100000 % 10 )); }
log() { printf '[%s +%ss] %s\n' "${script_name:-compose-on-ec2}" "$(elapsed)" "$*"; }
die() { printf '[%s +%ss] ERROR: %s\n' "${script_name:-compose-on-ec2}" "$(elapsed)" "$*" >&2; exit 1; }

# Sets compose_cmd to the compose CLI present on this host.
detect_compose() {
  if docker compose version >/dev/null 2>&1; then
    compose_cmd=(docker compose)
  elif command -v docker-compose >/dev/null 2>&1; then
    compose_cmd=(docker-compose)
  else
    die "neither 'docker compose' (v2 plugin) nor 'docker-compose' (v1) is installed"
  fi
}

# compose ARGS...: run compose for this app. The project name is fixed, so releases share
# containers, and the project directory lies under the stable link <baseDir>/active rather than
# releases/<sha>: compose v1 hashes the absolute build path into each service's config, and a path
# that changed with every release would recreate nginx (a gap) on every deploy.
# Needs: compose_cmd, app_name, compose_file (relative to the release), project_dir (the link).
compose() {
  "${compose_cmd[@]}" -p "${app_name:?}" --project-directory "$(dirname "${project_dir:?}/${compose_file:?}")" \
    -f "${project_dir:?}/${compose_file:?}" "$@"
}

# point_link LINK TARGET: atomically (re)point the symlink LINK at TARGET (relative to LINK's dir).
point_link() {
  ln -sfn "$2" "$1.tmp.$$"
  mv -T "$1.tmp.$$" "$1"
}

# Container ids of one service of this app; pass -a to include stopped ones. One-off containers
# (`compose run`, e.g. an operator's `manage.py shell`) are not the service's: compose does not
# count them either.
service_containers() {
  local service="$1"; shift
  docker ps -q "$@" \
    --filter "label=com.docker.compose.project=${app_name:?}" \
    --filter "label=com.docker.compose.service=${service}" \
    --filter "label=com.docker.compose.oneoff=False"
}

# "status health restarts pid" of a container, health "none" without a healthcheck.
container_state() {
  docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.RestartCount}} {{.State.Pid}}' "$1" 2>/dev/null || echo "gone none 0 0"
}

# True once the container whose main process is $1 listens on TCP (Docker's own DNS listener on
# 127.0.0.11 aside). Reading its /proc costs nothing, while each health probe is a `docker exec`
# (about 0.2 s of CPU that a starting app on a small host misses), so probes wait for this. Where
# /proc cannot be read (rootless docker…) it is true at once: then probing starts right away.
app_listens() {
  local file addr st
  for file in "/proc/$1/net/tcp" "/proc/$1/net/tcp6"; do
    [[ -r "${file}" ]] || return 0
    while read -r _ addr _ st _; do
      [[ "${st}" == 0A && "${addr}" != 0B00007F:* ]] && return 0
    done < "${file}"
  done
  return 1
}

# Run container $1's own HEALTHCHECK test once, now. Docker itself probes only every `interval`
# (5 s here), which would add up to that much to every deploy; probing ourselves as soon as the app
# listens (app_listens) lets traffic move as soon as the new container answers. The test is read once per container.
probe_health_id="" probe_health_args=()
probe_health_now() {
  local id="$1" kind args=()
  if [[ "${probe_health_id}" != "${id}" ]]; then
    mapfile -t probe_health_args < <(docker inspect -f '{{if .Config.Healthcheck}}{{range .Config.Healthcheck.Test}}{{println .}}{{end}}{{end}}' "${id}" 2>/dev/null)
    probe_health_id="${id}"
  fi
  args=("${probe_health_args[@]}")
  (( ${#args[@]} >= 2 )) || return 1
  kind="${args[0]}"
  args=("${args[@]:1}")
  [[ -n "${args[-1]}" ]] || unset 'args[-1]'
  case "${kind}" in
    CMD) timeout 10 docker exec "${id}" "${args[@]}" >/dev/null 2>&1 ;;
    CMD-SHELL) timeout 10 docker exec "${id}" sh -c "${args[*]}" >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}

# Wait (bounded) until container $1 is healthy (or running, when it has no healthcheck).
# Returns non-zero as soon as it is unhealthy, gone, or crash-looping.
wait_container_healthy() {
  local id="$1" timeout="$2" deadline status health restarts pid i
  deadline=$((SECONDS + timeout))
  while :; do
    read -r status health restarts pid <<<"$(container_state "${id}")"
    case "${status}/${health}" in
      running/healthy) return 0 ;;
      running/none) return 0 ;;
      */unhealthy) log "container ${id:0:12} is unhealthy"; return 1 ;;
      gone/*|dead/*) log "container ${id:0:12} is ${status}"; return 1 ;;
      running/starting)
        # Up to a second of cheap checks for the app to listen, then its own health test.
        for (( i = 0; i < 20; i++ )); do app_listens "${pid}" && break; sleep 0.05; done
        if (( i < 20 )) && probe_health_now "${id}"; then return 0; fi ;;
    esac
    if (( restarts >= 3 )); then log "container ${id:0:12} restarted ${restarts} times"; return 1; fi
    if (( SECONDS >= deadline )); then log "container ${id:0:12} not healthy after ${timeout}s (${status}/${health})"; return 1; fi
    sleep 0.2
  done
}

# GET http://127.0.0.1:<port><path> until it answers 2xx (bounded).
wait_http_ok() {
  local url="$1" timeout="$2" deadline
  deadline=$((SECONDS + timeout))
  until curl -fsS -o /dev/null -m 5 "${url}" 2>/dev/null; do
    if (( SECONDS >= deadline )); then return 1; fi
    sleep 1
  done
}

# Runs inside the proxy container (POSIX sh, only /proc and tr, so any nginx image works): check the
# config, reload, and with "settle" wait (bounded, 5 s) until every worker that existed before the
# reload has exited. Old workers keep the upstream addresses they resolved at their start, so only
# once they are gone does no request still head for a container that is about to stop. They exit
# as soon as their in-flight requests are done: usually within a few tens of milliseconds, where a
# fixed pause would have to guess. Exit 2: check or reload failed; 3: old workers still busy.
# shellcheck disable=SC2016 # expanded in the container
nginx_reload_script='
workers() { for d in /proc/[0-9]*; do case "$(tr "\0" " " < "$d/cmdline" 2>/dev/null)" in "nginx: worker process"*) echo "${d#/proc/}" ;; esac; done; }
old="$(workers)"
nginx -t -q && nginx -s reload || exit 2
[ "$1" = settle ] || exit 0
if [ -z "${old}" ]; then sleep 1; exit 0; fi
i=0
while [ "$i" -lt 100 ]; do
  alive=""
  for p in ${old}; do if [ -d "/proc/$p" ]; then alive="${alive} $p"; fi; done
  [ -n "${alive}" ] || exit 0
  old="${alive}"; i=$((i + 1)); sleep 0.05
done
exit 3'

# Make nginx re-read its config, which re-resolves the web service's containers through Docker DNS.
# With "settle", also wait until the workers that predate the reload are gone (see above).
# Returns non-zero when no proxy container was running or a reload failed: the caller must not
# retire the old containers then, since nginx would still route to them alone.
reload_nginx() {
  local settle="${1:-}" id reloaded=0 status
  for id in $(service_containers "${proxy_service:?}"); do
    status=0
    docker exec "${id}" sh -c "${nginx_reload_script}" reload "${settle:-now}" || status=$?
    case "${status}" in
      0) log "reloaded nginx (${id:0:12})" ;;
      3) log "reloaded nginx (${id:0:12}); its old workers are still finishing long requests after 5s (they complete: the old container stops gracefully)" ;;
      *) log "nginx reload failed in ${id:0:12}"; return 1 ;;
    esac
    reloaded=$((reloaded + 1))
  done
  if (( reloaded == 0 )); then
    log "no running '${proxy_service}' container to reload (is the proxy service named ${proxy_service}? see --proxy-service)"
    return 1
  fi
}
