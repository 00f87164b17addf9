# The host scripts' base (sourced, not run): logging, flags, the log kept on the host, and the host
# layout (layout.sh). The other libraries source it themselves: containers.sh (compose and the app's
# containers), health.sh (is a container ready), proxy.sh (the nginx reload), params.sh (the deploy's
# parameters), records.sh (what a deploy leaves on the host), verdict.sh, switch.sh, edge-lib.sh and
# deploy-edge.sh. Each is read once however many others source it.
# shellcheck shell=bash

[[ -z "${lib_sh_loaded:-}" ]] || return 0
lib_sh_loaded=1

lib_dir="$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=layout.sh
source "${lib_dir}/layout.sh"

# Every line carries the seconds since the script started, so a slow step shows in the deploy log.
started_us="${EPOCHREALTIME/./}"
elapsed() { local us=$(( ${EPOCHREALTIME/./} - started_us )); printf '%d.%d' $(( us / 1000000 )) $(( us / 100000 % 10 )); }
log() { printf '[%s +%ss] %s\n' "${script_name:-compose-on-ec2}" "$(elapsed)" "$*"; }
die() { printf '[%s +%ss] ERROR: %s\n' "${script_name:-compose-on-ec2}" "$(elapsed)" "$*" >&2; exit 1; }

# --- flags ---------------------------------------------------------------------------------------
# Each script names its flags after sourcing this file: flag_vars maps a flag that takes a value to
# the variable it sets, flag_switches a flag without a value to the variable it sets to 1. usage_text
# is the script's own usage line(s).
declare -A flag_vars=() flag_switches=()

# The usage text on stderr, exit 2.
# shellcheck disable=SC2154 # usage_text: each script's own
usage() {
  printf '%s\n' "${usage_text}" >&2
  exit 2
}

# read_flags ARGS…: sets the variables of `--flag VALUE` and `--switch` (the last one given wins);
# anything else is a usage error.
read_flags() {
  local name
  while (( $# )); do
    [[ "$1" == --?* ]] || usage
    name="${1#--}"
    if [[ -n "${flag_switches[${name}]+set}" ]]; then
      printf -v "${flag_switches[${name}]}" 1
      shift
      continue
    fi
    [[ -n "${flag_vars[${name}]+set}" ]] || usage
    printf -v "${flag_vars[${name}]}" '%s' "$2"
    shift 2 || usage
  done
}

# require_flag NAME VALUE: every flag the deployment passes is required; there is no second default here.
require_flag() {
  [[ -n "$2" ]] || die "--$1 is required"
}

# require_flags NAME…: require_flag for each flag in flag_vars, in the order given.
require_flags() {
  local name
  for name in "$@"; do
    require_flag "${name}" "${!flag_vars[${name}]}"
  done
}

# read_key_values FILE PREFIX KEY…: sets PREFIX<KEY> to the value of each listed KEY=value line of
# FILE ("" when the file has none); other lines are ignored.
read_key_values() {
  local file="$1" prefix="$2" key value
  shift 2
  for key in "$@"; do printf -v "${prefix}${key}" '%s' ""; done
  while IFS='=' read -r key value; do
    if [[ " $* " == *" ${key} "* ]]; then printf -v "${prefix}${key}" '%s' "${value}"; fi
  done < "${file}"
}

# whole_number NAME VALUE: bash arithmetic evaluates whatever it is given (even `a[$(cmd)]`), so a
# value used in arithmetic must be digits only.
whole_number() {
  [[ "$2" =~ ^[0-9]+$ ]] || die "--$1 must be a whole number (got '$2')"
}

# --- output kept on the host --------------------------------------------------------------------
# Command output (compose errors, container logs) may quote the .env. The deployment returns a
# failed command's whole output into Pulumi's diagnostics and the CI log, so a deploy or destroy
# writes everything to a 0600 log on the host and hands back only a short reason and where the log is.

host_logs_kept=20

# start_host_log NAME: from here on, all output goes to <baseDir>/logs/NAME-<UTC time>.log; the
# caller's stdout and stderr are kept on fds 3 and 4 for finish_host_log.
start_host_log() {
  local dir="${base_dir:?}/${layout_logs}"
  mkdir -p "${dir}"
  chmod 700 "${dir}"
  host_log="${dir}/$1-$(date -u +%Y%m%dT%H%M%SZ)-$$.log"
  ( umask 077; : > "${host_log}" )
  exec 3>&1 4>&2 >>"${host_log}" 2>&1
}

# mask_values FILE…: copy stdin to stdout with every value of the given .env files (KEY=value or
# KEY='value', 6 characters or more) replaced by ***.
mask_values() {
  local files=() f
  for f in "$@"; do [[ -f "${f}" ]] && files+=("${f}"); done
  awk '
    phase != 2 {
      if (match($0, /^[A-Za-z_][A-Za-z0-9_]*=/)) {
        v = substr($0, RLENGTH + 1)
        q = substr(v, 1, 1)
        if ((q == "\047" || q == "\"") && substr(v, length(v), 1) == q) v = substr(v, 2, length(v) - 2)
        if (length(v) >= 6) secret[++n] = v
      }
      next
    }
    {
      line = $0
      for (i = 1; i <= n; i++) {
        out = ""
        while ((p = index(line, secret[i])) > 0) { out = out substr(line, 1, p - 1) "***"; line = substr(line, p + length(secret[i])) }
        line = out line
      }
      print line
    }' "${files[@]}" phase=2 -
}

# last_error LOG: this script's own last ERROR line in a host log, without its prefix ("" when none).
last_error() {
  grep -a -E "^\[${script_name} \+[0-9.]+s\] ERROR: " "$1" | tail -n 1 | sed 's/^[^]]*\] ERROR: //' || true
}

# finish_host_log STATUS [ENV_FILE…]: on success, the log goes to the caller's stdout. On failure,
# only the reason (this script's own last ERROR line, values of the .env files masked, cut to 300
# characters) and the log's path go to the caller's stderr. Keeps the newest logs, removes older ones.
finish_host_log() {
  local status="$1" reason
  shift
  [[ -n "${host_log:-}" ]] || return 0
  exec 1>&3 2>&4
  if (( status == 0 )); then
    cat "${host_log}"
  else
    reason="$(last_error "${host_log}")"
    [[ -n "${reason}" ]] || reason="stopped at an unexpected failure (exit ${status})"
    reason="$(printf '%s\n' "${reason}" | mask_values "$@" | tr -d '\000-\010\013-\037' | cut -c1-300)"
    printf '[%s] ERROR: %s\n' "${script_name}" "${reason}" >&2
    printf '[%s] the full output stays on the host (mode 0600): %s\n' "${script_name}" "${host_log}" >&2
  fi
  # shellcheck disable=SC2012 # log names hold no spaces or newlines
  ls -1t "$(dirname "${host_log}")"/*.log 2>/dev/null | tail -n +$((host_logs_kept + 1)) | xargs -r rm -f
}

# point_link LINK TARGET: atomically (re)point the symlink LINK at TARGET (relative to LINK's dir).
point_link() {
  ln -sfn "$2" "$1.tmp.$$"
  mv -T "$1.tmp.$$" "$1"
}
