#!/usr/bin/env bash
# Sent inline by the deployment (components/remote.ts: deployCommand), before the release is on the
# host: checks the uploaded manifest against the release id (a cut or changed manifest fails here),
# assembles the release directory from the store through a temporary directory (a release directory
# is complete or absent), then hands over to the deploy script the release carries. stdin (the
# .env) passes through to it.
#   deploy.sh RELEASE_ID MANIFEST STORE_DIR RELEASE_DIR SCRIPTS_IN_RELEASE DEPLOY_ARGS…
# Each file of the release is a hard link to its content in the store (host/bootstrap/upload.sh put
# it there, checked against its sha256), so a release costs the disk of what changed, not of the
# whole app. An executable file is a copy instead: a hard link shares its mode with the store's
# content (0644). The store's contents are never written in place: a file of a release is replaced
# (a new file renamed over it), never edited, or every release linking it would change.
set -euo pipefail

log() { printf '[deploy] %s\n' "$*"; }
die() { printf '[deploy] ERROR: %s\n' "$*" >&2; exit 1; }

verify_manifest() {
  if [[ -f "${manifest}" ]]; then
    printf '%s  %s\n' "${sha}" "${manifest}" | sha256sum -c --status - \
      || die "${manifest} does not match release id ${sha} (cut or corrupted upload): upload it again"
  elif [[ ! -d "${release_dir}" ]]; then
    die "the manifest ${manifest} is missing: upload the release first"
  fi
}

# Every entry of the manifest into tmp: directories made, files linked (or copied) from the store.
# Counts the contents the store lacks in `lacking`.
link_entries() {
  local tmp="$1" hash mode name content
  lacking=0
  while IFS=' ' read -r hash mode name; do
    case "/${name}/" in */../*) die "the manifest names '${name}', outside the release" ;; esac
    if [[ "${hash}" == - ]]; then mkdir -p -- "${tmp}/${name}"; continue; fi
    content="${store}/${hash}"
    if [[ ! -f "${content}" ]]; then lacking=$((lacking + 1)); continue; fi
    if [[ "${mode}" == 755 ]]; then
      cp -- "${content}" "${tmp}/${name}"
      chmod 755 -- "${tmp}/${name}"
    else
      ln -- "${content}" "${tmp}/${name}"
    fi
  done < "${manifest}"
}

assemble() {
  local tmp
  [[ -d "${release_dir}" ]] && return 0
  mkdir -p "$(dirname "${release_dir}")"
  tmp="$(mktemp -d "$(dirname "${release_dir}")/.assemble-${sha}.XXXXXX")"
  # shellcheck disable=SC2064 # the path is fixed now
  trap "rm -rf '${tmp}'" EXIT
  link_entries "${tmp}"
  (( lacking == 0 )) || die "${lacking} contents of release ${sha:0:12} are not in the store ${store}: upload it again"
  [[ -f "${tmp}/${scripts}/deploy.sh" ]] || die "the manifest of ${sha:0:12} has no ${scripts}/deploy.sh"
  chmod 755 "${tmp}"
  # Another deploy may have assembled the same release meanwhile: then keep that one.
  mv -T "${tmp}" "${release_dir}" 2>/dev/null || true
  trap - EXIT
  rm -rf "${tmp}"
  log "assembled ${sha} in ${release_dir} from the store"
}

main() {
  sha="$1" manifest="$2" store="$3" release_dir="$4" scripts="$5"
  shift 5
  verify_manifest
  assemble
  exec bash "${release_dir}/${scripts}/deploy.sh" "$@"
}

main "$@"
