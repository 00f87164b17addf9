#!/usr/bin/env bash
# Let's Encrypt's own test ACME server (Debian's pebble) and its DNS companion (pebble-challtestsrv)
# on 127.0.0.1, for the HTTPS scenarios: every name resolves to 127.0.0.1, and pebble validates
# HTTP-01 on the edge's HTTP port (HTTP_PORT), so nothing leaves the machine.
#   acme-server.sh start   (idempotent) start both, wait until the ACME directory answers
#   acme-server.sh stop    stop both (bounded)
#   acme-server.sh env     print ACME_DIRECTORY_URL, ACME_API_CA_FILE (pebble's own TLS certificate,
#                          which the ACME client must trust), ACME_ROOTS_URL (the issuing root, from
#                          pebble's management port)
set -euo pipefail
# shellcheck source=tests/host/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

dir="${work_root}/acme-server"
api_port=28414
management_port=28415
dns_port=28453
dns_management_port=28455

api_cert="${dir}/pebble-api.pem"

alive() { [[ -s "${dir}/$1.pid" ]] && kill -0 "$(cat "${dir}/$1.pid")" 2>/dev/null; }

start_one() {
  local name="$1"
  shift
  alive "${name}" && return 0
  setsid "$@" > "${dir}/${name}.log" 2>&1 < /dev/null &
  echo "$!" > "${dir}/${name}.pid"
}

start() {
  local i
  : "${HTTP_PORT:?HTTP_PORT: the edge port pebble validates HTTP-01 on}"
  mkdir -p "${dir}"
  if [[ ! -s "${api_cert}" ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=pebble \
      -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "${dir}/pebble-api.key" -out "${api_cert}" 2>/dev/null
  fi
  cat > "${dir}/pebble.json" <<EOF
{"pebble": {"listenAddress": "127.0.0.1:${api_port}", "managementListenAddress": "127.0.0.1:${management_port}",
 "certificate": "${api_cert}", "privateKey": "${dir}/pebble-api.key",
 "httpPort": ${HTTP_PORT}, "tlsPort": 28444, "ocspResponderURL": "", "externalAccountBindingRequired": false}}
EOF
  start_one dns pebble-challtestsrv -dns01 "127.0.0.1:${dns_port}" -http01 "" -https01 "" -tlsalpn01 "" \
    -management "127.0.0.1:${dns_management_port}" -defaultIPv4 127.0.0.1 -defaultIPv6 ""
  # No nonce rejections and no validation sleep: the scenarios measure the deploy, not pebble's chaos.
  PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 start_one pebble pebble -config "${dir}/pebble.json" -dnsserver "127.0.0.1:${dns_port}"
  for (( i = 0; i < 100; i++ )); do
    curl -fsS --cacert "${api_cert}" -o /dev/null "https://127.0.0.1:${api_port}/dir" 2>/dev/null && { log "acme-server: pebble answers on ${api_port}"; return 0; }
    sleep 0.1
  done
  die "pebble did not answer on 127.0.0.1:${api_port} (see ${dir}/pebble.log)"
}

stop() {
  local name
  for name in pebble dns; do
    if alive "${name}"; then stop_pid "$(cat "${dir}/${name}.pid")" "${name}" 5; fi
    rm -f "${dir}/${name}.pid"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env)
    printf 'export ACME_DIRECTORY_URL=https://127.0.0.1:%s/dir\n' "${api_port}"
    printf 'export ACME_API_CA_FILE=%s\n' "${api_cert}"
    printf 'export ACME_ROOTS_URL=https://127.0.0.1:%s/roots/0\n' "${management_port}" ;;
  *) echo "usage: acme-server.sh start|stop|env" >&2; exit 2 ;;
esac
