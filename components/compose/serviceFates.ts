// What each hosting does with every service of the compose file: one row per service, which the plan
// prints as a table, so no service is dropped without the plan saying so. A leaf: types and their words.
// Config fills the `ecs` side (config/ecsTask.ts); the `ec2` side is the deploy's (the host scripts'
// order of a release: proxied and switched, restarted after the switch, or left alone).

/** ec2: what a deploy does with the service. */
export type Ec2Fate =
  /** web: new containers beside the old, health-checked, then the proxy switches to them (gapless). */
  | { kind: "switched" }
  /** The proxy in front of web: reloaded during the switch, its container kept. */
  | { kind: "proxy" }
  /** A worker (built from web's build or image): restarted after web has switched, with its stop_grace_period. */
  | { kind: "restarted-after-switch"; stopGraceSeconds?: number }
  /** Anything else: left alone when its definition is unchanged, recreated by compose when it changed. */
  | { kind: "left-alone-when-unchanged" };

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

/** One row of the plan's table. */
export interface ServiceFate {
  service: string;
  ec2?: Ec2Fate;
  ecs?: EcsFate;
}

/** The ecs fate in the plan's words. */
export function ecsFateText(f: EcsFate): string {
  switch (f.kind) {
    case "web-service": return `its own ECS service behind the load balancer, ${f.minTasks}..${f.maxTasks} tasks`;
    case "in-web-task": return "a container in web's task";
    case "replaced-by-load-balancer": return "replaced by the load balancer";
    case "worker-service": return `its own ECS service (web's image, its own command, no load balancer), ${f.minTasks}..${f.maxTasks} tasks`;
    case "singleton-service": return "a single task (an ECS service of exactly one task; the old one stops before the new starts)";
    case "managed": return f.by === "cache" ? "replaced by the stack's managed cache (REDIS_URL)" : "replaced by the stack's RDS database (DATABASE_URL)";
    case "refused": return `refused: ${f.reason}. Fix: ${f.fix}`;
  }
}

/** The ec2 fate in the plan's words. */
export function ec2FateText(f: Ec2Fate): string {
  switch (f.kind) {
    case "switched": return "proxied, switched gaplessly";
    case "proxy": return "the proxy: reloaded during the switch";
    case "restarted-after-switch": return `restarted after the switch${f.stopGraceSeconds !== undefined ? ` (stop_grace_period ${f.stopGraceSeconds}s)` : ""}`;
    case "left-alone-when-unchanged": return "left alone when unchanged";
  }
}

/** The plan's table: one line per service, the hosting's column only when it has one. */
export function renderFates(fates: ServiceFate[]): string[] {
  const width = Math.max(7, ...fates.map((f) => f.service.length));
  return fates.map((f) => {
    const parts = [f.ec2 ? `ec2: ${ec2FateText(f.ec2)}` : undefined, f.ecs ? `ecs: ${ecsFateText(f.ecs)}` : undefined].filter((p) => p !== undefined);
    return `${f.service.padEnd(width)}  ${parts.join("; ")}`;
  });
}
