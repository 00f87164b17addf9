#!/usr/bin/env bash
# ops media: the app's media volume (compose volume VOLUME, default media, of the app's project),
# read and written through a throwaway container of the web service's image with the volume mounted,
# so no file needs root on the host. The runner (npm run ops -- media sync) lists both sides, sends
# only what is missing or of another size, and lists again to compare.
#   media.sh --base-dir DIR list [--volume NAME]      every file: <size>\t<mtime>\t<path> (relative), sorted
#   media.sh --base-dir DIR receive [--volume NAME]   a tar stream on stdin, unpacked into the volume
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

parse_args() {
  start_verb media "usage: media.sh --base-dir DIR list|receive [--volume NAME]" "$@"
  take_action list receive
  set -- "${rest[@]}"
  volume_name=media
  while (( $# )); do
    case "$1" in
      --volume) [[ "${2:-}" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || usage_error "--volume needs a compose volume name"; volume_name="$2"; shift ;;
      *) usage_error "unknown argument '$1'" ;;
    esac
    shift
  done
}

# The web service's image (from its running container) and the project's volume.
find_target() {
  local id
  id="$(project_containers --filter "label=com.docker.compose.service=${web_service}" --format '{{.ID}}' | head -n 1)"
  [[ -n "${id}" ]] || die "no running container of ${web_service} (app ${app_name}): deploy first, the volume is made with it"
  image="$(docker inspect --format '{{.Image}}' "${id}")"
  volume="${app_name}_${volume_name}"
  docker volume inspect "${volume}" >/dev/null 2>&1 || die "no volume ${volume}: is '${volume_name}' the compose file's media volume? (--volume NAME)"
}

main() {
  parse_args "$@"
  read_settings
  find_target
  case "${action}" in
    # <size>\t<mtime, seconds>\t<path>: a file changed in place at the same size still differs by its time.
    list) docker run --rm --user 0 --entrypoint find -v "${volume}:/media" "${image}" /media -type f -printf '%s\t%T@\t%P\n' | LC_ALL=C sort -t$'\t' -k3 ;;
    receive)
      [[ -t 0 ]] && die "pipe a tar stream on stdin"
      # Files arrive as the uid/gid the runner's tar names (the web service's user, when it gave one).
      docker run --rm -i --user 0 --entrypoint tar -v "${volume}:/media" "${image}" -x -C /media --no-same-permissions
      say "media receive: unpacked into ${volume}" >&2
      ;;
  esac
}

main "$@"
