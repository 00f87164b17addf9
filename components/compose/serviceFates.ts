// What a deploy does with each service of the compose file: one row per service, shown by the plan,
// so no service's fate is left unsaid. Pure.
//
// On ec2 (host/release/deploy.sh) a service is one of:
//   web     proxied and switched gaplessly: a new container beside the old one, the proxy routed to
//           it alone once healthy, the old one drained and stopped;
//   proxy   the app's proxy (nginx): reloaded during the switch; recreated only when it changed;
//   worker  restarted after web has switched, one replica at a time: SIGTERM, then up to its
//           stop_grace_period to finish what it has (a warm shutdown), then its replacement starts;
//           left alone when unchanged. A worker is a service built from web's build or image (a
//           celery worker or beat, an rq worker), or one named in the workerServices setting;
//   other   left alone when unchanged; recreated (compose up) when its config or image changed
//           (redis, a mail relay…).
// A rollback (ops rollback, or a deploy switching back) runs the same steps for the release it
// returns to.

import { durationSeconds } from "./fields";
import { ComposeModel, ComposeService, isMapping } from "./model";

/**
 * compose's stop timeout when a service sets no stop_grace_period: "Default value is 10 seconds for
 * the container to exit before sending SIGKILL" (compose-spec/compose-spec 05-services.md,
 * stop_grace_period; docs.docker.com/reference/compose-file/services/#stop_grace_period).
 */
export const DEFAULT_STOP_GRACE_SECONDS = 10;

export type Ec2Role = "web" | "proxy" | "worker" | "other";

/** What a deploy on ec2 does with one service. */
export interface Ec2Fate {
  role: Ec2Role;
  /** Seconds it has between SIGTERM and SIGKILL when stopped: its stop_grace_period, else compose's default. */
  stopGraceSeconds: number;
  /** One line for the plan. */
  text: string;
}

/** ecs: what the translation makes of the service. */
export type EcsFate =
  /** web: its own ECS service behind the load balancer, autoscaled between minTasks and maxTasks. */
  | { kind: "web-service"; minTasks: number; maxTasks: number }
  /** A service web depends on: a container in web's task (ECS orders containers only within a task). */
  | { kind: "in-web-task" }
  /** The proxy: the load balancer takes its place. */
  | { kind: "replaced-by-load-balancer" }
  /** A worker: its own ECS service (web's image, its own command, no load balancer). */
  | { kind: "worker-service"; minTasks: number; maxTasks: number }
  /** celery beat (or another scheduler): exactly one task at any time, never two. */
  | { kind: "singleton-service" }
  /** Replaced by a managed service outside compose: the stack's cache (REDIS_URL) or RDS database (DATABASE_URL). */
  | { kind: "managed"; by: "cache" | "database" }
  /** ecs cannot host it: the reason and the fix (the config refuses the stack with the same words). */
  | { kind: "refused"; reason: string; fix: string };

/** What the ecs translation makes of one service (config/ecsTask.ts). */
export interface EcsServiceFate {
  service: string;
  ecs: EcsFate;
}

/** One service of the compose file and what each hosting does with it (ecs: when the stack runs there). */
export interface ServiceFate {
  service: string;
  ec2: Ec2Fate;
  ecs?: EcsFate;
}

/** The ecs fate in the plan's words. */
export function ecsFateText(f: EcsFate): string {
  switch (f.kind) {
    case "web-service":
      return `its own ECS service behind the load balancer, ${f.minTasks}..${f.maxTasks} tasks`;
    case "in-web-task":
      return "a container in web's task";
    case "replaced-by-load-balancer":
      return "replaced by the load balancer";
    case "worker-service":
      return `its own ECS service (web's image, its own command, no load balancer), ${f.minTasks}..${f.maxTasks} tasks`;
    case "singleton-service":
      return "a single task (an ECS service of exactly one task; the old one stops before the new starts)";
    case "managed":
      return f.by === "cache"
        ? "replaced by the stack's managed cache (REDIS_URL)"
        : "replaced by the stack's RDS database (DATABASE_URL)";
    case "refused":
      return `refused: ${f.reason}. Fix: ${f.fix}`;
  }
}

/** A service's stop_grace_period in whole seconds (rounded up), compose's default when unset or unreadable. */
export function stopGraceSeconds(s: ComposeService): number {
  const seconds = durationSeconds(s.spec.stop_grace_period);
  return seconds === undefined ? DEFAULT_STOP_GRACE_SECONDS : Math.ceil(seconds);
}

/** A `build:` as a comparable text: the short form is the long form's context. */
function buildKey(build: unknown): string | undefined {
  if (typeof build === "string") return JSON.stringify({ context: build });
  if (!isMapping(build)) return undefined;
  return JSON.stringify(Object.fromEntries(Object.entries(build).sort(([a], [b]) => a.localeCompare(b))));
}

/**
 * The worker services: those (other than web and the proxy) built from web's build or running
 * web's image, as written, and those the workerServices setting names. In file order.
 */
export function workerServices(model: ComposeModel, webService: string, proxyService: string | undefined,
  named: readonly string[] = []): string[] {
  const web = model.services.find((s) => s.name === webService);
  const webBuild = web ? buildKey(web.spec.build) : undefined;
  const webImage = web && typeof web.spec.image === "string" ? web.spec.image : undefined;
  return model.services
    .filter((s) => s.name !== webService && s.name !== proxyService)
    .filter((s) =>
      named.includes(s.name)
      || (webBuild !== undefined && buildKey(s.spec.build) === webBuild)
      || (webImage !== undefined && s.spec.image === webImage)
    )
    .map((s) => s.name);
}

function ec2Text(role: Ec2Role, grace: number, proxy: string | undefined, web: string): string {
  switch (role) {
    case "web":
      return `proxied${
        proxy ? ` behind ${proxy}` : ""
      } and switched gaplessly (new container beside the old one, the old one drained, then stopped)`;
    case "proxy":
      return `the app's proxy: reloaded during the switch; recreated only when its config or image changed`;
    case "worker":
      return `worker: restarted after ${web} has switched, one replica at a time (SIGTERM, up to ${grace}s stop_grace_period to finish its job); left alone when unchanged`;
    case "other":
      return "left alone when unchanged; recreated when its config or image changed";
  }
}

/** Every service of the compose file, in file order, with what a deploy on ec2 does with it. */
export function serviceFates(model: ComposeModel,
  opts: { webService: string; proxyService?: string; workers: readonly string[] }): ServiceFate[] {
  return model.services.map((s) => {
    const role: Ec2Role = s.name === opts.webService
      ? "web"
      : s.name === opts.proxyService
      ? "proxy"
      : opts.workers.includes(s.name)
      ? "worker"
      : "other";
    const grace = stopGraceSeconds(s);
    return { service: s.name,
      ec2: { role, stopGraceSeconds: grace, text: ec2Text(role, grace, opts.proxyService, opts.webService) } };
  });
}

/** The ec2 fates with the ecs translation's beside them, by service (a stack on ecs). */
export function withEcsFates(fates: readonly ServiceFate[], ecs: readonly EcsServiceFate[]): ServiceFate[] {
  const byService = new Map(ecs.map((f) => [f.service, f.ecs]));
  return fates.map((f) => (byService.has(f.service) ? { ...f, ecs: byService.get(f.service) } : f));
}

/** The plan's lines: one per service, `<service>  ec2: <fate>[; ecs: <fate>]`. */
export function describeServiceFates(fates: readonly ServiceFate[]): string[] {
  const width = Math.max(0, ...fates.map((f) => f.service.length));
  return fates.map((f) =>
    `${f.service.padEnd(width)}  ec2: ${f.ec2.text}${f.ecs ? `; ecs: ${ecsFateText(f.ecs)}` : ""}`
  );
}
