#!/usr/bin/env bash
# Installs AWS's Session Manager plugin on an Ubuntu runner (x86_64 or arm64), the one piece the ssm
# transport needs beyond the AWS CLI (preinstalled on GitHub's ubuntu-latest): `aws ssm start-session`
# hands the session to it. The version is pinned and the package checked against a pinned sha256
# before it is installed; a mismatch or an unpinned checksum stops here. Every workflow job that
# may reach an ssm host (prod's deploy, the sandbox destroy, the reaper) runs this script, so the
# pin below is the only one.
#   install-session-manager-plugin.sh
set -euo pipefail

# The plugin release (AWS's release history) and the sha256 of its ubuntu_64bit .deb. AWS publishes
# the package and its signature, not a checksum: download it once, verify its signature as AWS
# documents ("Verify the signature of the Session Manager plugin"), and write its sha256sum here.
readonly SESSION_MANAGER_PLUGIN_VERSION="1.2.896.0"
readonly SESSION_MANAGER_PLUGIN_SHA256=""

log() { printf '[session-manager-plugin] %s\n' "$*"; }
die() { printf '[session-manager-plugin] ERROR: %s\n' "$*" >&2; exit 1; }

# AWS's documented download location of one plugin version for this machine's architecture.
package_url() {
  local arch
  case "$(uname -m)" in
    x86_64) arch=ubuntu_64bit ;;
    aarch64) arch=ubuntu_arm64 ;;
    *) die "no Ubuntu package of the plugin for $(uname -m)" ;;
  esac
  echo "https://s3.amazonaws.com/session-manager-downloads/plugin/$1/${arch}/session-manager-plugin.deb"
}

main() {
  local version="${SESSION_MANAGER_PLUGIN_VERSION}" sha256="${SESSION_MANAGER_PLUGIN_SHA256}" url tmp
  [[ "${version}" =~ ^[0-9]+(\.[0-9]+){3}$ ]] || die "'${version}' is not a plugin version such as 1.2.896.0"
  url="$(package_url "${version}")"
  [[ "${sha256}" =~ ^[0-9a-f]{64}$ ]] \
    || die "no sha256 pinned for ${url}: download it once, verify its signature as AWS documents (\"Verify the signature of the Session Manager plugin\"), and set SESSION_MANAGER_PLUGIN_SHA256 in scripts/runner/install-session-manager-plugin.sh to its sha256sum"
  if command -v session-manager-plugin >/dev/null 2>&1 && [[ "$(session-manager-plugin --version)" == "${version}" ]]; then
    log "${version} already installed"
    return 0
  fi
  command -v aws >/dev/null 2>&1 || die "the AWS CLI is not installed (the plugin is started by \`aws ssm start-session\`)"
  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064 # the path is fixed now
  trap "rm -rf '${tmp}'" EXIT
  log "downloading ${url}"
  curl -fsSL --retry 5 -o "${tmp}/session-manager-plugin.deb" "${url}"
  printf '%s  %s\n' "${sha256}" "${tmp}/session-manager-plugin.deb" | sha256sum -c --status - \
    || die "${url} does not match the pinned sha256: not installed"
  sudo dpkg -i "${tmp}/session-manager-plugin.deb" >/dev/null
  log "installed $(session-manager-plugin --version)"
}

main "$@"
