"""Container health check: GET /healthz on the workers' health listener (port 8001, see
gunicorn_hooks.py), which answers while every worker is busy with a slow request (no curl in
python:*-slim)."""
import sys
import urllib.request

try:
    with urllib.request.urlopen("http://127.0.0.1:8001/healthz", timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as error:
    print(error)
    sys.exit(1)
