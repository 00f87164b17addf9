#!/usr/bin/env bash
# ops releases: the releases kept on the host, newest first (by when each was last deployed, or
# assembled), which one serves, and which can be rolled back to: those whose deploy finished and kept
# their images, and that still hold their .env (only the serving and the previous release do). A
# release without kept images never served (its deploy failed) or predates them.
#   releases.sh --base-dir DIR [--json]
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# "serving", "previous", "" (kept, can be rolled back to) or "not-served" for a release.
role_of() {
  if [[ "$1" == "${current}" ]]; then echo serving; elif [[ "$1" == "${previous}" ]]; then echo previous
  elif ! images_kept "$1"; then echo not-served; fi
}

# Whether the release's images are kept (a rollback to it needs no build).
images_kept() {
  [[ -s "${base_dir}/${layout_releases}/$1/${layout_release_images}" ]]
}

# Whether a rollback to the release can run: its images kept and its .env still there (records.sh:
# prune removes the .env of every release but the serving and the previous one).
rollback_possible() {
  images_kept "$1" && [[ -n "${env_file_name}" && -f "$(release_env_files "$1" | head -n 1)" ]]
}

main() {
  local sha role kept rollback sep=""
  start_verb releases "usage: releases.sh --base-dir DIR [--json]" "$@"
  take_json_flag
  current="$(release_of "${layout_current}")"
  previous="$(release_of "${layout_previous}")"
  mapfile -t releases < <(kept_releases)
  # Where each release's .env is (the last deploy's settings); without a record no rollback can run.
  env_file_name="" releases_dir="${base_dir}/${layout_releases}"
  if [[ -f "${base_dir}/${layout_settings}" ]]; then read_settings; fi
  if (( json )); then printf '['; else printf '%-2s %-12s  %-20s  %-8s  %s\n' "" RELEASE DEPLOYED ROLE ROLLBACK; fi
  for sha in "${releases[@]}"; do
    role="$(role_of "${sha}")"
    kept=no rollback=no
    if images_kept "${sha}"; then kept=yes; fi
    if rollback_possible "${sha}"; then rollback=yes; fi
    if (( json )); then
      printf '%s{"release":%s,"deployedAt":%s,"serving":%s,"previous":%s,"imagesKept":%s}' "${sep}" "$(json_string "${sha}")" \
        "$(json_string "$(deployed_at "${sha}")")" "$([[ "${role}" == serving ]] && echo true || echo false)" \
        "$([[ "${role}" == previous ]] && echo true || echo false)" "$([[ "${kept}" == yes ]] && echo true || echo false)"
      sep=","
    else
      printf '%-2s %-12s  %-20s  %-8s  %s\n' "$([[ "${role}" == serving ]] && echo '*')" "${sha:0:12}" "$(deployed_at "${sha}")" \
        "${role:--}" "$([[ "${role}" == serving ]] && echo - || echo "${rollback}")"
    fi
  done
  if (( json )); then printf ']\n'; fi
}

main "$@"
