# The edge's files and settings, shared by edge.sh, acme.sh, deploy.sh, the ops verbs and the stand-ins
# for the edge's unit (sourced, not run). Reads base_dir.
# shellcheck shell=bash disable=SC2034,SC2154 # variables read by the scripts that source this file; layout names from lib.sh

[[ -z "${edge_lib_sh_loaded:-}" ]] || return 0
edge_lib_sh_loaded=1
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# haproxy lives in /usr/sbin, which a non-root login's PATH may lack.
PATH="${PATH}:/usr/sbin:/sbin"

# HAProxy runs as its own user in edge_group, which the SSH user is in; root starts, stops or restarts
# it through edge_service, the deploy's one sudo rule (host/cloud-init/provision.sh writes the user,
# the group, the rule and the unit; a unit test holds these names equal to its own).
edge_group=compose-edge
edge_service=/usr/local/sbin/compose-on-ec2-edge
# The ACME client (lego.sh) runs as acme_user, in acme_group only (not the edge's group, not docker,
# no sudo), through acme_service: the deploy's sudo rule `(acme_user) acme_service obtain|renew-now
# <baseDir>`. The SSH user is in acme_group, to hand it the request and take the certificate back.
acme_user=compose-acme
acme_group=compose-acme
acme_service=/usr/local/sbin/compose-on-ec2-acme
# A rehearsal on a workstation (npm run rehearse) has no unit and no sudo rule: it names a starter
# of its own that runs HAProxy as the caller (scripts/lib/rehearse/edge-service.sh); hosts never set it.
edge_local_service="${COMPOSE_ON_EC2_LOCAL_EDGE:-}"

# Paths under <baseDir>/edge (mode 2750, group edge_group): the config, the run directory HAProxy's
# user owns (the master's pid, the master CLI and the runtime API sockets, both 0660 for the group),
# the certificate HAProxy serves (key and chain in one file, 0640) and the status line of the last
# issuance or renewal; and lego's own directory beside it (<baseDir>/acme).
edge_paths() {
  edge_dir="${base_dir:?}/${layout_edge}"
  edge_settings="${edge_dir}/settings"
  edge_config="${edge_dir}/haproxy.cfg"
  edge_run_dir="${edge_dir}/run"
  edge_pidfile="${edge_run_dir}/haproxy.pid"
  edge_master_socket="${edge_run_dir}/master.sock"
  edge_socket="${edge_run_dir}/admin.sock"
  edge_cert="${edge_dir}/certs/site.pem"
  edge_acme_status="${edge_dir}/acme-status"
  # An ACME server with a private CA (a staging CA of your own, or a test server) is trusted through
  # this bundle when it exists.
  edge_acme_ca="${edge_dir}/acme-ca.pem"
  # lego's own directory (<baseDir>/acme, group acme_group, 2770): its account and certificates
  # (lego makes those 0700/0600, acme_user's alone), the request the deploy writes for it (domains,
  # email, ACME server, port), the ACME server's CA copied for it, the names it last issued for, and
  # the certificate it hands back (0640).
  edge_acme_dir="${base_dir}/${layout_acme}"
  edge_acme_request="${edge_acme_dir}/request"
  edge_acme_server_ca="${edge_acme_dir}/server-ca.pem"
  edge_acme_issued="${edge_acme_dir}/site.pem"
}

# lego's directory: group acme_group, setgid, writable by the group (the SSH user writes the request,
# acme_user everything else); nothing for others, so neither HAProxy nor any other user reads it.
make_acme_dir() {
  mkdir -p "${edge_acme_dir}"
  # A rehearsal runs lego as the caller: no ACME group there.
  [[ -n "${edge_local_service}" ]] || chgrp "${acme_group}" "${edge_acme_dir}"
  chmod 2770 "${edge_acme_dir}"
}

# The edge's directory, readable by edge_group only: HAProxy reads its config and certificate there.
# setgid, so what is made in it stays in the group (provision.sh makes it so too).
make_edge_dir() {
  mkdir -p "${edge_dir}"
  # A rehearsal's edge runs as the caller: no edge group there.
  [[ -n "${edge_local_service}" ]] || chgrp "${edge_group}" "${edge_dir}"
  chmod 2750 "${edge_dir}"
}

# write_edge_settings NAME=VALUE…: the settings file, atomically.
write_edge_settings() {
  local pair
  make_edge_dir
  for pair in "$@"; do printf '%s\n' "${pair}"; done > "${edge_settings}.tmp"
  mv -f "${edge_settings}.tmp" "${edge_settings}"
}

# Sets edge_<name> for every setting; the ports must be whole numbers.
read_edge_settings() {
  local name value
  [[ -f "${edge_settings}" ]] || die "no edge settings at ${edge_settings}: deploy once first"
  edge_http_port="" edge_https_port="" edge_proxy_port="" edge_acme_port="" edge_domains="" edge_acme_email="" edge_acme_server="" edge_hsts=""
  read_key_values "${edge_settings}" edge_ http_port https_port proxy_port acme_port domains acme_email acme_server hsts
  for name in http_port https_port proxy_port acme_port; do
    value="edge_${name}"
    [[ "${!value}" =~ ^[0-9]+$ ]] || die "edge setting ${name} must be a whole number (got '${!value}') in ${edge_settings}"
  done
  [[ "${edge_hsts}" == on || "${edge_hsts}" == off ]] || die "edge setting hsts must be on or off (got '${edge_hsts}')"
}

# True when the rendered config serves HTTPS (a certificate exists for its domains).
edge_https_open() {
  grep -q '^frontend https' "${edge_config}" 2>/dev/null
}

# The last certificate run's status line without its timestamp, or "no status yet".
acme_status_text() {
  sed 's/^[^ ]* //' "${edge_acme_status}" 2>/dev/null || echo "no status yet"
}

# edge_api COMMAND [PAYLOAD]: one command on HAProxy's runtime API. A payload goes between "<<\n" and
# the first empty line, which ends it (haproxy/haproxy doc/management.txt, "Some commands may take an
# optional payload"); the "<<PATTERN" terminators that allow empty lines exist only from HAProxy 2.9,
# and Debian/Ubuntu ship 2.6–2.8. So a payload with an empty line is refused here: pass it through
# pem_payload first.
edge_api() {
  if (( $# > 1 )); then
    [[ $'\n'"$2"$'\n' != *$'\n\n'* ]] || { printf 'edge_api: the payload for "%s" has an empty line (it would end the payload early)\n' "$1" >&2; return 1; }
    printf '%s <<\n%s\n\n' "$1" "$2" | socat -t 5 - "UNIX-CONNECT:${edge_socket}"
  else
    printf '%s\n' "$1" | socat -t 5 - "UNIX-CONNECT:${edge_socket}"
  fi
}

# True when HAProxy's master answers on its CLI ("show proc" lists it as "<pid> master …").
edge_running() {
  edge_master "show proc" 2>/dev/null | grep -Eq '^[0-9]+[[:space:]]+master'
}

# The master's pid from its pid file, "" when it does not run: how the stand-ins for the edge's unit
# (scripts/lib/rehearse/edge-service.sh, tests/host/lib/edge-host.sh) tell whether to start or what to stop.
edge_master_pid() {
  local pid
  pid="$(cat "${edge_pidfile}" 2>/dev/null || true)"
  if [[ "${pid}" =~ ^[0-9]+$ ]] && kill -0 "${pid}" 2>/dev/null; then echo "${pid}"; fi
}

# edge_master COMMAND: one command on HAProxy's master CLI (haproxy doc/management.txt 9.4: "show
# proc", "reload"; the master closes the connection after a reload).
edge_master() {
  printf '%s\n' "$1" | socat -t 5 - "UNIX-CONNECT:${edge_master_socket}"
}

# pem_payload FILE: the PEM without its empty (or blank) lines, as the runtime API takes a payload
# ("remove every empty line", doc/management.txt "set ssl cert"). Let's Encrypt's chain has one
# between the leaf and the intermediate: Boulder writes "\n" before each chain certificate
# (letsencrypt/boulder cmd/boulder-wfe2/main.go loadChain; wfe2/wfe.go Certificate appends the chain
# to the leaf), and lego keeps the bytes as served and appends the key (go-acme/lego
# acme/api/certificate.go getCertificateChain, cmd/certs_storage.go: certificate + private key).
pem_payload() {
  grep -v '^[[:space:]]*$' "$1"
}

# served_certificate: what the edge serves for its certificate file, from the runtime API
# ("show ssl cert <filename>": "Serial: <hex>", "notAfter: <date>", doc/management.txt), as
# "serial <hex>, valid until <date>". Fails when the edge does not answer or does not hold the file.
served_certificate() {
  local out serial not_after
  out="$(edge_api "show ssl cert ${edge_cert}" 2>/dev/null)" || return 1
  serial="$(sed -n 's/^Serial: //p' <<<"${out}")"
  not_after="$(sed -n 's/^notAfter: //p' <<<"${out}")"
  [[ -n "${serial}" && -n "${not_after}" ]] || return 1
  printf 'serial %s, valid until %s' "${serial}" "${not_after}"
}

# After a deploy that could not get a certificate: this many tries in the background, the first
# after this many seconds, each wait doubled (acme.sh caps it); then the daily timer.
acme_attempts=6
acme_backoff=30

# Stop the background retries a deploy started (their process group), if they still run.
stop_background_issuance() {
  local pid
  pid="$(cat "${edge_dir}/acme-retries.pid" 2>/dev/null || true)"
  if [[ "${pid}" =~ ^[0-9]+$ ]] && kill -0 "${pid}" 2>/dev/null; then
    kill -- "-${pid}" 2>/dev/null || kill "${pid}" 2>/dev/null || true
    log "stopped the background certificate retries (${pid})"
  fi
  rm -f "${edge_dir}/acme-retries.pid"
}
