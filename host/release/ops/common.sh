# Shared by the ops verbs (sourced, not run): the host layout and helpers (../lib.sh), the settings
# the last deploy recorded (<baseDir>/deploy-settings, read by records.sh: read_settings), the busy
# or broken rule of checks through the proxy (verdict.sh), and the release names under <baseDir>.
# Each verb runs as `bash <baseDir>/current/.compose-on-ec2/ops/<verb>.sh --base-dir <baseDir> …`
# (scripts/ops.ts sends that line over SSH). Exit codes: 0 done, 1 failed (the reason on stderr),
# 2 bad usage.
# shellcheck shell=bash disable=SC2034 # sets what the verbs read

ops_dir="$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source-path=SCRIPTDIR source=../layout.sh
source "${ops_dir}/../layout.sh"
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "${ops_dir}/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=../edge-lib.sh
source "${ops_dir}/../edge-lib.sh"
# shellcheck source-path=SCRIPTDIR source=../records.sh
source "${ops_dir}/../records.sh"
# shellcheck source-path=SCRIPTDIR source=../containers.sh
source "${ops_dir}/../containers.sh"
# shellcheck source-path=SCRIPTDIR source=../health.sh
source "${ops_dir}/../health.sh"
# shellcheck source-path=SCRIPTDIR source=../proxy.sh
source "${ops_dir}/../proxy.sh"
# shellcheck source-path=SCRIPTDIR source=../verdict.sh
source "${ops_dir}/../verdict.sh"

# Human-first output: plain lines, no timestamps (lib.sh's log is for the deploy log).
say() { printf '%s\n' "$*"; }
usage_error() { printf '%s: %s\n' "${script_name}" "$*" >&2; printf '%s\n' "${usage_text}" >&2; exit 2; }

# start_verb NAME USAGE ARGS…: names the verb in its messages (NAME; USAGE after a usage error),
# then takes --base-dir DIR, which must come first; sets base_dir and rest=(the verb's own args).
start_verb() {
  script_name="$1" usage_text="$2"
  take_base_dir "${@:3}"
}

# take_base_dir ARGS…: --base-dir DIR must come first; sets base_dir and rest=(the verb's own args).
take_base_dir() {
  [[ "${1:-}" == --base-dir && -n "${2:-}" ]] || usage_error "--base-dir DIR must come first"
  base_dir="$2"
  rest=("${@:3}")
  [[ -d "${base_dir}" ]] || die "${base_dir} does not exist: nothing was ever deployed to this host (or --base-dir is wrong)"
}

# take_action ACTION…: the verb's first argument must be one of these (at least two); sets action and
# leaves the verb's other arguments in rest.
take_action() {
  local known others="${*:1:$#-1}"
  action="${rest[0]:-}"
  for known in "$@"; do
    if [[ "${action}" == "${known}" ]]; then
      rest=("${rest[@]:1}")
      return 0
    fi
  done
  usage_error "name an action: ${others// /, } or ${!#}"
}

# take_json_flag: for a verb whose only option is --json; sets json (1 with --json, else 0) from rest.
take_json_flag() {
  local arg
  json=0
  for arg in "${rest[@]}"; do
    case "${arg}" in --json) json=1 ;; *) usage_error "unknown argument '${arg}'" ;; esac
  done
}

# The release sha a link (current, previous) names, or "" when there is none.
release_of() {
  local target
  target="$(readlink "${base_dir}/$1" 2>/dev/null || true)"
  printf '%s' "${target##*/}"
}

# Kept releases, newest deploy first (a deploy or rollback touches its release directory).
kept_releases() {
  # shellcheck disable=SC2010 # release names are sha256 hex; anything else there is skipped
  ls -1t "${base_dir}/${layout_releases}" 2>/dev/null | grep -E '^[0-9a-f]{64}$' || true
}

# When a release was last deployed (its directory's mtime), UTC ISO 8601.
deployed_at() {
  date -u -d "@$(stat -c %Y "${base_dir}/${layout_releases}/$1")" +%Y-%m-%dT%H:%M:%SZ
}

# A value as a JSON string.
json_string() {
  local s="$1"
  s="${s//\\/\\\\}"; s="${s//\"/\\\"}"; s="${s//$'\n'/\\n}"; s="${s//$'\r'/\\r}"; s="${s//$'\t'/\\t}"
  printf '"%s"' "${s}"
}

# The last ops rollback (<baseDir>/rollback): sets rollback_from, rollback_to, rollback_at ("" when none).
read_rollback_record() {
  local key value
  rollback_from="" rollback_to="" rollback_at=""
  [[ -f "${base_dir}/${layout_rollback}" ]] || return 0
  while IFS='=' read -r key value; do
    case "${key}" in from) rollback_from="${value}" ;; to) rollback_to="${value}" ;; at) rollback_at="${value}" ;; esac
  done < "${base_dir}/${layout_rollback}"
}
