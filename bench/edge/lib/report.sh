# Edge bench: the tables and the summary line.
# Sourced by bench/edge/run.sh, which holds the settings (ports, durations) and log/die; WORK and PIDS
# are the state of lib/processes.sh.
# shellcheck shell=bash

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
