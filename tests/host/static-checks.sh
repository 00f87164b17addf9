#!/usr/bin/env bash
# Static checks of what runs elsewhere (on the EC2 host, in cloud-init, in containers):
#   - shellcheck on host/**/*.sh, scripts/runner/*.sh and tests/host/**/*.sh
#   - `cloud-init schema` on the user data renderUserData() renders (al2023 and ubuntu, both arches)
#   - nginx -t on the app's nginx config, upstream names resolved to 127.0.0.1 in a private mount ns
#   - `docker-compose config -q` on every app/docker-compose*.yml
# Runs alone (`bash tests/host/static-checks.sh`) or from run.sh. Exits non-zero when any check fails.
set -uo pipefail
# shellcheck source=tests/host/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

out_dir="${work_root}/static"
mkdir -p "${out_dir}"
cd "${repo_root}" || exit 1
failures=()

# A check returns 0 (ok), skip_status (its tool is not installed here: it printed why) or anything
# else (failed).
skip_status=3

check() {
  local name="$1"
  shift
  local start=${SECONDS} rc=0
  "$@" || rc=$?
  if (( rc == 0 )); then
    log "static: ${name}: ok ($((SECONDS - start))s)"
  elif (( rc == skip_status )); then
    log "static: ${name}: skipped"
  else
    log "static: ${name}: FAILED"
    failures+=("${name}")
  fi
}

check_shellcheck() {
  local files=()
  mapfile -t files < <(find host scripts/runner scripts/lib tests/host tests/integration bench .github/workflows -name '*.sh' -not -path '*/.work/*' 2>/dev/null | sort)
  (( ${#files[@]} > 0 )) || { echo "no shell scripts found" >&2; return 1; }
  echo "shellcheck: ${#files[@]} files"
  # -P SCRIPTDIR: `# shellcheck source=lib.sh` in host/release resolves beside the script.
  timeout 600 shellcheck -x -P SCRIPTDIR "${files[@]}"
}

check_cloud_init() {
  [[ -f components/userData.ts ]] || { echo "components/userData.ts is missing" >&2; return 1; }
  if ! command -v cloud-init >/dev/null 2>&1; then
    echo "cloud-init is not installed, so its schema validator cannot run (apt-get install cloud-init)"
    return "${skip_status}"
  fi
  # A tiny ts-node call renders the user data exactly as the Host component does, with a real
  # ed25519 host key (the stack generates one with @pulumi/tls).
  rm -f "${out_dir}/host-key" "${out_dir}/host-key.pub"
  ssh-keygen -q -t ed25519 -N '' -C static-check -f "${out_dir}/host-key" || return 1
  timeout 120 npx --no-install ts-node --transpile-only -e "
    const fs = require('fs');
    const { renderUserData } = require('./components/userData');
    const hostKey = {
      privateKey: fs.readFileSync('${out_dir}/host-key', 'utf8'),
      publicKey: fs.readFileSync('${out_dir}/host-key.pub', 'utf8').trim().split(' ').slice(0, 2).join(' '),
    };
    for (const os of ['al2023', 'ubuntu']) {
      for (const arch of ['x86_64', 'arm64']) {
        fs.writeFileSync('${out_dir}/user-data-' + os + '-' + arch + '.yaml', renderUserData(os, arch, os === 'ubuntu' ? 'ubuntu' : 'ec2-user', '123456789012.dkr.ecr.us-east-1.amazonaws.com', hostKey));
      }
    }
  " || return 1
  local os arch file rc=0
  for os in al2023 ubuntu; do
    for arch in x86_64 arm64; do
      file="${out_dir}/user-data-${os}-${arch}.yaml"
      head -n1 "${file}" | grep -q '^#cloud-config' \
        || { echo "user data for ${os}/${arch} does not start with #cloud-config" >&2; rc=1; continue; }
      timeout 60 cloud-init schema --config-file "${file}" || rc=1
    done
  done
  return "${rc}"
}

# nginx resolves upstream host names when it loads the config; the compose service names only exist
# inside docker's network, so map them to 127.0.0.1 in a private /etc/hosts for this check only.
check_nginx() {
  local confs=()
  mapfile -t confs < <(find app -path '*nginx*' -name '*.conf' -type f 2>/dev/null | sort)
  (( ${#confs[@]} > 0 )) || { echo "no nginx config under app/" >&2; return 1; }
  local conf rc=0
  for conf in "${confs[@]}"; do
    local base wrapper hosts names
    base="$(basename "${conf}" .conf)"
    wrapper="${out_dir}/nginx-${base}.conf"
    hosts="${out_dir}/hosts-${base}"
    if grep -Eq '^\s*http\s*\{' "${conf}"; then
      wrapper="$(realpath "${conf}")"
    else
      # A conf.d server block: wrap it like the image's nginx.conf does.
      printf 'events {}\nhttp {\n  include /etc/nginx/mime.types;\n  include %s;\n}\n' "$(realpath "${conf}")" >"${wrapper}"
    fi
    names="$(grep -oE '(proxy_pass|server|fastcgi_pass|uwsgi_pass)[[:space:]]+(https?://)?[A-Za-z][A-Za-z0-9_.-]*' "${conf}" \
      | awk '{print $2}' | sed -E 's#^https?://##' | grep -vE '^(localhost|unix)$' | sort -u | tr '\n' ' ')"
    printf '127.0.0.1 localhost %s\n' "${names}" >"${hosts}"
    echo "nginx -t: ${conf} (upstream names mapped to 127.0.0.1: ${names:-none})"
    # shellcheck disable=SC2016 # $1..$3 expand in the inner sh
    timeout 60 unshare --mount --propagation private sh -c \
      'mount --bind "$1" /etc/hosts && nginx -t -q -c "$2" -g "pid $3/nginx-test.pid;"' \
      sh "${hosts}" "${wrapper}" "${out_dir}" || rc=1
  done
  return "${rc}"
}

# Compose files interpolate ${VARS} and read env_file .env at deploy time: check a copy of app/
# with a placeholder .env (app/ itself stays untouched) and every variable given a placeholder
# (a port number for *PORT, else a word).
check_compose() {
  local files=()
  mapfile -t files < <(find app -maxdepth 1 \( -name 'docker-compose*.yml' -o -name 'compose*.yml' \) | sort)
  (( ${#files[@]} > 0 )) || { echo "no compose files under app/" >&2; return 1; }
  local copy="${out_dir}/app-copy"
  rm -rf "${copy}" && cp -a app "${copy}" || return 1
  local f rc=0
  for f in "${files[@]}"; do
    local env_file
    env_file="${out_dir}/compose-$(basename "${f}").env"
    grep -oE '\$\{[A-Za-z_][A-Za-z0-9_]*' "${f}" | cut -c3- | sort -u \
      | sed -E 's/^(.*PORT)$/\1=28080/; t; s|^(.*_DIR)$|\1=/srv/static-check|; t; s/$/=static-check/' >"${env_file}"
    cp "${env_file}" "${copy}/.env"
    echo "docker-compose config -q: ${f} (variables: $(cut -d= -f1 "${env_file}" | tr '\n' ' '))"
    timeout 60 docker-compose --project-directory "${copy}" -f "${copy}/$(basename "${f}")" config -q || rc=1
  done
  return "${rc}"
}

check shellcheck check_shellcheck
check cloud-init-schema check_cloud_init
check nginx-t check_nginx
check compose-config check_compose

if (( ${#failures[@]} > 0 )); then
  log "static: FAILED: ${failures[*]}"
  exit 1
fi
log "static: all checks passed"
