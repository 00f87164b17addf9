# Edge bench: the scenarios, each with a start (release a live), add_b, retire_a, stop and addr.
# Sourced by bench/edge/run.sh, which holds the settings (ports, durations) and log/die; WORK and PIDS
# are the state of lib/processes.sh.
# shellcheck shell=bash

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
