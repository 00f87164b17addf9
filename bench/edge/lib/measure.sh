# Edge bench: wrk under load, a switch a -> b, and the extra hop.
# Sourced by bench/edge/run.sh, which holds the settings (ports, durations) and log/die; WORK and PIDS
# are the state of lib/processes.sh.
# shellcheck shell=bash

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
