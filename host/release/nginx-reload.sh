#!/bin/sh
# Runs INSIDE the proxy container (proxy.sh: reload_nginx passes it to `docker exec … sh -c`), so it is
# POSIX sh using only /proc, tr, grep and printf: any nginx image works.
#   nginx-reload.sh now|settle      (as the image's own user)
#   nginx-reload.sh pin NAME IP…    (as root: edits /etc/hosts only)
#   nginx-reload.sh unpin           (as root: edits /etc/hosts only)
# now|settle: check the config, reload, and with "settle" wait (bounded, 5 s) until every worker that
# existed before the reload has exited. Old workers keep the upstream addresses they resolved at their
# start, so only once they are gone does no request still head for a container that is about to
# stop. They exit as soon as their in-flight requests are done: usually within a few tens of
# milliseconds, where a fixed pause would have to guess.
# pin: NAME resolves to exactly these addresses in the container's /etc/hosts, which nginx reads
# before Docker's DNS when it loads its config; the next reload then sends nothing to a container of
# NAME that is about to stop (the switch's drain). unpin: drop the pin, so NAME resolves through
# Docker's DNS again. Only the lines tagged PIN_TAG are ever touched.
# Exit 2: check or reload failed; 3: old workers still busy after 5 s; 4: /etc/hosts not rewritten.

PIN_TAG="# compose-on-ec2 switch pin"

workers() {
  for d in /proc/[0-9]*; do
    case "$(tr "\0" " " < "$d/cmdline" 2>/dev/null)" in
      "nginx: worker process"*) echo "${d#/proc/}" ;;
    esac
  done
}

# /etc/hosts is a file Docker bind-mounts: rewrite it in place with one write, never replace it.
set_pin() {
  kept="$(grep -v -F "${PIN_TAG}" /etc/hosts)"
  [ $? -le 1 ] || exit 4   # 1: no line left (fine); 2: unreadable
  lines="${kept}"
  if [ "$1" = pin ]; then
    name="$2"; shift 2
    for ip in "$@"; do lines="${lines}
${ip} ${name} ${PIN_TAG}"; done
  fi
  printf '%s\n' "${lines}" > /etc/hosts || exit 4
  exit 0
}

case "$1" in
  pin|unpin) set_pin "$@" ;;
esac
old="$(workers)"
nginx -t -q && nginx -s reload || exit 2
[ "$1" = settle ] || exit 0
if [ -z "${old}" ]; then sleep 1; exit 0; fi
i=0
while [ "$i" -lt 100 ]; do
  alive=""
  for p in ${old}; do if [ -d "/proc/$p" ]; then alive="${alive} $p"; fi; done
  [ -n "${alive}" ] || exit 0
  old="${alive}"; i=$((i + 1)); sleep 0.05
done
exit 3
