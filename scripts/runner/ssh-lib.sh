#!/usr/bin/env bash
# Runner-side OpenSSH with a pinned host key, shared by teardown.sh, ssm-session.sh and upload.sh. Those run as
# `bash -c` text from local.Command resources, so components/remote.ts (runnerScript) sends this file
# in front of them; run from a checkout, they source it instead.
# The login key and the pinned host key come from the environment and go into 0600 files in a
# private temporary directory, removed on exit: never on a command line, never in a log.
# The client trusts exactly one host key (StrictHostKeyChecking=yes against that file, ed25519 only),
# so a host presenting any other key is refused before the login key signs anything and before a
# command or its stdin (the .env) is sent.

# The name the pinned key is filed under: the same whatever the host is called (address or instance id).
readonly PINNED_HOST_ALIAS="compose-on-ec2-host"

die() { printf '[%s] ERROR: %s\n' "${RUNNER_NAME:-runner}" "$*" >&2; exit 1; }

# session_setup KEY HOST_KEY PROXY_COMMAND: writes the key files, fills the array ssh_opts.
session_setup() {
  local key="$1" host_key="$2" proxy="$3"
  command -v ssh >/dev/null 2>&1 || die "no ssh client on this machine: install OpenSSH (openssh-client) and run pulumi again"
  [[ "${host_key}" =~ ^ssh-ed25519\ [A-Za-z0-9+/=]+$ ]] || die "the pinned host key is not one 'ssh-ed25519 AAAA…' line"
  # A stop (Pulumi cancelled, Ctrl-C, the terminal gone) exits through the EXIT trap too, so the
  # key files never outlive the run.
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  session_dir="$(mktemp -d)"
  # shellcheck disable=SC2064 # the path is fixed now
  trap "rm -rf '${session_dir}'" EXIT
  chmod 700 "${session_dir}"
  (
    umask 077
    printf '%s\n' "${key}" > "${session_dir}/key"
    printf '%s %s\n' "${PINNED_HOST_ALIAS}" "${host_key}" > "${session_dir}/known_hosts"
  )
  ssh_opts=(
    -F /dev/null -i "${session_dir}/key" -o IdentitiesOnly=yes -o BatchMode=yes
    -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=${session_dir}/known_hosts" -o GlobalKnownHostsFile=/dev/null
    -o "HostKeyAlias=${PINNED_HOST_ALIAS}" -o HostKeyAlgorithms=ssh-ed25519 -o UpdateHostKeys=no
    -o LogLevel=ERROR -o ConnectTimeout=15 -o ServerAliveInterval=15
  )
  if [[ -n "${proxy}" ]]; then ssh_opts+=(-o "ProxyCommand=${proxy}"); fi
}

# session_ssh PORT USER@HOST LINE: sends LINE (stdin passes through); its stderr is kept in
# ${session_dir}/stderr and shown afterwards. Returns ssh's exit code: the host command's own, or
# 255 when ssh itself failed, and a host command may exit 255 too. So ssh leaves a mark once it has
# logged in (LocalCommand: "a command to execute on the local machine after successfully
# connecting to the server", ssh_config(5)), and not_reached reads that mark.
session_ssh() {
  local status=0
  rm -f "${session_dir}/reached"
  ssh "${ssh_opts[@]}" -o PermitLocalCommand=yes -o "LocalCommand=touch ${session_dir}/reached" \
    -p "$1" "$2" "$3" 2>"${session_dir}/stderr" || status=$?
  cat "${session_dir}/stderr" >&2
  return "${status}"
}

# True when the last session failed because the pinned key did not match: never worth a retry.
host_key_refused() { grep -q 'Host key verification failed' "${session_dir}/stderr" 2>/dev/null; }

# True when the last session never reached the host (ssh's own failure, exit 255, before it logged
# in) for a reason other than the host key: the address does not answer, or Session Manager does
# not reach the instance. A host command that exits 255 after the login is not this.
not_reached() { [[ "$1" == 255 && ! -e "${session_dir}/reached" ]] && ! host_key_refused; }

# Why Session Manager refused the last session on this machine's side, or nothing: the plugin is
# missing, or this AWS identity may not start sessions. Worth no retry, and no proof that the host
# is gone. The AWS CLI's words: "SessionManagerPlugin is not found" (aws/aws-cli,
# awscli/customizations/sessionmanager.py) and botocore's "An error occurred (AccessDeniedException)
# when calling the StartSession operation: … is not authorized to perform: ssm:StartSession …".
ssm_refusal() {
  local err="${session_dir}/stderr"
  if grep -q 'SessionManagerPlugin is not found' "${err}" 2>/dev/null; then
    echo "the Session Manager plugin is not installed on this machine (aws ssm start-session hands every session to it): install it (scripts/runner/install-session-manager-plugin.sh on Ubuntu) and run again"
  elif grep -Eq 'An error occurred \((AccessDenied|AccessDeniedException|UnauthorizedOperation)\) when calling the StartSession operation' "${err}" 2>/dev/null; then
    echo "this machine's AWS identity may not start Session Manager sessions (ssm:StartSession on the instance and on the AWS-StartSSHSession document was denied): grant it and run again"
  fi
}
