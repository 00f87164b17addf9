#!/bin/sh
# Container start: migrate (idempotent; the deploy already ran it before moving traffic), collect
# the static files into the shared volume unless they came from the same sources, then serve with
# gunicorn: all in one Python process (bin/prepare.py), so Django loads once. Each worker also
# answers the health check on port 8001 (bin/gunicorn_hooks.py), so a check never waits behind
# slow requests. Which peers gunicorn believes about X-Forwarded-* (forwarded_allow_ips) and what
# its access log shows are set there too.
set -eu
exec python3 bin/prepare.py gunicorn site_config.wsgi:application \
  --config bin/gunicorn_hooks.py \
  --bind 0.0.0.0:8000 \
  --workers "${GUNICORN_WORKERS:-2}" \
  --timeout 30 \
  --graceful-timeout 25 \
  --access-logfile -
