# Stand-in for python:3.12-slim (no registry here): Debian bookworm's python3 with Django 3.2,
# gunicorn 20 and psycopg2 preinstalled, so the app's Dockerfile skips pip install.
ARG BASE
FROM ${BASE}
RUN ln -sf /usr/bin/python3 /usr/local/bin/python
ENV PYTHONUNBUFFERED=1 LANG=C.UTF-8
CMD ["python3"]
