# Stand-in for redis:7-alpine (no registry here): Debian bookworm's redis-server 7.0, arranged like
# the official image (docker-library/redis 7.2/alpine/Dockerfile: protected mode off, as the
# container's network is the boundary; VOLUME and WORKDIR /data; the entrypoint runs redis-server as
# the redis user, so `command: ["redis-server", "--appendonly", "yes"]` works as it does there).
ARG BASE
FROM ${BASE}
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh && install -d -o redis -g redis -m 0755 /data
VOLUME /data
WORKDIR /data
EXPOSE 6379
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
