# Is a container ready (sourced, not run): its compose healthcheck, or the deploy's own probe, each
# waited for by one bounded loop (wait_container). Reads web_port, health_path and health_source
# (the deploy's parameters, params.sh).
# shellcheck shell=bash disable=SC2154 # the deploy's parameters (params.sh)

[[ -z "${health_sh_loaded:-}" ]] || return 0
health_sh_loaded=1
# shellcheck source-path=SCRIPTDIR source=containers.sh
source "$(dirname "${BASH_SOURCE[0]}")/containers.sh"

# port_listening PID [PORT]: 0 when the network namespace of process PID listens on TCP PORT (without
# PORT: on any port but Docker's own DNS listener on 127.0.0.11), 1 when not (yet), 2 when its /proc
# cannot be read (rootless docker…). Reading /proc costs nothing next to a `docker exec` (about 0.2 s
# of CPU that a starting app on a small host misses), so probes wait for this.
port_listening() {
  local files=("/proc/$1/net/tcp" "/proc/$1/net/tcp6") file port=""
  for file in "${files[@]}"; do [[ -r "${file}" ]] || return 2; done
  [[ -z "${2:-}" ]] || port=":$(printf '%04X' "$2")"
  # Columns: sl local_address(hex ip:port) rem_address st(0A = LISTEN) …; awk, as the host's own
  # namespace may list thousands of connections.
  awk -v port="${port}" '$4 == "0A" && (port == "" ? $2 !~ /^0B00007F:/ : substr($2, length($2) - 4) == port) { found = 1; exit }
    END { exit !found }' "${files[@]}"
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

# wait_container ID TIMEOUT WHAT TEST: bounded wait until container ID is WHAT (ready, healthy) as
# `TEST ID STATUS HEALTH PID` judges it: 0 it is, 1 not yet, 2 never (TEST logged why). Every 0.2 s;
# non-zero as soon as TEST says never or the container restarted 3 times, or after TIMEOUT seconds
# (with wait_note, what TEST last saw).
wait_container() {
  local id="$1" timeout="$2" what="$3" test="$4" deadline status health restarts pid rc
  deadline=$((SECONDS + timeout))
  wait_note=""
  while :; do
    read -r status health restarts pid <<<"$(container_state "${id}")"
    rc=0
    "${test}" "${id}" "${status}" "${health}" "${pid}" || rc=$?
    case "${rc}" in 0) return 0 ;; 1) ;; *) return 1 ;; esac
    if (( restarts >= 3 )); then log "container ${id:0:12} restarted ${restarts} times"; return 1; fi
    if (( SECONDS >= deadline )); then log "container ${id:0:12} not ${what} after ${timeout}s (${wait_note})"; return 1; fi
    sleep 0.2
  done
}

# compose_healthy ID STATUS HEALTH PID (a wait_container test): healthy, or running without a
# healthcheck; while starting, up to a second of cheap checks for the app to listen, then its own
# health test (probe_health_now) rather than Docker's next scheduled one.
compose_healthy() {
  local id="$1" status="$2" health="$3" pid="$4" i listening
  wait_note="${status}/${health}"
  case "${status}/${health}" in
    running/healthy|running/none) return 0 ;;
    */unhealthy) log "container ${id:0:12} is unhealthy"; return 2 ;;
    gone/*|dead/*) log "container ${id:0:12} is ${status}"; return 2 ;;
    running/starting)
      for (( i = 0; i < 20; i++ )); do
        listening=0
        port_listening "${pid}" || listening=$?
        (( listening == 1 )) || break
        sleep 0.05
      done
      if (( i < 20 )) && probe_health_now "${id}"; then return 0; fi ;;
  esac
  return 1
}

# Wait (bounded) until container $1 is healthy (or running, when it has no healthcheck).
# Returns non-zero as soon as it is unhealthy, gone, or crash-looping.
wait_container_healthy() {
  wait_container "$1" "$2" healthy compose_healthy
}

# The deploy's own readiness probe of a new web container whose compose file gives it no healthcheck:
# Docker then calls the container ready as soon as it runs,
# long before gunicorn listens (migrations and collectstatic run first), so traffic must not move on
# that. Instead: HTTP GET <health path> on the web port at the container's own address, until 2xx.
#   1. from the host, to the container's IP on the compose network (no exec, nothing needed in the image);
#   2. when the host cannot reach that address although the port is open: curl inside the container
#      (`docker exec`), if the image has curl;
#   3. when neither can ask: the web port being open counts as ready (said in the log).
# Requests carry `Host: 127.0.0.1`, the host the deploy's check through the proxy uses, so an app that
# answers that check answers this one.

probe_id="" probe_mode="" probe_ip="" probe_last=""

# http_probe CURL_COMMAND… URL: 0 on a 2xx answer, 1 on another HTTP answer, 2 when nothing answered.
# probe_last says what happened, for the log.
http_probe() {
  local code
  code="$("$@" -sS -o /dev/null -w '%{http_code}' -m 5 -H 'Host: 127.0.0.1' 2>/dev/null)" || true
  case "${code:-000}" in
    2??) return 0 ;;
    000) probe_last="no answer on port ${web_port}"; return 2 ;;
    *) probe_last="GET ${health_path} answered HTTP ${code}"; return 1 ;;
  esac
}

# probe_web_now ID PID: 0 when the container answers the health path with 2xx now (or, when nothing
# can ask it, its web port is open). The way to ask is chosen once per container.
probe_web_now() {
  local id="$1" pid="$2" listening=0 rc=0
  port_listening "${pid}" "${web_port}" || listening=$?
  if (( listening == 1 )); then probe_last="nothing listens on port ${web_port} yet"; return 1; fi
  if [[ "${probe_id}" != "${id}" ]]; then
    probe_id="${id}" probe_mode=host probe_ip="$(container_ip "${id}")"
  fi
  if [[ "${probe_mode}" == host ]]; then
    if [[ -n "${probe_ip}" ]] && command -v curl >/dev/null; then
      http_probe curl "http://${probe_ip}:${web_port}${health_path}" || rc=$?
      (( rc == 2 && listening == 0 )) || return "${rc}"
      log "the host gets no answer from ${probe_ip}:${web_port}, where ${id:0:12} listens: asking from inside the container"
    fi
    if timeout 10 docker exec "${id}" curl --version >/dev/null 2>&1; then
      probe_mode="exec"
    else
      log "no way to ask ${id:0:12} over HTTP (no route from the host, no curl in the image): it counts as ready once port ${web_port} is open"
      probe_mode=port
    fi
  fi
  if [[ "${probe_mode}" == exec ]]; then
    http_probe timeout 10 docker exec "${id}" curl "http://127.0.0.1:${web_port}${health_path}"
    return
  fi
  (( listening == 0 )) && return 0
  probe_last="cannot tell whether port ${web_port} is open"
  return 1
}

# probe_ready ID STATUS HEALTH PID (a wait_container test): the container answers probe_web_now.
probe_ready() {
  local id="$1" status="$2" pid="$4"
  case "${status}" in
    running) if probe_web_now "${id}" "${pid}"; then log "${id:0:12} answered on port ${web_port}"; return 0; fi ;;
    gone|dead|exited) log "container ${id:0:12} is ${status} (last probe: ${probe_last})"; return 2 ;;
  esac
  wait_note="last probe: ${probe_last}"
  return 1
}

# wait_probe_ready ID TIMEOUT: bounded like wait_container_healthy; non-zero as soon as the container
# is gone or crash-looping, or when it has not answered within TIMEOUT seconds.
wait_probe_ready() {
  probe_last="not probed yet"
  log "probing ${1:0:12}: GET ${health_path} on port ${web_port} until 2xx (no compose healthcheck)"
  wait_container "$1" "$2" ready probe_ready
}

# wait_new_web_ready ID TIMEOUT: the compose healthcheck, or this probe when there is none.
wait_new_web_ready() {
  if [[ "${health_source:?}" == probe ]]; then wait_probe_ready "$@"; else wait_container_healthy "$@"; fi
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
