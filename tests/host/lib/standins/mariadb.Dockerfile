# Stand-in for mariadb:10.11 (no registry here): Debian bookworm's MariaDB 10.11, started the way the
# official image starts (MariaDB/mariadb-docker, docker-entrypoint.sh: on an empty datadir, install
# the system tables, set the root password, create MARIADB_DATABASE and MARIADB_USER, MYSQL_* names
# accepted too; then `mariadbd` as the mysql user with the command's options). Debian's package
# initialises /var/lib/mysql when installed: that datadir is removed so the entrypoint owns it.
ARG BASE
FROM ${BASE}
ENV LANG=C.UTF-8
COPY mariadb-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh && rm -rf /var/lib/mysql \
 && install -d -o mysql -g mysql -m 0750 /var/lib/mysql && install -d -o mysql -g mysql -m 0755 /run/mysqld
EXPOSE 3306
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["mariadbd"]
