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

# The edge (host/release/edge.sh, acme.sh): HAProxy and socat from the OS, lego from its GitHub
# release checked against its pinned sha256. HAProxy runs as the SSH user (the
# deploy starts it), so it gets the one capability to bind 80 and 443; the distro's own haproxy
# service stays off (ours reads <baseDir>/edge/haproxy.cfg). A package upgrade replaces the binary and
# drops the capability: edge.sh gives it back before every start or reload, through a sudoers rule
# that allows the SSH user exactly that one setcap command.
install_edge() {
  local haproxy_bin archive
  case "${os}" in
    al2023) dnf install -y haproxy socat libcap openssl ;;
    ubuntu) apt-get -o DPkg::Lock::Timeout=300 install -y haproxy socat libcap2-bin openssl ;;
  esac
  systemctl disable --now haproxy || true
  haproxy_bin="$(command -v haproxy)"
  setcap cap_net_bind_service=+ep "${haproxy_bin}"
  write_setcap_rule "${haproxy_bin}"
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
  os="$1" arch="$2" user="$3" base_dir="$4" registry="$5"
  local disk_metric_timer="${6:-}"
  local home="/home/${user}"
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
  [[ "$(docker compose version --short)" == "${compose_version#v}" ]] \
    || die "docker compose runs $(docker compose version --short), not the pinned ${compose_version}"
  if [[ -n "${disk_metric_timer}" ]]; then start_disk_metric "${disk_metric_timer}"; fi
  log "ready for ${user} in ${base_dir}"
}

# Sourced by the unit tests to check one step; run by cloud-init.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
