# Registry mode's guarantee (sourced by deploy.sh, not run): the web image compose runs is the very
# image the stack pushed. The compose file names it by a tag (`${WEB_IMAGE}:${RELEASE_ID}`), and a tag
# is movable: the ECR repository is MUTABLE (components/images.ts), so anyone who may push there can
# point the tag at other content. The stack records the pushed digest in the .env beside it
# (<WEB>_IMAGE_REF = <repository>@sha256:<digest>, components/deployment.ts: deploymentEnv); after the
# pull, the image under the tag must carry that digest among its RepoDigests (the registry's
# manifest digest Docker records for a pulled image: docs.docker.com/reference/cli/docker/image/pull/
# "Pull an image by digest (immutable identifier)"), or the deploy stops before a container of it
# starts, so nothing of it runs with the release's secrets.
# Reads web_service, env_file, env_file_name (deploy.sh) and uses compose (containers.sh).
# shellcheck shell=bash disable=SC2154 # deploy.sh sets the variables these functions read

[[ -z "${registry_sh_loaded:-}" ]] || return 0
registry_sh_loaded=1
# shellcheck source-path=SCRIPTDIR source=containers.sh
source "$(dirname "${BASH_SOURCE[0]}")/containers.sh"

# image_env_name SERVICE: the .env name of a service's pushed repository, "web" → WEB_IMAGE (the
# same rule as components/config/envfile.ts: imageEnvName; a unit test keeps the two equal).
image_env_name() {
  printf '%s_IMAGE' "$(printf '%s' "${1^^}" | tr -cs 'A-Z0-9' '_')"
}

# env_value FILE KEY: the value of KEY=value in a .env file, quotes ('…' or "…") removed; "" without it.
env_value() {
  sed -n "s/^$2=[\"']\{0,1\}\([^\"']*\)[\"']\{0,1\}\$/\1/p" "$1" 2>/dev/null | tail -n 1 || true
}

# repo_digest REF: "<repository>[:tag]@sha256:<hex>" → "<repository>@sha256:<hex>", the form Docker
# lists in RepoDigests; "" when REF is not a digest ref. A tag follows the last "/" (a registry port
# comes before it).
repo_digest() {
  local name
  [[ "$1" =~ ^([^@]+)@(sha256:[0-9a-f]{64})$ ]] || return 0
  name="${BASH_REMATCH[1]}"
  if [[ "${name##*/}" == *:* ]]; then name="${name%:*}"; fi
  printf '%s@%s' "${name}" "${BASH_REMATCH[2]}"
}

# compose_image_of SERVICE: the image compose runs for SERVICE, read from `compose config` (the
# file as compose resolves it, .env interpolated; compose v1 and v2 both print `services:` → two
# spaces + the service → four spaces + `image: `). Its output also holds the env_file's values, so
# it is read here and never printed.
compose_image_of() {
  compose config 2>/dev/null | awk -v svc="  $1:" '
    /^[^ ]/ { in_services = ($0 == "services:"); in_svc = 0; next }
    in_services && /^  [^ ]/ { in_svc = ($0 == svc); next }
    in_svc && /^    image: / { sub(/^    image: /, ""); gsub(/^["\047]|["\047]$/, ""); print; exit }'
}

# After the pull: the web image under its tag must be the pushed one, or the deploy stops here.
verify_pulled_image() {
  local ref_name ref want image digests
  ref_name="$(image_env_name "${web_service}")_REF"
  ref="$(env_value "${env_file}" "${ref_name}")"
  want="$(repo_digest "${ref}")"
  [[ -n "${want}" ]] || die "registry mode: ${env_file_name} has no ${ref_name}=<repository>@sha256:<digest> (the image the stack pushed), so the pulled image cannot be checked: nothing was switched. Fix: deploy with pulumi up, which records it"
  image="$(compose_image_of "${web_service}")"
  [[ -n "${image}" ]] || die "registry mode: compose names no image for ${web_service} (the compose file's image: \${$(image_env_name "${web_service}")}:\${RELEASE_ID}): nothing was switched"
  # compose may only warn when the pull of a buildable service fails: then there is no such image here.
  digests="$(docker image inspect -f '{{join .RepoDigests " "}}' "${image}" 2>/dev/null)" \
    || die "the ${web_service} image ${image} was not pulled from the registry (pushed? registry login? see the pull above): nothing was switched"
  if [[ " ${digests} " != *" ${want} "* ]]; then
    die "the registry's ${image} is ${digests:-an image without a registry digest}, not ${want}, the image this release pushed: the tag was moved after the push (re-tagged). Refusing to run it: nothing was switched and the serving release keeps serving. Fix: find out who pushed to the tag, then deploy again with pulumi up (it pushes and records the digest anew)"
  fi
  log "${web_service} image ${image} is the pushed one (${want#*@})"
}
