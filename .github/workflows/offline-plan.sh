#!/usr/bin/env bash
# The offline plan of one stack for a pull request, for reviewers: what the PR's code would create
# (resources, settings, cost, policy) and how that differs from the base commit's plan. Runs the real
# program under the mock engine: no credentials, no state, so it is safe for any PR, forks included.
# Writes the job summary; exits with the PR plan's status (1 when a policy fails).
#
# usage: offline-plan.sh <stack> <directory of the base commit's checkout, with its node_modules>
set -euo pipefail

readonly SUMMARY_LIMIT_BYTES=60000

plan_of() {
  local dir="$1" stack="$2"
  (cd "$dir" && npm run --silent plan -- --stack "$stack") 2>&1
}

fenced() {
  echo '```'"$1"
  head -c "$SUMMARY_LIMIT_BYTES"
  echo '```'
}

write_summary() {
  local stack="$1" plan="$2" base_plan="$3" change="$4"
  echo "### Offline plan of \`$stack\`"
  echo "The program under the mock engine, without credentials or state: what this pull request's code would build, not a diff against the live stack."
  if [ -z "$change" ]; then
    echo "No change from the base commit's plan."
  elif [ -z "$base_plan" ]; then
    echo "The base commit gave no plan; the whole plan of this pull request follows."
  else
    echo "Change from the base commit's plan:"
    printf '%s\n' "$change" | fenced diff
  fi
  echo "<details><summary>Whole plan</summary>"
  echo
  printf '%s\n' "$plan" | fenced ""
  echo "</details>"
}

main() {
  local stack="$1" base_dir="$2" status=0 plan base_plan change
  echo "offline plan of $stack: this pull request, then its base commit"
  plan="$(plan_of . "$stack")" || status=$?
  base_plan="$(plan_of "$base_dir" "$stack")" || true
  change="$(diff -u <(printf '%s\n' "$base_plan") <(printf '%s\n' "$plan") | tail -n +3)" || true
  printf '%s\n' "$plan"
  write_summary "$stack" "$plan" "$base_plan" "$change" >> "${GITHUB_STEP_SUMMARY:-/dev/stdout}"
  return "$status"
}

main "$@"
