# Edge bench: the other edges (caddy, haproxy) and the DNS server the re-resolving proxies ask.
# Sourced by bench/edge/run.sh, which holds the settings (ports, durations) and log/die; WORK and PIDS
# are the state of lib/processes.sh.
# shellcheck shell=bash

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
