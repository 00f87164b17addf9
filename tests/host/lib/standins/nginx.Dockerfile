# Stand-in for nginx:1.27-alpine (no registry here): Debian bookworm's nginx-light, arranged like
# the official image (conf.d only, logs to stdout/stderr, runs in the foreground).
ARG BASE
FROM ${BASE}
RUN rm -f /etc/nginx/sites-enabled/default \
 && ln -sf /dev/stdout /var/log/nginx/access.log \
 && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
