#!/usr/bin/env bash
# Sent inline by the upload (scripts/runner/upload.sh, with the lines of components/remote.ts), before
# the release is on the host: the host's half of a content-addressed upload. The host keeps one store
# of file contents named by their sha256; a release is a manifest (one line per entry:
# "<sha256> <mode> <path>", or "- 755 <path>/" for a directory) whose own sha256 is the release id.
#   upload.sh missing RELEASE_ID UPLOADS_DIR STORE_DIR   stdin: the manifest, gzip-compressed
#       checks it against the release id, keeps it as UPLOADS_DIR/<release id>.manifest, and prints
#       the sha256 of every content the store lacks, one per line (nothing when it has them all)
#   upload.sh receive RELEASE_ID UPLOADS_DIR STORE_DIR   stdin: a tar.gz of contents, each named by its sha256
#       checks every content against its name before it enters the store (renamed into place: whole
#       or absent); a cut or corrupted stream stores nothing
# Nothing here is secret: the app's files carry no stack secret (the .env comes with the deploy).
set -euo pipefail

log() { printf '[upload] %s\n' "$*" >&2; }
die() { printf '[upload] ERROR: %s\n' "$*" >&2; exit 1; }

readonly ENTRY_LINE='^([0-9a-f]{64} (644|755)|- 755) [^/]'
readonly PARENT_PART='(^|/)\.\.(/|$)'

# The manifest from stdin into uploads/<release id>.manifest, only when it is the release's.
keep_manifest() {
  local tmp target="${uploads}/${release}.manifest"
  mkdir -p "${uploads}" "${store}"
  tmp="$(mktemp "${uploads}/.manifest-${release}.XXXXXX")"
  if ! gzip -dc > "${tmp}"; then rm -f "${tmp}"; die "the manifest of ${release} arrived cut or corrupted (not gzip): upload again"; fi
  if ! printf '%s  %s\n' "${release}" "${tmp}" | sha256sum -c --status -; then
    rm -f "${tmp}"
    die "the manifest does not match release id ${release} (cut or corrupted upload): upload again"
  fi
  # Entry lines only, every path relative and inside the release.
  if grep -Evq "${ENTRY_LINE}" "${tmp}" || cut -d' ' -f3- "${tmp}" | grep -Eq "${PARENT_PART}"; then
    rm -f "${tmp}"
    die "the manifest of ${release} has a line that is not '<sha256> <mode> <relative path>'"
  fi
  chmod 644 "${tmp}"
  mv -f "${tmp}" "${target}"
  manifest="${target}"
}

# The contents the manifest names that the store lacks (bash tests only: no process per file).
print_missing() {
  local hash n=0 wanted=0
  while IFS= read -r hash; do
    wanted=$((wanted + 1))
    if [[ ! -f "${store}/${hash}" ]]; then printf '%s\n' "${hash}"; n=$((n + 1)); fi
  done < <(grep -v '^- ' "${manifest}" | cut -d' ' -f1 | sort -u)
  log "release ${release:0:12}: the store lacks ${n} of its ${wanted} contents"
}

# A tar.gz of contents from stdin into a directory inside the store, each checked against its name,
# then renamed into the store (the same file system: whole or absent).
receive_contents() {
  local incoming bad n
  mkdir -p "${store}"
  incoming="$(mktemp -d "${store}/.incoming.XXXXXX")"
  # shellcheck disable=SC2064 # the path is fixed now
  trap "rm -rf '${incoming}'" EXIT
  tar -xzf - -C "${incoming}" --no-same-owner --no-same-permissions \
    || die "the contents for ${release:0:12} arrived cut or corrupted: nothing was stored; upload again"
  bad="$(cd "${incoming}" && find . -mindepth 1 -regextype posix-extended ! \( -type f -regex '\./[0-9a-f]{64}' \) -print -quit)"
  [[ -z "${bad}" ]] || die "the upload holds '${bad#./}', not a content named by its sha256: nothing was stored"
  bad="$(cd "${incoming}" && find . -type f -print0 | xargs -0 -r sha256sum | while read -r sum name; do
    [[ "${name#./}" == "${sum}" ]] || printf '%s ' "${name#./}"
  done)"
  [[ -z "${bad}" ]] || die "contents that do not match their sha256 (cut or corrupted upload): ${bad}- nothing was stored; upload again"
  n="$(find "${incoming}" -type f | wc -l)"
  find "${incoming}" -type f -exec chmod 644 {} +
  find "${incoming}" -type f -exec mv -f -t "${store}" {} +
  log "release ${release:0:12}: ${n} contents checked and stored"
}

main() {
  local action="${1:-}"
  release="${2:-}" uploads="${3:-}" store="${4:-}"
  [[ "${release}" =~ ^[0-9a-f]{64}$ ]] || die "the release id must be a sha256 hex digest, not '${release}'"
  [[ -n "${uploads}" && -n "${store}" ]] || die "usage: upload.sh missing|receive RELEASE_ID UPLOADS_DIR STORE_DIR"
  umask 022
  case "${action}" in
    missing) keep_manifest; print_missing ;;
    receive) receive_contents ;;
    *) die "usage: upload.sh missing|receive RELEASE_ID UPLOADS_DIR STORE_DIR" ;;
  esac
}

main "$@"
