// What the gapless switch needs from a compose file, judged before any resource exists. Pure.
//
// The switch starts a second web container beside the running one, waits until it is healthy,
// points the proxy at the new one alone, lets the old one drain, then retires it. The rules below
// follow from that:
//
// Refused (each message names the file, line, service and the exact edit):
//   - the web service does not exist                → set webService to the nearest name, or rename
//   - `container_name:` on web                      → delete the line. Not rewritten for the user:
//     the proxy may reach web by that name, and the file on the host must stay the file in the repo
//   - `ports:` on web with a fixed host port         → delete the entry (the proxy reaches web over
//     the compose network; two containers cannot bind one host port)
//   - `network_mode:` on web (any value), or `network_mode: host` on the proxy → delete the line
//     (off the compose network the proxy cannot reach web by its service name)
//   - no proxy: proxyService names no service, names web, or (unset) no other service publishes
//     port 80/443 or through ${HTTP_PORT}, or several do → set proxyService
//   - web and the proxy share no network             → add web's network to the proxy
//   - `depends_on: {web: {condition: service_healthy}}` while web has no healthcheck → compose
//     refuses to start that service: use service_started, or add a healthcheck
//   - an `env_file:` of web outside the app directory (absolute, or with ..) → the deployment
//     writes that file into the release, so it must be inside it
//   - the webPort setting contradicts the port gunicorn binds in `command:`
//   - the proxy publishing a host port other than through ${HTTP_PORT} (e.g. `80:80`, `443:443`),
//     or more than one port through it, or none → publish `"${HTTP_PORT:-80}:80"` only (the
//     stack's edge owns 80/443; the deploy points HTTP_PORT at a loopback port)
// Handled as-is (each reported as a note):
//   - `version:` (obsolete, ignored by compose v2, accepted by v1.27+)
//   - `container_name:` on services other than web (they are never doubled)
//   - `ports:` on web without a host port ("8000"): docker picks a free host port for each container
//   - no healthcheck, `disable: true`, `test: ["NONE"]`, or a healthcheck without `test:` → the
//     deploy probes the new container itself before traffic moves
//   - the web port: the webPort setting, else gunicorn's `--bind`/`-b` in `command:`/`entrypoint:`
//     (or GUNICORN_CMD_ARGS in `environment:`), else the first `expose:` entry, else 8000
//     (gunicorn's default); the bind wins over expose because it is what listens
//   - the env file the deployment writes: the last `env_file:` entry of web (compose applies them
//     in order, so the stack's values win), `.env` when web names none
//   - no `restart:` policy on web or the proxy (works; a note says a host reboot leaves it stopped)

import { type Env, readPorts } from "./fields";
import { type ComposeModel, findService, lineAt } from "./model";
import { findProxy, proxyPortRefusals, reachRefusals } from "./proxyRules";
import { DEFAULT_WEB_PORT, chooseWebPort } from "./webPort";
import { dependsOnHealthyRefusals, healthSource, type HealthSource, missingService, readWebEnvFiles,
  webRefusals } from "./webRules";

export interface GaplessOptions {
  /** The compose service that serves HTTP (the webService setting). */
  webService: string;
  /** The proxy service (the proxyService setting); undefined: the service publishing through ${HTTP_PORT} or port 80 or 443. */
  proxyService?: string;
  /** The webPort setting; undefined: read from the compose file, else 8000. */
  webPort?: number;
  /** Values for `${VAR}` references; unset variables take their defaults. */
  env?: Env;
}

export interface GaplessFindings {
  file: string;
  /** Every service, in file order. */
  services: string[];
  web: string;
  /** The proxied service's proxy; undefined only when refused. */
  proxy?: string;
  health: HealthSource;
  /** Every `env_file:` of web, in order (relative to the compose file). */
  envFiles: string[];
  /** The file the deployment writes the stack's environment to. */
  envFileToWrite: string;
  /** The port gunicorn listens on inside the web container. */
  webPort: number;
  /** One sentence per choice made or shape handled as-is, for the plan. */
  notes: string[];
  /** One message per shape that breaks the switch; deploy only when empty. */
  refusals: string[];
}

export function analyseForGaplessSwitch(model: ComposeModel, opts: GaplessOptions): GaplessFindings {
  const env = opts.env ?? {};
  const notes: string[] = [];
  const refusals: string[] = [];
  const services = model.services.map((s) => s.name);
  if (model.version !== undefined) {
    notes.push(
      `\`version: ${model.version}\` (line ${lineAt(model, ["version"])}) is obsolete and ignored; left as is`,
    );
  }
  const web = findService(model, opts.webService);
  if (web === undefined) {
    refusals.push(missingService(model, opts.webService, "webService", "the service that runs gunicorn"));
    return { file: model.file, services, web: opts.webService, health: "deploy probe", envFiles: [],
      envFileToWrite: ".env", webPort: opts.webPort ?? DEFAULT_WEB_PORT, notes, refusals };
  }
  refusals.push(...webRefusals(model, web, env));
  for (const port of readPorts(web.spec.ports, env).filter((p) => p.published === undefined)) {
    notes.push(
      `${web.name} publishes container port ${port.target} without a host port (line ${
        lineAt(model, ["services", web.name, "ports", port.index])
      }): docker gives each container its own free host port, so it stays`,
    );
  }
  const proxy = findProxy(model, web, opts, env, notes, refusals);
  if (proxy !== undefined) refusals.push(...reachRefusals(model, web, proxy), ...proxyPortRefusals(model, proxy, env));
  const health = healthSource(model, web, notes);
  if (health === "deploy probe") refusals.push(...dependsOnHealthyRefusals(model, web));
  const { envFiles, envFileToWrite } = readWebEnvFiles(model, web, notes, refusals);
  const webPort = chooseWebPort(model, web, opts.webPort, env, notes, refusals);
  for (const s of model.services) {
    if (s !== web && typeof s.spec.container_name === "string") {
      notes.push(
        `${s.name} keeps \`container_name: ${s.spec.container_name}\`: only ${web.name} is doubled during a switch`,
      );
    }
  }
  for (const s of [web, proxy]) {
    if (s !== undefined && s.spec.restart === undefined) {
      notes.push(
        `${s.name} has no \`restart:\` policy (line ${s.line}): after a host reboot it stays stopped; add \`restart: unless-stopped\` to keep it up`,
      );
    }
  }
  return { file: model.file, services, web: web.name, proxy: proxy?.name, health, envFiles, envFileToWrite, webPort,
    notes, refusals };
}

/** The lines the plan prints about the compose file. */
export function describeFindings(f: GaplessFindings): string[] {
  return [
    `compose file ${f.file}: services ${f.services.join(", ")}`,
    `proxied service: ${f.web} (port ${f.webPort}) behind ${f.proxy ?? "(no proxy found)"}`,
    `health: ${
      f.health === "compose healthcheck"
        ? "the compose healthcheck"
        : "the deploy probes the new container (no compose healthcheck)"
    }`,
    `environment written to ${f.envFileToWrite}${f.envFiles.length > 1 ? ` (web reads ${f.envFiles.join(", ")})` : ""}`,
    ...f.notes.map((n) => `note: ${n}`),
  ];
}
