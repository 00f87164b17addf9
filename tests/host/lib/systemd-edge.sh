#!/usr/bin/env bash
# The edge's unit under a real systemd (PID 1 of a container of the systemd-host stand-in), set up by
# host/cloud-init/provision.sh's own functions, as the first boot does on an instance: the edge's and
# the ACME client's users, the deploy user's sudo rule, edge_service, the units. Then, as the deploy
# user, the edge is started and restarted through that sudo rule, and each property the unit promises
# is read from the kernel (/proc) and printed as one line, `PROBE <ok|FAIL> <name>: <what was seen>`.
# Runs inside the container, as root:
#   systemd-edge.sh DIR        DIR holds provision.sh and layout.sh (as cloud-init writes them)
set -euo pipefail

user=deploy
home="/home/${user}"
base_dir="${home}/compose-on-ec2"
http_port=80
https_port=443

# provision.sh's first-boot steps for the edge, without the downloads (HAProxy comes from the image).
provision() {
  local dir="$1"
  # shellcheck source=host/cloud-init/provision.sh
  source "${dir}/provision.sh"
  # shellcheck source=host/release/layout.sh
  source "${dir}/layout.sh"
  useradd --create-home --shell /bin/bash "${user}"
  chmod 0700 "${home}"
  # The SSH user is in the docker group on an instance: the edge must not be.
  groupadd --system docker
  usermod -aG docker "${user}"
  install -d -o "${user}" -g "${user}" "${base_dir}"
  create_edge_users "${user}"
  write_edge_service "${base_dir}"
  write_acme_service "${base_dir}"
  write_deploy_sudoers "${user}" "${base_dir}"
  prepare_edge_dir
  write_edge_units
  write_config
}

# A minimal edge: ports 80 and 443 answered by HAProxy itself (what is probed is who binds them).
write_config() {
  local cfg="${base_dir}/${layout_edge}/haproxy.cfg"
  printf '%s\n' "global" "  log stdout format raw local0" "defaults" "  mode http" "  timeout connect 5s" \
    "  timeout client 30s" "  timeout server 30s" "frontend edge" "  bind :${http_port}" "  bind :${https_port}" \
    "  http-request return status 200 content-type text/plain string edge-ok" > "${cfg}"
  chown "${user}:${edge_group}" "${cfg}"
  chmod 0640 "${cfg}"
}

probe() {
  local name="$1" ok="$2" seen="$3"
  printf 'PROBE %s %s: %s\n' "$([[ "${ok}" == 1 ]] && echo ok || echo FAIL)" "${name}" "${seen}"
}

as_deploy() { runuser -u "${user}" -- "$@"; }

# The edge's processes (master and worker): their user, group and supplementary groups, capabilities.
edge_pids() { pgrep -x haproxy || true; }
# Whole outputs are read first: `cmd | grep -q` fails under pipefail when grep stops reading early and
# cmd gets SIGPIPE.
listening() { [[ -n "$(ss -ltnH "( sport = :$1 )")" ]]; }

check_edge() {
  local when="$1" pid users groups caps bound=1 port pids
  mapfile -t pids < <(edge_pids)
  users="$(for pid in "${pids[@]}"; do ps -o user= -p "${pid}"; done | sort -u | tr '\n' ' ')"
  groups="$(for pid in "${pids[@]}"; do awk '/^Groups:/ { $1 = ""; print }' "/proc/${pid}/status"; done | sort -u | tr '\n' ' ')"
  caps="$(for pid in "${pids[@]}"; do awk '/^Cap(Eff|Bnd|Amb):/ { print $2 }' "/proc/${pid}/status"; done | sort -u | tr '\n' ' ')"
  for port in "${http_port}" "${https_port}"; do listening "${port}" || bound=0; done
  probe "${when}: HAProxy runs as ${edge_user} only (${#pids[@]} processes)" \
    "$([[ ${#pids[@]} -ge 2 && "${users}" == "${edge_user} " ]] && echo 1 || echo 0)" "users: ${users}"
  probe "${when}: the edge's processes are in ${edge_group} only, not docker" \
    "$([[ "${groups}" == " $(getent group "${edge_group}" | cut -d: -f3) " ]] && echo 1 || echo 0)" "groups: ${groups}"
  # 0x400: CAP_NET_BIND_SERVICE (bit 10) and nothing else, in every process's effective, bounding
  # and ambient sets.
  probe "${when}: its one capability is cap_net_bind_service (effective, bounding, ambient)" \
    "$([[ "${caps}" == "0000000000000400 " ]] && echo 1 || echo 0)" "sets: ${caps}"
  probe "${when}: it binds ${http_port} and ${https_port}" "${bound}" "$(ss -ltnH | awk '{ print $4 }' | tr '\n' ' ')"
}

# The ACME client's side: the daily renewal timer is enabled and scheduled by systemd; the deploy user
# may run acme_service as acme_user for its base directory (sudo lets it through; with no release
# deployed here, lego.sh is missing), and for nothing else.
check_acme() {
  local timer timers out
  timer="$(systemctl is-enabled compose-on-ec2-acme.timer 2>&1 || true)"
  timers="$(systemctl list-timers --all --no-pager 2>&1 || true)"
  probe "the daily renewal timer is enabled and scheduled" \
    "$([[ "${timer}" == enabled && "${timers}" == *compose-on-ec2-acme.timer* ]] && echo 1 || echo 0)" \
    "is-enabled: ${timer}"
  out="$(as_deploy sudo -n -u "${acme_user}" "${acme_service}" obtain "${base_dir}" 2>&1 || true)"
  probe "the deploy user runs the ACME service as ${acme_user} for its base directory" \
    "$([[ "${out}" != *"password is required"* && "${out}" == *lego.sh* ]] && echo 1 || echo 0)" "${out}"
  probe "the deploy user cannot run the ACME service for another directory" \
    "$(as_deploy sudo -n -u "${acme_user}" "${acme_service}" obtain /tmp > /dev/null 2>&1 && echo 0 || echo 1)" \
    "sudo -n -u ${acme_user} ${acme_service} obtain /tmp: refused"
}

main() {
  provision "$1" > /tmp/provision.log 2>&1 || { tail -n 20 /tmp/provision.log; probe "provision.sh's edge steps" 0 "see above"; exit 1; }
  probe "the haproxy binary carries no file capability" "$([[ -z "$(getcap /usr/sbin/haproxy)" ]] && echo 1 || echo 0)" \
    "getcap: '$(getcap /usr/sbin/haproxy)'"
  as_deploy sudo -n "${edge_service}" start "${base_dir}"
  check_edge "after start"
  # The home was made 0700; the ACL adds search (x) for edge_group only (stat shows its mask as the
  # group bits): others get nothing, and the edge runs.
  local mode acl
  mode="$(stat -c %a "${home}")" acl="$(getfacl -cp "${home}" 2> /dev/null | tr '\n' ' ')"
  probe "the edge reads its config through the deploy user's closed home (provision.sh's ACL)" \
    "$([[ "${mode: -1}" == 0 && " ${acl}" == *" group:${edge_group}:--x "* ]] && systemctl is-active --quiet "${edge_unit}" && echo 1 || echo 0)" \
    "home ${mode}, ACL ${acl}"
  local before after
  before="$(systemctl show -p MainPID --value "${edge_unit}")"
  as_deploy sudo -n "${edge_service}" restart "${base_dir}"
  after="$(systemctl show -p MainPID --value "${edge_unit}")"
  probe "a restart through the deploy's sudo rule starts a new master" \
    "$([[ "${after}" != 0 && "${after}" != "${before}" ]] && echo 1 || echo 0)" "MainPID ${before} → ${after}"
  check_edge "after restart"
  probe "the deploy user reaches the master CLI through the group socket" \
    "$([[ "$(as_deploy sh -c "echo 'show proc' | socat stdio unix-connect:${base_dir}/${layout_edge}/run/master.sock")" == *master* ]] && echo 1 || echo 0)" \
    "show proc over ${base_dir}/${layout_edge}/run/master.sock"
  probe "the deploy user's sudo runs nothing else as root" \
    "$(as_deploy sudo -n id > /dev/null 2>&1 && echo 0 || echo 1)" "sudo -n id: refused"
  check_acme
  probe "the deploy user cannot run the edge's service for another directory" \
    "$(as_deploy sudo -n "${edge_service}" stop /tmp > /dev/null 2>&1 && echo 0 || echo 1)" "sudo -n ${edge_service} stop /tmp: refused"
}

main "$@"
