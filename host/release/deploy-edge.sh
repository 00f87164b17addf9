# The deploy's steps for the edge (sourced by deploy.sh, not run): open it in front of the app's
# proxy, and ask for a certificate when a domain has none yet. edge.sh and acme.sh do the work;
# edge-lib.sh holds the edge's files and settings.
# Reads the deploy's parameters (params.sh: base_dir, the ports, domains, acme_email, acme_server,
# hsts…) and release_dir.
# shellcheck shell=bash disable=SC2154 # deploy.sh sets the variables these functions read

# Seconds the check through the edge retries a broken answer (refused while HAProxy starts…).
edge_check_seconds=10

# The edge in front of the app's proxy: its settings, then started or reloaded when they changed
# (edge.sh). Then the app through the edge: 2xx, or 301 once HTTP redirects to HTTPS; busy or
# broken by the same rule as the check through nginx (verdict.sh).
open_edge() {
  local verdict=0 url="http://127.0.0.1:${http_port}${health_path}"
  edge_paths
  write_edge_settings "http_port=${http_port}" "https_port=${https_port}" "proxy_port=${proxy_port}" \
    "acme_port=${acme_port}" "domains=${domains}" "acme_email=${acme_email}" "acme_server=${acme_server}" "hsts=${hsts}"
  "${release_dir}/${layout_release_scripts}/edge.sh" start --base-dir "${base_dir}" || die "the edge did not start (see above): the app runs, but the edge does not serve it"
  check_through "${url}" "${expected_release}" "${edge_check_seconds}" "${busy_timeout}" '^(2[0-9][0-9]|301)$' || verdict=$?
  case "${verdict}" in
    0) log "the edge serves the app on port ${http_port} (${check_code})" ;;
    3) log "WARNING: ${check_why}: the edge is up, the app busy (not broken)" ;;
    *) die "the edge on port ${http_port}: ${check_why}" ;;
  esac
}

# With a domain and no certificate for it yet: one try now (bounded), then retries with backoff in
# the background, so a first deploy never fails because DNS is not there yet. A certificate that
# exists is renewed by the host's daily timer, not by deploys.
certificates() {
  local acme_sh="${release_dir}/${layout_release_scripts}/acme.sh" retry_log
  [[ -n "${domains}" ]] || return 0
  if [[ -s "${edge_cert}" && "$(cat "${edge_acme_dir}/domains" 2>/dev/null)" == "${domains}" ]]; then
    log "HTTPS: certificate for ${domains} in place ($(acme_status_text))"
    return 0
  fi
  stop_background_issuance
  if "${acme_sh}" --base-dir "${base_dir}" --attempts 1; then
    log "HTTPS: serving ${domains} with a new certificate"
    return 0
  fi
  retry_log="${base_dir}/${layout_logs}/acme-retries-$(date -u +%Y%m%dT%H%M%SZ).log"
  ( umask 077; : > "${retry_log}" )
  setsid "${acme_sh}" --base-dir "${base_dir}" --attempts "${acme_attempts}" --backoff "${acme_backoff}" \
    < /dev/null >> "${retry_log}" 2>&1 3>&- 4>&- 9>&- &
  echo "$!" > "${edge_dir}/acme-retries.pid"
  log "HTTPS: not yet: $(acme_status_text). The site serves plain HTTP meanwhile; retrying ${acme_attempts} times with backoff in the background (log: ${retry_log}), then daily"
}
