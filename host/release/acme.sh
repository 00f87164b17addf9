#!/usr/bin/env bash
# Certificates for the edge (edge.sh) from an ACME server (Let's Encrypt, its staging, or any RFC 8555
# server) with lego, through HTTP-01: lego answers the challenge on a loopback port, and the edge
# routes /.well-known/acme-challenge/ there. The ACME account and the certificates live in
# <baseDir>/edge/acme, outside the releases: a redeploy never re-issues.
#   - no certificate yet, or the domains changed: issue one;
#   - otherwise renew when it expires within 30 days (--force: now);
#   - a new certificate goes into the running edge through HAProxy's runtime API (no reload, no
#     dropped request); the first one reloads the edge once, to open HTTPS and redirect HTTP.
# It retries with backoff (--attempts), writes one status line to <baseDir>/edge/acme-status (shown
# by `ops status`), and when a renewal fails it keeps serving the old certificate and says so on
# stderr and in syslog. The host runs it daily (a systemd timer) and deploy.sh after a deploy.
#   acme.sh --base-dir DIR [--attempts N] [--backoff SECONDS] [--force]
set -euo pipefail

script_name=acme
usage_text="usage: acme.sh --base-dir DIR [--attempts N] [--backoff SECONDS] [--force]"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=edge-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/edge-lib.sh"

renew_within_days=30
max_backoff=600

parse_args() {
  base_dir="" attempts=1 backoff=30 force=0
  flag_vars=([base-dir]=base_dir [attempts]=attempts [backoff]=backoff)
  flag_switches=([force]=force)
  read_flags "$@"
  require_flags base-dir
  whole_number attempts "${attempts}"
  whole_number backoff "${backoff}"
}

status() {
  printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" > "${edge_acme_status}.tmp"
  mv -f "${edge_acme_status}.tmp" "${edge_acme_status}"
  log "$*"
}

# Loud: stderr, syslog (journal) and the status line.
alarm() {
  status "$*"
  printf '[%s] WARNING: %s\n' "${script_name}" "$*" >&2
  logger -t compose-on-ec2-acme -p user.err -- "$*" 2>/dev/null || true
}

lego_pem() { printf '%s/certificates/%s.pem' "${edge_acme_dir}" "${domains[0]}"; }

valid_until() { openssl x509 -noout -enddate -in "$1" 2>/dev/null | sed 's/^notAfter=//'; }

lego_cmd() {
  local args=(lego --accept-tos --email "${edge_acme_email}" --server "${edge_acme_server}" --path "${edge_acme_dir}"
    --pem --http --http.port "127.0.0.1:${edge_acme_port}") d
  for d in "${domains[@]}"; do args+=(--domains "${d}"); done
  if [[ -s "${edge_acme_ca}" ]]; then
    LEGO_CA_CERTIFICATES="${edge_acme_ca}" timeout 300 "${args[@]}" "$@"
  else
    timeout 300 "${args[@]}" "$@"
  fi
}

# One issuance or renewal. Sets changed=1 when a new certificate was written.
obtain() {
  local pem before=""
  pem="$(lego_pem)"
  changed=0
  [[ -f "${pem}" ]] && before="$(sha256sum < "${pem}")"
  if [[ ! -f "${pem}" || "$(cat "${edge_acme_dir}/domains" 2>/dev/null)" != "${edge_domains}" ]]; then
    log "issuing a certificate for ${edge_domains} from ${edge_acme_server}"
    lego_cmd run >&2 || return 1
    printf '%s' "${edge_domains}" > "${edge_acme_dir}/domains"
  else
    log "renewing if it expires within $(( force ? 100000 : renew_within_days )) days"
    # The daily timer already starts at a random time (systemd RandomizedDelaySec).
    lego_cmd renew --no-random-sleep --days "$(( force ? 100000 : renew_within_days ))" >&2 || return 1
  fi
  [[ "$(sha256sum < "${pem}")" != "${before}" ]] && changed=1
  return 0
}

# The new certificate into the edge: through the runtime API when HTTPS is already open, else by
# re-rendering the edge's config (the first certificate opens HTTPS).
install_certificate() {
  local pem out
  pem="$(lego_pem)"
  ( umask 077; cp "${pem}" "${edge_cert}.tmp" )
  mv -f "${edge_cert}.tmp" "${edge_cert}"
  if edge_https_open; then
    out="$(edge_api "set ssl cert ${edge_cert}" "$(cat "${edge_cert}")")"
    [[ "${out}" == *Transaction\ created* || "${out}" == *Transaction\ updated* ]] || { edge_api "abort ssl cert ${edge_cert}" >/dev/null || true; die "the edge refused the new certificate: ${out}"; }
    out="$(edge_api "commit ssl cert ${edge_cert}")"
    [[ "${out}" == *Success* ]] || die "the edge did not commit the new certificate: ${out}"
    log "the edge serves the new certificate (runtime API, no reload)"
  else
    "$(dirname "${BASH_SOURCE[0]}")/edge.sh" start --base-dir "${base_dir}"
  fi
}

main() {
  local i wait_s reason run_log
  parse_args "$@"
  edge_paths
  read_edge_settings
  if [[ -z "${edge_domains}" ]]; then status "no domain: plain HTTP, no certificate"; return 0; fi
  read -r -a domains <<<"${edge_domains}"
  mkdir -p "${edge_acme_dir}"
  run_log="${edge_dir}/acme-last-run.log"
  for (( i = 1; i <= attempts; i++ )); do
    # One run at a time (the timer, a deploy, the retries), held per attempt, not while waiting.
    exec 8>>"${edge_dir}/acme.lock"
    flock -w 600 8 || die "another certificate run held ${edge_dir}/acme.lock for 10 minutes"
    if obtain 2> "${run_log}"; then
      cat "${run_log}" >&2
      if (( changed )); then install_certificate; fi
      status "ok: certificate for ${edge_domains} valid until $(valid_until "${edge_cert}") (${edge_acme_server})"
      return 0
    fi
    exec 8>&-
    cat "${run_log}" >&2
    reason="$(grep -v '^\s*$' "${run_log}" | tail -n 1 | cut -c1-300)"
    if [[ -s "${edge_cert}" ]]; then
      alarm "FAILING: renewal for ${edge_domains} failed (attempt ${i} of ${attempts}): ${reason}; still serving the certificate valid until $(valid_until "${edge_cert}")"
    else
      status "waiting: no certificate for ${edge_domains} yet (attempt ${i} of ${attempts}): ${reason}"
    fi
    (( i < attempts )) || break
    wait_s=$(( backoff << (i - 1) ))
    (( wait_s <= max_backoff )) || wait_s=${max_backoff}
    sleep "${wait_s}"
  done
  [[ -s "${edge_cert}" ]] || alarm "no certificate for ${edge_domains} after ${attempts} attempt(s) (is DNS pointing here and port 80 open?): ${reason}"
  return 1
}

main "$@"
