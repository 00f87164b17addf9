# The app's compose project and its containers (sourced, not run). Works with compose v2
# (`docker compose`) and v1 (`docker-compose`). Reads app_name, and for compose compose_file and
# project_dir (the deploy's parameters, params.sh; the ops verbs' read_settings).
# shellcheck shell=bash

[[ -z "${containers_sh_loaded:-}" ]] || return 0
containers_sh_loaded=1
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Sets compose_cmd to the compose CLI present on this host.
detect_compose() {
  if docker compose version >/dev/null 2>&1; then
    compose_cmd=(docker compose)
  elif command -v docker-compose >/dev/null 2>&1; then
    compose_cmd=(docker-compose)
  else
    die "neither 'docker compose' (v2 plugin) nor 'docker-compose' (v1) is installed"
  fi
}

# compose ARGS...: run compose for this app. The project name is fixed, so releases share
# containers, and the project directory lies under the stable link <baseDir>/active rather than
# releases/<sha>: compose v1 hashes the absolute build path into each service's config, and a path
# that changed with every release would recreate nginx (a gap) on every deploy.
# Reads compose_cmd (detect_compose), app_name, compose_file (relative to the release), project_dir (the link).
compose() {
  "${compose_cmd[@]}" -p "${app_name:?}" --project-directory "$(dirname "${project_dir:?}/${compose_file:?}")" \
    -f "${project_dir:?}/${compose_file:?}" "$@"
}

# project_containers [--with-oneoff] [DOCKER_PS_ARGS…]: `docker ps` of this app's compose project:
# the one place that names its labels. One-off containers (`compose run`, e.g. an operator's
# `manage.py shell`) are not the project's services' (compose does not count them either): left out
# unless --with-oneoff comes first.
project_containers() {
  local oneoff=(--filter "label=com.docker.compose.oneoff=False")
  if [[ "${1:-}" == --with-oneoff ]]; then oneoff=(); shift; fi
  docker ps "$@" --filter "label=com.docker.compose.project=${app_name:?}" "${oneoff[@]}"
}

# The full ids of the app's running containers, sorted (what a deploy records as deployed).
running_containers() {
  project_containers -q --no-trunc | sort
}

# Container ids of one service of this app (project_containers); pass -a to include stopped ones.
service_containers() {
  local service="$1"; shift
  project_containers -q "$@" --filter "label=com.docker.compose.service=${service}"
}

# has_orphans SERVICE…: true when the project has a container of a service not among these (one
# that `compose up --remove-orphans` would remove).
has_orphans() {
  local service known=" $* "
  while read -r service; do
    [[ "${known}" == *" ${service} "* ]] || return 0
  done < <(project_containers -a --format '{{.Label "com.docker.compose.service"}}')
  return 1
}

# The last 40 log lines of container $1, indented, on stderr (a failed deploy shows why).
show_logs() {
  log "last log lines of ${1:0:12}:"
  docker logs --tail 40 "$1" 2>&1 | sed 's/^/    /' >&2 || true
}

# "status health restarts pid" of a container, health "none" without a healthcheck.
container_state() {
  docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.RestartCount}} {{.State.Pid}}' "$1" 2>/dev/null || echo "gone none 0 0"
}

# The container's first IPv4 address on its networks (empty with none).
container_ip() {
  docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "$1" 2>/dev/null | awk '{print $1}'
}

# The addresses of container $1 on the networks container $2 is on too: where $2 reaches $1.
addresses_seen_by() {
  local peer_networks name ip
  peer_networks=" $(docker inspect -f '{{range $name, $n := .NetworkSettings.Networks}}{{$name}} {{end}}' "$2") " || return 1
  docker inspect -f '{{range $name, $n := .NetworkSettings.Networks}}{{$name}} {{$n.IPAddress}}{{"\n"}}{{end}}' "$1" |
    while read -r name ip; do
      if [[ -n "${ip}" && "${peer_networks}" == *" ${name} "* ]]; then echo "${ip}"; fi
    done
}
