#!/usr/bin/env bash
# ops rollback: switch to a kept release (default: the previous one) with the deploy's own gapless
# switch, WITHOUT building or pulling: the release's deploy.sh runs with --images-built, which puts
# back the images that release ran (kept as <app>-<service>:<sha12>) and its own .env.
#   rollback.sh --base-dir DIR [RELEASE]      RELEASE: the sha or a prefix of 7+ characters
#
# The rule against a silent undo: the rollback is recorded in <baseDir>/rollback ("from" is the
# release the last real deploy put there, which the stack's state still names). A `pulumi up` of an
# unchanged tree runs nothing, so the rollback stays; a deploy of that same "from" release (e.g. after
# a config-only change) is REFUSED with the fix in its message: roll forward first
# (`ops rollback <from>`, which clears the record) or deploy a changed tree (a new release, which
# clears it too). `ops status` shows the record while it is in force.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

parse_args() {
  start_verb rollback "usage: rollback.sh --base-dir DIR [RELEASE]" "$@"
  wanted=""
  case "${#rest[@]}" in
    0) ;;
    1) [[ "${rest[0]}" =~ ^[0-9a-f]{7,64}$ ]] || usage_error "RELEASE must be a release sha or a prefix of 7+ of its characters (got '${rest[0]}'); see ops releases"
       wanted="${rest[0]}" ;;
    *) usage_error "one release at most" ;;
  esac
}

# Sets target to the release to switch to.
pick_target() {
  local matches=()
  current="$(release_of "${layout_current}")"
  [[ -n "${current}" ]] || die "no release serves on this host: nothing to roll back"
  if [[ -z "${wanted}" ]]; then
    target="$(release_of "${layout_previous}")"
    [[ -n "${target}" ]] || die "there is no previous release to roll back to (see ops releases)"
  else
    mapfile -t matches < <(kept_releases | grep "^${wanted}" || true)
    (( ${#matches[@]} == 1 )) || die "'${wanted}' matches ${#matches[@]} kept releases (see ops releases)"
    target="${matches[0]}"
  fi
  [[ "${target}" != "${current}" ]] || die "release ${target:0:12} already serves: nothing to do"
  [[ -d "${base_dir}/${layout_releases}/${target}" ]] || die "release ${target:0:12} is no longer kept on this host (see ops releases)"
  [[ -s "${base_dir}/${layout_releases}/${target}/${layout_release_images}" ]] \
    || die "release ${target:0:12} has no kept images (deployed before releases kept them): deploy it again instead"
}

# The target's own deploy.sh, its own .env on stdin, the images it ran; the edge as it is (records.sh).
switch_to_target() {
  say "rolling back: ${current:0:12} → ${target:0:12} (kept images, no build)"
  deploy_kept_release "${target}"
}

# from = the release the last real deploy left (kept across several rollbacks); rolling forward to it clears the record.
record() {
  local file="${base_dir}/${layout_rollback}" from
  read_rollback_record
  from="${rollback_from:-${current}}"
  if [[ "${target}" == "${from}" ]]; then
    rm -f "${file}"
    say "rolled forward to ${target:0:12}, the release the last deploy put here: the rollback record is cleared"
    return 0
  fi
  printf 'from=%s\nto=%s\nat=%s\n' "${from}" "${target}" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "${file}.tmp"
  mv -f "${file}.tmp" "${file}"
  say "rolled back to ${target:0:12}; a deploy of ${from:0:12} is refused until you roll forward (ops rollback ${from:0:12}) or deploy a new release"
}

main() {
  parse_args "$@"
  read_settings
  pick_target
  switch_to_target
  record
}

main "$@"
