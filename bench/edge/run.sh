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

WORK=""
declare -A PIDS=()

log() { printf 'edge-bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- setup ----------------------------------------------------------------------------------------

install_missing() {
  local missing=() cmd pkg
  for pair in nginx:nginx-light caddy:caddy haproxy:haproxy wrk:wrk \
              pebble-challtestsrv:pebble socat:socat curl:curl; do
    cmd="${pair%%:*}" pkg="${pair#*:}"
    command -v "$cmd" >/dev/null || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
}

check_ports_free() {
  local port
  for port in "${ALL_PORTS[@]}"; do
    if ss -Hltn "sport = :${port}" | grep -q .; then
      die "port ${port} is already in use; stop what listens there or change the ports at the top of $0"
    fi
  done
}

make_workdir() {
  WORK="$(mktemp -d /tmp/edge-bench.XXXXXX)"
  chmod 755 "$WORK"   # nginx workers run as nobody and read the static files
  export XDG_CONFIG_HOME="$WORK/xdg/config" XDG_DATA_HOME="$WORK/xdg/data"   # caddy's state stays here
}

cleanup() {
  local name
  for name in "${!PIDS[@]}"; do stop_proc "$name" TERM; done
  if [[ -n "$WORK" && "${KEEP_WORK:-0}" != 1 ]]; then rm -rf "$WORK"; fi
}

# --- processes ------------------------------------------------------------------------------------

# start_proc NAME CMD... : run CMD in the background, its output in $WORK/NAME.log
start_proc() {
  local name="$1"; shift
  "$@" >"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
}

# stop_proc NAME SIGNAL : signal it, wait (bounded) until it exited, then KILL if it did not
stop_proc() {
  local name="$1" sig="$2" pid="${PIDS[$1]:-}" i
  [[ -z "$pid" ]] && return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < BOUNDED_TRIES; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "PIDS[$name]"
}

wait_http() {
  local url="$1" i
  for ((i = 0; i < BOUNDED_TRIES; i++)); do
    curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  die "no answer from ${url} after $((BOUNDED_TRIES / 10)) s; see the logs in ${WORK}"
}

expect_release() {
  local addr="$1" want="$2" got
  got="$(curl -fsS --max-time 2 "http://${addr}/" || true)"
  [[ "$got" == "release ${want}" ]] || die "http://${addr}/ answered '${got}', expected 'release ${want}'"
}

# --- nginx: the two releases and the front doors --------------------------------------------------

nginx_common() {
  local dir="$1"
  cat <<EOF
pid ${dir}/nginx.pid;
daemon off;
events { worker_connections 4096; }
EOF
}

nginx_temp_paths() {
  local dir="$1" t
  for t in client_body proxy fastcgi uwsgi scgi; do printf '  %s_temp_path %s/tmp/%s;\n' "$t" "$dir" "$t"; done
}

start_release() {
  local rel="$1" addr="$2" dns_ip="$3" dir="$WORK/release-$1"
  mkdir -p "$dir/www/static" "$dir/tmp"
  head -c 1200 /dev/zero | tr '\0' 'x' | sed "s/^/\/* release ${rel} *\//" >"$dir/www/static/style.css"
  {
    echo "worker_processes 1;"
    nginx_common "$dir"
    echo "http {"
    echo "  access_log ${dir}/access.log;"
    nginx_temp_paths "$dir"
    cat <<EOF
  server {
    listen ${addr};
    listen ${dns_ip}:${REL_DNS_PORT};
    root ${dir}/www;
    add_header X-Release ${rel} always;
    location = / { default_type text/plain; return 200 "release ${rel}"; }
  }
}
EOF
  } >"$dir/nginx.conf"
  start_proc "release-$rel" nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf"
  wait_http "http://${addr}${URL_PATH}"
}

release_requests() { wc -l <"$WORK/release-$1/access.log"; }

# wait_quiet REL : wait (bounded) until REL has answered no request for 0.5 s; prints the wait in ms
wait_quiet() {
  local rel="$1" i last now quiet=0
  last="$(release_requests "$rel")"
  for ((i = 1; i <= BOUNDED_TRIES; i++)); do
    sleep 0.1
    now="$(release_requests "$rel")"
    if [[ "$now" == "$last" ]]; then quiet=$((quiet + 1)); else quiet=0; last="$now"; fi
    if ((quiet >= 5)); then echo $(((i - 5) * 100)); return 0; fi
  done
  echo "timeout"
}

# The app's front door as today: upstream block from an include, no upstream keep-alive,
# the same retry settings as the app's nginx.
front_upstream() {
  local dir="$1"; shift
  mkdir -p "$dir"
  { echo "upstream release {"; printf '  server %s max_fails=1 fail_timeout=5s;\n' "$@"; echo "}"; } >"$dir/upstream.conf"
}

front_location() {
  cat <<'EOF'
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
      proxy_next_upstream error timeout http_502;
      proxy_next_upstream_tries 3;
      proxy_next_upstream_timeout 10s;
EOF
}

# start_front NAME LISTEN PROXY_PASS [RESOLVER]
start_front() {
  local name="$1" listen="$2" pass="$3" resolver="${4:-}" dir="$WORK/$1"
  mkdir -p "$dir/tmp"
  [[ -f "$dir/upstream.conf" ]] || echo "" >"$dir/upstream.conf"
  {
    echo "worker_processes auto;"
    nginx_common "$dir"
    echo "http {"
    echo "  access_log off;"
    nginx_temp_paths "$dir"
    echo "  include ${dir}/upstream.conf;"
    [[ -n "$resolver" ]] && echo "  resolver ${resolver} valid=1s ipv6=off;"
    echo "  server {"
    echo "    listen ${listen};"
    echo "    location / {"
    [[ -n "$resolver" ]] && echo "      set \$release ${RELEASE_NAME};"
    echo "      proxy_pass ${pass};"
    front_location
    echo "    }"
    echo "  }"
    echo "}"
  } >"$dir/nginx.conf"
  start_proc "$name" nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf"
  wait_http "http://${listen}${URL_PATH}"
}

reload_front() { kill -HUP "${PIDS[$1]}"; }

# --- caddy ----------------------------------------------------------------------------------------

upstreams_json() {
  local sep="" addr
  printf '['
  for addr in "$@"; do printf '%s{"dial":"%s"}' "$sep" "$addr"; sep=","; done
  printf ']'
}

# caddy_config UPSTREAM_FIELD : the whole config, one reverse_proxy whose upstreams are UPSTREAM_FIELD
caddy_config() {
  cat <<EOF
{"admin": {"listen": "${CADDY_ADMIN}", "config": {"persist": false}},
 "logging": {"logs": {"default": {"level": "WARN"}}},
 "apps": {"http": {"servers": {"edge": {
   "listen": ["${CADDY_EDGE}"],
   "automatic_https": {"disable": true},
   "routes": [{"handle": [{"@id": "release", "handler": "reverse_proxy", $1}]}]}}}}}
EOF
}

static_upstreams() { printf '"upstreams": %s' "$(upstreams_json "$@")"; }

# upstreams re-resolved from DNS every second by the proxy itself: no config change at all
dynamic_upstreams() {
  cat <<EOF
"dynamic_upstreams": {"source": "a", "name": "${RELEASE_NAME}", "port": "${REL_DNS_PORT}",
                      "refresh": "1s", "resolver": {"addresses": ["${DNS_ADDR}"]}}
EOF
}

start_caddy() {
  caddy_config "$(static_upstreams "$@")" >"$WORK/caddy.json"
  start_caddy_config
}

start_caddy_config() {
  start_proc caddy caddy run --config "$WORK/caddy.json"
  wait_http "http://${CADDY_EDGE}${URL_PATH}"
}

caddy_api_upstreams() {
  curl -fsS --max-time 5 -X PATCH -H 'Content-Type: application/json' \
    -d "$(upstreams_json "$@")" "http://${CADDY_ADMIN}/id/release/upstreams" >/dev/null
}

caddy_reload_upstreams() {
  caddy_config "$(static_upstreams "$@")" >"$WORK/caddy-next.json"
  caddy reload --config "$WORK/caddy-next.json" --address "$CADDY_ADMIN" >>"$WORK/caddy-reload.log" 2>&1
}

# --- haproxy --------------------------------------------------------------------------------------

# start_haproxy "name addr [disabled]"...
start_haproxy() {
  local server
  {
    cat <<EOF
global
  stats socket ${WORK}/haproxy.sock mode 600 level admin
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout http-keep-alive 30s
frontend edge
  bind ${HAPROXY_EDGE}
  default_backend release
backend release
EOF
    for server in "$@"; do echo "  server ${server}"; done
  } >"$WORK/haproxy.cfg"
  start_proc haproxy haproxy -db -f "$WORK/haproxy.cfg"
  wait_http "http://${HAPROXY_EDGE}${URL_PATH}"
}

haproxy_cmd() { echo "$1" | socat -t 2 stdio "unix-connect:${WORK}/haproxy.sock"; }

# current sessions of one server, from `show stat` (CSV: pxname,svname,qcur,qmax,scur,...)
haproxy_sessions() {
  haproxy_cmd "show stat" | awk -F, -v s="$1" '$1 == "release" && $2 == s { print $5 }'
}

haproxy_drain() {
  local server="$1" i
  haproxy_cmd "set server release/${server} state drain" >/dev/null
  for ((i = 0; i < BOUNDED_TRIES; i++)); do
    [[ "$(haproxy_sessions "$server")" == 0 ]] && break
    sleep 0.1
  done
  haproxy_cmd "set server release/${server} state maint" >/dev/null
}

# --- DNS for the re-resolving nginx ---------------------------------------------------------------

start_dns() {
  start_proc dns pebble-challtestsrv -dns01 "$DNS_ADDR" -management "$DNS_MGMT" \
    -http01 "" -https01 "" -tlsalpn01 "" -defaultIPv4 127.0.0.9 -defaultIPv6 ""
  local i
  for ((i = 0; i < BOUNDED_TRIES; i++)); do
    curl -fsS -o /dev/null --max-time 1 -X POST -d '{"host":"probe.","addresses":["127.0.0.9"]}' \
      "http://${DNS_MGMT}/add-a" 2>/dev/null && return 0
    sleep 0.1
  done
  die "pebble-challtestsrv did not start; see ${WORK}/dns.log"
}

dns_post() { curl -fsS --max-time 2 -X POST -d "$2" "http://${DNS_MGMT}/$1" >/dev/null; }

# The DNS server's add-a appends to a name's addresses and clear-a falls back to its default address,
# so a switch never passes through "no address": a only, then a+b, then (default := b, clear) b only.
dns_release_a() {
  dns_post set-default-ipv4 '{"ip":"127.0.0.9"}'
  dns_post clear-a "{\"host\":\"${RELEASE_NAME}.\"}"
  dns_post add-a "{\"host\":\"${RELEASE_NAME}.\",\"addresses\":[\"${REL_A_DNS}\"]}"
}
dns_add_b() { dns_post add-a "{\"host\":\"${RELEASE_NAME}.\",\"addresses\":[\"${REL_B_DNS}\"]}"; }
dns_only_b() {
  dns_post set-default-ipv4 "{\"ip\":\"${REL_B_DNS}\"}"
  dns_post clear-a "{\"host\":\"${RELEASE_NAME}.\"}"
}

# --- scenarios: each has a start (release a live), add_b, retire_a and stop -------------------------

nginx_reload_start()   { front_upstream "$WORK/front" "$REL_A"; start_front front "$NGINX_FRONT" http://release; }
nginx_reload_add_b()   { front_upstream "$WORK/front" "$REL_A" "$REL_B"; reload_front front; }
nginx_reload_retire_a(){ front_upstream "$WORK/front" "$REL_B"; reload_front front; }
nginx_reload_stop()    { stop_proc front QUIT; rm -f "$WORK/front/upstream.conf"; }
nginx_reload_addr()    { echo "$NGINX_FRONT"; }

caddy_api_start()      { start_caddy "$REL_A"; }
caddy_api_add_b()      { caddy_api_upstreams "$REL_A" "$REL_B"; }
caddy_api_retire_a()   { caddy_api_upstreams "$REL_B"; }
caddy_api_stop()       { stop_proc caddy TERM; }
caddy_api_addr()       { echo "$CADDY_EDGE"; }

caddy_reload_start()   { start_caddy "$REL_A"; }
caddy_reload_add_b()   { caddy_reload_upstreams "$REL_A" "$REL_B"; }
caddy_reload_retire_a(){ caddy_reload_upstreams "$REL_B"; }
caddy_reload_stop()    { stop_proc caddy TERM; }
caddy_reload_addr()    { echo "$CADDY_EDGE"; }

haproxy_api_start()    { start_haproxy "a ${REL_A}" "b ${REL_B} disabled"; }
haproxy_api_add_b()    { haproxy_cmd "set server release/b state ready" >/dev/null; }
haproxy_api_retire_a() { haproxy_drain a; }
haproxy_api_stop()     { stop_proc haproxy TERM; }
haproxy_api_addr()     { echo "$HAPROXY_EDGE"; }

nginx_resolve_start()  {
  dns_release_a
  start_front resolve "$RESOLVE_FRONT" "http://\$release:${REL_DNS_PORT}" "$DNS_ADDR"
}
nginx_resolve_add_b()  { dns_add_b; }
nginx_resolve_retire_a(){ dns_only_b; }
nginx_resolve_stop()   { stop_proc resolve QUIT; }
nginx_resolve_addr()   { echo "$RESOLVE_FRONT"; }

caddy_dynamic_start()  {
  dns_release_a
  caddy_config "$(dynamic_upstreams)" >"$WORK/caddy.json"
  start_caddy_config
}
caddy_dynamic_add_b()  { dns_add_b; }
caddy_dynamic_retire_a(){ dns_only_b; }
caddy_dynamic_stop()   { stop_proc caddy TERM; }
caddy_dynamic_addr()   { echo "$CADDY_EDGE"; }

# --- measuring ------------------------------------------------------------------------------------

# wrk's report -> "requests rps p50_ms p99_ms connect read write timeout non2xx"
parse_wrk() {
  awk '
    function ms(v) {
      if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
      if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
      if (v ~ /m$/)  { sub(/m$/, "", v);  return v * 60000 }
      if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
      return v + 0
    }
    /^ +50% / { p50 = ms($2) }
    /^ +99% / { p99 = ms($2) }
    / requests in / { req = $1 }
    /Socket errors:/ { gsub(",", ""); c = $4; r = $6; w = $8; t = $10 }
    /Non-2xx or 3xx/ { n = $5 }
    /^Requests\/sec:/ { rps = $2 }
    END { printf "%d %.0f %.3f %.3f %d %d %d %d %d\n", req, rps, p50, p99, c, r, w, t, n }
  ' "$1"
}

# start_wrk NAME ADDR [WRK_ARGS...] : -t2 -c16 unless other args are given
start_wrk() {
  local name="$1" addr="$2"; shift 2
  local args=("$@")
  [[ ${#args[@]} -gt 0 ]] || args=("${WRK_ARGS[@]}")
  start_proc "wrk-$name" timeout $((DURATION + 30)) wrk "${args[@]}" -d "${DURATION}s" "http://${addr}${URL_PATH}"
}

# finish_wrk NAME : wait for it (in this shell: it is our child), its figures in $WORK/wrk-NAME.txt
finish_wrk() {
  local name="$1" pid="${PIDS[wrk-$1]}"
  wait "$pid" || die "wrk for ${name} failed; see ${WORK}/wrk-${name}.log"
  unset "PIDS[wrk-$name]"
  parse_wrk "$WORK/wrk-$name.log" >"$WORK/wrk-$name.txt"
}

# One switch under load: a live, then b added, a retired (drained where the edge can), a stopped.
run_switch() {
  local kind="$1" addr a_at_switch a_after drain_ms req rps p50 p99 c r w t n
  log "switch through ${kind}"
  start_release a "$REL_A" "$REL_A_DNS"
  start_release b "$REL_B" "$REL_B_DNS"
  "${kind}_start"
  addr="$("${kind}_addr")"
  expect_release "$addr" a
  start_wrk "$kind" "$addr"
  sleep "$WARMUP_S"
  "${kind}_add_b"
  sleep "$STEP_GAP_S"
  "${kind}_retire_a"
  a_at_switch="$(release_requests a)"
  drain_ms="$(wait_quiet a)"
  stop_proc release-a QUIT
  a_after=$(( $(release_requests a) - a_at_switch ))
  finish_wrk "$kind"
  read -r req rps p50 p99 c r w t n <"$WORK/wrk-$kind.txt"
  expect_release "$addr" b
  "${kind}_stop"
  stop_proc release-b QUIT
  printf '%s %s %s %s %s %s %s %s %s %s %s %s\n' "$kind" "$req" "$rps" "$p50" "$p99" "$c" "$r" "$w" "$t" "$n" \
    "$a_after" "$drain_ms" >>"$WORK/switch.txt"
}

# The extra hop: the same release behind nginx alone, then behind caddy -> nginx, haproxy -> nginx.
run_hop() {
  local path addr req rps p50 p99 c r w t n errors one50 one99
  log "extra hop: nginx alone, caddy -> nginx, haproxy -> nginx"
  start_release a "$REL_A" "$REL_A_DNS"
  front_upstream "$WORK/front" "$REL_A"
  start_front front "$NGINX_FRONT" http://release
  start_caddy "$NGINX_FRONT"
  start_haproxy "front ${NGINX_FRONT}"
  for path in nginx caddy haproxy; do
    case "$path" in
      nginx) addr="$NGINX_FRONT" ;;
      caddy) addr="$CADDY_EDGE" ;;
      haproxy) addr="$HAPROXY_EDGE" ;;
    esac
    start_wrk "hop-$path" "$addr"
    finish_wrk "hop-$path"
    read -r req rps p50 p99 c r w t n <"$WORK/wrk-hop-$path.txt"
    errors=$((c + r + w + t + n))
    start_wrk "one-$path" "$addr" "${WRK_ONE_ARGS[@]}"
    finish_wrk "one-$path"
    read -r _ _ one50 one99 c r w t n <"$WORK/wrk-one-$path.txt"
    printf '%s %s %s %s %s %s %s %s\n' "$path" "$req" "$rps" "$p50" "$p99" "$one50" "$one99" \
      "$((errors + c + r + w + t + n))" >>"$WORK/hop.txt"
  done
  stop_proc haproxy TERM
  stop_proc caddy TERM
  stop_proc front QUIT
  stop_proc release-a QUIT
}

# --- report ---------------------------------------------------------------------------------------

field() { awk -v k="$1" -v col="$2" '$1 == k { print $col }' "$3"; }
errors_of() { awk -v k="$1" '$1 == k { print $6 + $7 + $8 + $9 + $10 }' "$WORK/switch.txt"; }

report() {
  echo
  echo "Switch a -> b under wrk ${WRK_ARGS[*]} -d${DURATION}s ${URL_PATH} (keep-alive, no retries)"
  { echo "front_door requests req/s p50_ms p99_ms connect read write timeout non2xx3xx a_after_switch a_drain_ms"
    cat "$WORK/switch.txt"; } | column -t
  echo
  echo "Extra hop, no switch (same run, one after the other; c16 = wrk ${WRK_ARGS[*]}, c1 = wrk ${WRK_ONE_ARGS[*]})"
  { echo "path requests(c16) req/s(c16) p50_ms(c16) p99_ms(c16) p50_ms(c1) p99_ms(c1) errors"
    sed -e 's/^caddy /caddy->nginx /' -e 's/^haproxy /haproxy->nginx /' "$WORK/hop.txt"; } | column -t
  echo
  local h="$WORK/hop.txt"
  printf 'edge-bench: nginx_reload_errors=%s caddy_api_errors=%s caddy_reload_errors=%s haproxy_api_errors=%s' \
    "$(errors_of nginx_reload)" "$(errors_of caddy_api)" "$(errors_of caddy_reload)" "$(errors_of haproxy_api)"
  printf ' hop_p50_ms=%s/%s hop_p99_ms=%s/%s rps_ratio=%s' \
    "$(field caddy 4 "$h")" "$(field nginx 4 "$h")" "$(field caddy 5 "$h")" "$(field nginx 5 "$h")" \
    "$(awk '$1 == "caddy" { c = $3 } $1 == "nginx" { n = $3 } END { printf "%.2f", c / n }' "$h")"
  printf ' hop1c_p50_ms=%s/%s hop1c_p99_ms=%s/%s' \
    "$(field caddy 6 "$h")" "$(field nginx 6 "$h")" "$(field caddy 7 "$h")" "$(field nginx 7 "$h")"
  printf ' nginx_resolve_errors=%s caddy_dynamic_errors=%s haproxy_hop_p50_ms=%s haproxy_hop_p99_ms=%s haproxy_rps_ratio=%s\n' \
    "$(errors_of nginx_resolve)" "$(errors_of caddy_dynamic)" "$(field haproxy 4 "$h")" "$(field haproxy 5 "$h")" \
    "$(awk '$1 == "haproxy" { c = $3 } $1 == "nginx" { n = $3 } END { printf "%.2f", c / n }' "$h")"
}

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
