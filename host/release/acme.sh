#!/usr/bin/env bash
# Certificates for the edge (edge.sh) from an ACME server (Let's Encrypt, its staging, or any RFC 8555
# server) with lego, through HTTP-01: lego answers the challenge on a loopback port, and the edge
# routes /.well-known/acme-challenge/ there. lego runs as its own user, never as the SSH user who runs
# this: lego.sh (issue or renew, wait for DNS, hand the certificate back) through the deploy's sudo
# rule for that user (edge-lib.sh acme_service). The ACME account and the certificates live in
# <baseDir>/acme, lego's own directory outside the releases: a redeploy never re-issues.
#   - a new certificate goes into the running edge through HAProxy's runtime API (no reload, no
#     dropped request), and only once HAProxy committed it does it replace the file HAProxy reads
#     (<baseDir>/edge/certs/site.pem): the file never claims a certificate the edge does not serve.
#     The first one reloads the edge once, to open HTTPS and redirect HTTP.
# It retries with backoff (--attempts), writes one status line to <baseDir>/edge/acme-status (shown
# by `ops status`) with what the edge SERVES (its runtime API), and when a renewal fails it keeps
# serving the old certificate, exits non-zero and says FAILING on stderr, in syslog and in the status.
# The host runs it daily (a systemd timer) and deploy.sh after a deploy.
#   acme.sh --base-dir DIR [--attempts N] [--backoff SECONDS] [--force]
set -euo pipefail

script_name=acme
usage_text="usage: acme.sh --base-dir DIR [--attempts N] [--backoff SECONDS] [--force]"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=edge-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/edge-lib.sh"

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

lego_pem() { printf '%s' "${edge_acme_issued}"; }

# What the edge serves, for the status line (runtime API; "not answering" when it does not).
serving() { served_certificate || printf 'the edge does not answer on %s' "${edge_socket}"; }

# One issuance or renewal by lego.sh as the ACME client's own user: the request (and the ACME
# server's CA, when the host trusts a private one) into lego's directory, then the deploy's sudo rule
# for it (acme_service); a rehearsal (no such user there) runs lego.sh as the caller.
obtain() {
  make_acme_dir
  printf '%s\n' "domains=${edge_domains}" "email=${edge_acme_email}" "server=${edge_acme_server}" "port=${edge_acme_port}" \
    > "${edge_acme_request}.tmp"
  mv -f "${edge_acme_request}.tmp" "${edge_acme_request}"
  if [[ -s "${edge_acme_ca}" ]]; then install -m 0640 "${edge_acme_ca}" "${edge_acme_server_ca}"; else rm -f "${edge_acme_server_ca}"; fi
  if [[ -n "${edge_local_service}" ]]; then
    local args=(--base-dir "${base_dir}")
    (( force )) && args+=(--force)
    "$(dirname "${BASH_SOURCE[0]}")/lego.sh" "${args[@]}" < /dev/null
    return
  fi
  local verb=obtain
  (( force )) && verb=renew-now
  sudo -n -u "${acme_user}" "${acme_service}" "${verb}" "${base_dir}" < /dev/null
}

# True when lego holds a certificate the edge's file does not (a new one, or one whose install
# failed before: the next run installs it even when lego has nothing to renew).
not_installed() {
  [[ "$(pem_payload "$(lego_pem)" | sha256sum)" != "$(sha256sum < "${edge_cert}" 2>/dev/null)" ]]
}

# The new certificate into the edge, as one payload without empty lines (pem_payload). With HTTPS
# open, through the runtime API's transaction (haproxy/haproxy doc/management.txt): "set ssl cert
# <file>" answers "Transaction created/updated", "commit ssl cert <file>" answers "Success!"; on any
# other answer "abort ssl cert <file>" drops the transaction and the edge keeps the old one. The file
# HAProxy reads at a start or reload is replaced only after the commit: writing it first and restoring
# it on failure would leave it wrong whenever the run dies in between (a timeout, a kill). Without
# HTTPS yet, the file is written and the edge re-rendered (the first certificate opens HTTPS).
install_certificate() {
  local new="${edge_cert}.new" out
  mkdir -p "$(dirname "${edge_cert}")"
  # HAProxy reads it through its group. Checked: this runs where set -e does not stop a failure.
  if ! ( umask 027; pem_payload "$(lego_pem)" > "${new}" ) || [[ ! -s "${new}" ]]; then
    rm -f "${new}"
    install_error="the certificate lego handed back (${edge_acme_issued}) cannot be read"; return 1
  fi
  if edge_https_open; then
    out="$(edge_api "set ssl cert ${edge_cert}" "$(cat "${new}")" 2>&1)" || true
    if [[ "${out}" != *"Transaction created"* && "${out}" != *"Transaction updated"* ]]; then
      abort_transaction; rm -f "${new}"
      install_error="the edge refused the new certificate (set ssl cert): $(one_line "${out}")"; return 1
    fi
    out="$(edge_api "commit ssl cert ${edge_cert}" 2>&1)" || true
    if [[ "${out}" != *Success* ]]; then
      abort_transaction; rm -f "${new}"
      install_error="the edge did not commit the new certificate (commit ssl cert): $(one_line "${out}")"; return 1
    fi
    mv -f "${new}" "${edge_cert}"
    log "the edge serves the new certificate (runtime API, no reload)"
  else
    mv -f "${new}" "${edge_cert}"
    if ! "$(dirname "${BASH_SOURCE[0]}")/edge.sh" start --base-dir "${base_dir}"; then
      rm -f "${edge_cert}"   # not served: the next run tries again
      install_error="the edge did not start with the first certificate (see above)"; return 1
    fi
  fi
}

abort_transaction() { edge_api "abort ssl cert ${edge_cert}" > /dev/null 2>&1 || true; }

one_line() { tr '\n' ' ' <<<"$1" | cut -c1-300; }

main() {
  local i wait_s reason run_log
  parse_args "$@"
  edge_paths
  read_edge_settings
  if [[ -z "${edge_domains}" ]]; then status "no domain: plain HTTP, no certificate"; return 0; fi
  umask 027   # the request and the certificate file: the groups that read them, nobody else
  run_log="${edge_dir}/acme-last-run.log"
  for (( i = 1; i <= attempts; i++ )); do
    # One run at a time (the timer, a deploy, the retries), held per attempt, not while waiting.
    exec 8>>"${edge_dir}/acme.lock"
    flock -w 600 8 || die "another certificate run held ${edge_dir}/acme.lock for 10 minutes"
    if obtain 2> "${run_log}"; then
      cat "${run_log}" >&2
      if not_installed && ! install_certificate; then
        alarm "FAILING: the new certificate for ${edge_domains} is not served: ${install_error}; the edge keeps serving $(serving)"
        return 1
      fi
      status "ok: certificate for ${edge_domains}: the edge serves $(serving) (${edge_acme_server})"
      return 0
    fi
    exec 8>&-
    cat "${run_log}" >&2
    reason="$(grep -v '^\s*$' "${run_log}" | tail -n 1 | cut -c1-300)"
    if [[ -s "${edge_cert}" ]]; then
      alarm "FAILING: renewal for ${edge_domains} failed (attempt ${i} of ${attempts}): ${reason}; still serving the certificate $(serving)"
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

# Sourced by the unit tests to check one step; run by the timer and deploy.sh.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
