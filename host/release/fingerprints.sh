# Whether the other services' containers would change on `compose up` (sourced, not run): each
# service's fingerprint now, the one recorded for its running container, and the comparison.
# Reads app_name, project_dir and compose_file (containers.sh), fingerprints_record (deploy.sh).
# shellcheck shell=bash

[[ -z "${fingerprints_sh_loaded:-}" ]] || return 0
fingerprints_sh_loaded=1
# shellcheck source-path=SCRIPTDIR source=containers.sh
source "$(dirname "${BASH_SOURCE[0]}")/containers.sh"

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
# for each container of these services (a worker may run several replicas), into RECORD (replaced whole).
record_fingerprints() {
  local file="$1" record="$2" service hash digest id
  local -A fingerprints=()
  shift 2
  while read -r service hash digest; do
    [[ -n "${service}" ]] && fingerprints["${service}"]="${hash} ${digest}"
  done < <(cat "${file}" 2>/dev/null || true)
  for service in "$@"; do
    [[ -n "${fingerprints[${service}]:-}" ]] || continue
    for id in $(service_containers "${service}" -a --no-trunc); do
      printf '%s %s %s\n' "${service}" "${id}" "${fingerprints[${service}]}"
    done
  done > "${record}.tmp"
  mv -f "${record}.tmp" "${record}"
}

# services_unchanged FINGERPRINTS_FILE SERVICE…: true when `compose up -d --no-deps` of these
# services would change nothing: each has at least one container, every one running, recorded by
# the last deploy (fingerprints_record) with the fingerprint the config has now (FINGERPRINTS_FILE:
# service_fingerprints), and its image the one its image name points at now. Any difference, or
# anything unreadable, is false: then compose up decides.
services_unchanged() {
  local file="$1" service hash digest id ids status image_name image
  local -A now=() recorded=()
  shift
  while read -r service hash digest; do
    [[ -n "${service}" && -n "${digest}" ]] && now["${service}"]="${hash} ${digest}"
  done < <(cat "${file}" 2>/dev/null || true)
  while read -r service id hash digest; do
    [[ -n "${service}" && -n "${digest}" ]] && recorded["${service} ${id}"]="${hash} ${digest}"
  done < <(cat "${fingerprints_record:-/nonexistent}" 2>/dev/null || true)
  for service in "$@"; do
    [[ -n "${now[${service}]:-}" ]] || return 1
    ids="$(service_containers "${service}" -a --no-trunc)"
    [[ -n "${ids}" ]] || return 1
    for id in ${ids}; do
      [[ "${recorded[${service} ${id}]:-}" == "${now[${service}]}" ]] || return 1
      read -r status image_name image <<<"$(docker inspect -f '{{.State.Status}} {{.Config.Image}} {{.Image}}' "${id}" 2>/dev/null || true)"
      [[ "${status}" == running && -n "${image}" ]] || return 1
      [[ "$(docker image inspect -f '{{.Id}}' "${image_name}" 2>/dev/null || true)" == "${image}" ]] || return 1
    done
  done
}
