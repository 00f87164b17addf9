#!/usr/bin/env bash
# Publishes how full a filesystem is (percent of its blocks in use, as `df` reports it) to CloudWatch,
# so an alarm can watch the host's disk: EC2 publishes no disk metric of its own.
#
# Runs on the host from a systemd timer (AL2023 ships no cron), as root, with the instance role's
# credentials through the AWS CLI. The role may publish only to the namespace given here.
#
# Usage: disk-metric.sh --namespace NS --metric NAME --region REGION --path PATH [--instance-id ID]
#   --instance-id  defaults to the instance's own id from the instance metadata service (IMDSv2)
# Environment: IMDS_ENDPOINT (default http://169.254.169.254), read only when --instance-id is absent.
set -euo pipefail

namespace=""
metric=""
region=""
path=""
instance_id=""
imds="${IMDS_ENDPOINT:-http://169.254.169.254}"

die() {
  echo "disk-metric: $*" >&2
  exit 1
}

parse_args() {
  while (( $# > 0 )); do
    case "$1" in
      --namespace) namespace="${2:-}"; shift 2 ;;
      --metric) metric="${2:-}"; shift 2 ;;
      --region) region="${2:-}"; shift 2 ;;
      --path) path="${2:-}"; shift 2 ;;
      --instance-id) instance_id="${2:-}"; shift 2 ;;
      *) die "unknown argument '$1' (expected --namespace, --metric, --region, --path, --instance-id)" ;;
    esac
  done
  [[ -n "${namespace}" ]] || die "--namespace is required"
  [[ -n "${metric}" ]] || die "--metric is required"
  [[ -n "${region}" ]] || die "--region is required"
  [[ -n "${path}" ]] || die "--path is required"
  [[ -d "${path}" ]] || die "path '${path}' is not a directory on this host"
  command -v aws > /dev/null || die "the AWS CLI (aws) is not installed; it publishes the metric with the instance role"
}

# Percent of blocks in use, rounded up, exactly as df's Use% column shows it.
used_percent() {
  df -P "${path}" | awk 'NR == 2 { sub(/%$/, "", $5); print $5 }'
}

# The instance id from IMDSv2. The session token goes to curl on stdin (-H @-), not on its command line.
own_instance_id() {
  local token
  token="$(curl -fsS --max-time 5 -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" "${imds}/latest/api/token")" \
    || die "cannot get an IMDSv2 token from ${imds}"
  printf 'X-aws-ec2-metadata-token: %s\n' "${token}" \
    | curl -fsS --max-time 5 -H @- "${imds}/latest/meta-data/instance-id" \
    || die "cannot read the instance id from ${imds}"
}

publish() {
  local percent="$1" id="$2"
  aws cloudwatch put-metric-data \
    --region "${region}" \
    --namespace "${namespace}" \
    --metric-name "${metric}" \
    --unit Percent \
    --value "${percent}" \
    --dimensions "InstanceId=${id},Path=${path}"
}

main() {
  parse_args "$@"
  local percent
  percent="$(used_percent)"
  [[ "${percent}" =~ ^[0-9]+$ ]] || die "df gave no usage figure for '${path}' (got '${percent}')"
  if [[ -z "${instance_id}" ]]; then
    instance_id="$(own_instance_id)"
  fi
  [[ "${instance_id}" =~ ^i-[0-9a-f]+$ ]] || die "'${instance_id}' is not an EC2 instance id"
  publish "${percent}" "${instance_id}"
  echo "disk-metric: ${namespace}/${metric} ${percent}% for ${path} on ${instance_id}"
}

main "$@"
