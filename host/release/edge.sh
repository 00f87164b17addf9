#!/usr/bin/env bash
# The edge: HAProxy on the host, the front door of the app (ports 80 and 443), in front of the app's
# own proxy, which listens on a loopback port only. It
#   - keeps clients' connections open across deploys and nginx reloads: it opens a new connection to
#     the app's proxy per request, so a reload there never resets a client's kept-alive connection;
#   - terminates TLS once a certificate exists (acme.sh), redirects HTTP to HTTPS except the ACME
#     challenge path, and sends X-Forwarded-Proto; HSTS when the deploy asks for it;
#   - routes /.well-known/acme-challenge/ to the ACME client while it is validating (acme.sh).
#   - drops what a client sends as X-Forwarded-* or Forwarded before it sets its own: the app behind
#     it sees only what the edge saw.
# Settings: <baseDir>/edge/settings (deploy.sh writes it). The config is rendered from them and from
# whether a certificate exists; a changed config is checked, then loaded by a seamless reload through
# the master CLI (the listening sockets pass to the new process). A renewed certificate needs no
# reload (acme.sh loads it through the runtime API). HAProxy runs as its own user, not as the SSH
# user who runs this: root starts it (its systemd unit, through edge_service, the deploy's one sudo
# rule: host/cloud-init/provision.sh) when it is not running; everything else goes through its two
# sockets, open to the group the SSH user shares with it.
#   edge.sh start --base-dir DIR     start, or reload when the config changed (idempotent)
#   edge.sh stop --base-dir DIR
set -euo pipefail

script_name=edge
usage_text="usage: edge.sh start|stop --base-dir DIR"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=edge-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/edge-lib.sh"

parse_args() {
  action="${1:-}"
  [[ "${action}" == start || "${action}" == stop ]] || usage
  shift
  base_dir=""
  flag_vars=([base-dir]=base_dir)
  read_flags "$@"
  require_flags base-dir
}

# Mozilla's "intermediate" TLS profile (v5.7): TLS 1.2 and 1.3, forward-secret AEAD suites only.
tls_globals() {
  cat <<'EOF'
  ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305
  ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256
  ssl-default-bind-options prefer-client-ciphers no-sslv3 no-tlsv10 no-tlsv11 no-tls-tickets
EOF
}

# What a client sent about where the request came from is not the edge's to pass on: the headers go
# before the edge sets X-Forwarded-Proto and "option forwardfor" adds X-Forwarded-For with the
# address it saw (haproxy doc/configuration.txt: http-request del-header, option forwardfor).
drop_client_forwarded() {
  local name
  for name in X-Forwarded-For X-Forwarded-Proto X-Forwarded-Host X-Forwarded-Port X-Forwarded-Server X-Real-IP Forwarded; do
    echo "  http-request del-header ${name}"
  done
}

# The whole config on stdout. TLS parts only once the certificate exists.
render_config() {
  local tls=0
  if [[ -n "${edge_domains}" && -s "${edge_cert}" ]]; then tls=1; fi
  cat <<EOF
# Written by edge.sh from ${edge_settings}; changes here are overwritten by the next deploy.
global
  stats socket ${edge_socket} mode 660 level admin expose-fd listeners
  stats timeout 10s
$(tls_globals)

defaults
  mode http
  option forwardfor
  timeout connect 5s
  timeout client 65s
  timeout server 65s
  timeout http-request 10s
  timeout http-keep-alive 60s
  # A refused connection never reached the app: retrying it cannot run a request twice.
  retries 3
  retry-on conn-failure

frontend http
  bind :${edge_http_port}
  acl acme_challenge path_beg /.well-known/acme-challenge/
$(drop_client_forwarded)
  http-request set-header X-Forwarded-Proto http
EOF
  if (( tls )) && (( edge_https_port == 443 )); then
    echo "  http-request redirect scheme https code 301 unless acme_challenge"
  elif (( tls )); then
    echo "  http-request redirect location https://%[req.hdr(host),field(1,:)]:${edge_https_port}%[capture.req.uri] code 301 unless acme_challenge"
  fi
  cat <<EOF
  use_backend acme if acme_challenge
  default_backend app
EOF
  if (( tls )); then
    cat <<EOF

frontend https
  bind :${edge_https_port} ssl crt ${edge_cert} alpn h2,http/1.1
$(drop_client_forwarded)
  http-request set-header X-Forwarded-Proto https
EOF
    if [[ "${edge_hsts}" == on ]]; then echo '  http-response set-header Strict-Transport-Security "max-age=63072000"'; fi
    echo "  default_backend app"
  fi
  cat <<EOF

# One connection per request to the app's proxy: its reloads never touch a client's connection.
backend app
  option http-server-close
  server app 127.0.0.1:${edge_proxy_port}

backend acme
  server acme 127.0.0.1:${edge_acme_port}
EOF
}

# The worker's pid, from the runtime API ("" when it does not answer).
worker_pid() {
  edge_api "show info" 2>/dev/null | sed -n 's/^Pid: //p'
}

# Wait (bounded, 10 s) until a worker other than $1 answers on the runtime API.
wait_worker() {
  local before="$1" i now
  for (( i = 0; i < 100; i++ )); do
    now="$(worker_pid)"
    [[ -n "${now}" && "${now}" != "${before}" ]] && return 0
    sleep 0.1
  done
  return 1
}

# edge_service_run start|stop: the edge's unit, as root, through the deploy's one sudo rule.
edge_service_run() {
  if [[ -n "${edge_local_service}" ]]; then "${edge_local_service}" "$1" "${base_dir}" < /dev/null; return; fi
  sudo -n "${edge_service}" "$1" "${base_dir}" < /dev/null
}

start() {
  local new="${edge_config}.new" before
  make_edge_dir
  mkdir -p "$(dirname "${edge_cert}")"
  render_config > "${new}"
  haproxy -c -q -f "${new}" || die "the edge config does not check (${new}); the running edge is unchanged"
  if edge_running; then
    if cmp -s "${new}" "${edge_config}"; then rm -f "${new}"; log "edge running, config unchanged"; return 0; fi
    before="$(worker_pid)"
    mv -f "${new}" "${edge_config}"
    # Master-worker mode: "reload" on the master CLI (as SIGUSR2 would) makes the master re-read the
    # config and start a new worker, which takes over the listening sockets; the old worker finishes
    # the requests it has.
    edge_master reload > /dev/null || true
    wait_worker "${before}" || die "the edge did not come back after a reload (see ${edge_config})"
    log "edge reloaded (new config: $(config_summary))"
  else
    mv -f "${new}" "${edge_config}"
    edge_service_run start \
      || die "the edge (haproxy) did not start: '${edge_service} start ${base_dir}' failed (is port ${edge_http_port} or ${edge_https_port} taken? journalctl -u compose-on-ec2-edge)"
    wait_worker "" || die "the edge started but its runtime API does not answer (${edge_socket})"
    log "edge started ($(config_summary))"
  fi
}

config_summary() {
  if edge_https_open; then
    printf 'HTTP :%s → HTTPS :%s for %s' "${edge_http_port}" "${edge_https_port}" "${edge_domains}"
  else
    printf 'HTTP :%s' "${edge_http_port}"
  fi
  printf ' → app proxy 127.0.0.1:%s' "${edge_proxy_port}"
}

stop() {
  stop_background_issuance
  edge_running || { log "edge not running"; return 0; }
  edge_service_run stop || die "the edge did not stop: '${edge_service} stop ${base_dir}' failed"
  log "edge stopped"
}

main() {
  parse_args "$@"
  edge_paths
  if [[ "${action}" == stop ]]; then stop; return 0; fi
  read_edge_settings
  start
}

# Sourced by the unit tests to render a config; run by the deploy, acme.sh and destroy.sh.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
