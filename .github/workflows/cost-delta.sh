#!/usr/bin/env bash
# What a pull request does to the monthly bill: the offline plans (JSON) of dev and prod for the base
# commit and for the head, compared by `npm run cost-delta`. No credentials, no state. Writes the
# comment's Markdown to the file named by $2 and to the job summary.
#
# usage: cost-delta.sh <directory of the base commit's checkout, with its node_modules> <comment file>
set -euo pipefail

readonly STACKS=(dev prod)

plan_json() {
  local dir="$1" stack="$2"
  # A plan that fails a policy rule still prints its JSON (exit 1); one that cannot run prints none.
  (cd "$dir" && npm run --silent plan -- --stack "$stack" --json) 2>/dev/null || true
}

main() {
  local base_dir="$1" comment="$2" plans stack
  plans="$(mktemp -d)"
  local args=(--dir "$plans")
  for stack in "${STACKS[@]}"; do
    echo "cost delta of $stack: this pull request, then its base commit"
    plan_json . "$stack" > "$plans/head-$stack.json"
    plan_json "$base_dir" "$stack" > "$plans/base-$stack.json"
    args+=(--stack "$stack")
  done
  npm run --silent cost-delta -- "${args[@]}" > "$comment"
  cat "$comment" >> "${GITHUB_STEP_SUMMARY:-/dev/stdout}"
}

main "$@"
