#!/usr/bin/env bash
# The rehearsal's stand-in for the edge's unit (npm run rehearse, on a workstation): what
# host/cloud-init/provision.sh's unit does on a host, but as the caller, with no user of its own and
# no capability (the rehearsal's ports are above 1024). HAProxy in master-worker mode, daemonized
# (-W -D: haproxy doc/management.txt), its master CLI on a 0600 socket, its pid file; host/release/
# edge.sh calls this in place of the sudo rule when COMPOSE_ON_EC2_LOCAL_EDGE names it. Its paths and
# PATH (haproxy is in /usr/sbin): host/release/edge-lib.sh.
#   edge-service.sh start|stop|restart BASE_DIR
set -euo pipefail
# shellcheck source=host/release/edge-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../host/release/edge-lib.sh"

readonly ready_tries=100   # × 0.1 s

# Closes every descriptor above 2 this (sub)shell holds.
close_inherited_fds() {
  local fd n
  for fd in /proc/"${BASHPID}"/fd/*; do
    n="${fd##*/}"
    if (( n > 2 )); then eval "exec ${n}>&-" 2>/dev/null || true; fi
  done
}

start() {
  local i
  [[ -n "$(edge_master_pid)" ]] && return 0
  mkdir -p "${edge_run_dir}"
  # Its output to a log of its own, and none of the caller's other descriptors (the deploy's log pipes):
  # a daemon that kept one would hold the deploy's output open after the deploy ends.
  (
    close_inherited_fds
    exec haproxy -W -D -S "${edge_master_socket},mode,600" -p "${edge_pidfile}" -f "${edge_config}" \
      < /dev/null >> "${edge_run_dir}/haproxy.log" 2>&1
  )
  for (( i = 0; i < ready_tries; i++ )); do
    [[ -S "${edge_master_socket}" && -n "$(edge_master_pid)" ]] && return 0
    sleep 0.1
  done
  echo "edge-service: HAProxy did not come up for ${base_dir}" >&2
  return 1
}

stop() {
  local pid i
  pid="$(edge_master_pid)"
  [[ -n "${pid}" ]] || return 0
  kill -TERM "${pid}" 2>/dev/null || true
  for (( i = 0; i < ready_tries; i++ )); do
    kill -0 "${pid}" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "${pid}" 2>/dev/null || true
  rm -f "${edge_pidfile}"
}

main() {
  local verb="${1:-}"
  base_dir="${2:?usage: edge-service.sh start|stop|restart BASE_DIR}"
  edge_paths
  case "${verb}" in
    start) start ;;
    stop) stop ;;
    restart) stop; start ;;
    *) echo "usage: edge-service.sh start|stop|restart BASE_DIR" >&2; exit 2 ;;
  esac
}

main "$@"
