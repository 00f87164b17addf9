#!/bin/sh
# Runs INSIDE the proxy container (lib.sh: reload_nginx passes it to `docker exec … sh -c`), so it is
# POSIX sh using only /proc, grep and cat: any nginx image works.
#   nginx-reload.sh now|settle [pin NAME IP… | unpin]
# Check the config, reload, and with "settle" wait (bounded, 5 s) until every worker that existed
# before the reload has exited. Old workers keep the upstream addresses they resolved at their start,
# so only once they are gone does no request still head for a container that is about to stop. They
# exit as soon as their in-flight requests are done: usually within a few tens of milliseconds, where
# a fixed pause would have to guess.
# pin: before reloading, NAME resolves to exactly these addresses in the container's /etc/hosts (which
# nginx reads before Docker's DNS when it loads its config), so the new workers send nothing to a
# container of NAME that is about to stop: the switch drains it this way. unpin: drop the pin, so
# NAME resolves through Docker's DNS again. Only the lines tagged PIN_TAG are ever touched.
# Exit 2: check or reload failed (or /etc/hosts not writable); 3: old workers still busy after 5 s.

PIN_TAG="# compose-on-ec2 switch pin"

workers() {
  for d in /proc/[0-9]*; do
    case "$(tr "\0" " " < "$d/cmdline" 2>/dev/null)" in
      "nginx: worker process"*) echo "${d#/proc/}" ;;
    esac
  done
}

# /etc/hosts is a file Docker bind-mounts: rewrite it in place (cat >), never replace it (mv).
set_pin() {
  hosts="$(grep -v -F "${PIN_TAG}" /etc/hosts)" || true
  {
    printf '%s\n' "${hosts}"
    if [ "$1" = pin ]; then
      name="$2"; shift 2
      for ip in "$@"; do printf '%s %s %s\n' "${ip}" "${name}" "${PIN_TAG}"; done
    fi
  } > /tmp/compose-on-ec2-hosts && cat /tmp/compose-on-ec2-hosts > /etc/hosts
}

mode="$1"; shift
case "$1" in
  pin|unpin) set_pin "$@" || exit 2 ;;
esac
old="$(workers)"
nginx -t -q && nginx -s reload || exit 2
[ "${mode}" = settle ] || exit 0
if [ -z "${old}" ]; then sleep 1; exit 0; fi
i=0
while [ "$i" -lt 100 ]; do
  alive=""
  for p in ${old}; do if [ -d "/proc/$p" ]; then alive="${alive} $p"; fi; done
  [ -n "${alive}" ] || exit 0
  old="${alive}"; i=$((i + 1)); sleep 0.05
done
exit 3
