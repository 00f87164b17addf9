# Stand-in for postgres:16 (no registry here): Debian bookworm's PostgreSQL 15, started the way the
# official image starts (docker-entrypoint.sh: initdb with POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB
# on an empty PGDATA, password auth over TCP, then `postgres` as the postgres user with the command's
# `-c` settings).
ARG BASE
FROM ${BASE}
ENV PGDATA=/var/lib/postgresql/data PATH=/usr/lib/postgresql/15/bin:$PATH LANG=C.UTF-8
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
