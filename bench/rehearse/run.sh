#!/usr/bin/env bash
# Rehearsal bench: how long `npm run rehearse -- --stack dev` takes for the example app (app/) on
# this machine once the base images exist, i.e. what a user waits for before `pulumi up`.
#
# Usage: sudo bench/rehearse/run.sh     (RUNS=<n> rehearsals, default 1; STACK=<name>, default dev)
# Uses the host tests' dockerd and offline base images (tests/host/lib/dockerd.sh, base-images.sh):
# run it under the host tests' lock, as they share that daemon:
#   flock /tmp/hosttest.lock bench/rehearse/run.sh
# Prints one line per rehearsal, then `rehearse-bench: runs=… rehearse_s=<median> min_s=… max_s=…
# checks_passed=<passed>/<checks of the last run>`. A number, not a pass/fail: nothing here asserts on time.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

readonly RUNS="${RUNS:-1}"
readonly STACK="${STACK:-dev}"
readonly MAX_RUNS=10

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
host_lib="${here}/../../tests/host/lib"
# shellcheck source=../../tests/host/lib/common.sh
source "${host_lib}/common.sh"

log_bench() { printf 'rehearse-bench: %s\n' "$*" >&2; }

prepare() {
  if ! [[ "${RUNS}" =~ ^[0-9]+$ ]] || (( RUNS < 1 || RUNS > MAX_RUNS )); then die "RUNS=${RUNS}: a count from 1 to ${MAX_RUNS}"; fi
  bash "${host_lib}/packages.sh" ensure >/dev/null
  bash "${host_lib}/dockerd.sh" start >/dev/null
  eval "$(bash "${host_lib}/dockerd.sh" env)"
  # Not timed: the first build of the base images takes minutes, the bench measures the rehearsal.
  timeout 900 bash "${host_lib}/base-images.sh" >&2
}

# one_run N: a rehearsal; prints "<seconds> <passed>/<checks>" (its output goes to stderr).
one_run() {
  local out start end rc=0 summary
  start="$(date +%s.%N)"
  out="$(cd "${repo_root}" && timeout 900 npx --no-install ts-node --transpile-only scripts/rehearse.ts --stack "${STACK}" 2>&1)" || rc=$?
  end="$(date +%s.%N)"
  printf '%s\n' "${out}" | grep -E '^(PASS|FAIL|rehearse)|cause:|fix:' | sed 's/^/  /' >&2 || true
  summary="$(printf '%s\n' "${out}" | grep -oE '[0-9]+/[0-9]+ checks passed' | tail -1 | cut -d' ' -f1)"
  log_bench "run $1: exit ${rc}, $(awk -v a="${start}" -v b="${end}" 'BEGIN { printf "%.1f", b - a }')s, ${summary:-no summary} checks passed"
  printf '%s %s\n' "$(awk -v a="${start}" -v b="${end}" 'BEGIN { printf "%.1f", b - a }')" "${summary:-0/0}"
}

main() {
  prepare
  local i results=() times last
  for (( i = 1; i <= RUNS; i++ )); do results+=("$(one_run "${i}")"); done
  times="$(printf '%s\n' "${results[@]}" | cut -d' ' -f1 | sort -n)"
  last="$(printf '%s\n' "${results[@]}" | tail -1 | cut -d' ' -f2)"
  printf 'rehearse-bench: runs=%s rehearse_s=%s min_s=%s max_s=%s checks_passed=%s\n' "${RUNS}" \
    "$(printf '%s\n' "${times}" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')" \
    "$(printf '%s\n' "${times}" | head -1)" "$(printf '%s\n' "${times}" | tail -1)" "${last}"
}

main "$@"
