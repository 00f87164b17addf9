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
import { DB_CA_VOLUME_ENTRY } from "../compose/mounts";
import { DEFAULT_WEB_PORT } from "../compose/webPort";
import { DB_CA } from "../layout";
import { ComposeError, ComposeModel, parseCompose, problem } from "../compose/model";
import type { EcsFate } from "../compose/serviceFates";
import { ECS_STACK_SECRETS } from "./appEnv";
import { placeServices, serviceFates } from "./ecsPlacement";
import type { EcsSecretName, EcsTaskInput, EcsTaskPlan, EcsWorkerPlan } from "./types";

/** The web container's image until the stack has pushed this release's image to ECR. */
export const WEB_IMAGE_PLACEHOLDER = "ecr.placeholder.invalid/web:release";

/** The env file the deployment writes on ec2 (compose's `env_file: .env`); on ecs its entries come from the stack. */
export const DEPLOYMENT_ENV_FILE = ".env";

/** The ecs secret of one appSecrets entry (its SSM parameter is /<app>/app/<NAME>). */
export function appSecretName(name: string): EcsSecretName {
  return `app/${name}`;
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
