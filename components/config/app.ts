// Section parser: the compose app (directory, compose file, web and proxy services, health check,
// .env entries, files allowed into the bundle). The compose file is judged here, before any resource
// exists: what would break the gapless switch on the host is refused with the file, line and edit
// (components/compose/gapless.ts); what it reveals (proxy, web port, env file, health source) is kept.
import * as path from "path";
import { analyseForGaplessSwitch, describeFindings, type GaplessFindings } from "../compose/gapless";
import { DEFAULT_WEB_PORT } from "../compose/webPort";
import { ALLOW_ESCAPE_SHAPE, findEscapes } from "../compose/escapes";
import { ComposeError, ComposeModel, parseCompose, problem, SETTING_PREFIX } from "../compose/model";
import { analyseDbCaMounts, analyseMounts, PathKind } from "../compose/mounts";
import { serviceFates, workerServices } from "../compose/serviceFates";
import { hasControlCharacter } from "./checks";
import { appEnv, appSecrets, secretKey } from "./appVariables";
import type { Reader } from "./reader";
import type { AppSettings, DeployMode } from "./types";

/** How the app section reads files of the project (relative paths). */
export interface ProjectFiles {
  exists(relativePath: string): boolean;
  read(relativePath: string): string;
  /** Whether an existing path is a directory; undefined when it cannot tell. */
  isDirectory(relativePath: string): boolean | undefined;
}

/** Why curl would not request the health path as written, or undefined. */
export function healthPathProblem(healthPath: string): string | undefined {
  if (hasControlCharacter(healthPath)) return "contains a control character or NUL";
  if (!/^\/\S*$/.test(healthPath)) return "must start with / and contain no spaces";
  if (/[[\]{}]/.test(healthPath)) return "contains [ ] { }, which curl expands as a glob";
  return undefined;
}

/** A compose service name as compose accepts it. */
const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The compose file, parsed with its lines; undefined (a problem recorded) when it cannot be read as one. */
function readComposeModel(r: Reader, files: ProjectFiles, dir: string, composeFile: string): ComposeModel | undefined {
  const outside = (p: string) => path.isAbsolute(p) || p.split(/[\\/]/).includes("..");
  const file = path.join(dir, composeFile);
  if (outside(dir)) {
    r.bad("appDir", dir, "must be a path inside the project (relative, no ..)", "e.g. app");
  } else if (path.posix.resolve("/project", dir) === "/project") {
    r.bad("appDir", dir,
      "is the project root: the bundle would ship this project itself (node_modules, Pulumi files, tests)",
      "move your app into a directory of its own, e.g. myapp/, and set appDir to it");
  } else if (!files.exists(dir)) {
    r.bad("appDir", dir, "does not exist (relative to the project root)",
      "create it or point appDir at the directory holding your compose file");
  } else if (files.isDirectory(dir) === false) {
    r.bad("appDir", dir, "is a file, not a directory",
      `point appDir at the directory that holds it (${
        path.dirname(dir) === "." ? "a directory of its own" : path.dirname(dir)
      }) and composeFile at the file`);
  } else if (outside(composeFile)) {
    r.bad("composeFile", composeFile, "must be a file name inside appDir (relative, no ..)",
      "e.g. docker-compose.prod.yml");
  } else if (!files.exists(file)) {
    r.bad("composeFile", composeFile, `does not exist in appDir "${dir}"`,
      `add ${dir}/${composeFile} or set composeFile to the file that exists`);
  } else if (files.isDirectory(file) === true) {
    r.bad("composeFile", composeFile, `is a directory in appDir "${dir}", not a file`,
      `name the compose file itself, e.g. ${
        path.posix.join(composeFile, "docker-compose.prod.yml")
      } (or move it into appDir)`);
  } else {
    try {
      return parseCompose(files.read(path.join(dir, composeFile)), path.posix.join(dir, composeFile));
    } catch (e) {
      if (!(e instanceof ComposeError)) throw e;
      // Each problem names the file, the line and the fix; never quotes a value of the file.
      for (const p of e.problems) r.problems.push(`${r.ns}:composeFile: ${p}`);
    }
  }
  return undefined;
}

/** Patterns of files that ship on purpose: relative to appDir, so they cannot reach outside it. */
function allowFiles(r: Reader, dir: string): string[] {
  const patterns = r.list("appAllowFiles") ?? [];
  for (const p of patterns) {
    const bare = p.replace(/^!/, "");
    if (bare === "" || bare.startsWith("/") || bare.split("/").includes("..")) {
      const name = bare.split("/").filter((part) => part !== ".." && part !== "").pop();
      r.bad("appAllowFiles", p,
        `must be a pattern relative to appDir "${dir}" (no leading /, no ..): only files inside it ship`,
        name ? `copy the file into ${dir} and list it relative to it, e.g. "${name}"` : "remove it");
    }
  }
  return patterns;
}

/**
 * The compose file judged for the gapless switch (ec2 only: ecs translates the file itself). Returns
 * what the deployment needs; every refusal becomes a problem naming the file, service, line and edit.
 */
function judgeCompose(r: Reader, model: ComposeModel | undefined,
  opts: { webService: string; proxyService?: string; webPort?: number; env: Record<string, string>;
    kindOf: (p: string) => PathKind }): GaplessFindings | undefined {
  const validName = (name: string | undefined) => name === undefined || SERVICE_NAME.test(name);
  // A missing web service or a malformed name is already a problem of its setting.
  if (model === undefined || !model.services.some((s) => s.name === opts.webService) || !validName(opts.proxyService)) {
    return undefined;
  }
  const findings = analyseForGaplessSwitch(model, opts);
  // What the mounts do across releases (components/compose/mounts.ts); ecs refuses host paths itself.
  const mounts = analyseMounts(model, { env: opts.env, kindOf: opts.kindOf });
  findings.notes.push(...mounts.notes);
  // Both hostings verify the database's certificate at /db-ca (ecs: the task's db-login volume).
  r.problems.push(...analyseDbCaMounts(model, findings.envFileToWrite, opts.env));
  if (r.string("hosting") !== "ecs") {
    r.problems.push(...findings.refusals, ...mounts.refusals);
    judgeEscapes(r, model, findings, opts.env);
  }
  return findings;
}

/**
 * The worker services (restarted after web has switched): those built from web's build or image,
 * and those workerServices names, each of which must be a service of the file other than web and
 * its proxy.
 */
function readWorkers(r: Reader, model: ComposeModel | undefined, findings: GaplessFindings | undefined): string[] {
  const named = r.list("workerServices") ?? [];
  if (model === undefined || findings === undefined) return [];
  const names = model.services.map((s) => s.name);
  for (const name of named) {
    if (!names.includes(name)) {
      r.bad("workerServices", name, `is not a service of ${model.file} (it defines ${names.join(", ")})`,
        "list only services of the compose file that run background jobs, e.g. worker");
    } else if (name === findings.web || name === findings.proxy) {
      r.bad("workerServices", name,
        `is the ${
          name === findings.web ? "web service (webService)" : "proxy (proxyService)"
        }, which the deploy switches itself`, `remove "${name}" from workerServices`);
    }
  }
  return workerServices(model, findings.web, findings.proxy, named);
}

/** What a path relative to the compose file's directory is in the app directory. */
function pathKinds(files: ProjectFiles, dir: string, composeFile: string): (relative: string) => PathKind {
  const base = path.posix.join(dir, path.posix.dirname(composeFile));
  return (relative) => {
    const p = path.posix.join(base, relative);
    if (!files.exists(p)) return "missing";
    const isDir = files.isDirectory(p);
    return isDir === undefined ? "unknown" : isDir ? "directory" : "file";
  };
}

/**
 * Escape hatches in every service (components/compose/escapes.ts): prod refuses each one that
 * composeAllowEscapes does not list; other stages keep it with a warning in the plan. An entry that is
 * malformed or names no hatch of the file is refused, so the list never allows more than it says.
 */
function judgeEscapes(r: Reader, model: ComposeModel, findings: GaplessFindings, env: Record<string, string>): void {
  const allowed = r.list("composeAllowEscapes") ?? [];
  // network_mode on web, and host networking on the proxy, are refused by the switch's own rules already.
  const escapes = findEscapes(model, env).filter((e) =>
    !(e.token.endsWith(":network_mode:host") && (e.service === findings.web || e.service === findings.proxy))
  );
  const setting = `\`${SETTING_PREFIX}composeAllowEscapes\``;
  for (const e of escapes) {
    if (allowed.includes(e.token)) {
      findings.notes.push(
        `${e.service} keeps an escape hatch on purpose (line ${e.line}, "${e.token}" in composeAllowEscapes): ${e.what}`,
      );
    } else if (r.stage === "prod") {
      r.problems.push(
        problem(model.file, e.line, e.service, `${e.what}; prod refuses it`,
          `${e.fix}; or, if ${e.service} truly needs it, list "${e.token}" in ${setting}`),
      );
    } else {
      findings.notes.push(
        `warning: ${model.file}:${e.line}: service "${e.service}": ${e.what}; prod refuses it unless ${setting} lists "${e.token}"`,
      );
    }
  }
  for (const entry of allowed) {
    if (!ALLOW_ESCAPE_SHAPE.test(entry)) {
      r.bad("composeAllowEscapes", entry,
        "is not `<service>:<hatch>` (hatch: privileged, network_mode:host, pid:host, ipc:host, cap_add:<CAPABILITY>, volume:<host path>)",
        'copy the token the refusal names, e.g. "worker:privileged"');
    } else if (!escapes.some((e) => e.token === entry)) {
      const found = escapes.map((e) => `"${e.token}"`);
      r.bad("composeAllowEscapes", entry,
        `names no escape hatch of ${model.file}${
          found.length > 0 ? ` (it has ${found.join(", ")})` : " (it has none)"
        }`, "remove it, so the list allows only what the file does");
    }
  }
}

function serviceName(r: Reader, key: "webService" | "proxyService", name: string | undefined,
  model: ComposeModel | undefined): void {
  if (name === undefined) return;
  if (!SERVICE_NAME.test(name)) {
    r.bad(key, name, "is not a compose service name",
      `use the name of the service under \`services:\` that ${
        key === "webService" ? "serves HTTP, e.g. web" : "proxies to the web service, e.g. nginx"
      }`);
  } else if (key === "webService" && model && !model.services.some((s) => s.name === name)) {
    const services = model.services.map((s) => s.name);
    r.bad(key, name, `is not a service of ${model.file} (it defines ${services.join(", ")})`,
      `set webService to the service that serves HTTP, one of ${services.join(", ")}`);
  }
}

const optional = <K extends string, V>(key: K,
  value: V | undefined): { [k in K]?: V } => (value === undefined ? {} : { [key]: value } as { [k in K]: V });

export function parseApp(r: Reader, files: ProjectFiles): AppSettings {
  const dir = r.text("appDir");
  const composeFile = r.text("composeFile");
  const deployMode = r.choice<DeployMode>("deployMode", "host");
  const webService = r.text("webService");
  const proxyService = r.string("proxyService");
  const model = readComposeModel(r, files, dir, composeFile);
  serviceName(r, "webService", webService, model);
  serviceName(r, "proxyService", proxyService, model);
  const healthPath = r.text("healthPath");
  const healthProblem = healthPathProblem(healthPath);
  if (healthProblem) {
    r.bad("healthPath", healthPath, healthProblem,
      `e.g. /${healthPath.replace(/[^A-Za-z0-9/_.~-]+/g, "").replace(/^\/*/, "") || "healthz"}`);
  }
  const env = appEnv(r, { webService, deployMode });
  const findings = judgeCompose(r, model, { webService, proxyService, webPort: r.integer("webPort"), env,
    kindOf: pathKinds(files, dir, composeFile) });
  const workers = readWorkers(r, model, findings);
  return {
    dir,
    deployMode,
    composeFile,
    webService,
    // Without a readable compose file a problem is already recorded; these stand-ins are never deployed.
    proxyService: findings?.proxy ?? proxyService ?? "nginx",
    webPort: findings?.webPort ?? r.integer("webPort") ?? DEFAULT_WEB_PORT,
    envFile: findings?.envFileToWrite ?? ".env",
    healthSource: findings?.health ?? "compose healthcheck",
    composeFindings: findings ? describeFindings(findings) : [],
    workerServices: workers,
    serviceFates: model && findings ? serviceFates(model, { webService, proxyService: findings.proxy, workers }) : [],
    allowFiles: allowFiles(r, dir),
    healthPath,
    healthTimeoutSeconds: r.count("healthTimeoutSeconds"),
    healthBusySeconds: r.count("healthBusySeconds"),
    keepReleases: r.count("keepReleases"),
    env,
    secrets: appSecrets(r, { webService, deployMode }, env),
    ...optional("secretKey", secretKey(r)),
  };
}
