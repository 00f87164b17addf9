// Section parser: where the app runs (ec2 | ecs), its media storage, the names it answers to, and on
// ecs the web task derived from the compose file (so the file's ECS problems come before any resource).
import * as path from "path";
import type { ProjectFiles } from "./app";
import { hostedZoneIdProblem, hostNameProblem } from "./domain";
import { planEcsTask } from "./ecsTask";
import type { Reader } from "./reader";
import { SPECS } from "./specs";
import type { AppSettings, Hosting, HostingSettings, MediaStorage } from "./types";

/** Settings that mean something on ecs only. */
const ECS_ONLY = ["minTasks", "maxTasks", "taskCpu", "taskMemory"];

/** On ec2 the host's certificate is always validated over HTTP-01: a hosted zone does not help a wildcard there. */
const EC2_WILDCARD_FIX =
  "list each name instead (e.g. www.example.com): the host's certificate is validated over HTTP-01, which cannot certify a wildcard";

function domainNames(r: Reader, kind: Hosting, wildcard: boolean): string[] {
  const names = r.list("domain") ?? [];
  const seen = new Set<string>();
  for (const name of names) {
    const problem = hostNameProblem(name, { wildcard });
    const wildcardOnEc2 = kind === "ec2" && problem?.why.startsWith("is a wildcard");
    if (problem) r.bad("domain", name, problem.why, wildcardOnEc2 ? EC2_WILDCARD_FIX : problem.fix);
    else if (seen.has(name)) r.bad("domain", name, "is listed twice", "list each name once");
    seen.add(name);
  }
  return names;
}

function mediaStorage(r: Reader, kind: Hosting): MediaStorage {
  const chosen = r.isSet("mediaStorage") ? r.choice<MediaStorage>("mediaStorage") : undefined;
  if (kind === "ecs" && chosen === "volume") {
    r.bad("mediaStorage", chosen, "cannot be volume on ecs: a Fargate task's disk is gone when the task stops",
      "remove mediaStorage (ecs keeps media in S3), or set it to s3");
  }
  return chosen ?? (kind === "ecs" ? "s3" : "volume");
}

/** On ec2, the ecs-only settings are refused rather than silently ignored. */
function refuseEcsOnly(r: Reader): void {
  for (const key of ECS_ONLY) {
    if (r.isSet(key)) r.bad(key, r.integer(key), "applies to hosting ecs only", `remove ${key}, or set hosting: ecs`);
  }
}

function tasks(r: Reader): { minTasks: number; maxTasks: number; taskCpu?: number; taskMemory?: number } {
  const minTasks = r.count("minTasks");
  const maxTasks = r.count("maxTasks");
  if (maxTasks < minTasks) {
    r.bad("maxTasks", maxTasks, `is below minTasks (${minTasks})`, `set maxTasks to ${minTasks} or more`);
  }
  const taskCpu = r.integer("taskCpu");
  const allowed = SPECS.taskCpu.allowed ?? [];
  if (taskCpu !== undefined && !allowed.includes(String(taskCpu))) {
    r.bad("taskCpu", taskCpu, `is not a Fargate CPU size (one of ${allowed.join(", ")})`,
      "use one of those, or unset it to size the task from the compose file");
  }
  return { minTasks, maxTasks,
    taskCpu: taskCpu !== undefined && allowed.includes(String(taskCpu)) ? taskCpu : undefined,
    taskMemory: r.integer("taskMemory") };
}

export function parseHosting(r: Reader, app: AppSettings, files: ProjectFiles): HostingSettings {
  const kind = r.choice<Hosting>("hosting");
  const hostedZoneId = r.string("hostedZoneId");
  const zoneProblem = hostedZoneId === undefined ? undefined : hostedZoneIdProblem(hostedZoneId);
  if (zoneProblem) r.bad("hostedZoneId", hostedZoneId, zoneProblem.why, zoneProblem.fix);
  // A wildcard name is certified only through DNS validation: ACM with the hosted zone on ecs.
  const domain = domainNames(r, kind, kind === "ecs" && hostedZoneId !== undefined);
  if (hostedZoneId !== undefined && domain.length === 0) {
    r.bad("hostedZoneId", hostedZoneId, "is set without domain",
      "also set domain to the names in that zone, or remove hostedZoneId");
  }
  const settings: HostingSettings = { kind, mediaStorage: mediaStorage(r, kind), domain, hostedZoneId };
  if (kind === "ec2") {
    refuseEcsOnly(r);
    return settings;
  }
  if (r.isSet("deployMode") && app.deployMode === "host") {
    r.bad("deployMode", app.deployMode, "cannot be host on ecs: Fargate pulls images from a registry",
      "remove deployMode (ecs always pushes the web image to ECR)");
  }
  const sizes = tasks(r);
  const file = path.join(app.dir, app.composeFile);
  // A missing or misplaced compose file is already reported by the app section.
  if (path.isAbsolute(file) || file.split(/[\\/]/).includes("..") || !files.exists(file)) return settings;
  const { plan, problems } = planEcsTask({ file, text: files.read(file), webService: app.webService, appEnv: app.env,
    appSecrets: Object.keys(app.secrets), ...sizes, cache: r.string("cache") === "redis",
    proxyService: app.proxyService || undefined });
  r.problems.push(...problems);
  return { ...settings, ecs: plan };
}
