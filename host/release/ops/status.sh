#!/usr/bin/env bash
# ops status: the serving release and when it was deployed, each container's state and health, the
# health path through the proxy, the edge and its certificate, maintenance, the last ops rollback, disk
# use of the host, of the releases' store of file contents and of Docker.
#   status.sh --base-dir DIR [--json]
# Exit 0 when the health path answers 2xx through the proxy, or is busy (verdict.sh: no answer in 5 s
# while every web container answers its own health check; one look, no retries), 1 when it is
# broken (or nothing serves).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Everything status shows, into variables.
gather() {
  current="$(release_of "${layout_current}")"
  previous="$(release_of "${layout_previous}")"
  current_at=""
  if [[ -n "${current}" ]]; then current_at="$(deployed_at "${current}")"; fi
  read_rollback_record
  maintenance=off
  if [[ -f "${base_dir}/${layout_maintenance}/on" ]]; then maintenance=on; fi
  health_verdict=ok health_note=""
  local rc=0 expected=""
  if [[ -n "${current}" ]]; then expected="$(release_id_of "${base_dir}/${layout_releases}/${current}/$(dirname "${compose_file}")/${env_file_name}")"; fi
  check_through "${health_url}" "${expected}" 0 0 >/dev/null || rc=$?
  case "${rc}" in 0) ;; 3) health_verdict=busy health_note="${check_why}" ;; *) health_verdict=broken health_note="${check_why}" ;; esac
  health_code="${check_code}"
  [[ "${health_code}" =~ ^[0-9]{3}$ ]] || health_code=000
  # "name service state health restarts image" per container of the app (one-off ones included).
  mapfile -t containers < <(project_containers --with-oneoff -aq \
    | xargs -r docker inspect -f '{{.Name}} {{index .Config.Labels "com.docker.compose.service"}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.RestartCount}} {{.Config.Image}}' \
    | sed 's|^/||' | sort)
  gather_edge
  read -r disk_size disk_used disk_avail disk_pct < <(df -P -B1 "${base_dir}" | awk 'NR == 2 { print $2, $3, $4, $5 }')
  # The store of file contents every release links (du counts a hard-linked file once).
  store_bytes="$(du -sb "${base_dir}/${layout_store}" 2>/dev/null | cut -f1)"
  store_bytes="${store_bytes:-0}"
  store_files="$(find "${base_dir}/${layout_store}" -mindepth 1 -maxdepth 1 -type f 2>/dev/null | wc -l)"
  mapfile -t docker_disk < <(docker system df --format '{{.Type}}|{{.Size}}|{{.Reclaimable}}' 2>/dev/null || true)
}

# The edge: running or not, what it serves, the certificate it serves now (its runtime API, not the
# file on disk) and the last certificate run's status line (acme.sh).
gather_edge() {
  edge_paths
  edge_state=stopped edge_serves="" certificate="no domain: plain HTTP" served=""
  if edge_running; then edge_state=running; fi
  if [[ -f "${edge_settings}" ]]; then
    read_edge_settings
    edge_serves="HTTP :${edge_http_port}"
    if edge_https_open; then
      edge_serves+=" → HTTPS :${edge_https_port} (${edge_domains})"
      served="$(served_certificate || echo "unknown: the edge does not answer on ${edge_socket}")"
    fi
    if [[ -n "${edge_domains}" ]]; then certificate="$(cat "${edge_acme_status}" 2>/dev/null || echo "no certificate run yet for ${edge_domains}")"; fi
  fi
}

human() {
  say "release:     ${current:-none}${current_at:+ (deployed ${current_at})}"
  say "previous:    ${previous:-none}"
  if [[ -n "${rollback_from}" ]]; then
    say "rollback:    at ${rollback_at} from ${rollback_from:0:12} to ${rollback_to:0:12} (a deploy of ${rollback_from:0:12} is refused until rolled forward)"
  fi
  say "edge:        ${edge_state}${edge_serves:+, ${edge_serves}}"
  say "certificate: ${certificate}"
  if [[ -n "${served}" ]]; then say "  served now: ${served}"; fi
  say "maintenance: ${maintenance}"
  say "health:      ${health_url} → ${health_code} (${health_verdict}${health_note:+: ${health_note}})"
  say "containers:"
  local line name service state health restarts image
  for line in "${containers[@]}"; do
    read -r name service state health restarts image <<<"${line}"
    printf '  %-32s %-10s %-9s %-9s restarts=%-3s %s\n' "${name}" "${service}" "${state}" "${health}" "${restarts}" "${image}"
  done
  say "disk:        ${disk_pct} used of $(( disk_size / 1024 / 1024 / 1024 )) GiB on the host ($(( disk_avail / 1024 / 1024 )) MiB free)"
  say "  store       $(( store_bytes / 1024 / 1024 )) MiB in ${store_files} contents (every release's files link them)"
  for line in "${docker_disk[@]}"; do
    IFS='|' read -r name service state <<<"${line}"
    printf '  docker %-14s %-10s (reclaimable %s)\n' "${name}" "${service}" "${state}"
  done
}

json_out() {
  local line name service state health restarts image sep=""
  printf '{"release":%s,"deployedAt":%s,"previous":%s,' "$(json_string "${current}")" "$(json_string "${current_at}")" "$(json_string "${previous}")"
  printf '"rollback":'
  if [[ -n "${rollback_from}" ]]; then
    printf '{"from":%s,"to":%s,"at":%s},' "$(json_string "${rollback_from}")" "$(json_string "${rollback_to}")" "$(json_string "${rollback_at}")"
  else
    printf 'null,'
  fi
  printf '"edge":{"running":%s,"serves":%s,"certificate":%s,"certificateServed":%s},' "$([[ "${edge_state}" == running ]] && echo true || echo false)" \
    "$(json_string "${edge_serves}")" "$(json_string "${certificate}")" "$(json_string "${served}")"
  printf '"maintenance":%s,"health":{"url":%s,"status":%s,"verdict":%s,"note":%s},"containers":[' \
    "$([[ "${maintenance}" == on ]] && echo true || echo false)" "$(json_string "${health_url}")" "$((10#${health_code}))" \
    "$(json_string "${health_verdict}")" "$(json_string "${health_note}")"
  for line in "${containers[@]}"; do
    read -r name service state health restarts image <<<"${line}"
    printf '%s{"name":%s,"service":%s,"state":%s,"health":%s,"restarts":%s,"image":%s}' "${sep}" \
      "$(json_string "${name}")" "$(json_string "${service}")" "$(json_string "${state}")" "$(json_string "${health}")" \
      "$((10#${restarts}))" "$(json_string "${image}")"
    sep=","
  done
  printf '],"disk":{"host":{"bytes":%s,"usedBytes":%s,"availableBytes":%s},"store":{"bytes":%s,"contents":%s},"docker":[' \
    "${disk_size}" "${disk_used}" "${disk_avail}" "${store_bytes}" "${store_files}"
  sep=""
  for line in "${docker_disk[@]}"; do
    IFS='|' read -r name service state <<<"${line}"
    printf '%s{"type":%s,"size":%s,"reclaimable":%s}' "${sep}" "$(json_string "${name}")" "$(json_string "${service}")" "$(json_string "${state}")"
    sep=","
  done
  printf ']}}\n'
}

main() {
  start_verb status "usage: status.sh --base-dir DIR [--json]" "$@"
  take_json_flag
  read_settings
  gather
  if (( json )); then json_out; else human; fi
  [[ -n "${current}" && "${health_verdict}" != broken ]]
}

main "$@"
