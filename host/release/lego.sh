#!/usr/bin/env bash
# The ACME client's half of a certificate run (acme.sh holds the rest), as the ACME client's own user
# (edge-lib.sh acme_user: no docker group, no sudo, not in the edge's group, so neither HAProxy's
# sockets nor its config are within its reach). acme.sh runs it through the deploy's sudo rule
# `(acme_user) acme_service obtain|renew-now <baseDir>` (host/cloud-init/provision.sh writes the
# rule and acme_service, which runs the serving release's copy of this script). It works only in
# lego's own directory (<baseDir>/acme, edge-lib.sh edge_paths):
#   - reads the request acme.sh wrote there (domains, email, ACME server, challenge port);
#   - no certificate yet, or the domains changed: issues one; otherwise renews when it expires within
#     30 days (--force: now);
#   - before the first issuance on EC2: only once every domain resolves to this host's public address
#     (instance metadata), else it fails saying what DNS answers;
#   - hands the certificate (chain and key, as lego stored it) back as site.pem, 0640 for the group
#     the SSH user shares with it; acme.sh installs it into the edge.
#   lego.sh --base-dir DIR [--force]
set -euo pipefail

script_name=lego
usage_text="usage: lego.sh --base-dir DIR [--force]"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=edge-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/edge-lib.sh"

renew_within_days=30

parse_args() {
  base_dir="" force=0
  flag_vars=([base-dir]=base_dir)
  flag_switches=([force]=force)
  read_flags "$@"
  require_flags base-dir
}

# The request acme.sh wrote: acme_domains, acme_email, acme_server, acme_port.
read_request() {
  [[ -r "${edge_acme_request}" ]] || die "no request at ${edge_acme_request} (acme.sh writes it before it runs this)"
  acme_domains="" acme_email="" acme_server="" acme_port=""
  read_key_values "${edge_acme_request}" acme_ domains email server port
  [[ -n "${acme_domains}" ]] || die "the request ${edge_acme_request} names no domain"
  [[ "${acme_port}" =~ ^[0-9]+$ ]] || die "the request's port must be a whole number (got '${acme_port}')"
  read -r -a domains <<<"${acme_domains}"
}

lego_pem() { printf '%s/certificates/%s.pem' "${edge_acme_dir}" "${domains[0]}"; }

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

# lego, with its account key and certificates its user's alone: umask 077 (Debian's lego 4.9.1 left
# the account key 0640 under umask 027, seen in the host tests; its directories are 0700 either way).
lego_cmd() { ( umask 077; lego_run "$@" ); }

lego_run() {
  local args=(lego --accept-tos --email "${acme_email}" --server "${acme_server}" --path "${edge_acme_dir}"
    --pem --http --http.port "127.0.0.1:${acme_port}") d
  for d in "${domains[@]}"; do args+=(--domains "${d}"); done
  if [[ -s "${edge_acme_server_ca}" ]]; then
    LEGO_CA_CERTIFICATES="${edge_acme_server_ca}" timeout 300 "${args[@]}" "$@"
  else
    timeout 300 "${args[@]}" "$@"
  fi
}

# One issuance or renewal (lego writes its account and certificates under <baseDir>/acme).
obtain() {
  local pem address
  pem="$(lego_pem)"
  if [[ ! -f "${pem}" || "$(cat "${edge_acme_dir}/domains" 2>/dev/null)" != "${acme_domains}" ]]; then
    address="$(host_public_address)"
    if [[ -n "${address}" ]]; then
      dns_points_here "${address}" "${domains[@]}" || return 1
    fi
    log "issuing a certificate for ${acme_domains} from ${acme_server}"
    lego_cmd run >&2 || return 1
    printf '%s' "${acme_domains}" > "${edge_acme_dir}/domains"
  else
    log "renewing if it expires within $(( force ? 100000 : renew_within_days )) days"
    # The daily timer already starts at a random time (systemd RandomizedDelaySec).
    lego_cmd renew --no-random-sleep --days "$(( force ? 100000 : renew_within_days ))" >&2 || return 1
  fi
}

# The certificate back to acme.sh: lego's PEM as stored (lego keeps it 0600), group-readable,
# replaced atomically.
hand_back() {
  install -m 0640 "$(lego_pem)" "${edge_acme_issued}.tmp"
  mv -f "${edge_acme_issued}.tmp" "${edge_acme_issued}"
}

main() {
  parse_args "$@"
  edge_paths
  umask 027   # the group (the SSH user) reads what this writes; nobody else
  read_request
  obtain
  hand_back
}

# Sourced by the unit tests to check one step; run by acme.sh through acme_service.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
