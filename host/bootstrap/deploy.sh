#!/usr/bin/env bash
# Sent inline by the deployment (components/remote.ts: deployCommand), before the release is unpacked:
# verifies the uploaded bundle (a cut upload fails here), unpacks it into its release directory
# through a temporary directory (a release directory is complete or absent), then hands over to the
# deploy script the release carries. stdin (the .env) passes through to it.
#   deploy.sh SHA256 BUNDLE RELEASE_DIR SCRIPTS_IN_RELEASE DEPLOY_ARGS…
set -euo pipefail

log() { printf '[deploy] %s\n' "$*"; }
die() { printf '[deploy] ERROR: %s\n' "$*" >&2; exit 1; }

verify_bundle() {
  if [[ -f "${bundle}" ]]; then
    printf '%s  %s\n' "${sha}" "${bundle}" | sha256sum -c --status - \
      || die "${bundle} does not match its sha256 (cut or corrupted upload): upload it again"
  elif [[ ! -d "${release_dir}" ]]; then
    die "bundle ${bundle} is missing"
  fi
}

unpack() {
  local tmp
  [[ -d "${release_dir}" ]] && return 0
  mkdir -p "$(dirname "${release_dir}")"
  tmp="$(mktemp -d "$(dirname "${release_dir}")/.unpack-${sha}.XXXXXX")"
  if ! tar -xzf "${bundle}" -C "${tmp}" || [[ ! -f "${tmp}/${scripts}/deploy.sh" ]]; then
    rm -rf "${tmp}"
    die "${bundle} does not unpack into a release with ${scripts}/deploy.sh"
  fi
  chmod 755 "${tmp}"
  # Another deploy may have unpacked the same release meanwhile: then keep that one.
  mv -T "${tmp}" "${release_dir}" 2>/dev/null || rm -rf "${tmp}"
  log "unpacked ${sha} into ${release_dir}"
}

main() {
  sha="$1" bundle="$2" release_dir="$3" scripts="$4"
  shift 4
  verify_bundle
  unpack
  exec bash "${release_dir}/${scripts}/deploy.sh" "$@"
}

main "$@"
