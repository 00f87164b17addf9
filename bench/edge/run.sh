#!/usr/bin/env bash
# Edge-proxy bench: does switching a release behind an edge proxy drop keep-alive requests, and what
# does one more proxy hop cost?
#
# Two nginx instances on loopback stand in for the old and the new release (each a whole release:
# its own front that serves a small static file and "/"). A front door switches traffic from
# release a to release b while wrk (keep-alive, no retries) loads a fast static URL:
#   nginx_reload  nginx front door, upstream file rewritten + reload for "a+b", then for "b"
#                 (what a redeploy does today)
#   caddy_api     caddy edge, upstreams replaced through its admin API (PATCH /id/release/upstreams)
#   caddy_reload  caddy edge, `caddy reload` with a whole new config
#   haproxy_api   haproxy edge, runtime API: enable b, drain a, wait for a's sessions, maint a
#   nginx_resolve nginx front door that re-resolves a name per request (resolver + variable
#                 proxy_pass), the name switched in a DNS server; no reload
# Release a is stopped (graceful quit) after each switch, as the old container is.
# Then the extra hop: wrk through caddy -> nginx -> release and haproxy -> nginx -> release against
# nginx -> release, one after the other in the same run.
#
# Usage: sudo bench/edge/run.sh            (DURATION=20 seconds per wrk run, KEEP_WORK=1 keeps files)
# Needs root to apt-get install nginx-light, caddy, haproxy, wrk, pebble (challtestsrv), socat, curl.
# Listens on 127.0.0.1-3 ports 18100-18155 only; everything it starts is stopped on exit.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

readonly DURATION="${DURATION:-20}"
readonly SCENARIOS="${SCENARIOS:-nginx_reload caddy_api caddy_reload haproxy_api nginx_resolve caddy_dynamic}"
readonly WARMUP_S=5          # load before the switch starts
readonly STEP_GAP_S=2        # between "add b" and "retire a", as the deploy waits for b to be healthy
readonly WRK_ARGS=(-t2 -c16 --latency)
readonly WRK_ONE_ARGS=(-t1 -c1 --latency)   # one connection: the hop's own latency, no CPU saturation
readonly URL_PATH="/static/style.css"

readonly REL_A=127.0.0.1:18101 REL_B=127.0.0.1:18102
readonly REL_A_DNS=127.0.0.2 REL_B_DNS=127.0.0.3 REL_DNS_PORT=18105
readonly NGINX_FRONT=127.0.0.1:18100
readonly CADDY_EDGE=127.0.0.1:18110 CADDY_ADMIN=127.0.0.1:18119
readonly HAPROXY_EDGE=127.0.0.1:18120
readonly RESOLVE_FRONT=127.0.0.1:18130
readonly DNS_ADDR=127.0.0.1:18153 DNS_MGMT=127.0.0.1:18155
readonly RELEASE_NAME=release.bench.test
readonly ALL_PORTS=(18100 18101 18102 18105 18110 18119 18120 18130 18153 18155)
readonly BOUNDED_TRIES=100   # x 0.1 s for every wait

log() { printf 'edge-bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

lib_dir="$(dirname "${BASH_SOURCE[0]}")/lib"
# shellcheck source=lib/processes.sh
source "${lib_dir}/processes.sh"
# shellcheck source=lib/nginx.sh
source "${lib_dir}/nginx.sh"
# shellcheck source=lib/edges.sh
source "${lib_dir}/edges.sh"
# shellcheck source=lib/scenarios.sh
source "${lib_dir}/scenarios.sh"
# shellcheck source=lib/measure.sh
source "${lib_dir}/measure.sh"
# shellcheck source=lib/report.sh
source "${lib_dir}/report.sh"

main() {
  [[ $EUID -eq 0 ]] || die "run as root (it installs packages and starts nginx as root)"
  install_missing
  check_ports_free
  make_workdir
  trap cleanup EXIT
  start_dns
  local kind
  for kind in ${SCENARIOS}; do run_switch "$kind"; done
  run_hop
  report
}

main "$@"
