#!/bin/sh
# Migrations and static files before the app serves, then the compose `command:` (gunicorn).
set -e
python3 manage.py migrate --noinput
python3 manage.py collectstatic --noinput --verbosity 0
exec "$@"
