# The app's proxy (nginx in its compose project) told to re-read its config (sourced, not run).
# Reads proxy_service (the deploy's parameters, params.sh).
# shellcheck shell=bash

[[ -z "${proxy_sh_loaded:-}" ]] || return 0
proxy_sh_loaded=1
# shellcheck source-path=SCRIPTDIR source=containers.sh
source "$(dirname "${BASH_SOURCE[0]}")/containers.sh"

# The script reload_nginx runs inside the proxy container.
nginx_reload_script="$(< "$(dirname "${BASH_SOURCE[0]}")/nginx-reload.sh")"

# Make nginx re-read its config, which re-resolves the web service's containers through Docker DNS.
#   reload_nginx [now|settle] [pin NAME IP… | unpin]
# With "settle", also wait until the workers that predate the reload are gone (nginx-reload.sh).
# "pin" first makes NAME resolve to exactly those addresses for nginx (the switch's drain), "unpin"
# lets Docker's DNS answer again: that step alone runs as root in the container (/etc/hosts is
# root's whatever the image's USER); nginx is checked and reloaded as the image's user. Returns 4
# when the pin could not be written (e.g. a read-only proxy), non-zero when no proxy container was
# running or a reload failed: the caller must not retire the old containers then, since nginx would
# still route to them alone.
reload_nginx() {
  local settle="${1:-now}" id reloaded=0 status
  shift || true
  for id in $(service_containers "${proxy_service:?}"); do
    # A failed unpin is only logged: where no pin can be written (read-only), none was left.
    if (( $# )) && ! docker exec -u 0 "${id}" sh -c "${nginx_reload_script}" nginx-reload "$@"; then
      log "could not ${1} the web service's address in ${id:0:12}'s /etc/hosts"
      [[ "$1" == unpin ]] || return 4
    fi
    status=0
    docker exec "${id}" sh -c "${nginx_reload_script}" nginx-reload "${settle}" || status=$?
    case "${status}" in
      0) log "reloaded nginx (${id:0:12})" ;;
      3) log "reloaded nginx (${id:0:12}); its old workers are still finishing long requests after 5s (they complete: the old container stops gracefully)" ;;
      *) log "nginx reload failed in ${id:0:12}"; return 1 ;;
    esac
    reloaded=$((reloaded + 1))
  done
  if (( reloaded == 0 )); then
    log "no running '${proxy_service}' container to reload (is the proxy service named ${proxy_service}? see --proxy-service)"
    return 1
  fi
}
