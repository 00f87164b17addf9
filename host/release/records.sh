# What a deploy leaves on the host, and what it removes (sourced by deploy.sh, not run):
#   - `current` and `previous`, the running containers, and the last N releases (promote, prune);
#   - each release's images, tagged <app>-<service>:<sha12> and listed in releases/<sha>/.release-images
#     ("<service> <image compose runs> <kept tag>" per line), so a rollback switches without a build;
#   - the deploy's settings (<baseDir>/deploy-settings, key=value), so the ops verbs need only --base-dir;
#   - secrets only where they are needed: the serving and the previous release keep their .env (a
#     rollback to the previous one needs it); every older kept release loses it at prune, keeping
#     only its RELEASE_ID (releases/<sha>/.release-id) for the removal of its images later;
#   - the rollback rule: after `ops rollback` moved away from release X (<baseDir>/rollback names it),
#     a deploy of X again is refused (it would silently undo the rollback). Rolling forward to X
#     (`ops rollback X`) clears the record, and so does the deploy of any other, new release.
# Reads the deploy's parameters (params.sh) and where deploy.sh put this release (release, release_dir,
# releases_dir).
# shellcheck shell=bash disable=SC2154,SC2034 # deploy.sh sets the variables these functions read; read_settings sets what its callers read

[[ -z "${records_sh_loaded:-}" ]] || return 0
records_sh_loaded=1
# shellcheck source-path=SCRIPTDIR source=containers.sh
source "$(dirname "${BASH_SOURCE[0]}")/containers.sh"
# shellcheck source-path=SCRIPTDIR source=fingerprints.sh
source "$(dirname "${BASH_SOURCE[0]}")/fingerprints.sh"
# shellcheck source-path=SCRIPTDIR source=params.sh
source "$(dirname "${BASH_SOURCE[0]}")/params.sh"
# shellcheck source-path=SCRIPTDIR source=edge-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/edge-lib.sh"
# shellcheck source-path=SCRIPTDIR source=verdict.sh
source "$(dirname "${BASH_SOURCE[0]}")/verdict.sh"

# Tag the image of every running container of the app as <app>-<service>:<sha12> and list them.
keep_release_images() {
  local id service image_ref image_id kept list="${release_dir}/${layout_release_images}"
  for id in $(running_containers); do
    read -r service image_ref image_id < <(docker inspect -f \
      '{{index .Config.Labels "com.docker.compose.service"}} {{.Config.Image}} {{.Image}}' "${id}")
    kept="${app_name}-${service}:${release:0:12}"
    docker tag "${image_id}" "${kept}"
    printf '%s %s %s\n' "${service}" "${image_ref}" "${kept}"
  done | sort -u > "${list}.tmp"
  mv -f "${list}.tmp" "${list}"
  log "kept this release's images for a rollback: $(cut -d' ' -f3 "${list}" | tr '\n' ' ')"
}

# Rollback: put each kept image back under the name compose runs (nothing is built or pulled).
restore_release_images() {
  local service image_ref kept list="${release_dir}/${layout_release_images}"
  [[ -s "${list}" ]] || die "release ${release:0:12} has no kept images (${list} is missing): deploy it again instead"
  while read -r service image_ref kept; do
    docker image inspect "${kept}" >/dev/null 2>&1 \
      || die "the kept image of ${service} for release ${release:0:12} (${kept}) is gone: deploy it again instead"
    docker tag "${kept}" "${image_ref}"
    log "${service}: ${image_ref} ← ${kept} (kept image, no build)"
  done < "${list}"
}

# Prune: the kept tags of a removed release (docker refuses images still in use).
forget_release_images() {
  docker image ls --format '{{.Repository}}:{{.Tag}}' --filter "reference=${app_name}-*:${1:0:12}" \
    | xargs -r docker image rm >/dev/null 2>&1 || true
}

# The settings of this deploy, for the ops verbs (no secrets: the .env stays in the release): the
# parameters params.sh's table records.
write_settings() {
  local file="${base_dir}/${layout_settings}"
  param_record_lines > "${file}.tmp"
  mv -f "${file}.tmp" "${file}"
}

# Sets the variable of every parameter params.sh's table records from the last deploy's record (what
# write_settings wrote; "" for a key a record from before it lacks), and project_dir (where compose
# runs). For the ops verbs and the deploy's switch back.
read_settings() {
  local file="${base_dir}/${layout_settings}"
  [[ -f "${file}" ]] || die "${file} is missing: no release deployed by this version of the scripts yet (deploy once with pulumi up)"
  param_read_record "${file}"
  whole_number http-port "${http_port}"
  # A record from before the edge has no proxy_port: the proxy was the front door then.
  proxy_port="${proxy_port:-${http_port}}"
  whole_number proxy-port "${proxy_port}"
  project_dir="${base_dir}/${layout_active}"
  # The app through its own proxy (the edge in front may redirect to HTTPS).
  health_url="http://127.0.0.1:${proxy_port}${health_path}"
}

# deploy_kept_release SHA: that kept release's own deploy.sh with --images-built (its kept images,
# its own .env on stdin; nothing built or pulled), with the recorded settings (read_settings) and
# the edge as it is, as params.sh's table replays them: the gapless switch to it. ops rollback and
# the deploy's switch back use it.
deploy_kept_release() {
  local dir="${base_dir}/${layout_releases}/$1" env_file
  edge_paths
  read_edge_settings
  env_file="${dir}/$(dirname "${compose_file}")/${env_file_name}"
  [[ -f "${env_file}" ]] || die "release ${1:0:12} no longer holds its .env (only the serving and the previous release keep one): deploy it again instead"
  param_replay_args "${dir}/${layout_release_scripts}"
  bash "${dir}/${layout_release_scripts}/deploy.sh" --images-built "${replay_args[@]}" < "${env_file}"
}

# A deploy of the release an ops rollback moved away from stops here, before anything changes.
refuse_over_rollback() {
  local key value from="" to="" at=""
  [[ -f "${base_dir}/${layout_rollback}" ]] || return 0
  while IFS='=' read -r key value; do
    case "${key}" in from) from="${value}" ;; to) to="${value}" ;; at) at="${value}" ;; esac
  done < "${base_dir}/${layout_rollback}"
  [[ "${from}" == "${release}" ]] || return 0
  die "release ${release:0:12} was rolled back from at ${at} (to ${to:0:12}, by ops rollback); deploying it again would silently undo that. Fix: roll forward with 'npm run ops -- rollback ${release:0:12}' first, or deploy a changed tree (a new release)"
}

# current → this release (atomic); previous → the one before; the running containers recorded, and
# the other services' containers with the fingerprint each now runs (fingerprints.sh: services_unchanged).
promote() {
  if [[ "${current_target}" != "${layout_releases}/${release}" ]]; then
    point_link "${base_dir}/${layout_current}" "${layout_releases}/${release}"
    if [[ -n "${current_target}" ]]; then point_link "${base_dir}/${layout_previous}" "${current_target}"; fi
  fi
  touch "${release_dir}"
  running_containers > "${deployed_record}"
  record_fingerprints "${others_hashes}" "${fingerprints_record}" "${others[@]}"
  log "current → ${layout_releases}/${release}"
  keep_release_images
  write_settings
  # A new release supersedes an ops rollback; a rollback (--images-built) records itself (ops/rollback.sh).
  if (( ! images_built )); then rm -f "${base_dir}/${layout_rollback}"; fi
}

# The env file of release SHA (the web service's env_file; .env links to it) and .env next to the compose file.
release_env_files() {
  local dir
  dir="${releases_dir}/$1/$(dirname "${compose_file}")"
  printf '%s\n' "${dir}/${env_file_name}" "${dir}/.env"
}

# The RELEASE_ID of release SHA: from its .env while it has one, else from the record forget_release_env left.
release_id_record() {
  local env_file id_file="${releases_dir}/$1/${layout_release_id}"
  env_file="$(release_env_files "$1" | head -n 1)"
  if [[ -f "${env_file}" ]]; then release_id_of "${env_file}"; elif [[ -f "${id_file}" ]]; then cat "${id_file}"; fi
}

# forget_release_env SHA: the release's secrets go (its env file, and .env when that is the link to
# it); its RELEASE_ID stays in releases/<sha>/.release-id. A .env the release carries itself (no
# link) is the app's own file from the bundle, which holds no stack secret: it stays.
# The release directory's mtime is when it was last deployed (prune and ops releases order by it):
# it is put back afterwards.
forget_release_env() {
  local env_file dotenv id dir="${releases_dir}/$1" stamp
  { read -r env_file; read -r dotenv; } < <(release_env_files "$1")
  [[ -e "${env_file}" || -L "${dotenv}" ]] || return 0
  stamp="$(stat -c %Y "${dir}")"
  id="$(release_id_record "$1")"
  if [[ -n "${id}" ]]; then printf '%s\n' "${id}" > "${dir}/${layout_release_id}"; fi
  rm -f "${env_file}"
  if [[ -L "${dotenv}" ]]; then rm -f "${dotenv}"; fi
  touch -m -d "@${stamp}" "${dir}"
  log "removed the .env of release ${1:0:12} (only the serving and the previous release keep one)"
}

# Keep the last N releases (never current or previous) with their manifests and images, and .env
# files only in current and previous; then the store keeps only what a manifest names (prune_store);
# prune dangling images.
prune() {
  local keep_current keep_previous n=0 old old_release_id
  keep_current="$(readlink "${base_dir}/${layout_current}" 2>/dev/null || true)"
  keep_previous="$(readlink "${base_dir}/${layout_previous}" 2>/dev/null || true)"
  while IFS= read -r old; do
    [[ -n "${old}" ]] || continue
    n=$((n + 1))
    [[ "${layout_releases}/${old}" == "${keep_current}" || "${layout_releases}/${old}" == "${keep_previous}" ]] && continue
    if (( n <= keep_releases )); then forget_release_env "${old}"; continue; fi
    log "removing old release ${old}"
    old_release_id="$(release_id_record "${old}")"
    rm -rf "${releases_dir:?}/${old}" "${base_dir}/${layout_uploads}/${old}".*
    forget_release_images "${old}"
    if [[ -n "${old_release_id}" ]]; then
      # That release's images (tagged with its RELEASE_ID); in-use images are refused by docker.
      docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -F ":${old_release_id}" | grep -E ":${old_release_id}\$" \
        | xargs -r docker image rm >/dev/null 2>&1 || true
    fi
  done < <(cd "${releases_dir}" && ls -1t)
  prune_store
  docker image prune -f >/dev/null 2>&1 || true
}

# The store (file contents by sha256) keeps what a manifest in uploads/ names: the kept releases'
# and those of uploads not deployed yet. A manifest without a release goes after an hour (a deploy
# follows its upload at once), and so does what an upload stopped half-way left (.incoming.*).
# A removed content stays on disk while a release still links it; its last link frees it.
prune_store() {
  local uploads="${base_dir}/${layout_uploads}" store="${base_dir}/${layout_store}" m kept hash removed=0
  [[ -d "${store}" ]] || return 0
  for m in "${uploads}"/*.manifest; do
    [[ -f "${m}" && ! -d "${releases_dir}/$(basename "${m}" .manifest)" ]] || continue
    if [[ -n "$(find "${m}" -mmin +60)" ]]; then rm -f "${m}"; fi
  done
  find "${store}" -mindepth 1 -maxdepth 1 -name '.incoming.*' -mmin +60 -exec rm -rf {} +
  kept="$(mktemp)"
  { cat "${uploads}"/*.manifest 2>/dev/null || true; } | { grep -v '^- ' || true; } | cut -d' ' -f1 | sort -u > "${kept}"
  while IFS= read -r hash; do
    rm -f "${store:?}/${hash}"
    removed=$((removed + 1))
  done < <(find "${store}" -mindepth 1 -maxdepth 1 -type f -printf '%f\n' | sort | comm -23 - "${kept}")
  rm -f "${kept}"
  log "store: removed ${removed} contents no kept release names; it holds $(du -sh "${store}" | cut -f1)"
}
