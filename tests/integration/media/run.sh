#!/usr/bin/env bash
# Media on S3, for real: the example app with django-storages (Debian's python3-django,
# python3-django-storages, python3-boto3) against a local S3 API (s3rver from node_modules) on
# 127.0.0.1. An uploaded file must be stored in the bucket, be served back, and survive a redeploy
# (a new app process of another release against the same bucket). Needs root for apt-get.
# Last line: media-s3: upload_ok=<0|1> stored_in_bucket=<0|1> served_back=<0|1> survives_redeploy=<0|1>
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
HERE="${ROOT}/tests/integration/media"
WORK="$(mktemp -d /tmp/media-s3.XXXXXX)"
BUCKET="media-test"
WAIT_SECONDS=30
# Debian's interpreter: the apt packages install there (a pyenv or venv python3 on PATH would miss them).
PYTHON=/usr/bin/python3
declare -A RESULT=([upload_ok]=0 [stored_in_bucket]=0 [served_back]=0 [survives_redeploy]=0)
PIDS=()

summary() {
  echo "media-s3: upload_ok=${RESULT[upload_ok]} stored_in_bucket=${RESULT[stored_in_bucket]} served_back=${RESULT[served_back]} survives_redeploy=${RESULT[survives_redeploy]}"
}

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "${pid}" 2>/dev/null || true; done
  [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "${WORK}"
  summary
}

install_packages() {
  if "${PYTHON}" -c "import django, storages, boto3" 2>/dev/null; then return; fi
  echo "installing python3-django, python3-django-storages, python3-boto3 (apt-get)"
  timeout 300 apt-get install -y -q python3-django python3-django-storages python3-boto3 >"${WORK}/apt.log" 2>&1 \
    || { timeout 120 apt-get update -q >>"${WORK}/apt.log" 2>&1 && timeout 300 apt-get install -y -q python3-django python3-django-storages python3-boto3 >>"${WORK}/apt.log" 2>&1; } \
    || { tail -20 "${WORK}/apt.log"; echo "cannot install the Python packages" >&2; exit 1; }
}

free_port() {
  "${PYTHON}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits (bounded) until a line matching $2 appears in file $1.
wait_for_line() {
  local file="$1" pattern="$2" i
  for ((i = 0; i < WAIT_SECONDS * 10; i++)); do
    grep -q "${pattern}" "${file}" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "timed out after ${WAIT_SECONDS}s waiting for '${pattern}' in ${file}:" >&2
  tail -20 "${file}" >&2 || true
  return 1
}

# Waits (bounded) until the app answers on $1.
wait_for_app() {
  local url="$1" i
  for ((i = 0; i < WAIT_SECONDS * 10; i++)); do
    "${PYTHON}" "${HERE}/check.py" answers "${url}" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "the app did not answer ${url} within ${WAIT_SECONDS}s" >&2
  return 1
}

start_s3() {
  S3_PORT="$(free_port)"
  mkdir -p "${WORK}/s3"
  node "${HERE}/s3rver.js" --port "${S3_PORT}" --dir "${WORK}/s3" --bucket "${BUCKET}" >"${WORK}/s3rver.log" 2>&1 &
  PIDS+=("$!")
  wait_for_line "${WORK}/s3rver.log" "^ready"
}

# Starts one release of the app (a fresh copy of app/ with its own RELEASE_ID) on a new port.
start_release() {
  local release="$1" dir="${WORK}/releases/$1"
  mkdir -p "${dir}"
  cp -a "${ROOT}/app/." "${dir}/"
  APP_PORT="$(free_port)"
  # The keys are s3rver's fixed test credentials, for the local server only; on AWS the role signs.
  env -i PATH="${PATH}" HOME="${WORK}" PYTHONDONTWRITEBYTECODE=1 RELEASE_ID="${release}" DEMO_UPLOADS=1 \
    MEDIA_BUCKET="${BUCKET}" MEDIA_BUCKET_REGION=us-east-1 MEDIA_S3_ENDPOINT="http://127.0.0.1:${S3_PORT}" \
    MEDIA_ROOT="${dir}/media-on-disk" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
    "${PYTHON}" "${dir}/manage.py" runserver "127.0.0.1:${APP_PORT}" --noreload >"${WORK}/app-${release}.log" 2>&1 &
  APP_PID="$!"
  PIDS+=("${APP_PID}")
  wait_for_app "http://127.0.0.1:${APP_PORT}/healthz"
}

check() {
  env -i PATH="${PATH}" MEDIA_BUCKET="${BUCKET}" MEDIA_BUCKET_REGION=us-east-1 MEDIA_S3_ENDPOINT="http://127.0.0.1:${S3_PORT}" \
    AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER "${PYTHON}" "${HERE}/check.py" "$@"
}

main() {
  trap cleanup EXIT
  install_packages
  start_s3

  start_release release-a
  check upload "http://127.0.0.1:${APP_PORT}" "${WORK}/state.json"
  RESULT[upload_ok]=1
  RESULT[stored_in_bucket]=1
  if [ -n "$(ls -A "${WORK}/releases/release-a/media-on-disk" 2>/dev/null)" ]; then
    echo "the upload landed on the local disk too" >&2
    exit 1
  fi
  check fetch "http://127.0.0.1:${APP_PORT}" "${WORK}/state.json"
  RESULT[served_back]=1

  # Redeploy: stop release A, start release B against the same bucket, read the file back.
  kill "${APP_PID}"
  wait "${APP_PID}" 2>/dev/null || true
  start_release release-b
  check fetch "http://127.0.0.1:${APP_PORT}" "${WORK}/state.json"
  RESULT[survives_redeploy]=1
}

main "$@"
