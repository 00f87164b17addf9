// The web service's Fargate task, derived from the compose file while the settings are read, so what
// ECS cannot take is refused before any resource exists. Pure.
//
// Task layout: the web container alone (plus the services it depends on, which ECS can only order
// within one task) behind the load balancer. The compose file's proxy (nginx) is left out: the ALB
// already does its work (TLS, proxying, health-gated routing, draining), its upstream `web:8000` does
// not resolve inside a Fargate task (containers of a task share localhost; there is no compose DNS),
// and one container per task is the smallest task and one image to build. Static files are served by
// the app itself (whitenoise), media from S3.
import { composeToEcs, fargateTask, EcsContainerDefinition, EcsTranslation } from "../compose/ecs";
import { fargateSize, FARGATE_SIZES } from "../compose/fargate";
import { readDependsOn } from "../compose/fields";
import { DEFAULT_WEB_PORT } from "../compose/gapless";
import { ComposeError, ComposeModel, parseCompose } from "../compose/model";
import { ECS_STACK_SECRETS } from "./appEnv";
import type { EcsSecretName, EcsTaskPlan } from "./types";

/** The web container's image until the stack has pushed this release's image to ECR. */
export const WEB_IMAGE_PLACEHOLDER = "ecr.placeholder.invalid/web:release";

/** The env file the deployment writes on ec2 (compose's `env_file: .env`); on ecs its entries come from the stack. */
export const DEPLOYMENT_ENV_FILE = ".env";


/** The ecs secret of one appSecrets entry (its SSM parameter is /<app>/app/<NAME>). */
export function appSecretName(name: string): EcsSecretName {
  return `app/${name}`;
}

export interface EcsTaskInput {
  /** The compose file as the user knows it (starts every message) and its text. */
  file: string;
  text: string;
  webService: string;
  /** appEnv: non-secret values for `${VAR}` references. */
  appEnv: Record<string, string>;
  /** appSecrets' names: handed to the task as `secrets` (values never reach the plan). */
  appSecrets?: string[];
  minTasks: number;
  maxTasks: number;
  /** Set to override the size derived from the compose file's limits. */
  taskCpu?: number;
  taskMemory?: number;
}

/** web and every service it depends on, transitively (ECS orders containers only within one task). */
export function taskServices(model: ComposeModel, web: string): string[] {
  const out: string[] = [];
  const visit = (name: string) => {
    if (out.includes(name)) return;
    out.push(name);
    const service = model.services.find((s) => s.name === name);
    for (const dep of readDependsOn(service?.spec.depends_on)) visit(dep.service);
  };
  visit(web);
  return out;
}

/** The size the task gets: the override when set (checked), else the compose file's. */
function taskSize(needed: { cpu: number; memory: number }, input: EcsTaskInput, problems: string[]): { cpu: number; memory: number } {
  if (input.taskCpu === undefined && input.taskMemory === undefined) return needed;
  const cpu = input.taskCpu ?? needed.cpu;
  const memory = input.taskMemory ?? needed.memory;
  const offered = FARGATE_SIZES.find((s) => s.cpu === cpu);
  const size = fargateSize(cpu, memory);
  if (input.taskMemory !== undefined && !offered?.memory.includes(memory)) {
    const sizes = offered ? offered.memory.join(", ") : "";
    problems.push(`compose-on-ec2:taskMemory = ${memory}: is not a memory size Fargate offers with ${cpu} CPU units. Fix: use one of ${sizes || "the sizes of a valid taskCpu"}${size ? ` (e.g. ${size.memory})` : ""}`);
    return needed;
  }
  if (!size) return needed;
  if (size.cpu < needed.cpu || size.memory < needed.memory) {
    problems.push(`compose-on-ec2:taskCpu/taskMemory = ${size.cpu}/${size.memory}: is smaller than the ${needed.cpu} CPU units and ${needed.memory} MiB the compose file's limits need. Fix: raise them, or unset both to use the compose file's size`);
    return needed;
  }
  return size;
}

/** The port the load balancer sends to: web's published/exposed port, else gunicorn's default. */
function webPort(def: EcsContainerDefinition, published: number | undefined): number {
  return published ?? def.portMappings.find((p) => p.protocol === "tcp")?.containerPort ?? DEFAULT_WEB_PORT;
}

/**
 * Container-level fixes for the task: web listens on its port; a volume only one container of the
 * task mounts is dropped (the container's own filesystem holds it: a task volume would only be an
 * empty, lost-on-stop directory of different ownership); stack secrets are named per container.
 */
function shapeContainers(t: EcsTranslation, input: EcsTaskInput, services: string[], port: number, problems: string[], notes: string[]) {
  const { containerDefinitions } = fargateTask(t, services);
  const mounts = containerDefinitions.flatMap((d) => d.mountPoints.map((m) => m.sourceVolume));
  const secretEnv: EcsTaskPlan["secretEnv"] = {};
  const dropped: string[] = [];
  const containers = containerDefinitions.map((d) => {
    const c = t.containers.find((x) => x.service === d.name)!;
    const own = d.mountPoints.filter((m) => mounts.filter((v) => v === m.sourceVolume).length > 1);
    for (const m of d.mountPoints.filter((x) => !own.includes(x))) dropped.push(m.sourceVolume);
    for (const m of d.mountPoints.filter((x) => !own.includes(x))) notes.push(`${d.name}: ${m.containerPath} stays in the container's own filesystem (volume ${m.sourceVolume} is shared with no container of the task)`);
    const secrets: { name: string; secret: EcsSecretName }[] = [];
    const stackSecrets: Record<string, EcsSecretName> = { ...ECS_STACK_SECRETS, ...Object.fromEntries((input.appSecrets ?? []).map((n) => [n, appSecretName(n)])) };
    for (const v of c.secretVariables) {
      const secret = stackSecrets[v.variable];
      if (secret) secrets.push({ name: v.name, secret });
      else problems.push(`${t.file}: service "${d.name}": environment ${v.name} takes \${${v.variable}}, which an ecs stack does not pass. Fix: set ${v.variable} in compose-on-ec2:appSecrets (a secret) or appEnv (not a secret), or drop it from the compose file`);
    }
    if (c.envFiles.includes(DEPLOYMENT_ENV_FILE)) for (const name of Object.keys(stackSecrets)) if (!secrets.some((s) => s.name === name)) secrets.push({ name, secret: stackSecrets[name] });
    for (const f of c.envFiles.filter((x) => x !== DEPLOYMENT_ENV_FILE)) notes.push(`${d.name}: env_file ${f} is not read on ecs; put non-secret entries in appEnv, secrets in appSecrets`);
    if (secrets.length > 0) secretEnv[d.name] = secrets;
    const portMappings = d.name === input.webService && !d.portMappings.some((p) => p.containerPort === port) ? [...d.portMappings, { containerPort: port, protocol: "tcp" as const }] : d.portMappings;
    return { ...d, portMappings, mountPoints: own };
  });
  return { containers, secretEnv, dropped };
}

/** The task plan, or the problems that keep the compose file off ECS (each naming file, line and fix). */
export function planEcsTask(input: EcsTaskInput): { plan?: EcsTaskPlan; problems: string[] } {
  let model: ComposeModel;
  try {
    model = parseCompose(input.text, input.file);
  } catch (e) {
    if (e instanceof ComposeError) return { problems: e.problems };
    throw e;
  }
  const services = taskServices(model, input.webService);
  const notes = model.services.filter((s) => !services.includes(s.name)).map((s) =>
    s.spec.ports !== undefined ? `${s.name} is left out: the load balancer takes its place in front of ${input.webService}` : `${s.name} is left out: only ${input.webService}'s task runs on ecs (run ${s.name} as a service of its own)`);
  const sub: ComposeModel = { ...model, services: model.services.filter((s) => services.includes(s.name)) };
  const t = composeToEcs(sub, { proxyService: input.webService, imageFor: (s) => (s === input.webService ? WEB_IMAGE_PLACEHOLDER : undefined), env: input.appEnv });
  if (t.errors.length > 0) return { problems: t.errors };
  const problems: string[] = [];
  let shaped: ReturnType<typeof shapeContainers>;
  let needed: { cpu: number; memory: number };
  try {
    const task = fargateTask(t, services);
    needed = { cpu: task.cpu, memory: task.memory };
    const web = t.containers.find((c) => c.service === input.webService)!;
    shaped = shapeContainers(t, input, services, webPort(web.definition, web.loadBalancerPort), problems, notes);
  } catch (e) {
    if (e instanceof ComposeError) return { problems: e.problems };
    throw e;
  }
  const web = t.containers.find((c) => c.service === input.webService)!;
  if (web.replicas !== undefined) notes.push(`${input.webService}: deploy.replicas ${web.replicas} is replaced by minTasks ${input.minTasks}..maxTasks ${input.maxTasks}`);
  const size = taskSize(needed, input, problems);
  if (problems.length > 0) return { problems };
  return {
    plan: {
      minTasks: input.minTasks, maxTasks: input.maxTasks, cpu: size.cpu, memory: size.memory,
      containerPort: webPort(web.definition, web.loadBalancerPort), services,
      containers: shaped.containers, secretEnv: shaped.secretEnv,
      notes: [...notes, ...t.notes.filter((n) => !shaped.dropped.some((v) => n.includes(`: volume ${v} at `)))],
    },
    problems: [],
  };
}
