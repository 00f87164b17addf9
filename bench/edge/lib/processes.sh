# Edge bench: setup and the processes it starts (each stopped, bounded, on exit).
# Sourced by bench/edge/run.sh, which holds the settings (ports, durations) and log/die.
# shellcheck shell=bash

WORK=""              # scratch directory: configs, logs, wrk figures
declare -A PIDS=()   # name -> pid of every process started here

# --- setup ----------------------------------------------------------------------------------------

install_missing() {
  local missing=() cmd pkg
  for pair in nginx:nginx-light caddy:caddy haproxy:haproxy wrk:wrk \
              pebble-challtestsrv:pebble socat:socat curl:curl; do
    cmd="${pair%%:*}" pkg="${pair#*:}"
    command -v "$cmd" >/dev/null || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
}

check_ports_free() {
  local port
  for port in "${ALL_PORTS[@]}"; do
    if ss -Hltn "sport = :${port}" | grep -q .; then
      die "port ${port} is already in use; stop what listens there or change the ports at the top of $0"
    fi
  done
}

make_workdir() {
  WORK="$(mktemp -d /tmp/edge-bench.XXXXXX)"
  chmod 755 "$WORK"   # nginx workers run as nobody and read the static files
  export XDG_CONFIG_HOME="$WORK/xdg/config" XDG_DATA_HOME="$WORK/xdg/data"   # caddy's state stays here
}

cleanup() {
  local name
  for name in "${!PIDS[@]}"; do stop_proc "$name" TERM; done
  if [[ -n "$WORK" && "${KEEP_WORK:-0}" != 1 ]]; then rm -rf "$WORK"; fi
}

# --- processes ------------------------------------------------------------------------------------

# start_proc NAME CMD... : run CMD in the background, its output in $WORK/NAME.log
start_proc() {
  local name="$1"; shift
  "$@" >"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
}

# stop_proc NAME SIGNAL : signal it, wait (bounded) until it exited, then KILL if it did not
stop_proc() {
  local name="$1" sig="$2" pid="${PIDS[$1]:-}" i
  [[ -z "$pid" ]] && return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < BOUNDED_TRIES; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "PIDS[$name]"
}

wait_http() {
  local url="$1" i
  for ((i = 0; i < BOUNDED_TRIES; i++)); do
    curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  die "no answer from ${url} after $((BOUNDED_TRIES / 10)) s; see the logs in ${WORK}"
}

expect_release() {
  local addr="$1" want="$2" got
  got="$(curl -fsS --max-time 2 "http://${addr}/" || true)"
  [[ "$got" == "release ${want}" ]] || die "http://${addr}/ answered '${got}', expected 'release ${want}'"
}
