# Edge bench: nginx as the two releases and as the front doors.
# Sourced by bench/edge/run.sh, which holds the settings (ports, durations) and log/die; WORK and PIDS
# are the state of lib/processes.sh.
# shellcheck shell=bash

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
