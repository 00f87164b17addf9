#!/usr/bin/env bash
# Sent inline by the deployment (components/remote.ts: waitReadyCommand) before any bundle is on the
# host: wait until the host can deploy: cloud-init finished (where it runs on this host; its own
# error stops the wait at once), docker answers, a compose CLI and the tools the deploy uses exist;
# then create the upload and release directories.
#   wait-ready.sh TIMEOUT_SECONDS UPLOADS_DIR RELEASES_DIR
set -euo pipefail

log() { printf '[wait-ready] %s\n' "$*"; }
die() { printf '[wait-ready] ERROR: %s\n' "$*" >&2; exit 1; }

# The first boot's cloud-init: `cloud-init status --wait` returns as soon as it is done, and fails
# with cloud-init's own error when the host's setup failed, instead of waiting out the timeout for
# a docker that will never come. Hosts where cloud-init is not installed, or never ran, skip this.
wait_for_cloud_init() {
  local state status=0
  if ! command -v cloud-init >/dev/null 2>&1; then log "no cloud-init on this host"; return 0; fi
  state="$(cloud-init status 2>/dev/null | sed -n 's/^status: //p' | head -n 1 || true)"
  case "${state}" in
    "not run" | disabled | "")
      [[ -d /var/lib/cloud/instance ]] || { log "cloud-init has not run on this host (status: ${state:-unknown})"; return 0; } ;;
  esac
  log "waiting for cloud-init to finish (status: ${state}; up to ${timeout}s)"
  timeout "$(remaining)" cloud-init status --wait >/dev/null 2>&1 || status=$?
  case "${status}" in
    0) log "cloud-init finished" ;;
    # cloud-init 23.4 and later: done, with recoverable errors (deprecated keys and the like).
    2) log "cloud-init finished with recoverable errors: $(cloud-init status 2>/dev/null | tr '\n' ' ')" ;;
    124) die "cloud-init not finished after ${timeout}s (see /var/log/cloud-init-output.log on the host)" ;;
    *)
      cloud-init status --long 2>&1 | tail -n 12 >&2 || true
      die "cloud-init failed setting up this host (above; full output in /var/log/cloud-init-output.log): replace the instance once the cause is fixed" ;;
  esac
}

# This SSH session may have logged in while cloud-init was still adding the user to the docker
# group, and a session keeps the groups it logged in with: ask through `sg docker` as well. Later
# commands (upload, deploy) log in anew and have the group.
docker_answers() {
  docker info >/dev/null 2>&1 || { command -v sg >/dev/null 2>&1 && sg docker -c 'docker info' >/dev/null 2>&1; }
}

wait_for_docker() {
  log "waiting for docker to answer"
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
}

check_tools() {
  local tool
  for tool in curl flock tar sha256sum; do
    command -v "${tool}" >/dev/null 2>&1 || die "${tool} is not installed"
  done
}

# Seconds left before the deadline, at least 1 (`timeout 0` would mean no limit at all).
remaining() { local left=$(( deadline - SECONDS )); echo $(( left > 1 ? left : 1 )); }

main() {
  timeout="$1"
  local uploads="$2" releases="$3"
  deadline=$((SECONDS + timeout))
  wait_for_cloud_init
  wait_for_docker
  check_tools
  mkdir -p "${uploads}" "${releases}" || die "cannot create ${uploads} and ${releases} as $(id -un)"
  log "ready: ${uploads}"
}

main "$@"
