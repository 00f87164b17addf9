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

import * as path from "path";
import { editDistance, Env, firstPort, interpolate, readDependsOn, readEnvFiles, readPorts, shellWords } from "./fields";
import { ComposeModel, ComposeService, findService, isMapping, lineAt, problem, SETTING_PREFIX } from "./model";

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

export type HealthSource = "compose healthcheck" | "deploy probe";

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

/** Gunicorn's port when its bind names none, and the port assumed when nothing names one. */
export const DEFAULT_WEB_PORT = 8000;
const PROXY_PORTS = ["80", "443"];

export function analyseForGaplessSwitch(model: ComposeModel, opts: GaplessOptions): GaplessFindings {
  const env = opts.env ?? {};
  const notes: string[] = [];
  const refusals: string[] = [];
  const services = model.services.map((s) => s.name);
  if (model.version !== undefined) notes.push(`\`version: ${model.version}\` (line ${lineAt(model, ["version"])}) is obsolete and ignored; left as is`);
  const web = findService(model, opts.webService);
  if (web === undefined) {
    refusals.push(missingService(model, opts.webService, "webService", "the service that runs gunicorn"));
    return { file: model.file, services, web: opts.webService, health: "deploy probe", envFiles: [], envFileToWrite: ".env", webPort: opts.webPort ?? DEFAULT_WEB_PORT, notes, refusals };
  }
  refusals.push(...webRefusals(model, web, env));
  for (const port of readPorts(web.spec.ports, env).filter((p) => p.published === undefined)) {
    notes.push(`${web.name} publishes container port ${port.target} without a host port (line ${lineAt(model, ["services", web.name, "ports", port.index])}): docker gives each container its own free host port, so it stays`);
  }
  const proxy = findProxy(model, web, opts, env, notes, refusals);
  if (proxy !== undefined) refusals.push(...reachRefusals(model, web, proxy), ...proxyPortRefusals(model, proxy, env));
  const health = healthSource(model, web, notes);
  if (health === "deploy probe") refusals.push(...dependsOnHealthyRefusals(model, web));
  const { envFiles, envFileToWrite } = readWebEnvFiles(model, web, notes, refusals);
  const webPort = chooseWebPort(model, web, opts.webPort, env, notes, refusals);
  for (const s of model.services) {
    if (s !== web && typeof s.spec.container_name === "string") notes.push(`${s.name} keeps \`container_name: ${s.spec.container_name}\`: only ${web.name} is doubled during a switch`);
  }
  for (const s of [web, proxy]) {
    if (s !== undefined && s.spec.restart === undefined) notes.push(`${s.name} has no \`restart:\` policy (line ${s.line}): after a host reboot it stays stopped; add \`restart: unless-stopped\` to keep it up`);
  }
  return { file: model.file, services, web: web.name, proxy: proxy?.name, health, envFiles, envFileToWrite, webPort, notes, refusals };
}

/** The lines the plan prints about the compose file. */
export function describeFindings(f: GaplessFindings): string[] {
  return [
    `compose file ${f.file}: services ${f.services.join(", ")}`,
    `proxied service: ${f.web} (port ${f.webPort}) behind ${f.proxy ?? "(no proxy found)"}`,
    `health: ${f.health === "compose healthcheck" ? "the compose healthcheck" : "the deploy probes the new container (no compose healthcheck)"}`,
    `environment written to ${f.envFileToWrite}${f.envFiles.length > 1 ? ` (web reads ${f.envFiles.join(", ")})` : ""}`,
    ...f.notes.map((n) => `note: ${n}`),
  ];
}

/** A named service is missing: suggest the nearest name, or list the services. */
export function missingService(model: ComposeModel, name: string, setting: string, role: string): string {
  const names = model.services.map((s) => s.name);
  const nearest = [...names].sort((a, b) => editDistance(name, a) - editDistance(name, b))[0];
  const what = `has no service "${name}" (${role}); its services are ${names.join(", ")}`;
  const fix = `set \`${SETTING_PREFIX}${setting}: ${nearest}\` in the stack settings if ${nearest} is ${role}, or rename that service to ${name} under \`services:\``;
  return problem(model.file, lineAt(model, ["services"]), undefined, what, fix);
}

function webRefusals(model: ComposeModel, web: ComposeService, env: Env): string[] {
  const out: string[] = [];
  const at = (...path: (string | number)[]) => lineAt(model, ["services", web.name, ...path]);
  if (web.spec.container_name !== undefined) {
    const name = String(web.spec.container_name);
    const alias = name === web.name ? "" : ` (anything that reaches it as "${name}" must use "${web.name}" instead)`;
    out.push(problem(model.file, at("container_name"), web.name, `\`container_name: ${name}\` fixes the container's name, so the second ${web.name} container a switch starts cannot be created`, `delete line ${at("container_name")} \`container_name: ${name}\`${alias}`));
  }
  for (const port of readPorts(web.spec.ports, env)) {
    if (port.published === undefined) continue;
    out.push(problem(model.file, at("ports", port.index), web.name, `publishes host port ${port.published} (\`${port.text}\`), which two ${web.name} containers cannot both bind during a switch`, `delete line ${at("ports", port.index)} \`- ${port.text}\` (and \`ports:\` if it is left empty); the proxy reaches ${web.name} over the compose network, and \`expose: ["${port.target}"]\` documents the port`));
  }
  if (web.spec.network_mode !== undefined) {
    const mode = String(web.spec.network_mode);
    out.push(problem(model.file, at("network_mode"), web.name, `\`network_mode: ${mode}\` takes ${web.name} off the compose network: two containers would share one network stack and the proxy cannot reach them by the name "${web.name}"`, `delete line ${at("network_mode")} \`network_mode: ${mode}\` and have the proxy reach \`${web.name}:<port>\``));
  }
  return out;
}

function findProxy(model: ComposeModel, web: ComposeService, opts: GaplessOptions, env: Env, notes: string[], refusals: string[]): ComposeService | undefined {
  if (opts.proxyService !== undefined) {
    const named = findService(model, opts.proxyService);
    if (named === undefined) refusals.push(missingService(model, opts.proxyService, "proxyService", "the proxy in front of web"));
    else if (named === web) refusals.push(problem(model.file, web.line, web.name, `is both the web service and the proxy (proxyService is "${web.name}"); a switch needs a proxy in front of the web containers`, `set \`${SETTING_PREFIX}proxyService\` to your nginx service, or add one that proxies to ${web.name}`));
    else return named;
    return undefined;
  }
  const candidates = model.services.filter((s) => s !== web && readPorts(s.spec.ports, env).some((p) => viaVariable(p.text) || (p.published !== undefined && (PROXY_PORTS.includes(p.published) || PROXY_PORTS.includes(p.target)))));
  if (candidates.length === 1) {
    notes.push(`proxy: ${candidates[0].name}, the service that publishes port 80/443 (set \`${SETTING_PREFIX}proxyService\` to choose another)`);
    return candidates[0];
  }
  const others = model.services.filter((s) => s !== web).map((s) => s.name);
  if (candidates.length === 0) {
    refusals.push(problem(model.file, lineAt(model, ["services"]), undefined, `has no proxy in front of ${web.name}: no other service publishes through \${HTTP_PORT} or port 80 or 443`, others.length > 0 ? `set \`${SETTING_PREFIX}proxyService\` to the service that proxies to ${web.name} (one of ${others.join(", ")}), or give it \`ports: [${PROXY_PUBLISH}]\`` : `add an nginx service that publishes \`ports: [${PROXY_PUBLISH}]\` and proxies to ${web.name}`));
  } else {
    refusals.push(problem(model.file, lineAt(model, ["services"]), undefined, `has several services publishing port 80/443 (${candidates.map((s) => s.name).join(", ")}), so the proxy is ambiguous`, `set \`${SETTING_PREFIX}proxyService\` to the one that proxies to ${web.name}`));
  }
  return undefined;
}

/** The variable the deploy sets to the loopback address and port the proxy publishes on. */
export const PROXY_PORT_VARIABLE = "HTTP_PORT";

/** A `ports:` entry written with ${HTTP_PORT} (with or without a default) as its host part. */
function viaVariable(text: string): boolean {
  return new RegExp(`\\$\\{${PROXY_PORT_VARIABLE}(:?-[^}]*)?\\}:`).test(text);
}

/** What the proxy publishes: one port, through ${HTTP_PORT}. */
const PROXY_PUBLISH = `"\${${PROXY_PORT_VARIABLE}:-80}:80"`;

/**
 * The stack's edge (HAProxy on the host) owns ports 80 and 443 and terminates TLS; the proxy
 * publishes exactly one port, on the loopback address the deploy puts in ${HTTP_PORT}.
 */
function proxyPortRefusals(model: ComposeModel, proxy: ComposeService, env: Env): string[] {
  // `${HTTP_PORT}:80` publishes nothing until the deploy sets HTTP_PORT: judged by its text.
  const published = readPorts(proxy.spec.ports, env).filter((p) => p.published !== undefined || viaVariable(p.text));
  const at = (index: number) => lineAt(model, ["services", proxy.name, "ports", index]);
  if (published.length === 0) {
    // Off the compose network, reachRefusals already asks for the port along with its edit.
    if (proxy.spec.network_mode !== undefined) return [];
    return [problem(model.file, lineAt(model, ["services", proxy.name, "ports"]), proxy.name, "publishes no port through ${" + PROXY_PORT_VARIABLE + "}, so the edge cannot reach it", `add \`- ${PROXY_PUBLISH}\` under ${proxy.name}'s \`ports:\` (80: the port nginx listens on in the container)`)];
  }
  const kept = published.find((p) => viaVariable(p.text));
  const rewritten = kept === undefined ? published[0] : undefined;
  return published.filter((p) => p !== kept).map((p) => {
    if (viaVariable(p.text)) {
      return problem(model.file, at(p.index), proxy.name, `publishes a second port through \${${PROXY_PORT_VARIABLE}} (\`${p.text}\`), but ${PROXY_PORT_VARIABLE} is one loopback address, which only one entry can bind`, `delete line ${at(p.index)} \`- ${p.text}\` (the proxy publishes one port; TLS is the edge's job)`);
    }
    const what = `publishes host port ${p.published} (\`${p.text}\`): the stack's edge owns ports 80 and 443 (it terminates HTTPS and keeps connections open across deploys) and reaches the proxy on a loopback port`;
    return problem(model.file, at(p.index), proxy.name, what, p === rewritten
      ? `write line ${at(p.index)} as \`- "\${${PROXY_PORT_VARIABLE}:-80}:${p.target}"\` (the deploy sets ${PROXY_PORT_VARIABLE} to that loopback address)`
      : `delete line ${at(p.index)} \`- ${p.text}\` (TLS is the edge's job; the proxy publishes one port, through \${${PROXY_PORT_VARIABLE}})`);
  });
}

/** The proxy must reach web by its service name: a shared network, no host networking on the proxy. */
function reachRefusals(model: ComposeModel, web: ComposeService, proxy: ComposeService): string[] {
  if (proxy.spec.network_mode !== undefined) {
    const line = lineAt(model, ["services", proxy.name, "network_mode"]);
    return [problem(model.file, line, proxy.name, `\`network_mode: ${String(proxy.spec.network_mode)}\` takes the proxy off the compose network, so it cannot reach ${web.name} by name`, `delete line ${line} and publish the proxy's port with \`ports: [${PROXY_PUBLISH}]\``)];
  }
  if (web.spec.network_mode !== undefined) return [];
  const webNets = networksOf(web);
  const proxyNets = networksOf(proxy);
  if (webNets.some((n) => proxyNets.includes(n))) return [];
  const line = lineAt(model, ["services", proxy.name, "networks"]);
  return [problem(model.file, line, proxy.name, `is on network(s) ${proxyNets.join(", ")} and ${web.name} on ${webNets.join(", ")}, so the proxy cannot reach ${web.name}`, `add \`- ${webNets[0]}\` under ${proxy.name}'s \`networks:\` (line ${line})`)];
}

function networksOf(service: ComposeService): string[] {
  const nets = service.spec.networks;
  if (Array.isArray(nets)) return nets.map(String);
  if (isMapping(nets)) return Object.keys(nets);
  return ["default"];
}

function healthSource(model: ComposeModel, web: ComposeService, notes: string[]): HealthSource {
  const hc = web.spec.healthcheck;
  const line = lineAt(model, ["services", web.name, "healthcheck"]);
  const probe = "the deploy probes each new container (HTTP on the health path at the container's address, else its port open) before traffic moves";
  if (!isMapping(hc)) {
    notes.push(`${web.name} has no healthcheck: ${probe}`);
    return "deploy probe";
  }
  if (hc.disable === true || (Array.isArray(hc.test) && hc.test[0] === "NONE")) {
    notes.push(`${web.name}'s healthcheck is disabled (line ${line}): ${probe}`);
    return "deploy probe";
  }
  if (hc.test === undefined) {
    notes.push(`${web.name}'s healthcheck sets no \`test:\` (line ${line}): ${probe}`);
    return "deploy probe";
  }
  return "compose healthcheck";
}

function dependsOnHealthyRefusals(model: ComposeModel, web: ComposeService): string[] {
  const out: string[] = [];
  for (const s of model.services) {
    for (const dep of readDependsOn(s.spec.depends_on)) {
      if (dep.service !== web.name || dep.condition !== "service_healthy") continue;
      const line = lineAt(model, ["services", s.name, "depends_on", web.name, "condition"]);
      out.push(problem(model.file, line, s.name, `waits for ${web.name} to be \`service_healthy\`, but ${web.name} has no enabled healthcheck, so compose refuses to start ${s.name}`, `change line ${line} to \`condition: service_started\`, or add a \`healthcheck:\` to ${web.name}`));
    }
  }
  return out;
}

function readWebEnvFiles(model: ComposeModel, web: ComposeService, notes: string[], refusals: string[]): { envFiles: string[]; envFileToWrite: string } {
  const entries = readEnvFiles(web.spec.env_file);
  for (const e of entries) {
    const line = lineAt(model, ["services", web.name, "env_file", ...(Array.isArray(web.spec.env_file) ? [e.index] : [])]);
    if (path.posix.isAbsolute(e.path) || path.posix.normalize(e.path).startsWith("../")) {
      const base = e.path.split("/").pop() || ".env";
      const edit = Array.isArray(web.spec.env_file) ? `- ${base}` : `env_file: ${base}`;
      refusals.push(problem(model.file, line, web.name, `\`env_file: ${e.path}\` is outside the app directory, where the deployment writes the environment`, `change line ${line} to \`${edit}\` (a path inside the app directory, relative to the compose file)`));
    }
    if (!e.required) notes.push(`env_file ${e.path} (line ${line}) uses the long syntax (\`required: false\`), which needs compose v2.24 or later`);
  }
  const envFiles = entries.map((e) => path.posix.normalize(e.path));
  if (envFiles.length === 0) {
    notes.push(`${web.name} names no \`env_file:\`: the stack's environment is written to .env, which compose reads only for \${VAR} references; add \`env_file: .env\` to pass every setting to ${web.name}`);
    return { envFiles, envFileToWrite: ".env" };
  }
  const envFileToWrite = envFiles[envFiles.length - 1];
  if (envFiles.length > 1) notes.push(`the stack's environment is written to ${envFileToWrite}, the last of ${web.name}'s env files, so its values win`);
  return { envFiles, envFileToWrite };
}

function chooseWebPort(model: ComposeModel, web: ComposeService, setting: number | undefined, env: Env, notes: string[], refusals: string[]): number {
  const at = (...path: (string | number)[]) => lineAt(model, ["services", web.name, ...path]);
  const bind = gunicornBind(web, env);
  const exposed = (Array.isArray(web.spec.expose) ? web.spec.expose : []).map((e) => firstPort(interpolate(String(e), env))).filter((p): p is number => p !== undefined);
  if (bind?.port !== undefined && exposed.length > 0 && !exposed.includes(bind.port)) {
    notes.push(`${web.name} exposes ${exposed.join(", ")} (line ${at("expose")}) but gunicorn binds ${bind.port} (line ${at(bind.key)}): the port gunicorn binds is used`);
  }
  if (bind?.port === undefined && bind?.socket) notes.push(`gunicorn binds a unix socket (line ${at(bind.key)}): the deploy probe checks the web port instead; set \`${SETTING_PREFIX}webPort\` if the default does not fit`);
  if (setting !== undefined) {
    if (bind?.port !== undefined && bind.port !== setting) {
      refusals.push(problem(model.file, at(bind.key), web.name, `gunicorn binds port ${bind.port} but \`${SETTING_PREFIX}webPort\` is ${setting}`, `set \`${SETTING_PREFIX}webPort: ${bind.port}\`, or bind gunicorn to :${setting} on line ${at(bind.key)}`));
    }
    notes.push(`web port ${setting}, from the webPort setting`);
    return setting;
  }
  if (bind?.port !== undefined) {
    notes.push(`web port ${bind.port}, from gunicorn's bind (line ${at(bind.key)})`);
    return bind.port;
  }
  if (exposed.length > 0) {
    notes.push(`web port ${exposed[0]}, from \`expose:\` (line ${at("expose")})${exposed.length > 1 ? `, the first of ${exposed.join(", ")}` : ""}`);
    return exposed[0];
  }
  notes.push(`web port ${DEFAULT_WEB_PORT} (gunicorn's default): neither \`expose:\` nor a gunicorn \`--bind\` in \`command:\` names one; set \`${SETTING_PREFIX}webPort\` if ${web.name} listens elsewhere`);
  return DEFAULT_WEB_PORT;
}

/** Gunicorn's `--bind`/`-b` address in command/entrypoint (or GUNICORN_CMD_ARGS), if written there. */
function gunicornBind(web: ComposeService, env: Env): { key: string; port?: number; socket: boolean } | undefined {
  const sources: [string, unknown][] = [["command", web.spec.command], ["entrypoint", web.spec.entrypoint], ["environment", gunicornArgs(web.spec.environment)]];
  for (const [key, value] of sources) {
    if (value === undefined || value === null) continue;
    const text = interpolate(Array.isArray(value) ? value.map(String).join(" ") : String(value), env);
    if (key !== "environment" && !/gunicorn/.test(text)) continue;
    const words = shellWords(text) ?? text.split(/\s+/);
    const i = words.findIndex((w) => w === "-b" || w === "--bind" || w.startsWith("--bind=") || /^-b\S/.test(w));
    if (i < 0) continue;
    const w = words[i];
    const address = w === "-b" || w === "--bind" ? (words[i + 1] ?? "") : w.replace(/^--bind=|^-b/, "");
    if (address.startsWith("unix:") || address.startsWith("fd://")) return { key, socket: true };
    const m = /:(\d+)$/.exec(address);
    return { key, port: m ? Number(m[1]) : DEFAULT_WEB_PORT, socket: false };
  }
  return undefined;
}

function gunicornArgs(environment: unknown): string | undefined {
  if (isMapping(environment)) return environment.GUNICORN_CMD_ARGS === undefined ? undefined : String(environment.GUNICORN_CMD_ARGS);
  if (Array.isArray(environment)) {
    const entry = environment.map(String).find((e) => e.startsWith("GUNICORN_CMD_ARGS="));
    return entry?.slice("GUNICORN_CMD_ARGS=".length);
  }
  return undefined;
}
