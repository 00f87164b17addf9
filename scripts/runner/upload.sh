#!/usr/bin/env bash
# Runs on the machine running Pulumi (the deployment's upload step, a local.Command, on both
# transports): a content-addressed upload over OpenSSH with the host's pinned key, straight to the
# host (ssh) or through Session Manager (ssm: UPLOAD_PROXY_COMMAND). Two sessions:
#   1. the release's manifest (gzip) to the host's `upload.sh missing` line, which keeps it and
#      answers the sha256 of every content its store lacks;
#   2. one tar.gz stream of just those contents, from the local store (components/manifest.ts), to
#      its `upload.sh receive` line, which checks each against its sha256 before it enters the store.
# So a one-line change sends one file's content and the manifest; a first deploy sends everything,
# compressed. It prints what it sent: "sent <total> bytes: manifest <bytes> (<entries> entries),
# <n> of <m> contents <bytes>", counted on the stream as it leaves.
#   UPLOAD_TARGET    the address (ssh) or the instance id (ssm: ssh's %h); UPLOAD_PORT the host's SSH port
#   UPLOAD_USER, UPLOAD_KEY, UPLOAD_HOST_KEY, UPLOAD_PROXY_COMMAND ("" connects directly)
#   UPLOAD_MANIFEST  the manifest (.pulumi-bundles/<release id>.manifest); UPLOAD_STORE the local store
#   UPLOAD_MISSING_COMMAND, UPLOAD_RECEIVE_COMMAND  the host lines (components/remote.ts)
# Everything comes from the environment, the keys included, so nothing secret is on a command line.
set -euo pipefail
RUNNER_NAME=upload
# shellcheck source=ssh-lib.sh
[[ "$(type -t session_setup)" == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/ssh-lib.sh"

log() { printf '[upload] %s\n' "$*"; }

# Why a session failed, for its message: the host key, Session Manager, or the host command itself.
session_failed() {
  local what="$1" status="$2" refusal
  host_key_refused && die "${UPLOAD_TARGET} does not present its pinned host key: nothing was sent"
  if not_reached "${status}"; then
    refusal="$(ssm_refusal)"
    die "${UPLOAD_TARGET} not reached (${what})${refusal:+: ${refusal}}"
  fi
  die "${what} failed on ${UPLOAD_TARGET} (exit ${status}; its reason is above)"
}

# Step 1: the manifest, compressed, to the host; the contents it lacks into ${session_dir}/missing.
send_manifest() {
  local status=0
  gzip -9nc < "${UPLOAD_MANIFEST}" > "${session_dir}/manifest.gz"
  manifest_bytes="$(wc -c < "${session_dir}/manifest.gz" | tr -d ' ')"
  session_ssh "${UPLOAD_PORT}" "${login}" "${UPLOAD_MISSING_COMMAND}" < "${session_dir}/manifest.gz" > "${session_dir}/missing" || status=$?
  (( status == 0 )) || session_failed "sending the manifest" "${status}"
  local hash
  while IFS= read -r hash; do
    [[ "${hash}" =~ ^[0-9a-f]{64}$ ]] || die "the host answered '${hash}' where a sha256 belongs"
    [[ -f "${UPLOAD_STORE}/${hash}" ]] || die "the host asks for ${hash}, which is not in ${UPLOAD_STORE}: run pulumi again to write the bundle anew"
  done < "${session_dir}/missing"
}

# Step 2: one tar.gz of the missing contents, counted by dd as it goes to ssh.
send_contents() {
  local statuses=()
  contents_bytes=0
  [[ -s "${session_dir}/missing" ]] || return 0
  { (cd "${UPLOAD_STORE}" && tar -cf - --no-recursion -T "${session_dir}/missing") | gzip -c | dd bs=65536 2>"${session_dir}/dd" \
      | session_ssh "${UPLOAD_PORT}" "${login}" "${UPLOAD_RECEIVE_COMMAND}"; statuses=("${PIPESTATUS[@]}"); } || true
  (( statuses[0] == 0 && statuses[1] == 0 && statuses[2] == 0 )) || die "packing the contents failed (tar ${statuses[0]}, gzip ${statuses[1]}, dd ${statuses[2]})"
  (( statuses[3] == 0 )) || session_failed "sending the contents" "${statuses[3]}"
  contents_bytes="$(sed -n 's/^\([0-9][0-9]*\) bytes.*/\1/p' "${session_dir}/dd" | tail -n 1)"
  [[ -n "${contents_bytes}" ]] || die "dd did not say how many bytes it sent: $(cat "${session_dir}/dd")"
}

main() {
  : "${UPLOAD_TARGET:?}" "${UPLOAD_PORT:?}" "${UPLOAD_USER:?}" "${UPLOAD_KEY:?}" "${UPLOAD_HOST_KEY:?}" "${UPLOAD_PROXY_COMMAND?}"
  : "${UPLOAD_MANIFEST:?}" "${UPLOAD_STORE:?}" "${UPLOAD_MISSING_COMMAND:?}" "${UPLOAD_RECEIVE_COMMAND:?}"
  [[ -f "${UPLOAD_MANIFEST}" && -d "${UPLOAD_STORE}" ]] || die "${UPLOAD_MANIFEST} or ${UPLOAD_STORE} is missing: run pulumi again to write the bundle anew"
  session_setup "${UPLOAD_KEY}" "${UPLOAD_HOST_KEY}" "${UPLOAD_PROXY_COMMAND}"
  login="${UPLOAD_USER}@${UPLOAD_TARGET}"
  send_manifest
  send_contents
  local entries wanted missing
  entries="$(wc -l < "${UPLOAD_MANIFEST}" | tr -d ' ')"
  wanted="$(grep -v '^- ' "${UPLOAD_MANIFEST}" | cut -d' ' -f1 | sort -u | wc -l | tr -d ' ')"
  missing="$(wc -l < "${session_dir}/missing" | tr -d ' ')"
  log "sent $((manifest_bytes + contents_bytes)) bytes: manifest ${manifest_bytes} (${entries} entries), ${missing} of ${wanted} contents ${contents_bytes}"
}

main "$@"
