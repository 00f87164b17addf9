#!/usr/bin/env bash
# Runs on the machine running Pulumi (the deployment's teardown, a local.Command), not on the host:
# on `pulumi destroy` it sends the host's destroy command over SSH, but first checks that the host
# still answers on its SSH port. A host that is gone (terminated, its address released) has nothing
# left to take down, so that is a success, not a failed destroy; the remote provider alone cannot
# tell (pulumi-command#104).
# Inputs come from the environment, the key included, so nothing secret is on a command line:
#   TEARDOWN_HOST, TEARDOWN_PORT, TEARDOWN_USER, TEARDOWN_KEY, TEARDOWN_COMMAND, TEARDOWN_PROBE_SECONDS
set -euo pipefail

log() { printf '[teardown] %s\n' "$*"; }
die() { printf '[teardown] ERROR: %s\n' "$*" >&2; exit 1; }

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

# The destroy command over SSH with the key from the environment (in a 0600 file removed on exit).
send_destroy() {
  local key status=0
  command -v ssh >/dev/null 2>&1 || die "no ssh client on this machine: install OpenSSH (openssh-client) and run pulumi destroy again"
  key="$(mktemp)"
  # shellcheck disable=SC2064 # the path is fixed now
  trap "rm -f '${key}'" EXIT
  chmod 600 "${key}"
  printf '%s\n' "${TEARDOWN_KEY}" > "${key}"
  ssh -F /dev/null -i "${key}" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=15 -p "${TEARDOWN_PORT}" \
    "${TEARDOWN_USER}@${TEARDOWN_HOST}" "${TEARDOWN_COMMAND}" || status=$?
  return "${status}"
}

main() {
  : "${TEARDOWN_HOST:?}" "${TEARDOWN_PORT:?}" "${TEARDOWN_USER:?}" "${TEARDOWN_KEY:?}" "${TEARDOWN_COMMAND:?}"
  [[ "${TEARDOWN_PROBE_SECONDS:?}" =~ ^[0-9]+$ ]] || die "TEARDOWN_PROBE_SECONDS must be a whole number"
  if ! port_answers "${TEARDOWN_HOST}" "${TEARDOWN_PORT}"; then
    log "${TEARDOWN_HOST}:${TEARDOWN_PORT} does not answer within ${TEARDOWN_PROBE_SECONDS}s: the host is gone, nothing left to take down"
    return 0
  fi
  send_destroy
}

main "$@"
