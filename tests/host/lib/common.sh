#!/usr/bin/env bash
# Shared helpers for the host test scripts (sourced, not run).
# Paths every piece agrees on; all state lives under tests/host/.work (git-ignored).

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
work_root="${repo_root}/tests/host/.work"
export repo_root work_root

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { printf '[%s] ERROR: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }

require_root() {
  [[ "$(id -u)" == 0 ]] || die "$1 must run as root (it creates users and starts daemons)"
}

# port_free PORT: true when nothing listens on 127.0.0.1:PORT (or any address) over TCP.
port_free() {
  [[ -z "$(ss -Htln "sport = :$1")" ]]
}

# stop_pid PID NAME [SECONDS]: TERM, wait (bounded), then KILL. Never a broad kill.
stop_pid() {
  local pid="$1" name="$2" grace="${3:-20}"
  kill -0 "${pid}" 2>/dev/null || return 0
  log "${name}: stopping pid ${pid}"
  kill -TERM "${pid}" 2>/dev/null || true
  local deadline=$((SECONDS + grace))
  while kill -0 "${pid}" 2>/dev/null; do
    if (( SECONDS >= deadline )); then
      log "${name}: still running after ${grace}s, sending KILL"
      kill -KILL "${pid}" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
}

# wait_for SECONDS DESCRIPTION COMMAND...: retry COMMAND every 0.5 s until it succeeds or time runs out.
wait_for() {
  local limit="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS >= deadline )); then
      log "timed out after ${limit}s waiting for ${what}"
      return 1
    fi
    sleep 0.5
  done
}
