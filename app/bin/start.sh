#!/bin/sh
# Container start: migrate (idempotent; the deploy already ran it before moving traffic),
# collect static files into the shared volume, then serve with gunicorn.
set -eu
python3 manage.py migrate --noinput
python3 manage.py collectstatic --noinput --verbosity 0
exec python3 -m gunicorn site_config.wsgi:application \
  --bind 0.0.0.0:8000 \
  --workers "${GUNICORN_WORKERS:-2}" \
  --timeout 30 \
  --graceful-timeout 25 \
  --access-logfile - \
  --forwarded-allow-ips '*'
