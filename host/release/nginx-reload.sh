#!/bin/sh
# Runs INSIDE the proxy container (lib.sh: reload_nginx passes it to `docker exec … sh -c`), so it is
# POSIX sh using only /proc and tr: any nginx image works.
#   nginx-reload.sh now|settle
# Check the config, reload, and with "settle" wait (bounded, 5 s) until every worker that existed
# before the reload has exited. Old workers keep the upstream addresses they resolved at their start,
# so only once they are gone does no request still head for a container that is about to stop. They
# exit as soon as their in-flight requests are done: usually within a few tens of milliseconds, where
# a fixed pause would have to guess.
# Exit 2: check or reload failed; 3: old workers still busy after 5 s.

workers() {
  for d in /proc/[0-9]*; do
    case "$(tr "\0" " " < "$d/cmdline" 2>/dev/null)" in
      "nginx: worker process"*) echo "${d#/proc/}" ;;
    esac
  done
}

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
