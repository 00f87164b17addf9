# A host with systemd as PID 1 (Debian bookworm's systemd 252, HAProxy, sudo, acl): what the edge's
# unit needs to run as an instance runs it. systemd's container interface: $container set, stopped
# with SIGRTMIN+3 (https://systemd.io/CONTAINER_INTERFACE/).
ARG BASE
FROM ${BASE}
ENV container=docker
RUN systemctl disable haproxy.service && systemctl mask getty@.service console-getty.service
STOPSIGNAL SIGRTMIN+3
CMD ["/lib/systemd/systemd"]
