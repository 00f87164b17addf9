// The web service's Fargate task, derived from the compose file while the settings are read, so what
// ECS cannot take is refused before any resource exists. Pure.
//
// Task layout: the web container alone (plus the services it depends on, which ECS can only order
// within one task) behind the load balancer. The compose file's proxy (nginx) is left out: the ALB
// already does its work (TLS, proxying, health-gated routing, draining), its upstream `web:8000` does
// not resolve inside a Fargate task (containers of a task share localhost; there is no compose DNS),
// and one container per task is the smallest task and one image to build. Static files are served by
// the app itself (whitenoise), media from S3.
import { composeToEcs, fargateTask } from "../compose/ecs";
import type { EcsContainerDefinition, EcsTranslation } from "../compose/ecsTypes";
import { ECS_MAX_CONTAINERS_PER_TASK, fargateSize, FARGATE_SIZES } from "../compose/fargate";
import { readDependsOn } from "../compose/fields";
import { DB_CA_VOLUME_ENTRY } from "../compose/mounts";
import { DEFAULT_WEB_PORT } from "../compose/webPort";
import { DB_CA } from "../layout";
import { ComposeError, ComposeModel, ComposeService, isMapping, parseCompose, problem } from "../compose/model";
import type { EcsFate, EcsServiceFate } from "../compose/serviceFates";
import { ECS_STACK_SECRETS } from "./appEnv";
import type { EcsSecretName, EcsTaskPlan, EcsWorkerPlan } from "./types";

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
  /** cache: redis — the stack's managed cache replaces the compose file's redis (or valkey) service. */
  cache?: boolean;
  /** The proxy in front of web (set or detected by config): the load balancer takes its place. */
  proxyService?: string;
}

/** An image's name without registry, path and tag: "docker.io/library/redis:7-alpine" → "redis". */
function imageBaseName(image: string): string {
  return (image.split("@")[0].split("/").pop() ?? "").split(":")[0];
}
const CACHE_IMAGES = ["redis", "valkey", "redis-stack", "redis-stack-server", "keydb"];
const DATABASE_IMAGES = ["postgres", "postgis", "mysql", "mariadb"];

/** A worker is built from web's build, or runs web's image, with a command of its own. */
export function isWorkerOf(service: ComposeService, web: ComposeService): boolean {
  if (service.name === web.name) return false;
  const sameBuild = service.spec.build !== undefined
    && JSON.stringify(service.spec.build) === JSON.stringify(web.spec.build);
  const sameImage = service.spec.image !== undefined && service.spec.image === web.spec.image;
  return sameBuild || sameImage;
}

/** A scheduler that must run once (celery beat): a worker whose command names `beat`. */
export function isScheduler(service: ComposeService): boolean {
  const command = service.spec.command ?? service.spec.entrypoint;
  const words = typeof command === "string" ? command.split(/\s+/) : Array.isArray(command) ? command.map(String) : [];
  return words.includes("beat");
}

/**
 * What ecs does with each service outside web's task. A redis service becomes the managed cache
 * (cache: redis) or is refused; a database service is the stack's RDS; web's build or image with its
 * own command is a worker (beat: a single task); a published proxy gives way to the load balancer;
 * anything else is refused with the reason, so nothing is left out without the plan saying so.
 */
export function ecsFateOf(service: ComposeService, web: ComposeService,
  input: Pick<EcsTaskInput, "cache" | "webService" | "proxyService" | "minTasks" | "maxTasks">): EcsFate {
  const image = typeof service.spec.image === "string" ? imageBaseName(service.spec.image) : "";
  if (CACHE_IMAGES.includes(image)) {
    return input.cache
      ? { kind: "managed", by: "cache" }
      : { kind: "refused",
        reason:
          `a ${image} container on Fargate loses its data whenever its task is replaced, and nothing else in the VPC finds it by name`,
        fix: "set compose-on-ec2:cache to redis (ElastiCache replaces it; the app gets REDIS_URL)" };
  }
  if (DATABASE_IMAGES.includes(image)) return { kind: "managed", by: "database" };
  if (isWorkerOf(service, web)) {
    if (isScheduler(service)) return { kind: "singleton-service" };
    const replicas = isMapping(service.spec.deploy) && typeof service.spec.deploy.replicas === "number"
      ? service.spec.deploy.replicas
      : 1;
    return { kind: "worker-service", minTasks: replicas, maxTasks: Math.max(replicas, input.maxTasks) };
  }
  if (service.name === input.proxyService || service.spec.ports !== undefined) {
    return { kind: "replaced-by-load-balancer" };
  }
  return {
    kind: "refused",
    reason:
      `ecs runs ${input.webService}, the services built from its image (workers, beat) and replaces the proxy, redis and databases with managed ones; ${service.name} is none of these`,
    fix: "remove it from the compose file, or run it outside this stack",
  };
}

/** The model without some services, and without depends_on entries naming them. */
function withoutServices(model: ComposeModel, names: string[]): ComposeModel {
  const services = model.services.filter((s) => !names.includes(s.name)).map((s) => {
    const deps = s.spec.depends_on;
    if (deps === undefined) return s;
    const kept = Array.isArray(deps)
      ? deps.filter((d) => !names.includes(String(d)))
      : isMapping(deps)
      ? Object.fromEntries(Object.entries(deps).filter(([k]) => !names.includes(k)))
      : deps;
    return { ...s, spec: { ...s.spec, depends_on: kept } };
  });
  return { ...model, services };
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
function taskSize(needed: { cpu: number; memory: number }, input: EcsTaskInput,
  problems: string[]): { cpu: number; memory: number } {
  if (input.taskCpu === undefined && input.taskMemory === undefined) return needed;
  const cpu = input.taskCpu ?? needed.cpu;
  const memory = input.taskMemory ?? needed.memory;
  const offered = FARGATE_SIZES.find((s) => s.cpu === cpu);
  const size = fargateSize(cpu, memory);
  if (input.taskMemory !== undefined && !offered?.memory.includes(memory)) {
    const sizes = offered ? offered.memory.join(", ") : "";
    problems.push(
      `compose-on-ec2:taskMemory = ${memory}: is not a memory size Fargate offers with ${cpu} CPU units. Fix: use one of ${
        sizes || "the sizes of a valid taskCpu"
      }${size ? ` (e.g. ${size.memory})` : ""}`,
    );
    return needed;
  }
  if (!size) return needed;
  if (size.cpu < needed.cpu || size.memory < needed.memory) {
    problems.push(
      `compose-on-ec2:taskCpu/taskMemory = ${size.cpu}/${size.memory}: is smaller than the ${needed.cpu} CPU units and ${needed.memory} MiB the compose file's limits need. Fix: raise them, or unset both to use the compose file's size`,
    );
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
function shapeContainers(t: EcsTranslation, input: EcsTaskInput, services: string[], port: number, problems: string[],
  notes: string[]) {
  const { containerDefinitions } = fargateTask(t, services);
  const mounts = containerDefinitions.flatMap((d) => d.mountPoints.map((m) => m.sourceVolume));
  const secretEnv: EcsTaskPlan["secretEnv"] = {};
  const dropped: string[] = [];
  const containers = containerDefinitions.map((d) => {
    const c = t.containers.find((x) => x.service === d.name)!;
    // The CA bundle's volume is shared with the task's db-login container (components/ecsDbLogin.ts).
    const own = d.mountPoints.filter((m) =>
      m.sourceVolume === DB_CA.ecsVolume || mounts.filter((v) => v === m.sourceVolume).length > 1
    );
    for (const m of d.mountPoints.filter((x) => !own.includes(x))) dropped.push(m.sourceVolume);
    for (const m of d.mountPoints.filter((x) => !own.includes(x))) {
      notes.push(
        `${d.name}: ${m.containerPath} stays in the container's own filesystem (volume ${m.sourceVolume} is shared with no container of the task)`,
      );
    }
    const secrets: { name: string; secret: EcsSecretName }[] = [];
    const stackSecrets: Record<string, EcsSecretName> = { ...ECS_STACK_SECRETS,
      ...Object.fromEntries((input.appSecrets ?? []).map((n) => [n, appSecretName(n)])) };
    for (const v of c.secretVariables) {
      const secret = stackSecrets[v.variable];
      if (secret) secrets.push({ name: v.name, secret });
      else {
        problems.push(
          `${t.file}: service "${d.name}": environment ${v.name} takes \${${v.variable}}, which an ecs stack does not pass. Fix: set ${v.variable} in compose-on-ec2:appSecrets (a secret) or appEnv (not a secret), or drop it from the compose file`,
        );
      }
    }
    if (c.envFiles.includes(DEPLOYMENT_ENV_FILE)) {
      for (const name of Object.keys(stackSecrets)) {
        if (!secrets.some((s) => s.name === name)) secrets.push({ name, secret: stackSecrets[name] });
      }
    }
    for (const f of c.envFiles.filter((x) => x !== DEPLOYMENT_ENV_FILE)) {
      notes.push(
        `${d.name}: env_file ${f} is not read on ecs; put non-secret entries in appEnv, secrets in appSecrets`,
      );
    }
    if (secrets.length > 0) secretEnv[d.name] = secrets;
    if (secrets.some((s) => s.secret === ECS_STACK_SECRETS.DATABASE_URL)
      && !own.some((m) => m.sourceVolume === DB_CA.ecsVolume)) {
      problems.push(
        `${t.file}: service "${d.name}": reads DATABASE_URL, which verifies the database's certificate against ${DB_CA.mount}/${DB_CA.file}, but does not mount ${DB_CA.mount}. Fix: add \`- ${DB_CA_VOLUME_ENTRY}\` to ${d.name}'s \`volumes:\` (on ecs the task's db-login container fills it)`,
      );
    }
    const portMappings = d.name === input.webService && !d.portMappings.some((p) => p.containerPort === port)
      ? [...d.portMappings, { containerPort: port, protocol: "tcp" as const }]
      : d.portMappings;
    return { ...d, portMappings, mountPoints: own };
  });
  return { containers, secretEnv, dropped };
}

/** The containers of a task that read DATABASE_URL: they wait for the task's db-login container (components/ecsDbLogin.ts). */
export function databaseUrlReaders(plan: Pick<EcsTaskPlan, "secretEnv">): string[] {
  const url = ECS_STACK_SECRETS.DATABASE_URL;
  return Object.entries(plan.secretEnv).filter(([, secrets]) => secrets.some((s) => s.secret === url))
    .map(([name]) => name);
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
  const webSpec = model.services.find((s) => s.name === input.webService);
  if (!webSpec) {
    return {
      problems: [
        problem(input.file, 1, input.webService, "is not a service of the compose file",
          "set webService to one of its services"),
      ],
    };
  }
  const placed = placeServices(model, webSpec, input);
  const { fatesOutside, managed, refusals, order, services, notes, workerNames } = placed;
  model = placed.model;
  const sub: ComposeModel = { ...model, services: model.services.filter((s) => services.includes(s.name)) };
  const t = composeToEcs(sub, { proxyService: input.webService,
    imageFor: (s) => (s === input.webService ? WEB_IMAGE_PLACEHOLDER : undefined), env: input.appEnv });
  if (t.errors.length > 0) return { problems: [...refusals, ...t.errors] };
  const problems: string[] = [];
  let shaped: ReturnType<typeof shapeContainers>;
  let needed: { cpu: number; memory: number };
  try {
    const task = fargateTask(t, services);
    needed = { cpu: task.cpu, memory: task.memory };
    const web = t.containers.find((c) => c.service === input.webService)!;
    shaped = shapeContainers(t, input, services, webPort(web.definition, web.loadBalancerPort), problems, notes);
  } catch (e) {
    if (e instanceof ComposeError) return { problems: [...refusals, ...e.problems] };
    throw e;
  }
  const web = t.containers.find((c) => c.service === input.webService)!;
  if (web.replicas !== undefined) {
    notes.push(
      `${input.webService}: deploy.replicas ${web.replicas} is replaced by minTasks ${input.minTasks}..maxTasks ${input.maxTasks}`,
    );
  }
  const size = taskSize(needed, input, problems);
  // The task also runs the db-login container when one of its containers reads DATABASE_URL (components/ecsDbLogin.ts).
  const containerCount = shaped.containers.length + (databaseUrlReaders(shaped).length > 0 ? 1 : 0);
  if (containerCount > ECS_MAX_CONTAINERS_PER_TASK) {
    problems.push(
      problem(input.file, 1, input.webService,
        `${input.webService}'s task would hold ${containerCount} containers (${
          services.join(", ")
        } and db-login), more than ECS's ${ECS_MAX_CONTAINERS_PER_TASK} per task`,
        `run fewer services in ${input.webService}'s task: drop depends_on entries that pull services into it`),
    );
  }
  const workers = workerNames.map((name) => planWorker(model, name, fatesOutside.get(name)!, input, problems, notes));
  if (refusals.length > 0 || problems.length > 0) return { problems: [...refusals, ...problems] };
  const fates = serviceFates(model, input, services, fatesOutside, managed);
  return {
    plan: {
      minTasks: input.minTasks,
      maxTasks: input.maxTasks,
      cpu: size.cpu,
      memory: size.memory,
      containerPort: webPort(web.definition, web.loadBalancerPort),
      services,
      containers: shaped.containers,
      secretEnv: shaped.secretEnv,
      workers: workers.filter((w): w is EcsWorkerPlan => w !== undefined),
      fates: fates.sort((a, b) => order.indexOf(a.service) - order.indexOf(b.service)),
      notes: [...notes, ...t.notes.filter((n) => !shaped.dropped.some((v) => n.includes(`: volume ${v} at `)))],
    },
    problems: [],
  };
}

/**
 * Where each service of the compose file goes on ecs: managed services (the cache, the database) and
 * refused ones leave the model first (web's depends_on on them is met outside compose); the rest run
 * in web's task, as services of their own (workers, beat), or not at all (the load balancer's place).
 */
function placeServices(composed: ComposeModel, webSpec: ComposeService, input: EcsTaskInput) {
  const fatesOutside = new Map(
    composed.services.filter((s) => s.name !== input.webService).map((s) => [s.name, ecsFateOf(s, webSpec, input)]),
  );
  const managed = [...fatesOutside].filter(([, f]) => f.kind === "managed" || f.kind === "refused").map(([n]) => n);
  const refusals = [...fatesOutside].flatMap((
    [n, f],
  ) => (f.kind === "refused"
    ? [
      problem(input.file, composed.services.find((s) => s.name === n)!.line, n, `cannot run on ecs: ${f.reason}`,
        f.fix),
    ]
    : [])
  );
  const order = composed.services.map((s) => s.name);
  const model = withoutServices(composed, managed);
  const services = taskServices(model, input.webService);
  const notes = model.services.filter((s) =>
    !services.includes(s.name) && fatesOutside.get(s.name)?.kind === "replaced-by-load-balancer"
  ).map((s) => `${s.name} is left out: the load balancer takes its place in front of ${input.webService}`);
  for (const [name, f] of fatesOutside) {
    if (f.kind === "managed") {
      notes.push(
        `${name} is replaced by the stack's ${
          f.by === "cache" ? "managed cache (REDIS_URL)" : "RDS database (DATABASE_URL)"
        }`,
      );
    }
  }
  const workerNames = model.services.filter((s) =>
    !services.includes(s.name) && ["worker-service", "singleton-service"].includes(fatesOutside.get(s.name)?.kind ?? "")
  ).map((s) => s.name);
  return { model, fatesOutside, managed, refusals, order, services, notes, workerNames };
}

/** Every service's fate on ecs: web's service, a container of web's task, or what placeServices decided. */
function serviceFates(model: ComposeModel, input: EcsTaskInput, services: string[], fatesOutside: Map<string, EcsFate>,
  managed: string[]): EcsServiceFate[] {
  const fates: EcsServiceFate[] = model.services.map((s): EcsServiceFate => ({
    service: s.name,
    ecs: s.name === input.webService
      ? { kind: "web-service", minTasks: input.minTasks, maxTasks: input.maxTasks }
      : services.includes(s.name)
      ? { kind: "in-web-task" }
      : fatesOutside.get(s.name)!,
  }));
  for (const name of managed) fates.push({ service: name, ecs: fatesOutside.get(name)! });
  return fates;
}

/**
 * A worker's own task: its one container from the compose file with web's image (the stack pushes one
 * image) and its own command; its depends_on is dropped (services start independently on ECS: a worker
 * retries its broker until it answers), and it gets the stack's environment and secrets as web does.
 */
function planWorker(model: ComposeModel, name: string, fate: EcsFate, input: EcsTaskInput, problems: string[],
  notes: string[]): EcsWorkerPlan | undefined {
  const service = model.services.find((s) => s.name === name)!;
  if (service.spec.depends_on !== undefined) {
    notes.push(`${name}: depends_on is dropped: on ecs it is a service of its own, started independently`);
  }
  const spec = Object.fromEntries(Object.entries(service.spec).filter(([key]) => key !== "depends_on"));
  const one: ComposeModel = { ...model, services: [{ ...service, spec }] };
  const t = composeToEcs(one, { imageFor: (s) => (s === name ? WEB_IMAGE_PLACEHOLDER : undefined), env: input.appEnv });
  if (t.errors.length > 0) {
    problems.push(...t.errors);
    return undefined;
  }
  try {
    const task = fargateTask(t, [name]);
    const shaped = shapeContainers(t, input, [name], 0, problems, notes);
    const singleton = fate.kind === "singleton-service";
    return {
      service: name,
      cpu: task.cpu,
      memory: task.memory,
      singleton,
      minTasks: singleton ? 1 : fate.kind === "worker-service" ? fate.minTasks : 1,
      maxTasks: singleton ? 1 : fate.kind === "worker-service" ? fate.maxTasks : 1,
      containers: shaped.containers.map((c) => ({ ...c, portMappings: [] })),
      secretEnv: shaped.secretEnv,
    };
  } catch (e) {
    if (e instanceof ComposeError) {
      problems.push(...e.problems);
      return undefined;
    }
    throw e;
  }
}
