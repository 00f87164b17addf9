#!/usr/bin/env bash
# The edge's side of a provisioned host, for the host tests: what host/cloud-init/provision.sh does
# on an instance, from its own functions (sourced): the edge's users and group, the deploy user's
# sudo rule (its one list of commands), the ACME client's service (acme_service, as provision.sh
# writes it: it needs no systemd), and, in place of systemd (this machine's PID 1 is not
# systemd), edge_service as a stand-in that does what the edge's unit does.
#   edge-host.sh setup                 users, group, sudo rule, edge_service stand-in (root)
#   edge-host.sh service VERB BASE_DIR  the stand-in: start|stop|restart the edge for BASE_DIR
#   edge-host.sh teardown              stop the edges it started, remove the rule and the stand-in
# The unit (provision.sh write_edge_units) runs HAProxy as edge_user with group edge_group,
# AmbientCapabilities=CAP_NET_BIND_SERVICE, CapabilityBoundingSet=CAP_NET_BIND_SERVICE and
# NoNewPrivileges=yes (systemd.exec(5), https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html:
# the ambient set is kept across execve for a process that is not root, the bounding set limits what it
# can ever gain, no_new_privs blocks setuid gains). setpriv (util-linux) sets the same on the same
# command line (provision.sh edge_haproxy_command): --reuid/--regid/--init-groups for User=/Group=
# (with the user's supplementary groups, as systemd does), --inh-caps and --ambient-caps for
# AmbientCapabilities, --bounding-set for CapabilityBoundingSet, --no-new-privs for NoNewPrivileges.
# ExecStartPre=+install -d becomes the same install as root; "systemctl start" of a Type=notify unit
# returns once the service is ready: here, once its master CLI answers (bounded).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=host/cloud-init/provision.sh
source "${here}/../../../host/cloud-init/provision.sh"
# The edge's paths, edge_running and edge_master_pid, as the host scripts read them.
# shellcheck source=host/release/edge-lib.sh
source "${here}/../../../host/release/edge-lib.sh"
# After provision.sh and edge-lib.sh: common.sh's log and die are the ones these lines print with.
# shellcheck source=tests/host/lib/common.sh
source "${here}/common.sh"

deploy_user=deploy   # tests/host/lib/sshd.sh's
# Where the https scenario puts its lego stand-in (first on sudo's secure_path, before /usr/bin/lego).
lego_standin_path=/usr/local/bin/lego
# The base directories the scenarios deploy to (tests/host/harness/layout.ts hostBaseDir, and the
# bring-your-own app's beside it): the sudo rule names each one exactly.
test_base_dirs=("/home/${deploy_user}/compose-on-ec2" "/home/${deploy_user}/compose-on-ec2-byo")

setup() {
  require_root "edge-host.sh setup"
  command -v sudo > /dev/null || die "edge-host: sudo is missing (tests/host/lib/packages.sh installs it)"
  create_edge_users "${deploy_user}"
  write_deploy_sudoers "${deploy_user}" "${test_base_dirs[@]}"
  write_acme_service "${test_base_dirs[@]}"
  printf '%s\n' '#!/bin/sh' "exec /bin/bash '${here}/edge-host.sh' service \"\$@\"" > "${edge_service}.tmp"
  chmod 0755 "${edge_service}.tmp"
  mv -f "${edge_service}.tmp" "${edge_service}"
  log "edge-host: ${edge_user} in ${edge_group}, ${acme_user} in ${acme_group} (both with ${deploy_user}); sudo rule ${deploy_sudoers}; ${acme_service} as provision.sh writes it; ${edge_service} emulates ${edge_unit}"
}

service_start() {
  local command i
  [[ -n "$(edge_master_pid)" ]] && return 0   # starting an active unit does nothing
  [[ -f "${edge_config}" ]] || { echo "${edge_unit}: condition failed: no ${edge_config}" >&2; return 1; }
  install -d -o "${edge_user}" -g "${edge_group}" -m 0750 "${edge_run_dir}"
  command="$(edge_haproxy_command)"
  # shellcheck disable=SC2086 # the unit's ExecStart, split into words as systemd does
  ( cd / && exec setsid setpriv --reuid="${edge_user}" --regid="${edge_group}" --init-groups \
      --inh-caps=-all,+net_bind_service --ambient-caps=-all,+net_bind_service \
      --bounding-set=-all,+net_bind_service --no-new-privs -- ${command} \
      < /dev/null >> "${work_root}/edge-$(basename "${base_dir}").log" 2>&1 ) &
  for (( i = 0; i < 100; i++ )); do
    if edge_running; then return 0; fi
    kill -0 "$!" 2>/dev/null || { tail -n 5 "${work_root}/edge-$(basename "${base_dir}").log" >&2; return 1; }
    sleep 0.1
  done
  echo "${edge_unit}: not ready after 10 s" >&2
  return 1
}

# KillMode=mixed: TERM to the master (it stops its workers), then what is left is killed.
service_stop() {
  local pid
  pid="$(edge_master_pid)"
  [[ -n "${pid}" ]] || return 0
  stop_pid "${pid}" "edge master (${base_dir})" 10
  rm -f "${edge_pidfile}"
}

service() {
  local verb="${1:-}"
  base_dir="${2:-}"
  local known=0 b
  for b in "${test_base_dirs[@]}"; do [[ "${base_dir}" == "${b}" ]] && known=1; done
  (( known )) || { echo "usage: ${edge_service} start|stop|restart <one of: ${test_base_dirs[*]}>" >&2; exit 2; }
  edge_paths
  case "${verb}" in
    start) service_start ;;
    stop) service_stop ;;
    restart) service_stop; service_start ;;
    *) echo "usage: ${edge_service} start|stop|restart ${base_dir}" >&2; exit 2 ;;
  esac
}

teardown() {
  for base_dir in "${test_base_dirs[@]}"; do edge_paths; service_stop; done
  rm -f "${edge_service}" "${acme_service}" "${deploy_sudoers}"
  # The https scenario's lego stand-in, if a run stopped before it removed it.
  if grep -qs 'lego-as-letsencrypt' "${lego_standin_path}"; then rm -f "${lego_standin_path}"; fi
}

case "${1:-}" in
  setup) setup ;;
  service) shift; service "$@" ;;
  teardown) teardown ;;
  *) die "usage: edge-host.sh setup|service VERB BASE_DIR|teardown" ;;
esac
