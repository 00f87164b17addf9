#!/usr/bin/env bash
# `npm run test:host`: the host half of the deployment, for real, on this machine (root, Debian 12).
# Sets up what the test needs (packages, the shared dockerd, base images, an sshd with a `deploy`
# user, PostgreSQL as the RDS stand-in), runs the static checks and the scenarios (tests/host/e2e.ts
# runs tests/host/scenarios/* in order), and tears everything down again, also on failure. The last line printed is the
# `host-e2e:` measurement summary.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/host/lib/common.sh
source "${here}/lib/common.sh"

require_root "npm run test:host"
cd "${repo_root}"
mkdir -p "${work_root}"
summary_file="${work_root}/summary.txt"
e2e_work_dir="${work_root}/e2e"
registry_pidfile="${e2e_work_dir}/registry/registry.pid"   # tests/host/harness/registry.ts writes it
rm -f "${summary_file}" "${work_root}/media-s3.txt" "${work_root}/db-mysql.txt"
# The edge's ports, and the loopback ones behind it (the app's proxy, the ACME client).
export HTTP_PORT="${HTTP_PORT:-28080}" HTTPS_PORT="${HTTPS_PORT:-28443}" PROXY_PORT="${PROXY_PORT:-28081}" ACME_PORT="${ACME_PORT:-28402}"
# The compose project the scenarios deploy; teardown removes whatever it left behind.
export E2E_PROJECT=e2e
failed_phases=()
started_dockerd=0
run_start=${SECONDS}

phase() {
  local name="$1"
  shift
  local start=${SECONDS}
  log "== ${name}"
  if "$@"; then
    log "== ${name}: ok ($((SECONDS - start))s)"
  else
    log "== ${name}: FAILED ($((SECONDS - start))s)"
    failed_phases+=("${name}")
    return 1
  fi
}

# Remove whatever the e2e compose project left behind (the scenarios run destroyCommand themselves;
# this is the safety net for a crashed run). Only containers labelled with our project name.
remove_e2e_containers() {
  local ids
  # The bring-your-own app scenario deploys its own project beside the main one.
  ids="$( { timeout 30 docker ps -aq --filter "label=com.docker.compose.project=${E2E_PROJECT}"
            timeout 30 docker ps -aq --filter "label=com.docker.compose.project=${E2E_PROJECT}-byo"; } 2>/dev/null || true)"
  if [[ -n "${ids}" ]]; then
    log "teardown: removing leftover ${E2E_PROJECT} containers"
    # shellcheck disable=SC2086 # one id per word
    timeout 60 docker rm -f ${ids} >/dev/null || true
  fi
}

# The registry the registry scenario started, by its pid, if a killed run left it (and the pid is still it).
stop_leftover_registry() {
  local pid
  [[ -s "${registry_pidfile}" ]] || return 0
  pid="$(cat "${registry_pidfile}")"
  if [[ "$(cat "/proc/${pid}/comm" 2>/dev/null)" == docker-registry ]]; then stop_pid "${pid}" docker-registry 5; fi
  rm -f "${registry_pidfile}"
}

# The edges (HAProxy, started through tests/host/lib/edge-host.sh) and the certificate retries the
# deploys started, if a crashed run left them (the teardown scenario stops them through destroy.sh);
# then the edge's sudo rule and service stand-in go.
stop_leftover_edges() {
  local pidfile
  bash "${here}/lib/edge-host.sh" teardown || true
  for pidfile in /home/*/compose-on-ec2*/edge/run/haproxy.pid /home/*/compose-on-ec2*/edge/acme-retries.pid; do
    [[ -s "${pidfile}" ]] || continue
    stop_pid "$(cat "${pidfile}")" "$(basename "${pidfile}" .pid)" 5
    rm -f "${pidfile}"
  done
}

teardown() {
  local rc=$?
  trap - EXIT INT TERM
  log "== teardown"
  if [[ -n "${DOCKER_HOST:-}" ]]; then remove_e2e_containers; fi
  # The registry scenario stops its registry itself; this catches one left by a killed run.
  stop_leftover_registry
  stop_leftover_edges
  bash "${here}/lib/acme-server.sh" stop || true
  bash "${here}/lib/sshd.sh" stop || true
  bash "${here}/lib/postgres.sh" stop || true
  if (( started_dockerd )) && [[ "${KEEP_DOCKERD:-0}" != 1 ]]; then
    bash "${here}/lib/dockerd.sh" stop || true
  else
    log "teardown: leaving the shared dockerd running (it was running before this test)"
  fi
  (( ${#failed_phases[@]} == 0 )) || rc=1
  log "== total $((SECONDS - run_start))s; failed phases: ${failed_phases[*]:-none}"
  # The summary comes last, also when the scenarios crashed before writing it.
  if [[ -s "${work_root}/media-s3.txt" ]]; then grep '^media-s3:' "${work_root}/media-s3.txt" | tail -1 || true; fi
  if [[ -s "${work_root}/db-mysql.txt" ]]; then grep '^db-mysql:' "${work_root}/db-mysql.txt" | tail -1 || true; fi
  if [[ -s "${summary_file}" ]]; then
    cat "${summary_file}"
  else
    echo "host-e2e: first_deploy_s=n/a redeploy_s=n/a restart_floor_s=n/a redeploy_ratio=n/a failed_requests=n/a byo_failed_requests=n/a faults_survived=0/5 keepalive_errors=n/a rsync_pipeline_s=n/a rsync_pipeline_failed_requests=n/a rehearse_s=n/a rehearse_found=n/a security_probes_passed=n/a worker_jobs_lost=n/a"
  fi
  exit "${rc}"
}
trap teardown EXIT
trap 'exit 130' INT TERM

phase packages bash "${here}/lib/packages.sh" ensure

if ! bash -c "$(bash "${here}/lib/dockerd.sh" env); timeout 10 docker version" >/dev/null 2>&1; then
  started_dockerd=1
fi
phase dockerd bash "${here}/lib/dockerd.sh" start
eval "$(bash "${here}/lib/dockerd.sh" env)"

phase base-images timeout 900 bash "${here}/lib/base-images.sh" || exit 1
phase static-checks bash "${here}/static-checks.sh" || true
phase sshd bash "${here}/lib/sshd.sh" start || exit 1
eval "$(bash "${here}/lib/sshd.sh" env)"
# The edge's users, the deploy user's sudo rule and the edge's service, as provision.sh sets them up.
phase edge-host bash "${here}/lib/edge-host.sh" setup || exit 1
phase postgres bash "${here}/lib/postgres.sh" init || exit 1
eval "$(bash "${here}/lib/postgres.sh" env)"

export SUMMARY_FILE="${summary_file}" E2E_WORK_DIR="${e2e_work_dir}"
phase e2e timeout 3600 npx --no-install ts-node --transpile-only "${here}/e2e.ts" || true

# Media on S3 (the example app with django-storages against a local S3 API); its own summary line
# goes just above the host-e2e line.
media_line="${work_root}/media-s3.txt"
phase media-s3 bash -c "set -o pipefail; timeout 600 bash '${repo_root}/tests/integration/media/run.sh' | tee '${media_line}'" || true

# ops db's MySQL/MariaDB side (db-tool.sh against Debian's MariaDB); its own summary line too.
phase db-mysql bash -c "set -o pipefail; timeout 600 bash '${repo_root}/tests/integration/db-mysql/run.sh' | tee '${work_root}/db-mysql.txt'" || true
