#!/usr/bin/env bash
# The host's first boot, run once by cloud-init (components/host.ts writes this file through the user
# data's write_files and runs it from runcmd): installs Docker and the compose v2 plugin the OS's way,
# the ECR credential helper (pulls use the instance role, for the stack's ECR registry only), and
# prepares the SSH user's base directory. With a disk metric timer (monitoring: components/host.ts has
# written it, Docker's daemon.json and host/cloud-init/disk-metric.sh through write_files), makes sure
# the AWS CLI is there and enables the timer. Any failure fails cloud-init, so `cloud-init status` (and
# the deployment's wait-ready) report it instead of a half-installed host.
#   provision.sh OS ARCH SSH_USER BASE_DIR ECR_REGISTRY COMPOSE_VERSION [DISK_METRIC_TIMER]
set -euo pipefail

log() { printf '[provision] %s\n' "$*"; }

# Amazon Linux 2023: docker and the credential helper from dnf; the compose plugin (not packaged
# there) from its GitHub release, checked against its published sha256.
install_al2023() {
  local binary plugins=/usr/local/lib/docker/cli-plugins url
  binary="docker-compose-linux-$([[ "${arch}" == arm64 ]] && echo aarch64 || echo x86_64)"
  url="https://github.com/docker/compose/releases/download/${compose_version}/${binary}"
  dnf install -y docker amazon-ecr-credential-helper
  mkdir -p "${plugins}"
  curl -fsSL --retry 5 -o "${plugins}/docker-compose" "${url}"
  curl -fsSL --retry 5 -o /tmp/docker-compose.sha256 "${url}.sha256"
  echo "$(cut -d' ' -f1 /tmp/docker-compose.sha256)  ${plugins}/docker-compose" | sha256sum -c -
  chmod 0755 "${plugins}/docker-compose"
}

# Ubuntu: Docker's own apt repository (docker-ce with the buildx and compose plugins).
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
  "${apt[@]}" install -y docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin
}

# The edge (host/release/edge.sh, acme.sh): HAProxy and socat from the OS, lego from its GitHub
# release checked against the release's published sha256 list. HAProxy runs as the SSH user (the
# deploy starts it), so it gets the one capability to bind 80 and 443; the distro's own haproxy
# service stays off (ours reads <baseDir>/edge/haproxy.cfg). A package upgrade replaces the binary and
# drops the capability: edge.sh gives it back before every start or reload, through a sudoers rule
# that allows the SSH user exactly that one setcap command.
lego_version=4.25.2
install_edge() {
  local haproxy_bin archive url
  case "${os}" in
    al2023) dnf install -y haproxy socat libcap openssl ;;
    ubuntu) apt-get -o DPkg::Lock::Timeout=300 install -y haproxy socat libcap2-bin openssl ;;
  esac
  systemctl disable --now haproxy || true
  haproxy_bin="$(command -v haproxy)"
  setcap cap_net_bind_service=+ep "${haproxy_bin}"
  write_setcap_rule "${haproxy_bin}"
  archive="lego_v${lego_version}_linux_$([[ "${arch}" == arm64 ]] && echo arm64 || echo amd64).tar.gz"
  url="https://github.com/go-acme/lego/releases/download/v${lego_version}"
  curl -fsSL --retry 5 -o "/tmp/${archive}" "${url}/${archive}"
  curl -fsSL --retry 5 -o /tmp/lego-checksums.txt "${url}/lego_${lego_version}_checksums.txt"
  (cd /tmp && grep " ${archive}\$" lego-checksums.txt | sha256sum -c -)
  tar -xzf "/tmp/${archive}" -C /usr/local/bin lego
  chmod 0755 /usr/local/bin/lego
  write_edge_units
}

# sudoers: the SSH user may run exactly "setcap cap_net_bind_service=+ep <haproxy>" as root, nothing
# else (sudoers(5): a command with arguments matches only those arguments). Checked by visudo first.
write_setcap_rule() {
  local rule=/etc/sudoers.d/compose-on-ec2-edge
  printf '%s ALL=(root) NOPASSWD: /usr/sbin/setcap cap_net_bind_service=+ep %s\n' "${user}" "$1" > "${rule}.tmp"
  chmod 0440 "${rule}.tmp"
  visudo -cf "${rule}.tmp" > /dev/null
  mv -f "${rule}.tmp" "${rule}"
}

# The units' paths under the base directory: the serving release's scripts, and the edge's settings
# file (host/release/edge-lib.sh's edge_settings; a unit test holds the two equal).
edge_unit_paths() {
  release_scripts="${base_dir}/${layout_current}/${layout_release_scripts}"
  settings="${base_dir}/${layout_edge}/settings"
}

# At boot the edge comes back (the app's containers do through their restart policy); daily, at a
# random hour, the certificate renewal run (a no-op until 30 days before expiry). Both run the
# scripts of the release that serves, as the SSH user, once a deploy has written the edge settings.
write_edge_units() {
  local release_scripts settings units=/etc/systemd/system
  edge_unit_paths
  printf '%s\n' "[Unit]" "Description=compose-on-ec2 edge (HAProxy in front of the app)" \
    "After=network-online.target docker.service" "Wants=network-online.target" "ConditionPathExists=${settings}" "" \
    "[Service]" "Type=oneshot" "RemainAfterExit=yes" "User=${user}" \
    "ExecStart=${release_scripts}/edge.sh start --base-dir ${base_dir}" \
    "ExecStop=${release_scripts}/edge.sh stop --base-dir ${base_dir}" "" \
    "[Install]" "WantedBy=multi-user.target" > "${units}/compose-on-ec2-edge.service"
  printf '%s\n' "[Unit]" "Description=compose-on-ec2 certificate renewal" "ConditionPathExists=${settings}" "" \
    "[Service]" "Type=oneshot" "User=${user}" \
    "ExecStart=${release_scripts}/acme.sh --base-dir ${base_dir} --attempts 3 --backoff 300" > "${units}/compose-on-ec2-acme.service"
  printf '%s\n' "[Unit]" "Description=compose-on-ec2 daily certificate renewal check" "" \
    "[Timer]" "OnCalendar=daily" "RandomizedDelaySec=4h" "Persistent=true" "" \
    "[Install]" "WantedBy=timers.target" > "${units}/compose-on-ec2-acme.timer"
  systemctl daemon-reload
  systemctl enable compose-on-ec2-edge.service
  systemctl enable --now compose-on-ec2-acme.timer
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
  os="$1" arch="$2" user="$3" base_dir="$4" registry="$5" compose_version="$6"
  local disk_metric_timer="${7:-}"
  local home="/home/${user}"
  # The host layout's names: host/release/layout.sh's, written beside this file (components/host.ts).
  # shellcheck source=../release/layout.sh
  source "$(dirname "${BASH_SOURCE[0]}")/layout.sh"
  log "installing docker on ${os} ${arch}"
  case "${os}" in
    al2023) install_al2023 ;;
    ubuntu) install_ubuntu ;;
    *) echo "[provision] ERROR: unknown OS '${os}'" >&2; exit 1 ;;
  esac
  systemctl enable --now docker
  usermod -aG docker "${user}"
  install_edge
  write_docker_config "${home}" "${registry}"
  mkdir -p "${base_dir}"
  chown -R "${user}:${user}" "${home}/.docker" "${base_dir}"
  docker compose version
  if [[ -n "${disk_metric_timer}" ]]; then start_disk_metric "${disk_metric_timer}"; fi
  log "ready for ${user} in ${base_dir}"
}

# Sourced by the unit tests to check one step; run by cloud-init.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
