#!/usr/bin/env bash
# A stand-in for `lego` on the host's PATH (tests/host/scenarios/https.ts): runs the real lego against
# pebble, then rewrites each certificate it stored (<path>/certificates/*.pem) the way it would have
# stored Let's Encrypt's answer. Pebble joins its chain without a blank line; Let's Encrypt's Boulder
# writes "\n" before each chain certificate (letsencrypt/boulder cmd/boulder-wfe2/main.go loadChain,
# and wfe2/wfe.go Certificate: the leaf PEM, then the chain appended as is), and lego keeps the
# served bytes and appends the private key (go-acme/lego acme/api/certificate.go getCertificateChain,
# cmd/certs_storage.go: certificate + private key). So: leaf, blank line, intermediate, key.
# LEGO_STANDIN_MODE=mismatched-key instead swaps the stored key for a new one (a PEM HAProxy refuses).
# The real lego is the first one on PATH that is neither this script nor a launcher of it (the https
# scenario puts one at /usr/local/bin/lego, which sudo's secure_path searches before /usr/bin).
set -euo pipefail

own_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

real_lego() {
  local dir
  IFS=: read -r -a dirs <<<"${PATH}"
  for dir in "${dirs[@]}"; do
    [[ "${dir}" != "${own_dir}" && -x "${dir}/lego" ]] || continue
    [[ "$(head -c 300 "${dir}/lego" | tr -d '\0')" == *lego-as-letsencrypt* ]] && continue
    printf '%s/lego' "${dir}"
    return 0
  done
  echo "lego-as-letsencrypt: no real lego on PATH" >&2
  return 1
}

# The --path lego was given (its storage), "" when none.
storage_path() {
  while (( $# > 1 )); do
    [[ "$1" == --path ]] && { printf '%s' "$2"; return 0; }
    shift
  done
}

# Leaf, then "\n" before each chain certificate, then the rest (the key) unchanged.
boulder_layout() {
  awk '
    /^-----BEGIN CERTIFICATE-----$/ { if (certs++ > 0) printf "\n" }
    { print }
  ' "$1"
}

mismatched_key() {
  sed '/-----BEGIN .*PRIVATE KEY-----/,$d' "$1"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null
}

main() {
  local lego storage pem
  lego="$(real_lego)"
  "${lego}" "$@"
  storage="$(storage_path "$@")"
  [[ -n "${storage}" ]] || return 0
  for pem in "${storage}"/certificates/*.pem; do
    [[ -f "${pem}" ]] || continue
    grep -v '^[[:space:]]*$' "${pem}" > "${pem}.flat"
    case "${LEGO_STANDIN_MODE:-letsencrypt}" in
      letsencrypt) boulder_layout "${pem}.flat" > "${pem}.tmp" ;;
      mismatched-key) mismatched_key "${pem}.flat" > "${pem}.tmp" ;;
      *) echo "lego-as-letsencrypt: unknown LEGO_STANDIN_MODE" >&2; return 1 ;;
    esac
    rm -f "${pem}.flat"
    mv -f "${pem}.tmp" "${pem}"
  done
}

main "$@"
