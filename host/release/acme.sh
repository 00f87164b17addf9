#!/usr/bin/env bash
# Certificates for the edge (edge.sh) from an ACME server (Let's Encrypt, its staging, or any RFC 8555
# server) with lego, through HTTP-01: lego answers the challenge on a loopback port, and the edge
# routes /.well-known/acme-challenge/ there. The ACME account and the certificates live in
# <baseDir>/edge/acme, outside the releases: a redeploy never re-issues.
#   - no certificate yet, or the domains changed: issue one;
#   - otherwise renew when it expires within 30 days (--force: now);
#   - before the first issuance on EC2: only once every domain resolves to this host's public address
#     (instance metadata), else it waits (a failed attempt saying what DNS answers);
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

# What the edge serves, for the status line (runtime API; "not answering" when it does not).
serving() { served_certificate || printf 'the edge does not answer on %s' "${edge_socket}"; }

# This host's public IPv4 address from EC2's instance metadata (IMDSv2), "" when not on EC2 (no
# lookup is tried off EC2: DMI says "Amazon EC2" on Nitro, /sys/hypervisor/uuid starts "ec2" on Xen).
host_public_address() {
  local token
  [[ "$(cat /sys/class/dmi/id/sys_vendor 2>/dev/null)" == "Amazon EC2" || "$(cat /sys/hypervisor/uuid 2>/dev/null)" == ec2* ]] || return 0
  token="$(curl -fsS -m 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token 2>/dev/null)" || return 0
  curl -fsS -m 2 -H "X-aws-ec2-metadata-token: ${token}" http://169.254.169.254/latest/meta-data/public-ipv4 2>/dev/null || true
}

# dns_points_here ADDRESS DOMAIN…: true when every domain resolves (IPv4) to ADDRESS; otherwise says
# on stderr what the first one that does not resolves to. HTTP-01 fails (and counts against the
# ACME server's rate limits) while a name points elsewhere.
dns_points_here() {
  local address="$1" d got
  shift
  for d in "$@"; do
    got="$(getent ahostsv4 "${d}" 2>/dev/null | awk '{ print $1 }' | sort -u | paste -sd' ' || true)"
    if [[ " ${got} " != *" ${address} "* ]]; then
      printf 'waiting for DNS: %s resolves to %s, not to this host (%s)\n' "${d}" "${got:-nothing}" "${address}" >&2
      return 1
    fi
  done
}

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

# One issuance or renewal (lego writes its own copy under <baseDir>/edge/acme).
obtain() {
  local pem address
  pem="$(lego_pem)"
  if [[ ! -f "${pem}" || "$(cat "${edge_acme_dir}/domains" 2>/dev/null)" != "${edge_domains}" ]]; then
    address="$(host_public_address)"
    if [[ -n "${address}" ]]; then
      dns_points_here "${address}" "${domains[@]}" || return 1
    fi
    log "issuing a certificate for ${edge_domains} from ${edge_acme_server}"
    lego_cmd run >&2 || return 1
    printf '%s' "${edge_domains}" > "${edge_acme_dir}/domains"
  else
    log "renewing if it expires within $(( force ? 100000 : renew_within_days )) days"
    # The daily timer already starts at a random time (systemd RandomizedDelaySec).
    lego_cmd renew --no-random-sleep --days "$(( force ? 100000 : renew_within_days ))" >&2 || return 1
  fi
  return 0
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
  ( umask 027; pem_payload "$(lego_pem)" > "${new}" )   # HAProxy reads it through its group
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
  read -r -a domains <<<"${edge_domains}"
  mkdir -p "${edge_acme_dir}"
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
