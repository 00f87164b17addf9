#!/usr/bin/env bash
# One dockerd for all host tests on this machine: own data-root, exec-root, pidfile and socket, so it
# never touches a system docker. Shared by every host test: `start` reuses a daemon that already answers.
#   dockerd.sh start   start (or reuse) the daemon, wait until it answers (<= 60 s)
#   dockerd.sh env     print `export DOCKER_HOST=...` for eval
#   dockerd.sh stop    stop the daemon we started (bounded)
set -euo pipefail

# The daemon is one per machine, so its state is too: a restart from any checkout (the dockerd-restart
# fault) must come back with the same images and containers.
work_dir="/var/lib/compose-on-ec2-e2e/docker"
data_root="${work_dir}/data"
# exec-root holds unix sockets: keep its path short (108-byte sun_path limit).
run_dir="/run/compose-on-ec2-e2e"
exec_root="${run_dir}/exec"
socket="${run_dir}/docker.sock"
pidfile="${run_dir}/dockerd.pid"
log_file="${work_dir}/dockerd.log"
ready_timeout=60

answers() {
  DOCKER_HOST="unix://${socket}" timeout 10 docker version >/dev/null 2>&1
}

start() {
  if [[ -S "${socket}" ]] && answers; then
    echo "dockerd: already answering on ${socket}, reusing it"
    return 0
  fi
  if [[ "$(id -u)" != 0 ]]; then
    echo "dockerd: must run as root to start the daemon" >&2
    exit 1
  fi
  getent group docker >/dev/null || groupadd --system docker
  mkdir -p "${data_root}" "${exec_root}"
  # A stale pidfile/socket from a killed run would make dockerd refuse to start.
  if [[ -f "${pidfile}" ]] && ! kill -0 "$(cat "${pidfile}")" 2>/dev/null; then
    rm -f "${pidfile}"
  fi
  rm -f "${socket}"
  echo "dockerd: starting (data-root ${data_root}, socket ${socket}, log ${log_file})"
  setsid dockerd \
    --data-root "${data_root}" \
    --exec-root "${exec_root}" \
    --pidfile "${pidfile}" \
    -H "unix://${socket}" \
    --group docker \
    --bip 10.212.0.1/24 \
    --default-address-pool base=10.213.0.0/16,size=24 \
    >>"${log_file}" 2>&1 </dev/null &
  local deadline=$((SECONDS + ready_timeout))
  until [[ -S "${socket}" ]] && answers; do
    if (( SECONDS >= deadline )); then
      echo "dockerd: not answering after ${ready_timeout}s; last log lines:" >&2
      tail -n 30 "${log_file}" >&2 || true
      exit 1
    fi
    sleep 1
  done
  echo "dockerd: ready"
}

stop() {
  if [[ ! -f "${pidfile}" ]]; then
    echo "dockerd: not running (no pidfile ${pidfile})"
    return 0
  fi
  local pid
  pid="$(cat "${pidfile}")"
  if ! kill -0 "${pid}" 2>/dev/null; then
    echo "dockerd: pid ${pid} is gone, cleaning up"
    rm -f "${pidfile}" "${socket}"
    return 0
  fi
  echo "dockerd: stopping pid ${pid}"
  kill -TERM "${pid}"
  local deadline=$((SECONDS + 30))
  while kill -0 "${pid}" 2>/dev/null; do
    if (( SECONDS >= deadline )); then
      echo "dockerd: still running after 30s, sending KILL" >&2
      kill -KILL "${pid}" 2>/dev/null || true
      break
    fi
    sleep 1
  done
  rm -f "${pidfile}" "${socket}"
  echo "dockerd: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) echo "export DOCKER_HOST=unix://${socket}" ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
