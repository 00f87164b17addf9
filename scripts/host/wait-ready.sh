#!/usr/bin/env bash
# Wait until the host can deploy: cloud-init finished (only where cloud-init runs), docker answers,
# a compose CLI exists; create <baseDir>/uploads. Self-contained: it runs (inline, from
# components/remote.ts) before any bundle is on the host.
#   wait-ready.sh BASE_DIR [TIMEOUT_SECONDS]
set -euo pipefail

base_dir="${1:?usage: wait-ready.sh BASE_DIR [TIMEOUT_SECONDS]}"
timeout="${2:-600}"
log() { printf '[wait-ready] %s\n' "$*"; }
die() { printf '[wait-ready] ERROR: %s\n' "$*" >&2; exit 1; }
deadline=$((SECONDS + timeout))

if [[ -d /var/lib/cloud/instance ]]; then
  log "waiting for cloud-init to finish (up to ${timeout}s)"
  until [[ -f /var/lib/cloud/instance/boot-finished ]]; do
    (( SECONDS < deadline )) || die "cloud-init not finished after ${timeout}s (see /var/log/cloud-init-output.log)"
    sleep 2
  done
  log "cloud-init finished"
else
  log "no cloud-init on this host"
fi

log "waiting for docker to answer"
# This SSH session may have logged in while cloud-init was still adding the user to the docker
# group, and a session keeps the groups it logged in with: ask through `sg docker` as well. Later
# commands (upload, deploy) log in anew and have the group.
docker_answers() {
  docker info >/dev/null 2>&1 || { command -v sg >/dev/null 2>&1 && sg docker -c 'docker info' >/dev/null 2>&1; }
}
until docker_answers; do
  if (( SECONDS >= deadline )); then
    docker info 2>&1 | tail -n 3 >&2 || true
    die "docker does not answer after ${timeout}s (is the daemon running, and is $(id -un) in the docker group?)"
  fi
  sleep 2
done
if docker compose version >/dev/null 2>&1; then
  log "docker answers; $(docker compose version)"
elif command -v docker-compose >/dev/null 2>&1; then
  log "docker answers; $(docker-compose version --short 2>/dev/null || echo docker-compose) (v1)"
else
  die "docker answers but neither 'docker compose' nor 'docker-compose' is installed"
fi
for tool in curl flock tar sha256sum; do
  command -v "${tool}" >/dev/null 2>&1 || die "${tool} is not installed"
done

mkdir -p "${base_dir}/uploads" "${base_dir}/releases" || die "cannot create ${base_dir}/uploads as $(id -un)"
log "ready: ${base_dir}/uploads"
