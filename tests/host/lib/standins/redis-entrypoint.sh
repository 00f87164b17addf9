#!/usr/bin/env bash
# The stand-in redis image's entrypoint, doing what the official one does (docker-library/redis,
# docker-entrypoint.sh): options alone mean redis-server with them; redis-server runs as the redis
# user, owning /data. Protected mode is off, as the official image builds it (its Dockerfile patches
# the default in config.c); Debian's binary keeps it on, so it is turned off here.
set -euo pipefail

main() {
  if [[ "${1:-}" == -* ]]; then set -- redis-server "$@"; fi
  if [[ "${1:-}" == redis-server ]]; then
    shift
    if [[ "$(id -u)" == 0 ]]; then
      chown -R redis:redis /data
      exec runuser -u redis -- /usr/bin/redis-server --protected-mode no "$@"
    fi
    exec /usr/bin/redis-server --protected-mode no "$@"
  fi
  exec "$@"
}

main "$@"
