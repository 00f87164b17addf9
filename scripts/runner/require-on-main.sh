#!/usr/bin/env bash
# Refuses to go on unless the commit being deployed is on main: a prod run from a v* tag (or a manual
# dispatch) whose commit never reached main (a tag pushed on a side branch) stops here, before any
# credential is used. Reads GITHUB_SHA (set by the runner). Needs a checkout with full history and
# origin/main (actions/checkout with `fetch-depth: 0`).
#
# usage: require-on-main.sh
set -euo pipefail

readonly MAIN_BRANCH="main"

require_history() {
  if ! git rev-parse --verify --quiet "origin/${MAIN_BRANCH}^{commit}" >/dev/null || [ "$(git rev-parse --is-shallow-repository)" = "true" ]; then
    echo "::error::the checkout lacks origin/${MAIN_BRANCH} or is shallow: check out with fetch-depth: 0" >&2
    exit 1
  fi
}

check_ancestry() {
  if git merge-base --is-ancestor "$GITHUB_SHA" "origin/${MAIN_BRANCH}"; then
    echo "commit ${GITHUB_SHA} is on ${MAIN_BRANCH}: deploying"
  else
    echo "::error::commit ${GITHUB_SHA} is not on ${MAIN_BRANCH}: prod deploys only what main holds; merge it to ${MAIN_BRANCH} first, then tag that commit" >&2
    exit 1
  fi
}

main() {
  : "${GITHUB_SHA:?GITHUB_SHA is not set: run this in a GitHub Actions job}"
  require_history
  check_ancestry
}

main "$@"
