#!/usr/bin/env bash
# Sent inline by the deployment (components/remote.ts: destroyCommand): runs destroy.sh from the
# current release (or the newest one); succeeds when nothing was ever deployed.
#   destroy.sh CURRENT RELEASES SCRIPTS_IN_RELEASE DESTROY_ARGS…
set -euo pipefail

main() {
  local current="$1" releases="$2" scripts="$3" dir script=""
  shift 3
  # shellcheck disable=SC2012 # release names are sha256 hex
  for dir in "${current}" $(ls -1dt "${releases}"/*/ 2>/dev/null || true); do
    if [[ -f "${dir}/${scripts}/destroy.sh" ]]; then script="${dir}/${scripts}/destroy.sh"; break; fi
  done
  if [[ -z "${script}" ]]; then
    echo "[destroy] nothing deployed (no release in ${releases}): nothing to destroy"
    return 0
  fi
  exec bash "${script}" "$@"
}

main "$@"
