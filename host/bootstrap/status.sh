#!/usr/bin/env bash
# Sent inline (components/remote.ts: statusCommand): runs the current release's status.sh.
#   status.sh CURRENT SCRIPTS_IN_RELEASE STATUS_ARGS…
set -euo pipefail

main() {
  local script="$1/$2/status.sh"
  shift 2
  [[ -f "${script}" ]] || { echo "[status] nothing deployed: no ${script}"; return 1; }
  exec bash "${script}" "$@"
}

main "$@"
