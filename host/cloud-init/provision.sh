#!/usr/bin/env bash
# The host's first boot, run once by cloud-init (components/host.ts writes this file through the user
# data's write_files and runs it from runcmd): installs Docker and the compose v2 plugin the OS's way,
# the ECR credential helper (pulls use the instance role, for the stack's ECR registry only), and
# prepares the SSH user's base directory. With a disk metric timer (monitoring: components/host.ts has
# written it, Docker's daemon.json and host/cloud-init/disk-metric.sh through write_files), makes sure
# the AWS CLI is there and enables the timer. Any failure fails cloud-init, so `cloud-init status` (and
# the deployment's wait-ready) report it instead of a half-installed host.
#   provision.sh OS ARCH SSH_USER BASE_DIR ECR_REGISTRY [DISK_METRIC_TIMER]
set -euo pipefail

# Pinned downloads, the one place their versions and sha256 sums are written. compose: the same
# plugin on both OSes; v2.29.7 as later ones refuse to build with AL2023's buildx 0.12. Sums: the
# release's checksums.txt as docker-library/docker's versions.json records it. lego: v4.35.2's
# linux_amd64 sum as two public Dockerfiles pin it (its release's lego_4.35.2_checksums.txt); its
# arm64 sum is not pinned yet, so an arm64 host checks lego against that checksums file instead.
compose_version=v2.29.7
compose_sha256_x86_64=383ce6698cd5d5bbf958d2c8489ed75094e34a77d340404d9f32c4ae9e12baf0
compose_sha256_arm64=6e9fbd5daa20dca5d7d89145081ae8155d68ef2928b497d9f85b54fe0f9dbb2c
lego_version=4.35.2
lego_sha256_x86_64=ee5be4bf457de8e3efa86a51651c75c87f0ee0e4e9f3ae14f6034d68365770f3
lego_sha256_arm64=

log() { printf '[provision] %s\n' "$*"; }
die() { printf '[provision] ERROR: %s\n' "$*" >&2; exit 1; }

# pinned_sha256 compose|lego: its sum for this host's architecture.
pinned_sha256() {
  case "$1 ${arch}" in
    "compose arm64") printf '%s' "${compose_sha256_arm64}" ;;
    "compose "*) printf '%s' "${compose_sha256_x86_64}" ;;
    "lego arm64") printf '%s' "${lego_sha256_arm64}" ;;
    "lego "*) printf '%s' "${lego_sha256_x86_64}" ;;
    *) die "no pinned download named '$1'" ;;
  esac
}

# Nothing is installed while a sum is not pinned.
check_pins() {
  local sum
  sum="$(pinned_sha256 compose)"
  [[ "${sum}" =~ ^[0-9a-f]{64}$ ]] \
    || die "no sha256 pinned for compose on ${arch} (compose_sha256_$([[ "${arch}" == arm64 ]] && echo arm64 || echo x86_64)=${sum} in host/cloud-init/provision.sh): pin it from the release's checksums"
}

# fetch_verified URL DEST SHA256: DEST only when its sha256 is SHA256.
fetch_verified() {
  curl -fsSL --retry 5 -o "$2.part" "$1"
  if ! printf '%s  %s\n' "$3" "$2.part" | sha256sum -c --status -; then
    rm -f "$2.part"
    die "$1 does not match its pinned sha256 $3: not installed"
  fi
  mv -f "$2.part" "$2"
}

# The compose plugin, in the first system plugin directory the Docker CLI reads (docker/cli
# cli-plugins/manager/manager_unix.go); main checks it is the one that runs.
compose_plugin_dir=/usr/local/lib/docker/cli-plugins
install_compose_plugin() {
  local binary plugins="${compose_plugin_dir}"
  binary="docker-compose-linux-$([[ "${arch}" == arm64 ]] && echo aarch64 || echo x86_64)"
  mkdir -p "${plugins}"
  fetch_verified "https://github.com/docker/compose/releases/download/${compose_version}/${binary}" \
    "${plugins}/docker-compose" "$(pinned_sha256 compose)"
  chmod 0755 "${plugins}/docker-compose"
}

# Amazon Linux 2023: docker and the credential helper from dnf.
install_al2023() {
  dnf install -y docker amazon-ecr-credential-helper
}

# Ubuntu: Docker's own apt repository (docker-ce with the buildx plugin; compose is the pinned one).
install_ubuntu() {
  local apt=(apt-get -o DPkg::Lock::Timeout=300) codename
  export DEBIAN_FRONTEND=noninteractive
  # First boot races unattended-upgrades for the dpkg lock: wait for it instead of failing.
  "${apt[@]}" update
  "${apt[@]}" install -y ca-certificates curl amazon-ecr-credential-helper
  install -m 0755 -d /etc/apt/keyrings
  curl -fsSL --retry 5 https://download.docker.com/linux/ubuntu/gpg -o /etc/apt/keyrings/docker.asc
  chmod a+r /etc/apt/keyrings/docker.asc
  # shellcheck source=/dev/null
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME}")"
  echo "deb [arch=$([[ "${arch}" == arm64 ]] && echo arm64 || echo amd64) signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu ${codename} stable" \
    > /etc/apt/sources.list.d/docker.list
  "${apt[@]}" update
  "${apt[@]}" install -y docker-ce docker-ce-cli containerd.io docker-buildx-plugin
}

# The edge's users and the deploy's privileges, the one place they are written. HAProxy runs as
# edge_user, never as the SSH user: the SSH user is in the docker group (root on the host in all but
# name), and the daemon that faces the internet must not hold that. It gets the one capability it
# needs, cap_net_bind_service, from its systemd unit (AmbientCapabilities), not from a file capability
# on the shared binary (which would let every local user bind 80 and 443). edge_user and the SSH
# user share edge_group: the edge's directory and its two sockets (the master CLI, the runtime
# API) are open to that group, so the deploy controls HAProxy without being it. The SSH user's only
# root commands are deploy_sudo_commands: start, stop or restart the edge's unit through edge_service.
edge_user=compose-haproxy
edge_group=compose-edge
edge_unit=compose-on-ec2-edge.service
edge_service=/usr/local/sbin/compose-on-ec2-edge
# lego, the ACME client, runs as acme_user (its own group acme_group, which the SSH user joins to
# hand it a request and take the certificate back; not the edge's group, not docker, no sudo), only
# through acme_service, run through the deploy's sudo rule as acme_user (never as root).
acme_user=compose-acme
acme_group=compose-acme
acme_service=/usr/local/sbin/compose-on-ec2-acme
deploy_sudoers=/etc/sudoers.d/compose-on-ec2
# What cloud-init's default user gets on Amazon Linux and Ubuntu: passwordless sudo for everything.
cloud_init_sudoers=/etc/sudoers.d/90-cloud-init-users

# The edge (host/release/edge.sh, acme.sh): HAProxy and socat from the OS, lego from its GitHub
# release checked against its pinned sha256. The distro's own haproxy service stays off (ours reads
# <baseDir>/edge/haproxy.cfg and runs as edge_user).
install_edge() {
  local archive
  case "${os}" in
    al2023) dnf install -y haproxy socat openssl acl ;;
    ubuntu) apt-get -o DPkg::Lock::Timeout=300 install -y haproxy socat openssl acl ;;
  esac
  systemctl disable --now haproxy || true
  archive="lego_v${lego_version}_linux_$([[ "${arch}" == arm64 ]] && echo arm64 || echo amd64).tar.gz"
  local url="https://github.com/go-acme/lego/releases/download/v${lego_version}" sum
  sum="$(pinned_sha256 lego)"
  if [[ ! "${sum}" =~ ^[0-9a-f]{64}$ ]]; then
    log "WARNING: lego's sha256 for ${arch} is not pinned in provision.sh: checking it against its release's checksums file"
    curl -fsSL --retry 5 -o /tmp/lego-checksums.txt "${url}/lego_${lego_version}_checksums.txt"
    sum="$(awk -v f="${archive}" '$2 == f { print $1 }' /tmp/lego-checksums.txt)"
  fi
  fetch_verified "${url}/${archive}" "/tmp/${archive}" "${sum}"
  tar -xzf "/tmp/${archive}" -C /usr/local/bin lego
  chmod 0755 /usr/local/bin/lego
  create_edge_users "${user}"
  write_edge_service "${base_dir}"
  write_acme_service "${base_dir}"
  write_deploy_sudoers "${user}" "${base_dir}"
  write_edge_units
}

# create_edge_users SSH_USER: edge_group, and edge_user as a system user in it (no home, no login
# shell, no other group: not docker, no sudo); the SSH user joins edge_group. Idempotent.
create_edge_users() {
  getent group "${edge_group}" > /dev/null || groupadd --system "${edge_group}"
  id -u "${edge_user}" > /dev/null 2>&1 \
    || useradd --system --gid "${edge_group}" --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "${edge_user}"
  usermod -aG "${edge_group}" "$1"
  getent group "${acme_group}" > /dev/null || groupadd --system "${acme_group}"
  id -u "${acme_user}" > /dev/null 2>&1 \
    || useradd --system --gid "${acme_group}" --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "${acme_user}"
  usermod -aG "${acme_group}" "$1"
}

# deploy_sudo_commands BASE_DIR: every command the deploy runs as root, one a line. The deploy
# (host/release/edge.sh) starts the edge when it is not running, stops it on destroy, and an operator
# may restart it; a config change is a reload through the master CLI, which needs no root.
deploy_sudo_commands() {
  local verb
  for verb in start stop restart; do printf '%s %s %s\n' "${edge_service}" "${verb}" "$1"; done
}

# acme_sudo_commands BASE_DIR: every command the deploy runs as acme_user, one a line: lego.sh
# through acme_service, to issue or renew (host/release/acme.sh), or renew now (acme.sh --force).
acme_sudo_commands() {
  local verb
  for verb in obtain renew-now; do printf '%s %s %s\n' "${acme_service}" "${verb}" "$1"; done
}

# sudo_rule SSH_USER RUNAS LIST_FUNCTION BASE_DIR...: one sudoers line, SSH_USER may run as RUNAS
# the commands LIST_FUNCTION prints for each base directory.
sudo_rule() {
  local ssh_user="$1" runas="$2" list="$3" base commands=() line
  shift 3
  for base in "$@"; do
    while IFS= read -r line; do commands+=("${line}"); done < <("${list}" "${base}")
  done
  printf '%s ALL=(%s) NOPASSWD: %s' "${ssh_user}" "${runas}" "${commands[0]}"
  printf ', %s' "${commands[@]:1}"
  printf '\n'
}

# write_deploy_sudoers SSH_USER BASE_DIR...: the SSH user may run exactly deploy_sudo_commands as
# root and acme_sudo_commands as acme_user (sudoers(5): a command with arguments matches only those
# arguments), nothing else. cloud-init's rule that gave it every command is removed. Checked by visudo
# before it replaces the file.
write_deploy_sudoers() {
  { printf '# Written by compose-on-ec2 provision.sh: what the deploy runs as root or as the ACME client, and only that.\n'
    sudo_rule "$1" root deploy_sudo_commands "${@:2}"
    sudo_rule "$1" "${acme_user}" acme_sudo_commands "${@:2}"; } > "${deploy_sudoers}.tmp"
  chmod 0440 "${deploy_sudoers}.tmp"
  visudo -cf "${deploy_sudoers}.tmp" > /dev/null
  mv -f "${deploy_sudoers}.tmp" "${deploy_sudoers}"
  rm -f "${cloud_init_sudoers}" /etc/sudoers.d/compose-on-ec2-edge
}

# write_edge_service BASE_DIR: edge_service, root's side of the deploy's sudo rule: start, stop or
# restart the edge's unit for this base directory, nothing else.
# shellcheck disable=SC2016 # the $1 and $# of the written script, not of this one
write_edge_service() {
  printf '%s\n' '#!/bin/sh' \
    "# Written by compose-on-ec2 provision.sh: ${edge_service} start|stop|restart $1" \
    'set -eu' \
    "[ \"\$#\" -eq 2 ] && [ \"\$2\" = '$1' ] || { echo \"usage: ${edge_service} start|stop|restart $1\" >&2; exit 2; }" \
    'case "$1" in' \
    "  start|stop|restart) exec systemctl \"\$1\" ${edge_unit} ;;" \
    "  *) echo \"usage: ${edge_service} start|stop|restart $1\" >&2; exit 2 ;;" \
    'esac' > "${edge_service}.tmp"
  chmod 0755 "${edge_service}.tmp"
  mv -f "${edge_service}.tmp" "${edge_service}"
}

# write_acme_service BASE_DIR...: acme_service, run as acme_user through the deploy's sudo rule:
# lego.sh of the serving release for one of these base directories, obtain (issue or renew) or
# renew-now, nothing else. It refuses to run as anyone but acme_user.
# shellcheck disable=SC2016 # the $1, $2 and $# of the written script, not of this one
write_acme_service() {
  local bases="" base usage="usage: ${acme_service} obtain|renew-now <base dir>"
  for base in "$@"; do bases+="${bases:+|}'${base}'"; done
  printf '%s\n' '#!/bin/sh' \
    "# Written by compose-on-ec2 provision.sh: ${acme_service} obtain|renew-now $*" \
    'set -eu' \
    "[ \"\$#\" -eq 2 ] || { echo '${usage}' >&2; exit 2; }" \
    "case \"\$2\" in ${bases}) ;; *) echo '${usage}' >&2; exit 2 ;; esac" \
    "[ \"\$(id -un)\" = '${acme_user}' ] || { echo '${acme_service}: runs as ${acme_user} only' >&2; exit 2; }" \
    'cd /' \
    "lego=\"\$2/${layout_current}/${layout_release_scripts}/lego.sh\"" \
    'case "$1" in' \
    '  obtain) exec "$lego" --base-dir "$2" ;;' \
    '  renew-now) exec "$lego" --base-dir "$2" --force ;;' \
    "  *) echo '${usage}' >&2; exit 2 ;;" \
    'esac' > "${acme_service}.tmp"
  chmod 0755 "${acme_service}.tmp"
  mv -f "${acme_service}.tmp" "${acme_service}"
}

# The units' paths under the base directory: the serving release's scripts, and the edge's files
# (host/release/edge-lib.sh's edge_paths; a unit test holds them equal).
edge_unit_paths() {
  release_scripts="${base_dir}/${layout_current}/${layout_release_scripts}"
  settings="${base_dir}/${layout_edge}/settings"
  edge_config="${base_dir}/${layout_edge}/haproxy.cfg"
  edge_run_dir="${base_dir}/${layout_edge}/run"
}

# edge_haproxy_command: the edge's command line (base_dir set): HAProxy in master-worker mode with
# systemd's readiness protocol (-Ws, as haproxy's own unit runs it: admin/systemd/haproxy.service.in),
# its master CLI on a unix socket open to edge_group (-S <path>,<bind options>; haproxy
# doc/management.txt "-S" and 9.4 "Master CLI"), its pid file and config.
edge_haproxy_command() {
  edge_unit_paths
  printf '%s' "/usr/sbin/haproxy -Ws -S ${edge_run_dir}/master.sock,mode,660 -p ${edge_run_dir}/haproxy.pid -f ${edge_config}"
}

# At boot the edge comes back (the app's containers do through their restart policy); daily, at a
# random hour, the certificate renewal run (a no-op until 30 days before expiry).
# The edge's unit: HAProxy as edge_user in edge_group, with cap_net_bind_service as its one
# capability (AmbientCapabilities hands it to a process that is not root; CapabilityBoundingSet keeps
# every other one out of reach; NoNewPrivileges: no setuid binary gives more. systemd.exec(5),
# https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html). The master re-executes
# the binary on a reload and keeps its ambient capability, so a package upgrade changes nothing. Its
# run directory (the sockets, the pid file) is made by root ("+": full privileges) for edge_user.
# The renewal runs the serving release's acme.sh as the SSH user once a deploy wrote the settings;
# acme.sh runs lego as acme_user (its sudo rule) and installs the certificate it hands back.
write_edge_units() {
  local release_scripts settings edge_config edge_run_dir units=/etc/systemd/system command
  # The paths here, in this shell: edge_haproxy_command sets them only in its command substitution.
  edge_unit_paths
  command="$(edge_haproxy_command)"
  printf '%s\n' "[Unit]" "Description=compose-on-ec2 edge (HAProxy in front of the app)" \
    "After=network-online.target docker.service" "Wants=network-online.target" "ConditionPathExists=${edge_config}" "" \
    "[Service]" "Type=notify" "User=${edge_user}" "Group=${edge_group}" \
    "AmbientCapabilities=CAP_NET_BIND_SERVICE" "CapabilityBoundingSet=CAP_NET_BIND_SERVICE" "NoNewPrivileges=yes" \
    "ExecStartPre=+/usr/bin/install -d -o ${edge_user} -g ${edge_group} -m 0750 ${edge_run_dir}" \
    "ExecStart=${command}" "ExecReload=/bin/kill -USR2 \$MAINPID" \
    "KillMode=mixed" "Restart=on-failure" "SuccessExitStatus=143" "" \
    "[Install]" "WantedBy=multi-user.target" > "${units}/${edge_unit}"
  printf '%s\n' "[Unit]" "Description=compose-on-ec2 certificate renewal" "ConditionPathExists=${settings}" "" \
    "[Service]" "Type=oneshot" "User=${user}" \
    "ExecStart=${release_scripts}/acme.sh --base-dir ${base_dir} --attempts 3 --backoff 300" > "${units}/compose-on-ec2-acme.service"
  printf '%s\n' "[Unit]" "Description=compose-on-ec2 daily certificate renewal check" "" \
    "[Timer]" "OnCalendar=daily" "RandomizedDelaySec=4h" "Persistent=true" "" \
    "[Install]" "WantedBy=timers.target" > "${units}/compose-on-ec2-acme.timer"
  systemctl daemon-reload
  systemctl enable "${edge_unit}"
  systemctl enable --now compose-on-ec2-acme.timer
}

# The edge's directory, group edge_group (setgid: what is made in it stays in the group), and a way
# for edge_group and acme_user (lego's directory, <baseDir>/acme, and the release's lego.sh) through
# the SSH user's home (0700 on Amazon Linux, 0750 on Ubuntu): search only (ACL entries), no listing.
prepare_edge_dir() {
  install -d -o "${user}" -g "${edge_group}" -m 2750 "${base_dir}/${layout_edge}"
  setfacl -m "g:${edge_group}:x,u:${acme_user}:x" "${home}" "${base_dir}"
}

# The disk metric publishes with the AWS CLI. AL2023 ships it; Ubuntu's AMIs do not, and its apt
# package is gone from noble: AWS documents the snap for Linux ("snap install aws-cli --classic"),
# which also keeps it updated. The timer's unit adds /snap/bin to its PATH.
install_aws_cli() {
  if command -v aws > /dev/null || [[ -x /snap/bin/aws ]]; then return 0; fi
  case "${os}" in
    ubuntu) snap install aws-cli --classic ;;
    *) echo "[provision] ERROR: the AWS CLI is missing on ${os}; the disk metric needs it" >&2; exit 1 ;;
  esac
}

# The disk metric's timer (its files were written by cloud-init before this script ran).
start_disk_metric() {
  local timer="$1"
  [[ -f "/etc/systemd/system/${timer}" ]] || { echo "[provision] ERROR: ${timer} was not written by cloud-init" >&2; exit 1; }
  install_aws_cli
  systemctl daemon-reload
  systemctl enable --now "${timer}"
  log "disk metric timer ${timer} enabled"
}

# docker config.json HOME REGISTRY: the ECR credential helper for the stack's registry only
# (credHelpers), so pulls from any other registry never go through it.
write_docker_config() {
  mkdir -p "$1/.docker"
  printf '{"credHelpers":{"%s":"ecr-login"}}\n' "$2" > "$1/.docker/config.json"
}

main() {
  os="$1" arch="$2" user="$3" base_dir="$4" registry="$5"
  local disk_metric_timer="${6:-}"
  home="/home/${user}"
  # The host layout's names: host/release/layout.sh's, written beside this file (components/host.ts).
  # shellcheck source=../release/layout.sh
  source "$(dirname "${BASH_SOURCE[0]}")/layout.sh"
  check_pins
  log "installing docker on ${os} ${arch}"
  case "${os}" in
    al2023) install_al2023 ;;
    ubuntu) install_ubuntu ;;
    *) die "unknown OS '${os}'" ;;
  esac
  install_compose_plugin
  systemctl enable --now docker
  usermod -aG docker "${user}"
  install_edge
  write_docker_config "${home}" "${registry}"
  mkdir -p "${base_dir}"
  chown -R "${user}:${user}" "${home}/.docker" "${base_dir}"
  prepare_edge_dir
  [[ "$(docker compose version --short)" == "${compose_version#v}" ]] \
    || die "docker compose runs $(docker compose version --short), not the pinned ${compose_version}"
  if [[ -n "${disk_metric_timer}" ]]; then start_disk_metric "${disk_metric_timer}"; fi
  log "ready for ${user} in ${base_dir}"
}

# Sourced by the unit tests to check one step; run by cloud-init.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
