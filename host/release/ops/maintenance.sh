#!/usr/bin/env bash
# ops maintenance: the app's proxy answers 503 with Retry-After and a short page for every path
# but the health path, without stopping anything; `off` restores normal service.
#   maintenance.sh --base-dir DIR on [--message TEXT] | off
# How: <baseDir>/maintenance is mounted into the proxy at /maintenance (the compose file's proxy
# service mounts ${MAINTENANCE_DIR}, which deploy.sh sets); the proxy's config answers 503 while
# /maintenance/on exists, and serves that file as the page. A bring-your-own proxy needs the same
# mount and the same few lines (see the example app's nginx/default.conf). Switching is one file
# (written then renamed): no reload, no restart. The verb checks the proxy's answer and fails
# (leaving maintenance off) when the proxy does not follow the flag.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

default_message="We are doing some maintenance. Please come back in a few minutes."

parse_args() {
  start_verb maintenance "usage: maintenance.sh --base-dir DIR on [--message TEXT] | off" "$@"
  set -- "${rest[@]}"
  action="${1:-}" message="${default_message}"
  [[ "${action}" == on || "${action}" == off ]] || usage_error "say on or off (got '${action}')"
  shift
  while (( $# )); do
    case "$1" in
      --message) [[ "${action}" == on && -n "${2:-}" ]] || usage_error "--message TEXT goes with on"; message="$2"; shift ;;
      *) usage_error "unknown argument '$1'" ;;
    esac
    shift
  done
}

# (sed, not ${s//…}: bash 5.2 reads & in a replacement as the match.)
html_escape() {
  printf '%s' "$1" | sed -e 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g'
}

# The status the proxy gives for the site's root now.
root_status() {
  curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:${proxy_port}/" 2>/dev/null || true
}

# Wait (2 s at most) until the proxy's answer for / is (on) or is not (off) 503.
proxy_follows() {
  local i code
  for (( i = 0; i < 20; i++ )); do
    code="$(root_status)"
    if [[ "$1" == on && "${code}" == 503 ]] || [[ "$1" == off && "${code}" != 503 ]]; then return 0; fi
    sleep 0.1
  done
  return 1
}

turn_on() {
  local dir="${base_dir}/${layout_maintenance}"
  mkdir -p "${dir}"
  chmod 755 "${dir}"
  printf '<!doctype html>\n<html><head><meta charset="utf-8"><title>Maintenance</title></head>\n<body><h1>Maintenance</h1><p>%s</p></body></html>\n' \
    "$(html_escape "${message}")" > "${dir}/on.tmp"
  chmod 644 "${dir}/on.tmp"
  mv -f "${dir}/on.tmp" "${dir}/on"
  if ! proxy_follows on; then
    rm -f "${dir}/on"
    die "the proxy still answers $(root_status) for / with ${dir}/on in place, so maintenance stays off: its service must mount ${dir} at /maintenance and answer 503 while /maintenance/on exists (see the example app's nginx config)"
  fi
  say "maintenance on: / answers 503 (Retry-After); ${health_path} answers $(curl -s -o /dev/null -m 5 -w '%{http_code}' "${health_url}" || true)"
}

turn_off() {
  rm -f "${base_dir}/${layout_maintenance}/on"
  proxy_follows off || die "the proxy still answers 503 for / after ${base_dir}/${layout_maintenance}/on was removed"
  say "maintenance off: / answers $(root_status)"
}

main() {
  parse_args "$@"
  read_settings
  if [[ "${action}" == on ]]; then turn_on; else turn_off; fi
}

main "$@"
