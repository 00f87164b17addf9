# Stand-in for postgres:15 as `ops db` uses it (no registry here): the tools image whose pg_dump,
# pg_restore and psql host/release/ops/db-tool.sh runs with bash as the entrypoint. Debian bookworm's
# postgresql-client is 15, the test server's major. No server runs in it.
ARG BASE
FROM ${BASE}
ENV LANG=C.UTF-8
CMD ["psql", "--version"]
