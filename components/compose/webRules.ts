// The gapless switch's rules about the web service (components/compose/gapless.ts runs them): what
// stops a second web container from starting beside the first, how its health is judged, and which
// env file the deployment writes. Pure; each refusal names file, line, service and the edit.
import * as path from "path";
import { editDistance, type Env, readDependsOn, readEnvFiles, readPorts } from "./fields";
import { type ComposeModel, type ComposeService, isMapping, lineAt, problem, SETTING_PREFIX } from "./model";

export type HealthSource = "compose healthcheck" | "deploy probe";

/** A named service is missing: suggest the nearest name, or list the services. */
export function missingService(model: ComposeModel, name: string, setting: string, role: string): string {
  const names = model.services.map((s) => s.name);
  const nearest = [...names].sort((a, b) => editDistance(name, a) - editDistance(name, b))[0];
  const what = `has no service "${name}" (${role}); its services are ${names.join(", ")}`;
  const fix =
    `set \`${SETTING_PREFIX}${setting}: ${nearest}\` in the stack settings if ${nearest} is ${role}, or rename that service to ${name} under \`services:\``;
  return problem(model.file, lineAt(model, ["services"]), undefined, what, fix);
}

export function webRefusals(model: ComposeModel, web: ComposeService, env: Env): string[] {
  const out: string[] = [];
  const at = (...path: (string | number)[]) => lineAt(model, ["services", web.name, ...path]);
  if (web.spec.container_name !== undefined) {
    const name = String(web.spec.container_name);
    const alias = name === web.name ? "" : ` (anything that reaches it as "${name}" must use "${web.name}" instead)`;
    out.push(
      problem(model.file, at("container_name"), web.name,
        `\`container_name: ${name}\` fixes the container's name, so the second ${web.name} container a switch starts cannot be created`,
        `delete line ${at("container_name")} \`container_name: ${name}\`${alias}`),
    );
  }
  for (const port of readPorts(web.spec.ports, env)) {
    if (port.published === undefined) continue;
    out.push(
      problem(model.file, at("ports", port.index), web.name,
        `publishes host port ${port.published} (\`${port.text}\`), which two ${web.name} containers cannot both bind during a switch`,
        `delete line ${
          at("ports", port.index)
        } \`- ${port.text}\` (and \`ports:\` if it is left empty); the proxy reaches ${web.name} over the compose network, and \`expose: ["${port.target}"]\` documents the port`),
    );
  }
  if (web.spec.network_mode !== undefined) {
    const mode = String(web.spec.network_mode);
    out.push(
      problem(model.file, at("network_mode"), web.name,
        `\`network_mode: ${mode}\` takes ${web.name} off the compose network: two containers would share one network stack and the proxy cannot reach them by the name "${web.name}"`,
        `delete line ${at("network_mode")} \`network_mode: ${mode}\` and have the proxy reach \`${web.name}:<port>\``),
    );
  }
  return out;
}

export function healthSource(model: ComposeModel, web: ComposeService, notes: string[]): HealthSource {
  const hc = web.spec.healthcheck;
  const line = lineAt(model, ["services", web.name, "healthcheck"]);
  const probe =
    "the deploy probes each new container (HTTP on the health path at the container's address, else its port open) before traffic moves";
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

export function dependsOnHealthyRefusals(model: ComposeModel, web: ComposeService): string[] {
  const out: string[] = [];
  for (const s of model.services) {
    for (const dep of readDependsOn(s.spec.depends_on)) {
      if (dep.service !== web.name || dep.condition !== "service_healthy") continue;
      const line = lineAt(model, ["services", s.name, "depends_on", web.name, "condition"]);
      out.push(
        problem(model.file, line, s.name,
          `waits for ${web.name} to be \`service_healthy\`, but ${web.name} has no enabled healthcheck, so compose refuses to start ${s.name}`,
          `change line ${line} to \`condition: service_started\`, or add a \`healthcheck:\` to ${web.name}`),
      );
    }
  }
  return out;
}

export function readWebEnvFiles(model: ComposeModel, web: ComposeService, notes: string[],
  refusals: string[]): { envFiles: string[]; envFileToWrite: string } {
  const entries = readEnvFiles(web.spec.env_file);
  for (const e of entries) {
    const line = lineAt(model, ["services", web.name, "env_file",
      ...(Array.isArray(web.spec.env_file) ? [e.index] : [])]);
    if (path.posix.isAbsolute(e.path) || path.posix.normalize(e.path).startsWith("../")) {
      const base = e.path.split("/").pop() || ".env";
      const edit = Array.isArray(web.spec.env_file) ? `- ${base}` : `env_file: ${base}`;
      refusals.push(
        problem(model.file, line, web.name,
          `\`env_file: ${e.path}\` is outside the app directory, where the deployment writes the environment`,
          `change line ${line} to \`${edit}\` (a path inside the app directory, relative to the compose file)`),
      );
    }
    if (!e.required) {
      notes.push(
        `env_file ${e.path} (line ${line}) uses the long syntax (\`required: false\`), which needs compose v2.24 or later`,
      );
    }
  }
  const envFiles = entries.map((e) => path.posix.normalize(e.path));
  if (envFiles.length === 0) {
    notes.push(
      `${web.name} names no \`env_file:\`: the stack's environment is written to .env, which compose reads only for \${VAR} references; add \`env_file: .env\` to pass every setting to ${web.name}`,
    );
    return { envFiles, envFileToWrite: ".env" };
  }
  const envFileToWrite = envFiles[envFiles.length - 1];
  if (envFiles.length > 1) {
    notes.push(
      `the stack's environment is written to ${envFileToWrite}, the last of ${web.name}'s env files, so its values win`,
    );
  }
  return { envFiles, envFileToWrite };
}
