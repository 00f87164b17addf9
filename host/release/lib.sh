# Shared helpers for the host scripts (sourced, not run). Works with compose v2 (`docker compose`)
# and v1 (`docker-compose`).
# shellcheck shell=bash

lib_dir="$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=layout.sh
source "${lib_dir}/layout.sh"
# The script reload_nginx runs inside the proxy container.
nginx_reload_script="$(< "${lib_dir}/nginx-reload.sh")"

# Every line carries the seconds since the script started, so a slow step shows in the deploy log.
started_us="${EPOCHREALTIME/./}"
elapsed() { local us=$(( ${EPOCHREALTIME/./} - started_us )); printf '%d.%d' $(( us / 1000000 )) $(( us / 100000 % 10 )); }
log() { printf '[%s +%ss] %s\n' "${script_name:-compose-on-ec2}" "$(elapsed)" "$*"; }
die() { printf '[%s +%ss] ERROR: %s\n' "${script_name:-compose-on-ec2}" "$(elapsed)" "$*" >&2; exit 1; }

# --- flags ---------------------------------------------------------------------------------------
# Each script names its flags after sourcing this file: flag_vars maps a flag that takes a value to
# the variable it sets, flag_switches a flag without a value to the variable it sets to 1. usage_text
# is the script's own usage line(s).
declare -A flag_vars=() flag_switches=()

# The usage text on stderr, exit 2.
# shellcheck disable=SC2154 # usage_text: each script's own
usage() {
  printf '%s\n' "${usage_text}" >&2
  exit 2
}

# read_flags ARGS…: sets the variables of `--flag VALUE` and `--switch` (the last one given wins);
# anything else is a usage error.
read_flags() {
  local name
  while (( $# )); do
    [[ "$1" == --?* ]] || usage
    name="${1#--}"
    if [[ -n "${flag_switches[${name}]+set}" ]]; then
      printf -v "${flag_switches[${name}]}" 1
      shift
      continue
    fi
    [[ -n "${flag_vars[${name}]+set}" ]] || usage
    printf -v "${flag_vars[${name}]}" '%s' "$2"
    shift 2 || usage
  done
}

# require_flag NAME VALUE: every flag the deployment passes is required; there is no second default here.
require_flag() {
  [[ -n "$2" ]] || die "--$1 is required"
}

# require_flags NAME…: require_flag for each flag in flag_vars, in the order given.
require_flags() {
  local name
  for name in "$@"; do
    require_flag "${name}" "${!flag_vars[${name}]}"
  done
}

# read_key_values FILE PREFIX KEY…: sets PREFIX<KEY> to the value of each listed KEY=value line of
# FILE ("" when the file has none); other lines are ignored.
read_key_values() {
  local file="$1" prefix="$2" key value
  shift 2
  for key in "$@"; do printf -v "${prefix}${key}" '%s' ""; done
  while IFS='=' read -r key value; do
    if [[ " $* " == *" ${key} "* ]]; then printf -v "${prefix}${key}" '%s' "${value}"; fi
  done < "${file}"
}

# whole_number NAME VALUE: bash arithmetic evaluates whatever it is given (even `a[$(cmd)]`), so a
# value used in arithmetic must be digits only.
whole_number() {
  [[ "$2" =~ ^[0-9]+$ ]] || die "--$1 must be a whole number (got '$2')"
}

# --- output kept on the host --------------------------------------------------------------------
# Command output (compose errors, container logs) may quote the .env. The deployment returns a
# failed command's whole output into Pulumi's diagnostics and the CI log, so a deploy or destroy
# writes everything to a 0600 log on the host and hands back only a short reason and where the log is.

host_logs_kept=20

# start_host_log NAME: from here on, all output goes to <baseDir>/logs/NAME-<UTC time>.log; the
# caller's stdout and stderr are kept on fds 3 and 4 for finish_host_log.
start_host_log() {
  local dir="${base_dir:?}/${layout_logs}"
  mkdir -p "${dir}"
  chmod 700 "${dir}"
  host_log="${dir}/$1-$(date -u +%Y%m%dT%H%M%SZ)-$$.log"
  ( umask 077; : > "${host_log}" )
  exec 3>&1 4>&2 >>"${host_log}" 2>&1
}

# mask_values FILE…: copy stdin to stdout with every value of the given .env files (KEY=value or
# KEY='value', 6 characters or more) replaced by ***.
mask_values() {
  local files=() f
  for f in "$@"; do [[ -f "${f}" ]] && files+=("${f}"); done
  awk '
    phase != 2 {
      if (match($0, /^[A-Za-z_][A-Za-z0-9_]*=/)) {
        v = substr($0, RLENGTH + 1)
        q = substr(v, 1, 1)
        if ((q == "\047" || q == "\"") && substr(v, length(v), 1) == q) v = substr(v, 2, length(v) - 2)
        if (length(v) >= 6) secret[++n] = v
      }
      next
    }
    {
      line = $0
      for (i = 1; i <= n; i++) {
        out = ""
        while ((p = index(line, secret[i])) > 0) { out = out substr(line, 1, p - 1) "***"; line = substr(line, p + length(secret[i])) }
        line = out line
      }
      print line
    }' "${files[@]}" phase=2 -
}

# last_error LOG: this script's own last ERROR line in a host log, without its prefix ("" when none).
last_error() {
  grep -a -E "^\[${script_name} \+[0-9.]+s\] ERROR: " "$1" | tail -n 1 | sed 's/^[^]]*\] ERROR: //' || true
}

# finish_host_log STATUS [ENV_FILE…]: on success, the log goes to the caller's stdout. On failure,
# only the reason (this script's own last ERROR line, values of the .env files masked, cut to 300
# characters) and the log's path go to the caller's stderr. Keeps the newest logs, removes older ones.
finish_host_log() {
  local status="$1" reason
  shift
  [[ -n "${host_log:-}" ]] || return 0
  exec 1>&3 2>&4
  if (( status == 0 )); then
    cat "${host_log}"
  else
    reason="$(last_error "${host_log}")"
    [[ -n "${reason}" ]] || reason="stopped at an unexpected failure (exit ${status})"
    reason="$(printf '%s\n' "${reason}" | mask_values "$@" | tr -d '\000-\010\013-\037' | cut -c1-300)"
    printf '[%s] ERROR: %s\n' "${script_name}" "${reason}" >&2
    printf '[%s] the full output stays on the host (mode 0600): %s\n' "${script_name}" "${host_log}" >&2
  fi
  # shellcheck disable=SC2012 # log names hold no spaces or newlines
  ls -1t "$(dirname "${host_log}")"/*.log 2>/dev/null | tail -n +$((host_logs_kept + 1)) | xargs -r rm -f
}

# Sets compose_cmd to the compose CLI present on this host.
detect_compose() {
  if docker compose version >/dev/null 2>&1; then
    compose_cmd=(docker compose)
  elif command -v docker-compose >/dev/null 2>&1; then
    compose_cmd=(docker-compose)
  else
    die "neither 'docker compose' (v2 plugin) nor 'docker-compose' (v1) is installed"
  fi
}

# compose ARGS...: run compose for this app. The project name is fixed, so releases share
# containers, and the project directory lies under the stable link <baseDir>/active rather than
# releases/<sha>: compose v1 hashes the absolute build path into each service's config, and a path
# that changed with every release would recreate nginx (a gap) on every deploy.
# Needs: compose_cmd, app_name, compose_file (relative to the release), project_dir (the link).
compose() {
  "${compose_cmd[@]}" -p "${app_name:?}" --project-directory "$(dirname "${project_dir:?}/${compose_file:?}")" \
    -f "${project_dir:?}/${compose_file:?}" "$@"
}

# point_link LINK TARGET: atomically (re)point the symlink LINK at TARGET (relative to LINK's dir).
point_link() {
  ln -sfn "$2" "$1.tmp.$$"
  mv -T "$1.tmp.$$" "$1"
}

# Container ids of one service of this app; pass -a to include stopped ones. One-off containers
# (`compose run`, e.g. an operator's `manage.py shell`) are not the service's: compose does not
# count them either.
service_containers() {
  local service="$1"; shift
  docker ps -q "$@" \
    --filter "label=com.docker.compose.project=${app_name:?}" \
    --filter "label=com.docker.compose.service=${service}" \
    --filter "label=com.docker.compose.oneoff=False"
}

# Whether the other services' compose up would change anything. compose labels each container with
# a hash of its service config (com.docker.compose.config-hash), but `compose config --hash` is no
# reliable stand-in for it: from v2.22 until v5.5, including the plugin the hosts run
# (host/cloud-init/provision.sh), it hashes the service with env_file left out and its entries
# not merged into environment, while `up` hashes it with them (docker/compose cmd/compose/config.go,
# runHash: WithoutEnvironmentResolution and WithDiscardEnvFile; pkg/compose/hash.go, ServiceHash;
# fixed in v5.5.0). So the deploy fingerprints each service itself: "service config-hash env-digest",
# the env digest covering the content of the env files it reads, and records the fingerprint of each
# container it leaves running (record_fingerprints, at promote). A container counts as unchanged
# when it is the one recorded with the fingerprint the config has now: an env file's change is never
# missed, whatever compose's hash covers, and an unchanged one never forces a compose up.

# env_file_names COMPOSE_FILE: "service<TAB>name" for each name an `env_file:` entry gives (string,
# flow list, block list, long syntax's path:), as written (relative to the compose file's
# directory). An entry outside `services:` (an extension field shared through an anchor) may be
# any service's: its service is "*". A compose file that pulls in others (extends:, include:)
# ends with a "?" line: its env files cannot all be read from this one.
env_file_names() {
  awk '
    function take(v) { gsub(/^[[:space:]]*(-[[:space:]]*)?(path:[[:space:]]*)?/, "", v); gsub(/[[:space:]]+#.*$/, "", v)
                       gsub(/^["\047]|["\047][[:space:]]*$/, "", v); sub(/[[:space:]]+$/, "", v)
                       if (v != "" && v !~ /^[*&]/) print ((top == "services" && service != "") ? service : "*") "\t" v }
    /^[[:space:]]*#/ || /^[[:space:]]*$/ { next }
    /^[[:space:]]*(-[[:space:]]+)?(extends|include)[[:space:]]*:/ { print "?"; exit }
    { match($0, /^[[:space:]]*/); here = RLENGTH }
    here == 0 { top = $0; sub(/[[:space:]]*:.*$/, "", top); service = ""; sindent = -1; inlist = 0; next }
    top == "services" && (sindent < 0 || here <= sindent) && /^[[:space:]]*[^-[:space:]][^:]*:/ {
      sindent = here; service = $0; sub(/^[[:space:]]*/, "", service); sub(/[[:space:]]*:.*$/, "", service)
      gsub(/^["\047]|["\047]$/, "", service); inlist = 0; next }
    inlist { if (here > indent || $0 ~ /^[[:space:]]*- /) {
               if ($0 ~ /^[[:space:]]*(- )?(path:|[^:]*$)/) take($0); next } inlist = 0 }
    /^[[:space:]]*(-[[:space:]]+)?env_file[[:space:]]*:/ {
      indent = here
      v = $0; sub(/^[^:]*:[[:space:]]*/, "", v); sub(/[[:space:]]+#.*$/, "", v)
      if (v == "" || v ~ /^&[^[:space:]]+$/) { inlist = 1; next }
      gsub(/[][]/, "", v); n = split(v, parts, ","); for (i = 1; i <= n; i++) take(parts[i])
    }' "$1"
}

# env_files_digest SERVICE: sha256 over the name and content of every env file SERVICE may read
# (env_file_names: its own and those of shared extension fields). A name matched too generously
# costs at most a needless compose up; a file that does not exist counts as absent. Fails when the
# compose file's env files cannot be told (extends:, include:). Needs: project_dir, compose_file.
env_files_digest() {
  local dir names name
  dir="$(dirname "${project_dir:?}/${compose_file:?}")"
  names="$(env_file_names "${project_dir}/${compose_file}")" || return 1
  if grep -qx '?' <<<"${names}"; then return 1; fi
  awk -F '\t' -v s="$1" '$1 == s || $1 == "*" { print $2 }' <<<"${names}" | sort -u | while IFS= read -r name; do
    [[ "${name}" == /* ]] || name="${dir}/${name}"
    printf '%s\0' "${name}"
    if [[ -f "${name}" ]]; then sha256sum < "${name}"; else echo absent; fi
  done | sha256sum | cut -d' ' -f1
}

# service_fingerprints OUT SERVICE…: "service config-hash env-digest" per service into OUT; OUT is
# empty when compose cannot tell (then every compose up runs).
service_fingerprints() {
  local out="$1" digest service hash known=0
  shift
  if compose config --hash="$(IFS=,; printf '%s' "$*")" > "${out}.hashes" 2>/dev/null; then
    known=1
    while read -r service hash; do
      [[ -n "${service}" && -n "${hash}" ]] || continue
      if ! digest="$(env_files_digest "${service}")" || [[ ! "${digest}" =~ ^[0-9a-f]{64}$ ]]; then known=0; break; fi
      printf '%s %s %s\n' "${service}" "${hash}" "${digest}"
    done < "${out}.hashes" > "${out}.lines"
  fi
  if (( known )); then mv -f "${out}.lines" "${out}"; else : > "${out}"; fi
  rm -f "${out}.hashes" "${out}.lines"
}

# record_fingerprints FINGERPRINTS_FILE RECORD SERVICE…: "service container-id config-hash env-digest"
# for each service that runs exactly one container, into RECORD (replaced whole).
record_fingerprints() {
  local file="$1" record="$2" service hash digest ids
  local -A fingerprints=()
  shift 2
  while read -r service hash digest; do
    [[ -n "${service}" ]] && fingerprints["${service}"]="${hash} ${digest}"
  done < <(cat "${file}" 2>/dev/null || true)
  for service in "$@"; do
    [[ -n "${fingerprints[${service}]:-}" ]] || continue
    ids="$(service_containers "${service}" -a --no-trunc)"
    [[ -n "${ids}" && "${ids}" != *$'\n'* ]] || continue
    printf '%s %s %s\n' "${service}" "${ids}" "${fingerprints[${service}]}"
  done > "${record}.tmp"
  mv -f "${record}.tmp" "${record}"
}

# services_unchanged FINGERPRINTS_FILE SERVICE…: true when `compose up -d --no-deps` of these
# services would change nothing: each has exactly one container, running, recorded by the last
# deploy (fingerprints_record) with the fingerprint the config has now (FINGERPRINTS_FILE:
# service_fingerprints), and its image is the one its image name points at now. Any difference, or
# anything unreadable, is false: then compose up decides.
services_unchanged() {
  local file="$1" service hash digest id ids status image_name image
  local -A now=() recorded=()
  shift
  while read -r service hash digest; do
    [[ -n "${service}" && -n "${digest}" ]] && now["${service}"]="${hash} ${digest}"
  done < <(cat "${file}" 2>/dev/null || true)
  while read -r service id hash digest; do
    [[ -n "${service}" && -n "${digest}" ]] && recorded["${service}"]="${id} ${hash} ${digest}"
  done < <(cat "${fingerprints_record:-/nonexistent}" 2>/dev/null || true)
  for service in "$@"; do
    [[ -n "${now[${service}]:-}" ]] || return 1
    ids="$(service_containers "${service}" -a --no-trunc)"
    [[ -n "${ids}" && "${ids}" != *$'\n'* ]] || return 1
    [[ "${recorded[${service}]:-}" == "${ids} ${now[${service}]}" ]] || return 1
    read -r status image_name image <<<"$(docker inspect -f '{{.State.Status}} {{.Config.Image}} {{.Image}}' "${ids}" 2>/dev/null || true)"
    [[ "${status}" == running && -n "${image}" ]] || return 1
    [[ "$(docker image inspect -f '{{.Id}}' "${image_name}" 2>/dev/null || true)" == "${image}" ]] || return 1
  done
}

# has_orphans SERVICE…: true when the project has a container of a service not among these (one
# that `compose up --remove-orphans` would remove).
has_orphans() {
  local service known=" $* "
  while read -r service; do
    [[ "${known}" == *" ${service} "* ]] || return 0
  done < <(docker ps -a --filter "label=com.docker.compose.project=${app_name:?}" \
    --filter "label=com.docker.compose.oneoff=False" --format '{{.Label "com.docker.compose.service"}}')
  return 1
}

# The last 40 log lines of container $1, indented, on stderr (a failed deploy shows why).
show_logs() {
  log "last log lines of ${1:0:12}:"
  docker logs --tail 40 "$1" 2>&1 | sed 's/^/    /' >&2 || true
}

# "status health restarts pid" of a container, health "none" without a healthcheck.
container_state() {
  docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.RestartCount}} {{.State.Pid}}' "$1" 2>/dev/null || echo "gone none 0 0"
}

# True once the container whose main process is $1 listens on TCP (Docker's own DNS listener on
# 127.0.0.11 aside). Reading its /proc costs nothing, while each health probe is a `docker exec`
# (about 0.2 s of CPU that a starting app on a small host misses), so probes wait for this. Where
# /proc cannot be read (rootless docker…) it is true at once: then probing starts right away.
app_listens() {
  local file addr st
  for file in "/proc/$1/net/tcp" "/proc/$1/net/tcp6"; do
    [[ -r "${file}" ]] || return 0
    while read -r _ addr _ st _; do
      [[ "${st}" == 0A && "${addr}" != 0B00007F:* ]] && return 0
    done < "${file}"
  done
  return 1
}

# Run container $1's own HEALTHCHECK test once, now. Docker itself probes only every `interval`
# (5 s here), which would add up to that much to every deploy; probing ourselves as soon as the app
# listens (app_listens) lets traffic move as soon as the new container answers. The test is read once per container.
probe_health_id="" probe_health_args=()
probe_health_now() {
  local id="$1" kind args=()
  if [[ "${probe_health_id}" != "${id}" ]]; then
    mapfile -t probe_health_args < <(docker inspect -f '{{if .Config.Healthcheck}}{{range .Config.Healthcheck.Test}}{{println .}}{{end}}{{end}}' "${id}" 2>/dev/null)
    probe_health_id="${id}"
  fi
  args=("${probe_health_args[@]}")
  (( ${#args[@]} >= 2 )) || return 1
  kind="${args[0]}"
  args=("${args[@]:1}")
  [[ -n "${args[-1]}" ]] || unset 'args[-1]'
  case "${kind}" in
    CMD) timeout 10 docker exec "${id}" "${args[@]}" >/dev/null 2>&1 ;;
    CMD-SHELL) timeout 10 docker exec "${id}" sh -c "${args[*]}" >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}

# Wait (bounded) until container $1 is healthy (or running, when it has no healthcheck).
# Returns non-zero as soon as it is unhealthy, gone, or crash-looping.
wait_container_healthy() {
  local id="$1" timeout="$2" deadline status health restarts pid i
  deadline=$((SECONDS + timeout))
  while :; do
    read -r status health restarts pid <<<"$(container_state "${id}")"
    case "${status}/${health}" in
      running/healthy) return 0 ;;
      running/none) return 0 ;;
      */unhealthy) log "container ${id:0:12} is unhealthy"; return 1 ;;
      gone/*|dead/*) log "container ${id:0:12} is ${status}"; return 1 ;;
      running/starting)
        # Up to a second of cheap checks for the app to listen, then its own health test.
        for (( i = 0; i < 20; i++ )); do app_listens "${pid}" && break; sleep 0.05; done
        if (( i < 20 )) && probe_health_now "${id}"; then return 0; fi ;;
    esac
    if (( restarts >= 3 )); then log "container ${id:0:12} restarted ${restarts} times"; return 1; fi
    if (( SECONDS >= deadline )); then log "container ${id:0:12} not healthy after ${timeout}s (${status}/${health})"; return 1; fi
    sleep 0.2
  done
}

# GET http://127.0.0.1:<port><path> until it answers 2xx (bounded).
wait_http_ok() {
  local url="$1" timeout="$2" deadline
  deadline=$((SECONDS + timeout))
  until curl -fsS -o /dev/null -m 5 "${url}" 2>/dev/null; do
    if (( SECONDS >= deadline )); then return 1; fi
    sleep 1
  done
}

# The addresses of container $1 on the networks container $2 is on too: where $2 reaches $1.
addresses_seen_by() {
  local peer_networks name ip
  peer_networks=" $(docker inspect -f '{{range $name, $n := .NetworkSettings.Networks}}{{$name}} {{end}}' "$2") " || return 1
  docker inspect -f '{{range $name, $n := .NetworkSettings.Networks}}{{$name}} {{$n.IPAddress}}{{"\n"}}{{end}}' "$1" |
    while read -r name ip; do
      if [[ -n "${ip}" && "${peer_networks}" == *" ${name} "* ]]; then echo "${ip}"; fi
    done
}

# Make nginx re-read its config, which re-resolves the web service's containers through Docker DNS.
#   reload_nginx [now|settle] [pin NAME IP… | unpin]
# With "settle", also wait until the workers that predate the reload are gone (nginx-reload.sh).
# "pin" first makes NAME resolve to exactly those addresses for nginx (the switch's drain), "unpin"
# lets Docker's DNS answer again: that step alone runs as root in the container (/etc/hosts is
# root's whatever the image's USER); nginx is checked and reloaded as the image's user. Returns 4
# when the pin could not be written (e.g. a read-only proxy), non-zero when no proxy container was
# running or a reload failed: the caller must not retire the old containers then, since nginx would
# still route to them alone.
reload_nginx() {
  local settle="${1:-now}" id reloaded=0 status
  shift || true
  for id in $(service_containers "${proxy_service:?}"); do
    # A failed unpin is only logged: where no pin can be written (read-only), none was left.
    if (( $# )) && ! docker exec -u 0 "${id}" sh -c "${nginx_reload_script}" nginx-reload "$@"; then
      log "could not ${1} the web service's address in ${id:0:12}'s /etc/hosts"
      [[ "$1" == unpin ]] || return 4
    fi
    status=0
    docker exec "${id}" sh -c "${nginx_reload_script}" nginx-reload "${settle}" || status=$?
    case "${status}" in
      0) log "reloaded nginx (${id:0:12})" ;;
      3) log "reloaded nginx (${id:0:12}); its old workers are still finishing long requests after 5s (they complete: the old container stops gracefully)" ;;
      *) log "nginx reload failed in ${id:0:12}"; return 1 ;;
    esac
    reloaded=$((reloaded + 1))
  done
  if (( reloaded == 0 )); then
    log "no running '${proxy_service}' container to reload (is the proxy service named ${proxy_service}? see --proxy-service)"
    return 1
  fi
}
