# The deploy's own readiness probe of a new web container whose compose file gives it no healthcheck
# (sourced by deploy.sh after lib.sh). Docker then calls the container ready as soon as it runs,
# long before gunicorn listens (migrations and collectstatic run first), so traffic must not move on
# that. Instead: HTTP GET <health path> on the web port at the container's own address, until 2xx.
#   1. from the host, to the container's IP on the compose network (no exec, nothing needed in the image);
#   2. when the host cannot reach that address although the port is open: curl inside the container
#      (`docker exec`), if the image has curl;
#   3. when neither can ask: the web port being open counts as ready (said in the log).
# Requests carry `Host: 127.0.0.1`, the host the deploy's check through the proxy uses, so an app that
# answers that check answers this one. Needs: web_port, health_path, log, container_state (lib.sh).
# shellcheck shell=bash
# web_port and health_path come from deploy.sh's flags.
# shellcheck disable=SC2154

probe_id="" probe_mode="" probe_ip="" probe_last=""

# port_listening PID PORT: 0 when the network namespace of process PID listens on TCP PORT, 1 when
# not (yet), 2 when its /proc cannot be read (rootless docker…).
port_listening() {
  local files=("/proc/$1/net/tcp" "/proc/$1/net/tcp6") file
  for file in "${files[@]}"; do [[ -r "${file}" ]] || return 2; done
  # Columns: sl local_address(hex ip:port) rem_address st(0A = LISTEN) …; awk, as the host's own
  # namespace may list thousands of connections.
  awk -v port=":$(printf '%04X' "$2")" '$4 == "0A" && substr($2, length($2) - 4) == port { found = 1; exit }
    END { exit !found }' "${files[@]}"
}

# The container's first IPv4 address on its networks (empty with none).
container_ip() {
  docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "$1" 2>/dev/null | awk '{print $1}'
}

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

# wait_probe_ready ID TIMEOUT: bounded like wait_container_healthy; non-zero as soon as the container
# is gone or crash-looping, or when it has not answered within TIMEOUT seconds.
wait_probe_ready() {
  local id="$1" timeout="$2" deadline status restarts pid
  deadline=$((SECONDS + timeout))
  probe_last="not probed yet"
  log "probing ${id:0:12}: GET ${health_path} on port ${web_port} until 2xx (no compose healthcheck)"
  while :; do
    read -r status _ restarts pid <<<"$(container_state "${id}")"
    case "${status}" in
      running) if probe_web_now "${id}" "${pid}"; then log "${id:0:12} answered on port ${web_port}"; return 0; fi ;;
      gone|dead|exited) log "container ${id:0:12} is ${status} (last probe: ${probe_last})"; return 1 ;;
    esac
    if (( restarts >= 3 )); then log "container ${id:0:12} restarted ${restarts} times"; return 1; fi
    if (( SECONDS >= deadline )); then log "container ${id:0:12} not ready after ${timeout}s (last probe: ${probe_last})"; return 1; fi
    sleep 0.2
  done
}

# wait_new_web_ready ID TIMEOUT: the compose healthcheck, or this probe when there is none.
wait_new_web_ready() {
  if [[ "${health_source:?}" == probe ]]; then wait_probe_ready "$@"; else wait_container_healthy "$@"; fi
}
