#!/usr/bin/env bash
# A stand-in for the Pulumi CLI with only what `npm run ops -- <verb> --stack NAME` asks of it: a
# stack's outputs, from a file the test wrote (STANDIN_PULUMI_OUTPUTS, JSON as `pulumi stack output
# --json --show-secrets` prints it). The commands and their order are those of @pulumi/pulumi's
# Automation API (3.248.0, node_modules/@pulumi/pulumi/automation): PulumiCommand.get runs `version`
# (cmd.js), LocalWorkspace.selectStack runs `stack select --stack NAME` and stackOutputs runs
# `stack output --json --stack NAME` (secrets shown as "[secret]") then the same with --show-secrets
# (localWorkspace.js); every call gets `--non-interactive` appended (cmd.js: PulumiCommand.run).
# Installed as `pulumi` first in PATH by the tests that use it; anything else fails loudly.
set -euo pipefail

main() {
  local args=" $* "
  args="${args/ --non-interactive / }"
  case "${args}" in
    " version ") printf 'v%s\n' "${STANDIN_PULUMI_VERSION:-3.248.0}" ;;
    " stack select --stack "*) ;;
    " stack output --json --show-secrets --stack "*) cat "${STANDIN_PULUMI_OUTPUTS:?}" ;;
    " stack output --json --stack "*) sed -E 's/("sshPrivateKey": *)"[^"]*"/\1"[secret]"/' "${STANDIN_PULUMI_OUTPUTS:?}" ;;
    *) printf 'pulumi stand-in: no such command here: %s\n' "$*" >&2; exit 2 ;;
  esac
}

main "$@"
