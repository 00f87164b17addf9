#!/usr/bin/env bash
# Runs on the machine running Pulumi (the deployment's teardown, a local.Command), not on the host:
# on `pulumi destroy` it sends the host's destroy command over SSH (directly, or through Session
# Manager when TEARDOWN_PROXY_COMMAND is set), verifying the host's pinned key. A host that is gone
# (terminated, its address released) has nothing left to take down, so that is a success, not a
# failed destroy; the remote provider alone cannot tell (pulumi-command#104). Direct: the SSH port
# must answer within the probe time. Through Session Manager: when no session reaches the instance,
# EC2 says whether it is gone (terminated, shutting down, or no longer known); a missing Session
# Manager plugin, a denied ssm:StartSession, or an instance that still exists fails the teardown,
# saying which, since then nothing was taken down on a host that may still run.
# Inputs come from the environment, the keys included, so nothing secret is on a command line:
#   TEARDOWN_HOST, TEARDOWN_PORT, TEARDOWN_USER, TEARDOWN_KEY, TEARDOWN_HOST_KEY, TEARDOWN_COMMAND,
#   TEARDOWN_PROBE_SECONDS, TEARDOWN_PROXY_COMMAND (empty: direct; else TEARDOWN_HOST is the
#   instance id, and AWS_REGION its region)
set -euo pipefail
RUNNER_NAME=teardown
# shellcheck source=ssh-lib.sh
[[ "$(type -t session_setup)" == function ]] || source "$(dirname "${BASH_SOURCE[0]}")/ssh-lib.sh"

log() { printf '[teardown] %s\n' "$*"; }

# True when something accepts a TCP connection on host:port within the probe time. Bounded without
# GNU timeout (absent on macOS runners): a background connect, polled every quarter second.
port_answers() {
  local probe i answered=1
  bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null &
  probe=$!
  for (( i = 0; i < TEARDOWN_PROBE_SECONDS * 4; i++ )); do
    if ! kill -0 "${probe}" 2>/dev/null; then
      if wait "${probe}"; then answered=0; fi
      break
    fi
    sleep 0.25
  done
  kill "${probe}" 2>/dev/null || true
  return "${answered}"
}

gone() {
  log "${TEARDOWN_HOST}: $1: the host is gone, nothing left to take down"
}

# instance_state ID: the instance's EC2 state name (running, stopped, shutting-down, terminated…),
# "not-found" once EC2 no longer knows it (InvalidInstanceID.NotFound: terminated instances stay
# listed about an hour), or "unknown: <why>" when EC2 cannot be asked.
instance_state() {
  local state err
  err="$(mktemp)"
  if state="$(aws ec2 describe-instances --instance-ids "$1" --query 'Reservations[0].Instances[0].State.Name' --output text 2>"${err}")"; then
    echo "${state}"
  elif grep -q 'InvalidInstanceID.NotFound' "${err}"; then
    echo not-found
  else
    echo "unknown: aws ec2 describe-instances failed: $(grep -m1 . "${err}" || echo "exit status without a message")"
  fi
  rm -f "${err}"
}

# No Session Manager session reached the instance: gone, or a failure that names what is missing.
ssm_not_reached() {
  local refusal state
  refusal="$(ssm_refusal)"
  [[ -z "${refusal}" ]] || die "${TEARDOWN_HOST} not reached, so nothing was taken down: ${refusal}"
  state="$(instance_state "${TEARDOWN_HOST}")"
  case "${state}" in
    terminated | shutting-down | not-found) gone "no session reaches it and EC2 reports the instance ${state}" ;;
    *) die "${TEARDOWN_HOST} not reached through Session Manager, so nothing was taken down, yet the instance is ${state} (is its SSM agent online? a stopped instance must be started first)" ;;
  esac
}

main() {
  : "${TEARDOWN_HOST:?}" "${TEARDOWN_PORT:?}" "${TEARDOWN_USER:?}" "${TEARDOWN_KEY:?}" "${TEARDOWN_HOST_KEY:?}" "${TEARDOWN_COMMAND:?}"
  local proxy="${TEARDOWN_PROXY_COMMAND:-}" status=0
  [[ "${TEARDOWN_PROBE_SECONDS:?}" =~ ^[0-9]+$ ]] || die "TEARDOWN_PROBE_SECONDS must be a whole number"
  if [[ -z "${proxy}" ]] && ! port_answers "${TEARDOWN_HOST}" "${TEARDOWN_PORT}"; then
    gone "port ${TEARDOWN_PORT} does not answer within ${TEARDOWN_PROBE_SECONDS}s"
    return 0
  fi
  session_setup "${TEARDOWN_KEY}" "${TEARDOWN_HOST_KEY}" "${proxy}"
  session_ssh "${TEARDOWN_PORT}" "${TEARDOWN_USER}@${TEARDOWN_HOST}" "${TEARDOWN_COMMAND}" </dev/null || status=$?
  if [[ -n "${proxy}" ]] && not_reached "${status}"; then
    ssm_not_reached
    return 0
  fi
  host_key_refused && die "${TEARDOWN_HOST} does not present its pinned host key: nothing was sent; check who answers at that address"
  return "${status}"
}

main "$@"
