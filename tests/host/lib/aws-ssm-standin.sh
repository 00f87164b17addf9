#!/usr/bin/env bash
# Stand-in for `aws ssm start-session` in the host tests: the program OpenSSH's ProxyCommand runs
# on the ssm transport (installed as `aws`, first in PATH, by tests/host/harness/ssm.ts). It accepts
# exactly the arguments the deployment gives the real CLI, records them in SSM_STANDIN_LOG, and relays
# the session to the test sshd on 127.0.0.1:<portNumber>, as Session Manager relays it to the
# instance's port. A target other than SSM_STANDIN_TARGET answers as the real service does for an
# instance whose agent is not connected (exit 254, TargetNotConnected).
# The failures of the machine running Pulumi, in the order the real CLI meets them (aws/aws-cli
# awscli/customizations/sessionmanager.py: StartSession is called first, the plugin looked for
# after it succeeds): SSM_STANDIN_FAULT=access-denied answers StartSession with botocore's
# AccessDeniedException (exit 254); SSM_STANDIN_FAULT=no-plugin answers as the CLI does without
# session-manager-plugin ("SessionManagerPlugin is not found…", exit 255).
# `aws ec2 describe-instances --instance-ids ID --query … --output text` answers ID's state from
# SSM_STANDIN_STATES ("i-…=terminated i-…=stopped"; SSM_STANDIN_TARGET is running), and for any other
# id as EC2 does for an unknown one (InvalidInstanceID.NotFound, exit 254).
set -euo pipefail

refuse() { printf 'aws stand-in: %s\n' "$*" >&2; exit 2; }

# ec2 describe-instances --instance-ids ID --query 'Reservations[0].Instances[0].State.Name' --output text
describe_instances() {
  local id state="" entry
  [[ "$#" == 6 && "$1" == --instance-ids && "$3" == --query && "$4" == 'Reservations[0].Instances[0].State.Name' && "$5 $6" == "--output text" ]] \
    || refuse "describe-instances arguments not stood in for: $*"
  id="$2"
  [[ "${id}" == "${SSM_STANDIN_TARGET:?}" ]] && state=running
  for entry in ${SSM_STANDIN_STATES:-}; do
    [[ "${entry%%=*}" == "${id}" ]] && state="${entry#*=}"
  done
  if [[ -z "${state}" ]]; then
    printf '\nAn error occurred (InvalidInstanceID.NotFound) when calling the DescribeInstances operation: The instance ID '"'"'%s'"'"' does not exist\n' "${id}" >&2
    exit 254
  fi
  echo "${state}"
}

main() {
  local target="" document="" parameters="" port
  if [[ "${1:-} ${2:-}" == "ec2 describe-instances" ]]; then shift 2; describe_instances "$@"; return 0; fi
  [[ "${1:-} ${2:-}" == "ssm start-session" ]] || refuse "only 'ssm start-session' and 'ec2 describe-instances' are stood in for, not: $*"
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
  if [[ "${SSM_STANDIN_FAULT:-}" == access-denied ]]; then
    printf '\nAn error occurred (AccessDeniedException) when calling the StartSession operation: User: arn:aws:sts::123456789012:assumed-role/ci/runner is not authorized to perform: ssm:StartSession on resource: arn:aws:ec2:%s:123456789012:instance/%s because no identity-based policy allows the ssm:StartSession action\n' "${AWS_REGION:-}" "${target}" >&2
    exit 254
  fi
  if [[ "${target}" != "${SSM_STANDIN_TARGET:?}" ]]; then
    printf '\nAn error occurred (TargetNotConnected) when calling the StartSession operation: %s is not connected.\n' "${target}" >&2
    exit 254
  fi
  if [[ "${SSM_STANDIN_FAULT:-}" == no-plugin ]]; then
    printf '\nSessionManagerPlugin is not found. Please refer to SessionManager Documentation here: http://docs.aws.amazon.com/console/systems-manager/session-manager-plugin-not-found\n' >&2
    exit 255
  fi
  exec socat STDIO "TCP:127.0.0.1:${port}"
}

main "$@"
