// Escape hatches: the compose settings that let a container out of its box, judged in every service
// (not only web and the proxy). Pure.
//
// On the host, a container is only as contained as its compose service allows:
//   - `network_mode: host`    shares the host's network stack: the container reaches the instance
//                              metadata service (IMDS) on the host's own hop, so the instance role,
//                              which the IMDS hop limit of 1 keeps from bridged containers
//   - `privileged: true`       every capability and every host device: root on the host
//   - `pid: host`, `ipc: host` sees and signals the host's processes / shares its shared memory
//   - a Docker socket mounted  (/var/run/docker.sock, /run/docker.sock): starts any container, so root
//   - `cap_add:` SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, DAC_READ_SEARCH or ALL: mounts,
//                              the host's firewall, other processes' memory, kernel modules, any file
//   - a bind mount of an absolute (or ~) host path: files outside the release, which the deploy
//                              neither ships nor cleans up
// Each finding carries a token, `<service>:<key>` or `<service>:<key>:<value>`, which the setting
// composeAllowEscapes lists to allow it on purpose. Prod refuses what is not listed; other stages
// warn (a note in the plan). Docker's capability names: docs.docker.com/engine/containers/run/
// ("Runtime privilege and Linux capabilities"); compose's keys: compose-spec/compose-spec spec.md
// (services: network_mode, privileged, pid, ipc, cap_add, volumes).

import { interpolate, readVolumes, Env } from "./fields";
import { ComposeModel, ComposeService, lineAt } from "./model";

/** Capabilities that open the host (or all of them); docker accepts each with or without `CAP_`. */
export const ESCAPE_CAPABILITIES: readonly string[] = ["SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE",
  "DAC_READ_SEARCH", "ALL"];

/** Where the Docker daemon's socket lives on the host (Debian and Amazon Linux: /run, linked from /var/run). */
const DOCKER_SOCKETS = ["/var/run/docker.sock", "/run/docker.sock"];

export interface Escape {
  service: string;
  /** 1-based line of the setting, for the message. */
  line: number;
  /** What composeAllowEscapes lists to allow it, e.g. "worker:privileged". */
  token: string;
  /** What it gives the container, one clause. */
  what: string;
  /** The edit that removes it. */
  fix: string;
}

/** The normalised capability name (upper case, without `CAP_`). */
function capability(raw: unknown): string {
  return String(raw).trim().toUpperCase().replace(/^CAP_/, "");
}

function serviceEscapes(model: ComposeModel, s: ComposeService, env: Env): Escape[] {
  const at = (...path: (string | number)[]) => lineAt(model, ["services", s.name, ...path]);
  const out: Escape[] = [];
  const add = (path: (string | number)[], token: string, what: string, fix: string) =>
    out.push({ service: s.name, line: at(...path), token: `${s.name}:${token}`, what, fix });
  const del = (key: string) => `delete line ${at(key)} \`${key}: ${String(s.spec[key])}\``;
  if (s.spec.network_mode !== undefined && interpolate(String(s.spec.network_mode), env) === "host") {
    add(["network_mode"], "network_mode:host",
      "`network_mode: host` shares the host's network stack, from which the container reaches the instance metadata service and so the instance role's credentials",
      `${
        del("network_mode")
      } (the service stays on the compose network) and publish what must be reached with \`ports:\``);
  }
  if (s.spec.privileged === true || String(s.spec.privileged) === "true") {
    add(["privileged"], "privileged",
      "`privileged: true` gives the container every capability and every host device: root on the host",
      `${del("privileged")} and add only the capability the service needs under \`cap_add:\``);
  }
  for (const key of ["pid", "ipc"] as const) {
    if (s.spec[key] !== undefined && interpolate(String(s.spec[key]), env) === "host") {
      add([key], `${key}:host`, `\`${key}: host\` shares the host's ${
        key === "pid"
          ? "process namespace: the container sees and signals every process on the host"
          : "IPC namespace: the container reads the host's shared memory"
      }`, del(key));
    }
  }
  const caps = Array.isArray(s.spec.cap_add) ? s.spec.cap_add : s.spec.cap_add === undefined ? [] : [s.spec.cap_add];
  caps.forEach((raw, index) => {
    const cap = capability(interpolate(String(raw), env));
    if (ESCAPE_CAPABILITIES.includes(cap)) {
      add(["cap_add", index], `cap_add:${cap}`, `\`cap_add: ${String(raw)}\` ${
        cap === "ALL"
          ? "grants every capability: root on the host"
          : `grants ${cap}, which reaches past the container (mounts, the host's firewall, other processes or any file)`
      }`,
        `remove ${String(raw)} from \`cap_add:\` (line ${
          at("cap_add", index)
        }), and \`cap_add:\` itself if it is left empty`);
    }
  });
  for (const v of readVolumes(s.spec.volumes)) {
    if (v.type !== "bind" || v.source === undefined) continue;
    const source = interpolate(v.source, env);
    if (!source.startsWith("/") && !source.startsWith("~")) continue;
    const line = at("volumes", v.index);
    if (DOCKER_SOCKETS.includes(source.replace(/\/+$/, ""))) {
      add(["volumes", v.index], `volume:${source}`,
        `mounts the Docker socket (\`${v.text}\`): whoever holds it starts any container, so it is root on the host`,
        `delete line ${line} (a service that must manage containers belongs outside the app)`);
    } else {
      add(["volumes", v.index], `volume:${source}`,
        `mounts host path ${source} (\`${v.text}\`), outside the release: the deploy neither ships nor cleans it, and the container reads${
          v.readOnly ? "" : " and writes"
        } the host there`,
        `delete line ${line}; use a path inside the app directory (\`./…\`, shipped with the release) or a named volume for data that must last`);
    }
  }
  return out;
}

/** Every escape hatch of every service, in file order. */
export function findEscapes(model: ComposeModel, env: Env = {}): Escape[] {
  return model.services.flatMap((s) => serviceEscapes(model, s, env));
}

/** The shape of one composeAllowEscapes entry: `<service>:<key>` or `<service>:<key>:<value>`. */
export const ALLOW_ESCAPE_SHAPE =
  /^[a-zA-Z0-9][a-zA-Z0-9_.-]*:(privileged|network_mode:host|pid:host|ipc:host|cap_add:[A-Z_]+|volume:[/~].*)$/;
