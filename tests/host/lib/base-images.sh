#!/usr/bin/env bash
# Stand-ins for the public base images the app's Dockerfiles use (there is no registry here).
# One Debian bookworm rootfs (mmdebstrap) holds python3 + Django + gunicorn + psycopg2 + nginx,
# and PostgreSQL 15's clients (pg_dump, pg_restore, psql) for `ops db --image postgres:15`;
# it is imported once and tagged through a small stand-in layer with EXACTLY the names the
# Dockerfiles use, so `FROM` resolves locally. Needs DOCKER_HOST pointing at the test daemon.
# Skips work when the images exist; caches the rootfs tar under tests/host/.work/ between runs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${here}/../../.." && pwd)"
cache_dir="${repo_root}/tests/host/.work/base-images"
# The version names the package list: a new list builds a new rootfs and image beside the old ones.
rootfs_version=2
rootfs_tar="${cache_dir}/bookworm-app-rootfs-${rootfs_version}.tar"
base_image="compose-on-ec2-standin/bookworm-app:${rootfs_version}"
packages="python3-django,gunicorn,python3-psycopg2,nginx-light,curl,ca-certificates,postgresql-client"
# image name -> stand-in Dockerfile
declare -A standins=(
  ["python:3.12-slim"]="${here}/standins/python.Dockerfile"
  ["nginx:1.27-alpine"]="${here}/standins/nginx.Dockerfile"
  ["postgres:15"]="${here}/standins/postgres.Dockerfile"
)

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

if ! docker version >/dev/null 2>&1; then
  echo "base-images: docker does not answer (DOCKER_HOST=${DOCKER_HOST:-unset}); run: eval \"\$(bash ${here}/dockerd.sh env)\"" >&2
  exit 1
fi

missing=()
for image in "${!standins[@]}"; do
  have_image "${image}" || missing+=("${image}")
done
if (( ${#missing[@]} == 0 )); then
  echo "base-images: all stand-ins present (${!standins[*]}), nothing to do"
  exit 0
fi

if ! have_image "${base_image}"; then
  if [[ ! -s "${rootfs_tar}" ]]; then
    command -v mmdebstrap >/dev/null || { echo "base-images: mmdebstrap is not installed" >&2; exit 1; }
    mkdir -p "${cache_dir}"
    echo "base-images: building bookworm rootfs with ${packages} (about a minute)"
    # mmdebstrap picks its output format from the extension: keep ".tar" last.
    tmp_tar="${cache_dir}/.partial-$$.tar"
    trap 'rm -f "${tmp_tar}"' EXIT
    timeout 600 mmdebstrap --quiet --variant=minbase --include="${packages}" \
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
fi

for image in "${missing[@]}"; do
  echo "base-images: building stand-in ${image}"
  docker build --quiet --pull=false --build-arg "BASE=${base_image}" \
    -t "${image}" -f "${standins[${image}]}" "${here}/standins" >/dev/null
done
echo "base-images: ready: ${!standins[*]}"
