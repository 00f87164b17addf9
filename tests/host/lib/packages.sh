#!/usr/bin/env bash
# Installs from Debian only what the host tests need and the machine lacks.
# Skips apt entirely when every command is already present (the common case on CI machines).
set -euo pipefail
# shellcheck source=tests/host/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

pg_bin_dir() {
  local d
  for d in /usr/lib/postgresql/15/bin /usr/local/bin; do
    [[ -x "${d}/postgres" && -x "${d}/initdb" && -x "${d}/pg_ctl" ]] && { echo "${d}"; return 0; }
  done
  return 1
}

# command -> Debian package that provides it
declare -A package_of=(
  [sshd]=openssh-server
  [ssh]=openssh-client
  [sftp]=openssh-client
  [scp]=openssh-client
  [socat]=socat
  [haproxy]=haproxy
  [lego]=lego
  [pebble]=pebble
  [pebble-challtestsrv]=pebble
  [openssl]=openssl
  [ssh-keygen]=openssh-client
  [dockerd]=docker.io
  [docker]=docker.io
  [docker-compose]=docker-compose
  [docker-registry]=docker-registry
  [mmdebstrap]=mmdebstrap
  [nginx]=nginx-light
  [shellcheck]=shellcheck
  [cloud-init]=cloud-init
  [curl]=curl
  [wrk]=wrk
  [ss]=iproute2
  [ip]=iproute2
  [rsync]=rsync
  [ps]=procps
  [setsid]=util-linux
  [runuser]=util-linux
  [setpriv]=util-linux
  [sudo]=sudo
  [getcap]=libcap2-bin
  [useradd]=passwd
)

ensure_packages() {
  require_root "packages.sh"
  local missing=() cmd
  for cmd in "${!package_of[@]}"; do
    # sshd and nginx live in sbin, which a non-login PATH may lack
    command -v "${cmd}" >/dev/null 2>&1 || [[ -x "/usr/sbin/${cmd}" ]] || missing+=("${package_of[${cmd}]}")
  done
  pg_bin_dir >/dev/null || missing+=(postgresql-15)
  if (( ${#missing[@]} == 0 )); then
    log "packages: every command is present, skipping apt"
    return 0
  fi
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  log "packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq
  # policy-rc.d 101: packages must not start their own daemons (system sshd, nginx, postgres clusters)
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e "${policy}" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"${policy}"
    chmod 0755 "${policy}"
    created_policy=1
  fi
  local rc=0
  timeout 1200 apt-get install -y -qq --no-install-recommends "${missing[@]}" || rc=$?
  (( created_policy )) && rm -f "${policy}"
  (( rc == 0 )) || die "packages: apt-get install failed (exit ${rc})"
  log "packages: done"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  case "${1:-ensure}" in
    ensure) ensure_packages ;;
    pg-bin) pg_bin_dir || die "no PostgreSQL 15 binaries found" ;;
    *) echo "usage: $0 [ensure|pg-bin]" >&2; exit 2 ;;
  esac
fi
