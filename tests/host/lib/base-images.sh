#!/usr/bin/env bash
# Stand-ins for the public base images the app's Dockerfiles, its compose file and the rehearsal use
# (there is no registry here). One Debian bookworm rootfs (mmdebstrap) holds python3 + Django +
# gunicorn + psycopg2 + redis + rq + nginx + redis-server, another PostgreSQL, a third MariaDB with
# Debian's mysqlclient (python3-mysqldb: what the db-login-mariadb scenario runs the app's URL through) (the
# rehearsal's databases); each is imported once and tagged through a small stand-in layer with EXACTLY the names
# the Dockerfiles, the compose file and the rehearsal use, so `FROM`, `image:` and `docker run`
# resolve locally. Needs DOCKER_HOST pointing at the test daemon. Skips work when the images exist
# and were built from the base they should be (a label names it: a new base's packages rebuild the
# stand-ins); caches the rootfs tars under tests/host/.work/ between runs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${here}/../../.." && pwd)"
cache_dir="${repo_root}/tests/host/.work/base-images"
# The app base's Debian packages; its tag is named by their digest, so a base with other packages
# (another branch's, an older one) never passes for it.
app_packages="python3-django,gunicorn,python3-psycopg2,python3-redis,python3-rq,redis-server,nginx-light,curl,ca-certificates"
app_base="compose-on-ec2-standin/bookworm-app:$(printf '%s' "${app_packages}" | sha256sum | cut -c1-12)"
# base image -> the Debian packages of its rootfs
declare -A base_packages=(
  ["${app_base}"]="${app_packages}"
  ["compose-on-ec2-standin/bookworm-postgres:1"]="postgresql-15"
  ["compose-on-ec2-standin/bookworm-mariadb:2"]="mariadb-server,mariadb-client,python3-mysqldb"
  ["compose-on-ec2-standin/bookworm-systemd:1"]="systemd,systemd-sysv,dbus,haproxy,sudo,acl,socat,libcap2-bin,procps,iproute2"
)
# image name -> its stand-in (tests/host/lib/standins/<name>.Dockerfile) and the base it builds on
declare -A standins=(
  ["python:3.12-slim"]="python ${app_base}"
  ["nginx:1.27-alpine"]="nginx ${app_base}"
  ["redis:7-alpine"]="redis ${app_base}"
  ["postgres:16"]="postgres compose-on-ec2-standin/bookworm-postgres:1"
  ["mariadb:10.11"]="mariadb compose-on-ec2-standin/bookworm-mariadb:2"
  # The db-user step's MariaDB client (components/remote.ts DB_CLIENT_IMAGES): Debian's 10.11 client
  # takes the same TLS flags as 11.4's (--ssl, --ssl-ca, --ssl-verify-server-cert).
  ["mariadb:11.4"]="mariadb compose-on-ec2-standin/bookworm-mariadb:2"
  # A host with systemd as PID 1 (the edge's unit runs under it: tests/host/lib/systemd-edge.sh).
  ["compose-on-ec2-standin/systemd-host:1"]="systemd-host compose-on-ec2-standin/bookworm-systemd:1"
)
# standin_dockerfile IMAGE / standin_base IMAGE: the two halves of its entry.
standin_dockerfile() { printf '%s/standins/%s.Dockerfile' "${here}" "${standins[$1]%% *}"; }
standin_base() { printf '%s' "${standins[$1]#* }"; }
# The label on a stand-in image that says which stand-in layer built it.
standin_label="compose-on-ec2.standin-sha256"

have_image() { docker image inspect "$1" >/dev/null 2>&1; }
# The label each stand-in carries: the base it was built from.
base_label=compose-on-ec2.standin-base
# have_standin IMAGE: present, and built from the base it should be now.
have_standin() {
  [[ "$(docker image inspect -f "{{index .Config.Labels \"${base_label}\"}}" "$1" 2>/dev/null || true)" == "$(standin_base "$1")" ]]
}

# standin_sha IMAGE: sha256 of the stand-in's Dockerfile and its own files (<name>-*, e.g. the entrypoint).
standin_sha() {
  local dockerfile stem
  dockerfile="$(standin_dockerfile "$1")"
  stem="${dockerfile%.Dockerfile}"
  cat "${dockerfile}" "${stem}"-* 2>/dev/null | sha256sum | cut -d' ' -f1
}

# standin_current IMAGE: the image exists and was built from the stand-in layer as it is now.
standin_current() {
  [[ "$(docker image inspect --format "{{ index .Config.Labels \"${standin_label}\" }}" "$1" 2>/dev/null)" == "$(standin_sha "$1")" ]]
}

if ! docker version >/dev/null 2>&1; then
  echo "base-images: docker does not answer (DOCKER_HOST=${DOCKER_HOST:-unset}); run: eval \"\$(bash ${here}/dockerd.sh env)\"" >&2
  exit 1
fi

missing=()
for image in "${!standins[@]}"; do
  standin_current "${image}" || missing+=("${image}")
  have_standin "${image}" || missing+=("${image}")
done
if (( ${#missing[@]} == 0 )); then
  echo "base-images: all stand-ins present and current (${!standins[*]}), nothing to do"
  exit 0
fi

# ensure_base IMAGE: import the base image from its rootfs, building the rootfs first when not cached.
ensure_base() {
  local base_image="$1" rootfs_tar tmp_tar
  have_image "${base_image}" && return 0
  rootfs_tar="${cache_dir}/$(basename "${base_image/:/-}")-rootfs.tar"
  if [[ ! -s "${rootfs_tar}" ]]; then
    command -v mmdebstrap >/dev/null || { echo "base-images: mmdebstrap is not installed" >&2; exit 1; }
    mkdir -p "${cache_dir}"
    echo "base-images: building bookworm rootfs with ${base_packages[${base_image}]} (about a minute)"
    # mmdebstrap picks its output format from the extension: keep ".tar" last.
    tmp_tar="${cache_dir}/.partial-$$.tar"
    trap 'rm -f "${tmp_tar}"' EXIT
    timeout 600 mmdebstrap --quiet --variant=minbase --include="${base_packages[${base_image}]}" \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' \
      bookworm "${tmp_tar}"
    mv "${tmp_tar}" "${rootfs_tar}"
    trap - EXIT
  else
    echo "base-images: reusing cached rootfs ${rootfs_tar}"
  fi
  echo "base-images: importing ${base_image}"
  docker import "${rootfs_tar}" "${base_image}" >/dev/null
}

for image in "${missing[@]}"; do
  base="$(standin_base "${image}")"
  ensure_base "${base}"
  echo "base-images: building stand-in ${image}"
  docker build --quiet --pull=false --build-arg "BASE=${base}" --label "${base_label}=${base}" \
    --label "${standin_label}=$(standin_sha "${image}")" -t "${image}" -f "$(standin_dockerfile "${image}")" "${here}/standins" >/dev/null
done
echo "base-images: ready: ${!standins[*]}"
