// Section parser: the compose app (directory, compose file, web service, health check, .env entries).
import * as path from "path";
import { hasControlCharacter } from "./checks";
import { envEntryProblem, reservedEnvReason, turnsOnDebug } from "./envfile";
import type { Reader } from "./reader";
import type { AppSettings, DeployMode } from "./types";

// js-yaml ships with @pulumi/pulumi, without type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as { load(text: string): unknown };

/** How the app section reads files of the project (relative paths). */
export interface ProjectFiles {
  exists(relativePath: string): boolean;
  read(relativePath: string): string;
}

/** The services a compose file defines, or why it is not a compose file. Never quotes the file. */
export function composeServices(text: string): { services: string[] } | { problem: string } {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (e) {
    const reason = (e as { reason?: string }).reason ?? "unreadable";
    const line = (e as { mark?: { line?: number } }).mark?.line;
    return { problem: `is not valid YAML (${reason}${line === undefined ? "" : ` at line ${line + 1}`})` };
  }
  const services = typeof doc === "object" && doc !== null && !Array.isArray(doc) ? (doc as { services?: unknown }).services : undefined;
  if (typeof services !== "object" || services === null || Array.isArray(services) || Object.keys(services).length === 0) {
    return { problem: "is not a compose file: it has no `services:` mapping with at least one service" };
  }
  return { services: Object.keys(services) };
}

/** Why curl would not request the health path as written, or undefined. */
export function healthPathProblem(healthPath: string): string | undefined {
  if (hasControlCharacter(healthPath)) return "contains a control character or NUL";
  if (!/^\/\S*$/.test(healthPath)) return "must start with / and contain no spaces";
  if (/[[\]{}]/.test(healthPath)) return "contains [ ] { }, which curl expands as a glob";
  return undefined;
}

function composeFileServices(r: Reader, files: ProjectFiles, dir: string, composeFile: string): string[] | undefined {
  const outside = (p: string) => path.isAbsolute(p) || p.split(/[\\/]/).includes("..");
  if (outside(dir)) {
    r.bad("appDir", dir, "must be a path inside the project (relative, no ..)", "e.g. app");
  } else if (!files.exists(dir)) {
    r.bad("appDir", dir, "does not exist (relative to the project root)", "create it or point appDir at the directory holding your compose file");
  } else if (outside(composeFile)) {
    r.bad("composeFile", composeFile, "must be a file name inside appDir (relative, no ..)", "e.g. docker-compose.prod.yml");
  } else if (!files.exists(path.join(dir, composeFile))) {
    r.bad("composeFile", composeFile, `does not exist in appDir "${dir}"`, `add ${dir}/${composeFile} or set composeFile to the file that exists`);
  } else {
    const parsed = composeServices(files.read(path.join(dir, composeFile)));
    if ("services" in parsed) return parsed.services;
    r.bad("composeFile", composeFile, parsed.problem, "point composeFile at your production compose file (a `services:` mapping)");
  }
  return undefined;
}

function appEnv(r: Reader, app: { webService: string; deployMode: DeployMode }): Record<string, string> {
  const env = r.map("appEnv");
  for (const [name, value] of Object.entries(env)) {
    const entry = envEntryProblem(name, value);
    if (entry) {
      const fix = /is not a valid variable name/.test(entry)
        ? `rename it, e.g. ${name.toUpperCase().replace(/[^A-Z0-9_]/g, "_").replace(/^(\d)/, "_$1")}`
        : "write the value without quotes, backslashes, ${ or line breaks (a secret belongs in a secret store, not appEnv)";
      r.bad("appEnv", name, `cannot be written to the .env file: ${entry}`, fix);
      continue;
    }
    const reserved = reservedEnvReason(name, app);
    if (reserved) r.bad("appEnv", name, reserved, `remove ${name} from appEnv; the app reads the deployment's value`);
    if (r.stage === "prod" && turnsOnDebug(name, value)) {
      r.bad("appEnv", name, "has a value that turns on the framework's debug mode in prod, whose error pages print settings such as DATABASE_URL", `set ${name} to 0/false (or remove it) for prod`);
    }
  }
  return env;
}

export function parseApp(r: Reader, files: ProjectFiles): AppSettings {
  const dir = r.text("appDir");
  const composeFile = r.text("composeFile");
  const deployMode = r.choice<DeployMode>("deployMode");
  const webService = r.text("webService");
  const services = composeFileServices(r, files, dir, composeFile);
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(webService)) {
    r.bad("webService", webService, "is not a compose service name", "use the name of the service under `services:` that serves HTTP, e.g. web");
  } else if (services && !services.includes(webService)) {
    r.bad("webService", webService, `is not a service of ${composeFile} (it defines ${services.join(", ")})`, `set webService to the service that serves HTTP, one of ${services.join(", ")}`);
  }
  const healthPath = r.text("healthPath");
  const healthProblem = healthPathProblem(healthPath);
  if (healthProblem) r.bad("healthPath", healthPath, healthProblem, `e.g. /${healthPath.replace(/[^A-Za-z0-9/_.~-]+/g, "").replace(/^\/*/, "") || "healthz"}`);
  return {
    dir,
    deployMode,
    composeFile,
    webService,
    healthPath,
    healthTimeoutSeconds: r.count("healthTimeoutSeconds"),
    keepReleases: r.count("keepReleases"),
    env: appEnv(r, { webService, deployMode }),
  };
}
