# Busy or broken: the one rule for every check that goes through the app's proxy or the edge (the
# deploy's checks after the switch and through the edge, its no-op test, ops status). Sourced, not run.
#   - 2xx (or an answer the caller accepts, e.g. the edge's 301 to HTTPS) from the release expected
#     (X-Release-Id, when the app sends it): ok.
#   - refused or reset, an empty reply, 5xx (from the proxy, the edge or the app), another status, or
#     another release's X-Release-Id: broken. Retried until the health timeout, then a failure.
#   - no answer in time (curl's timeout) while every running web container answers its own health
#     check directly (Docker's healthcheck or the deploy's probe): busy. Retried with one long wait
#     (the queue ahead of the check may be a few slow requests long) within the busy bound
#     (--busy-timeout, the healthBusySeconds setting); past it, a warning with the figures, never a
#     failure. Without that direct answer, a timeout is broken.
# Reads web_service, health_source, web_port, health_path (the deploy's parameters, params.sh).
# shellcheck shell=bash disable=SC2154,SC2034 # the caller sets web_service, health_source; check_* are for the caller

[[ -z "${verdict_sh_loaded:-}" ]] || return 0
verdict_sh_loaded=1
# shellcheck source-path=SCRIPTDIR source=health.sh
source "$(dirname "${BASH_SOURCE[0]}")/health.sh"

# The first try's limit, and the longest single wait: below nginx's proxy_read_timeout (60 s) and the
# edge's timeout server (65 s, edge.sh), so a busy check never turns into the proxy's own 504.
check_first_try_seconds=5
check_longest_try_seconds=30

# check_once URL LIMIT: one GET. Sets check_code (000: nothing came back), check_seconds (its
# time), check_release (the answer's X-Release-Id, "" when none) and check_curl (curl's exit status:
# 28 timed out, 7 refused).
check_once() {
  local out
  check_curl=0
  out="$(curl -s -o /dev/null -D - -w 'check-figures %{http_code} %{time_total}\n' -m "$2" "$1" 2>/dev/null)" || check_curl=$?
  read -r _ check_code check_seconds < <(grep -a '^check-figures ' <<<"${out}" || echo "check-figures 000 $2")
  check_release="$(tr -d '\r' <<<"${out}" | awk 'tolower($1) == "x-release-id:" { v = $2 } END { print v }')"
}

# direct_healthy: 0 when every running web container answers its own health check: Docker calls it
# healthy, or the check (its compose healthcheck, or the deploy's probe without one) passes now.
# direct_why says which one did not.
direct_healthy() {
  local id status health pid n=0
  for id in $(service_containers "${web_service}"); do
    n=$((n + 1))
    read -r status health _ pid <<<"$(container_state "${id}")"
    [[ "${status}" == running ]] || { direct_why="${id:0:12} is ${status}"; return 1; }
    case "${health}" in
      healthy) ;;
      unhealthy) direct_why="Docker calls ${id:0:12} unhealthy"; return 1 ;;
      none) probe_web_now "${id}" "${pid}" || { direct_why="${id:0:12}: ${probe_last}"; return 1; } ;;
      *) probe_health_now "${id}" || { direct_why="${id:0:12} does not pass its own healthcheck"; return 1; } ;;
    esac
  done
  (( n )) || { direct_why="no running ${web_service} container"; return 1; }
}

# same_release EXPECTED SEEN: true when either is "" (nothing to compare), they are equal, or one is
# a prefix of 7+ characters of the other (RELEASE_ID may be a sha or its first 12 characters).
same_release() {
  [[ -z "$1" || -z "$2" || "$1" == "$2" ]] && return 0
  (( ${#1} >= 7 && ${#2} >= 7 )) && [[ "$1" == "$2"* || "$2" == "$1"* ]]
}

# release_id_of ENV_FILE: its RELEASE_ID value (quotes taken off), "" when it has none.
release_id_of() {
  sed -n "s/^RELEASE_ID=[\"']\{0,1\}\([^\"']*\)[\"']\{0,1\}\$/\1/p" "$1" 2>/dev/null | tail -n 1 || true
}

# check_through URL EXPECTED_RELEASE TIMEOUT BUSY_SECONDS [ACCEPT]: the rule above, bounded. ACCEPT
# is a regex of the statuses that count as answered (default 2xx). Returns 0 ok, 3 busy past its
# bound (a warning: check_why has the figures), 1 broken at the timeout (check_why says why).
# EXPECTED_RELEASE: a release id (its first 7+ characters match), or "" to accept any.
check_through() {
  local url="$1" expected="$2" timeout="$3" busy="$4" accept="${5:-^2[0-9][0-9]$}" deadline busy_deadline="" limit
  local tries=0 slow=0 waited=0 started="${SECONDS}"
  deadline=$((SECONDS + timeout))
  check_why=""
  while :; do
    tries=$((tries + 1))
    limit="${check_first_try_seconds}"
    if [[ -n "${busy_deadline}" ]]; then
      limit=$(( busy_deadline - SECONDS ))
      (( limit >= check_first_try_seconds )) || limit="${check_first_try_seconds}"
      (( limit <= check_longest_try_seconds )) || limit="${check_longest_try_seconds}"
    fi
    check_once "${url}" "${limit}"
    if [[ "${check_code}" =~ ${accept} ]]; then
      if same_release "${expected}" "${check_release}"; then
        check_why=""
        if (( slow )); then
          log "busy, not broken: ${url} answered ${check_code} after ${check_seconds}s, ${slow} of ${tries} tries timed out first ($(( SECONDS - started ))s in all), while the ${web_service} container(s) answered their own health check"
        fi
        return 0
      fi
      check_why="${url} answered ${check_code} from release ${check_release:0:12}, not ${expected:0:12}"
    elif (( check_curl == 28 )); then
      slow=$((slow + 1))
      waited=$(( SECONDS - started ))
      if direct_healthy; then
        [[ -n "${busy_deadline}" ]] || busy_deadline=$((SECONDS + busy))
        if (( SECONDS >= busy_deadline )); then
          check_why="busy: ${url} gave no answer within ${limit}s, ${slow} of ${tries} tries timed out over ${waited}s (busy bound ${busy}s), while every ${web_service} container answers its own health check directly"
          return 3
        fi
        continue
      fi
      check_why="${url} gave no answer within ${limit}s and the ${web_service} container does not answer its own health check either (${direct_why})"
    else
      case "${check_curl}:${check_code}" in
        7:*) check_why="${url} refused the connection" ;;
        *:000) check_why="${url} gave no answer (curl exit ${check_curl})" ;;
        *:5[0-9][0-9]) check_why="${url} answered ${check_code} (from the proxy, the edge or the app)" ;;
        *) check_why="${url} answered ${check_code}" ;;
      esac
    fi
    if (( SECONDS >= deadline )); then return 1; fi
    sleep 1
  done
}
