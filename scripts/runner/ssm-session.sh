#!/usr/bin/env bash
# Runs on the machine running Pulumi (the deployment's steps on the ssm transport, local.Command
# resources): OpenSSH to the host through Session Manager, with the host's pinned key. It
# sends the same host command lines as the ssh transport (components/remote.ts), stdin passing
# through (the deploy's .env), and exits with the host command's own status.
#   SESSION_ACTION   run (send SESSION_COMMAND); the upload has a script of its own (upload.sh)
#   SESSION_TARGET   the instance id (ssh's %h); SESSION_PORT the host's SSH port (%p)
#   SESSION_USER, SESSION_KEY, SESSION_HOST_KEY, SESSION_PROXY_COMMAND
#   SESSION_RETRIES, SESSION_RETRY_PAUSE  sessions that never reach the host are tried again (a new
#                    instance's agent registers a while after boot); a host-key refusal, a missing
#                    plugin or a denied ssm:StartSession never is. A host command's own exit 255
#                    passes through as its status (ssh-lib.sh: not_reached).
# Everything comes from the environment, the keys included, so nothing secret is on a command line.
set -euo pipefail
RUNNER_NAME=ssm-session
# shellcheck source=ssh-lib.sh
[[ "$(type -t session_setup)" == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/ssh-lib.sh"

log() { printf '[ssm-session] %s\n' "$*" >&2; }

# One attempt of the action; returns its exit code.
attempt() {
  local login="${SESSION_USER}@${SESSION_TARGET}"
  case "${SESSION_ACTION}" in
    run) session_ssh "${SESSION_PORT}" "${login}" "${SESSION_COMMAND:?}" ;;
    *) die "SESSION_ACTION must be run, not '${SESSION_ACTION}'" ;;
  esac
}

main() {
  : "${SESSION_ACTION:?}" "${SESSION_TARGET:?}" "${SESSION_PORT:?}" "${SESSION_USER:?}" "${SESSION_KEY:?}" "${SESSION_HOST_KEY:?}" "${SESSION_PROXY_COMMAND:?}"
  local retries="${SESSION_RETRIES:-0}" pause="${SESSION_RETRY_PAUSE:-0}" tries=0 status refusal
  [[ "${retries}" =~ ^[0-9]+$ && "${pause}" =~ ^[0-9]+$ ]] || die "SESSION_RETRIES and SESSION_RETRY_PAUSE must be whole numbers"
  session_setup "${SESSION_KEY}" "${SESSION_HOST_KEY}" "${SESSION_PROXY_COMMAND}"
  while :; do
    status=0
    attempt || status=$?
    host_key_refused && die "${SESSION_TARGET} does not present its pinned host key: nothing was sent"
    if not_reached "${status}"; then
      refusal="$(ssm_refusal)"
      [[ -z "${refusal}" ]] || die "${SESSION_TARGET} not reached: ${refusal}"
    fi
    if ! not_reached "${status}" || (( tries >= retries )); then break; fi
    tries=$((tries + 1))
    log "${SESSION_TARGET} not reached (attempt ${tries} of $((retries + 1))); trying again in ${pause}s"
    sleep "${pause}"
  done
  not_reached "${status}" && die "${SESSION_TARGET} not reached through Session Manager after $((tries + 1)) attempts (is its SSM agent online, and may this role start sessions?)"
  return "${status}"
}

main "$@"
