#!/usr/bin/env bash
# Stand-in for `aws ssm start-session` in the host tests: the program OpenSSH's ProxyCommand runs
# on the ssm transport (installed as `aws`, first in PATH, by tests/host/harness/ssm.ts). It accepts
# exactly the arguments the deployment gives the real CLI, records them in SSM_STANDIN_LOG, and relays
# the session to the test sshd on 127.0.0.1:<portNumber>, as Session Manager relays it to the
# instance's port. A target other than SSM_STANDIN_TARGET answers as the real service does for an
# instance whose agent is not connected (exit 254, TargetNotConnected).
set -euo pipefail

refuse() { printf 'aws stand-in: %s\n' "$*" >&2; exit 2; }

main() {
  local target="" document="" parameters="" port
  [[ "${1:-} ${2:-}" == "ssm start-session" ]] || refuse "only 'ssm start-session' is stood in for, not: $*"
  shift 2
  while (( $# > 0 )); do
    (( $# >= 2 )) || refuse "option $1 has no value"
    case "$1" in
      --target) target="$2" ;;
      --document-name) document="$2" ;;
      --parameters) parameters="$2" ;;
      *) refuse "unexpected option $1" ;;
    esac
    shift 2
  done
  [[ "${document}" == AWS-StartSSHSession ]] || refuse "document '${document}' is not AWS-StartSSHSession"
  [[ "${parameters}" =~ ^portNumber=([0-9]+)$ ]] || refuse "parameters '${parameters}' are not portNumber=<port>"
  port="${BASH_REMATCH[1]}"
  printf 'target=%s document=%s port=%s region=%s\n' "${target}" "${document}" "${port}" "${AWS_REGION:-}" >> "${SSM_STANDIN_LOG:?}"
  if [[ "${target}" != "${SSM_STANDIN_TARGET:?}" ]]; then
    printf '\nAn error occurred (TargetNotConnected) when calling the StartSession operation: %s is not connected.\n' "${target}" >&2
    exit 254
  fi
  exec socat STDIO "TCP:127.0.0.1:${port}"
}

main "$@"
