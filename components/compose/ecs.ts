// The compose → ECS Fargate translation: one container definition per service, derived from the
// same compose file the EC2 hosting runs. Pure: the caller creates the resources.
//
// Translated: image (a built service needs a registry image: opts.imageFor or a registry-qualified
// `image:`), command/entrypoint (a string is split into words as compose splits it), environment
// (list or map; `${VAR}` that opts.env does not set and that has no default becomes a secret the
// caller supplies), env_file (names reported, for the caller to turn into secrets), healthcheck
// (CMD/CMD-SHELL; compose durations in whole seconds, compose's defaults filled in, clamped to ECS's
// ranges with a note), stop_grace_period (≤ 120 s), resource limits/reservations (container cpu and
// memory; the task size rounded up to a valid Fargate size), depends_on (START / HEALTHY / SUCCESS),
// ports and expose (port mappings), named and anonymous volumes (task-scoped: emptied when the task
// stops), init.
// Refused, naming file, line, service and fix: host bind mounts, tmpfs, network_mode, privileged,
// capabilities other than SYS_PTRACE, devices, pid/ipc host, compose secrets/configs, extends,
// published ports on any service but the proxy, `build` without a registry image, a service with
// neither image nor build, a HEALTHY dependency on a service without a healthcheck.
// Left out: services with `profiles:` (compose starts them only on request), restart (ECS replaces
// stopped tasks), container_name, networks, links, logging (the stack sets awslogs).

import { fargateSize, FargateSize, CPU_UNITS_PER_VCPU, FARGATE_MAX_STOP_TIMEOUT } from "./fargate";
import { asList, commandWords, Env, interpolate, readDependsOn, readEnvFiles, readPorts, readVolumes, referencedVariables, sizeMiB, durationSeconds } from "./fields";
import { ComposeError, ComposeModel, ComposeService, isMapping, lineAt, problem, SETTING_PREFIX } from "./model";
import { ecsHealthCheck, EcsHealthCheck } from "./ecsHealth";

export interface EcsOptions {
  /** The image for a service, e.g. the ECR image the stack builds and pushes; undefined: the file's `image:`. */
  imageFor?(service: string): string | undefined;
  /** The service whose published port the load balancer takes over (proxyService, or web without a proxy). */
  proxyService?: string;
  /** Non-secret values for `${VAR}` references (never secrets: the values land in the task definition). */
  env?: Env;
}

export type EcsCondition = "START" | "HEALTHY" | "SUCCESS";

/** The part of an ECS ContainerDefinition the translation fills (field names as ECS spells them). */
export interface EcsContainerDefinition {
  name: string;
  image: string;
  essential: boolean;
  command?: string[];
  entryPoint?: string[];
  environment: { name: string; value: string }[];
  portMappings: { containerPort: number; protocol: "tcp" | "udp" }[];
  mountPoints: { sourceVolume: string; containerPath: string; readOnly: boolean }[];
  healthCheck?: EcsHealthCheck;
  stopTimeout?: number;
  cpu?: number;
  memory?: number;
  memoryReservation?: number;
  user?: string;
  workingDirectory?: string;
  linuxParameters?: { initProcessEnabled: boolean };
}

/** Environment entry `name` takes the value of the stack's variable `variable` (else `fallback`, when compose gives one). */
export interface SecretVariable {
  name: string;
  variable: string;
  fallback?: string;
}

export interface EcsContainer {
  service: string;
  /** "one-shot": another service waits for it to complete (a migration job), so it is not essential. */
  role: "long-running" | "one-shot";
  /** Without dependsOn, which fargateTask adds for the containers placed in one task. */
  definition: EcsContainerDefinition;
  /** compose depends_on, translated, with the line each was written on. */
  dependencies: { service: string; condition: EcsCondition; line: number }[];
  /** env_file names (relative to the compose file): the caller turns their entries into task `secrets`. */
  envFiles: string[];
  /** Environment entries whose value the caller supplies as a secret from the stack's environment. */
  secretVariables: SecretVariable[];
  /** Task volumes this container mounts (named and anonymous volumes, emptied when the task stops). */
  volumes: string[];
  /** The proxy's container port that receives the load balancer's traffic. */
  loadBalancerPort?: number;
  /** deploy.replicas (or scale) when written. */
  replicas?: number;
  /** The Fargate size of a task holding this container alone. */
  task: FargateSize;
}

export interface EcsTranslation {
  file: string;
  containers: EcsContainer[];
  notes: string[];
  /** One message per shape ECS cannot take; create nothing unless empty. */
  errors: string[];
}

/** A service's context while it is translated. */
interface Ctx {
  model: ComposeModel;
  service: ComposeService;
  opts: EcsOptions;
  env: Env;
  notes: string[];
  errors: string[];
  at(...path: (string | number)[]): number;
  refuse(path: (string | number)[], what: string, fix: string): void;
}

export function composeToEcs(model: ComposeModel, opts: EcsOptions = {}): EcsTranslation {
  const notes: string[] = [];
  const errors: string[] = [];
  const oneShots = new Set(model.services.flatMap((s) => readDependsOn(s.spec.depends_on).filter((d) => d.condition === "service_completed_successfully").map((d) => d.service)));
  const containers: EcsContainer[] = [];
  for (const service of model.services) {
    if (service.spec.profiles !== undefined) {
      notes.push(`${service.name} is left out: it has \`profiles:\` (line ${lineAt(model, ["services", service.name, "profiles"])}), so compose starts it only on request`);
      continue;
    }
    const at = (...path: (string | number)[]) => lineAt(model, ["services", service.name, ...path]);
    const ctx: Ctx = { model, service, opts, env: opts.env ?? {}, notes, errors, at, refuse: (path, what, fix) => errors.push(problem(model.file, at(...path), service.name, what, fix)) };
    containers.push(translateService(ctx, oneShots.has(service.name)));
  }
  if (opts.proxyService !== undefined && model.services.some((s) => s.name === opts.proxyService) && model.services.length > 1) {
    notes.push(`${opts.proxyService} reaches the other services by name under compose (e.g. web:8000); in a Fargate task, containers of the same task share localhost and other tasks need service discovery, so point its upstream at 127.0.0.1:<port> when it shares web's task`);
  }
  return { file: model.file, containers, notes, errors };
}

function translateService(ctx: Ctx, oneShot: boolean): EcsContainer {
  const { service } = ctx;
  refuseUnsupported(ctx);
  const environment = readEnvironment(ctx);
  const ports = readPortMappings(ctx);
  const mounts = readMounts(ctx);
  const resources = readResources(ctx);
  const definition: EcsContainerDefinition = {
    name: service.name,
    image: readImage(ctx),
    essential: !oneShot,
    command: readCommand(ctx, "command"),
    entryPoint: readCommand(ctx, "entrypoint"),
    environment: environment.plain,
    portMappings: ports.mappings,
    mountPoints: mounts.mountPoints,
    healthCheck: ecsHealthCheck(service.spec.healthcheck, ctx.env, (what, fix, key) => ctx.refuse(["healthcheck", ...(key ? [key] : [])], what, fix), (note) => ctx.notes.push(`${service.name}: ${note}`)),
    stopTimeout: readStopTimeout(ctx),
    ...resources.container,
    user: service.spec.user === undefined ? undefined : String(service.spec.user),
    workingDirectory: service.spec.working_dir === undefined ? undefined : String(service.spec.working_dir),
    linuxParameters: service.spec.init === true ? { initProcessEnabled: true } : undefined,
  };
  for (const key of Object.keys(definition) as (keyof EcsContainerDefinition)[]) if (definition[key] === undefined) delete definition[key];
  const replicas = isMapping(service.spec.deploy) && typeof service.spec.deploy.replicas === "number" ? service.spec.deploy.replicas : typeof service.spec.scale === "number" ? service.spec.scale : undefined;
  return {
    service: service.name,
    role: oneShot ? "one-shot" : "long-running",
    definition,
    dependencies: readDependencies(ctx),
    envFiles: readEnvFiles(service.spec.env_file).map((e) => e.path),
    secretVariables: environment.secret,
    volumes: mounts.volumes,
    loadBalancerPort: ports.loadBalancerPort,
    replicas,
    task: resources.task,
  };
}

/** Settings Fargate has no equivalent for: a refusal each, with the edit. */
function refuseUnsupported(ctx: Ctx): void {
  const spec = ctx.service.spec;
  const del = (key: string) => `delete line ${ctx.at(key)}`;
  if (spec.network_mode !== undefined) ctx.refuse(["network_mode"], `\`network_mode: ${String(spec.network_mode)}\`: Fargate gives every task its own network interface (awsvpc mode)`, `${del("network_mode")}; containers of one task reach each other on localhost, other services through the load balancer or service discovery`);
  if (spec.privileged === true) ctx.refuse(["privileged"], "`privileged: true`: Fargate does not run privileged containers", `${del("privileged")} and grant only what the app needs`);
  const caps = asList(spec.cap_add).map(String).filter((c) => c !== "SYS_PTRACE");
  if (caps.length > 0) ctx.refuse(["cap_add"], `\`cap_add: ${caps.join(", ")}\`: Fargate adds no capability but SYS_PTRACE`, `remove ${caps.join(", ")} from line ${ctx.at("cap_add")}`);
  if (spec.devices !== undefined) ctx.refuse(["devices"], "`devices:`: Fargate tasks cannot reach host devices", del("devices"));
  for (const key of ["pid", "ipc"]) {
    if (spec[key] === "host") ctx.refuse([key], `\`${key}: host\`: Fargate tasks cannot share the host's ${key} namespace`, del(key));
  }
  if (spec.tmpfs !== undefined) ctx.refuse(["tmpfs"], "`tmpfs:`: Fargate has no tmpfs mounts", `${del("tmpfs")} (the container's own filesystem is writable) or mount a named volume there`);
  for (const key of ["secrets", "configs"]) {
    if (spec[key] !== undefined) ctx.refuse([key], `compose \`${key}:\` mounts files ECS does not provide`, `${del(key)} and put those values in the env file, whose entries become ECS secrets`);
  }
  if (spec.extends !== undefined) ctx.refuse(["extends"], "`extends:` is not followed by the translation", `copy the settings it inherits into ${ctx.service.name} and delete line ${ctx.at("extends")}`);
  if (spec.logging !== undefined) ctx.notes.push(`${ctx.service.name}: \`logging:\` (line ${ctx.at("logging")}) is replaced by the stack's awslogs to CloudWatch`);
}

/** A built service needs an image in a registry; otherwise `image:` as written. */
function readImage(ctx: Ctx): string {
  const { service } = ctx;
  const supplied = ctx.opts.imageFor?.(service.name);
  if (supplied !== undefined) return supplied;
  const image = service.spec.image === undefined ? undefined : interpolate(String(service.spec.image), ctx.env);
  if (service.spec.build !== undefined) {
    if (image !== undefined && isRegistryImage(image)) return image;
    const what = image === undefined ? "is built from source (`build:`) and names no image" : `is built from source (\`build:\`) and its image "${image}" names no registry`;
    ctx.refuse(["build"], `${what}, so Fargate has nothing to pull`, `let the stack build and push it to ECR, or set \`image:\` to a registry image your CI pushes, e.g. \`image: <account>.dkr.ecr.<region>.amazonaws.com/${service.name}:\${RELEASE_ID}\``);
    return image ?? "";
  }
  if (image === undefined || image === "") ctx.refuse([], "has neither `image:` nor `build:`", `add \`image:\` (e.g. \`image: redis:7\`) under ${service.name}`);
  return image ?? "";
}

/** Docker's rule: the first path component names a registry when it has a dot, a port, or is localhost. */
export function isRegistryImage(image: string): boolean {
  const first = image.split("/")[0];
  return image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
}

function readCommand(ctx: Ctx, key: "command" | "entrypoint"): string[] | undefined {
  const value = ctx.service.spec[key];
  if (value === undefined || value === null) return undefined;
  const words = commandWords(typeof value === "string" ? interpolate(value, ctx.env) : asList(value).map((w) => interpolate(String(w), ctx.env)));
  if (words === undefined) ctx.refuse([key], `\`${key}:\` has an unclosed quote`, `close the quote on line ${ctx.at(key)}`);
  return words;
}

/**
 * environment (list or map). A value whose variables opts.env sets is written as is. A value that is
 * one `${VAR}` the stack does not pass in opts.env (or `VAR` with no value) becomes a secret the
 * caller supplies from the stack's environment (`fallback`: its compose default, if any). Text mixed
 * with such variables takes their defaults (with a note), and is refused when one has none.
 */
function readEnvironment(ctx: Ctx): { plain: { name: string; value: string }[]; secret: SecretVariable[] } {
  const raw = ctx.service.spec.environment;
  const entries: [string, string | undefined, number][] = isMapping(raw)
    ? Object.entries(raw).map(([k, v]) => [k, v === null || v === undefined ? undefined : String(v), ctx.at("environment", k)])
    : asList(raw).map((e, i) => {
        const text = String(e);
        const eq = text.indexOf("=");
        return eq < 0 ? [text, undefined, ctx.at("environment", i)] : [text.slice(0, eq), text.slice(eq + 1), ctx.at("environment", i)];
      });
  const plain: { name: string; value: string }[] = [];
  const secret: SecretVariable[] = [];
  for (const [name, value, line] of entries) {
    if (value === undefined) {
      secret.push({ name, variable: name });
      continue;
    }
    const unknown = referencedVariables(value).filter((v) => ctx.env[v] === undefined);
    const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}$|^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(value);
    if (unknown.length === 0) {
      plain.push({ name, value: interpolate(value, ctx.env) });
    } else if (whole) {
      secret.push({ name, variable: whole[1] ?? whole[5], ...(whole[3] === "-" ? { fallback: whole[4] } : {}) });
    } else if (unknown.every((v) => new RegExp(`\\$\\{${v}:?-`).test(value))) {
      plain.push({ name, value: interpolate(value, ctx.env) });
      ctx.notes.push(`${ctx.service.name}: environment ${name} (line ${line}) takes the compose default of \${${unknown.join("}, ${")}}, which the stack does not set`);
    } else {
      ctx.errors.push(problem(ctx.model.file, line, ctx.service.name, `environment ${name} mixes text with \${${unknown.join("}, ${")}}, which only the deploying shell knows`, `put the whole ${name}=… line in the env file (its entries become ECS secrets) and delete line ${line}`));
    }
  }
  return { plain, secret };
}

function readPortMappings(ctx: Ctx): { mappings: EcsContainerDefinition["portMappings"]; loadBalancerPort?: number } {
  const { service } = ctx;
  const isProxy = ctx.opts.proxyService === service.name;
  const seen = new Map<string, { containerPort: number; protocol: "tcp" | "udp" }>();
  const add = (target: string, protocol: string) => {
    const port = Number(/^\d+/.exec(target)?.[0]);
    if (Number.isInteger(port) && port > 0) seen.set(`${port}/${protocol}`, { containerPort: port, protocol: protocol === "udp" ? "udp" : "tcp" });
  };
  let loadBalancerPort: number | undefined;
  for (const p of readPorts(service.spec.ports, ctx.env)) {
    add(p.target, p.protocol);
    if (p.published === undefined) continue;
    if (isProxy) {
      if (loadBalancerPort === undefined || p.published === "80" || p.target === "80") loadBalancerPort = Number(/^\d+/.exec(p.target)?.[0]);
      continue;
    }
    const fix = `delete line ${ctx.at("ports", p.index)} \`- ${p.text}\`; other services reach it inside the VPC${ctx.opts.proxyService === undefined ? `, and if it receives the site's traffic, set \`${SETTING_PREFIX}proxyService: ${service.name}\`` : ""}`;
    ctx.refuse(["ports", p.index], `publishes host port ${p.published} (\`${p.text}\`): on ECS only the load balancer${ctx.opts.proxyService ? `, in front of ${ctx.opts.proxyService},` : ""} is reachable from outside`, fix);
  }
  for (const e of asList(service.spec.expose)) add(interpolate(String(e), ctx.env), String(e).split("/")[1] ?? "tcp");
  return { mappings: [...seen.values()], loadBalancerPort };
}

function readMounts(ctx: Ctx): { mountPoints: EcsContainerDefinition["mountPoints"]; volumes: string[] } {
  const mountPoints: EcsContainerDefinition["mountPoints"] = [];
  for (const v of readVolumes(ctx.service.spec.volumes)) {
    const line = ctx.at("volumes", v.index);
    if (v.type === "bind") {
      ctx.refuse(["volumes", v.index], `mounts host path ${v.source} (\`${v.text}\`): Fargate tasks have no host filesystem`, `delete line ${line}; bake those files into the image (COPY in the Dockerfile), and keep data that must last in S3 or the database`);
    } else if (v.type !== "volume") {
      ctx.refuse(["volumes", v.index], `mounts a ${v.type === "tmpfs" ? "tmpfs" : "volume type"} Fargate does not provide (\`${v.text}\`)`, `delete line ${line} or use a named volume`);
    } else {
      const sourceVolume = v.source ?? `${ctx.service.name}-anonymous-${v.index}`;
      mountPoints.push({ sourceVolume, containerPath: v.target, readOnly: v.readOnly });
      ctx.notes.push(`${ctx.service.name}: volume ${sourceVolume} at ${v.target} (line ${line}) becomes a task volume, shared by the containers of one task and emptied when the task stops`);
    }
  }
  return { mountPoints, volumes: mountPoints.map((m) => m.sourceVolume) };
}

function readStopTimeout(ctx: Ctx): number | undefined {
  const raw = ctx.service.spec.stop_grace_period;
  if (raw === undefined) return undefined;
  const seconds = durationSeconds(raw);
  if (seconds === undefined) {
    ctx.refuse(["stop_grace_period"], `\`stop_grace_period: ${String(raw)}\` is not a duration`, `write it like 30s or 1m30s on line ${ctx.at("stop_grace_period")}`);
    return undefined;
  }
  if (seconds > FARGATE_MAX_STOP_TIMEOUT) ctx.notes.push(`${ctx.service.name}: stop_grace_period ${String(raw)} is above Fargate's ${FARGATE_MAX_STOP_TIMEOUT} s maximum; stopTimeout is ${FARGATE_MAX_STOP_TIMEOUT}`);
  return Math.min(Math.ceil(seconds), FARGATE_MAX_STOP_TIMEOUT);
}

/** deploy.resources (or the older cpus / mem_limit / mem_reservation) → container cpu/memory and a task size. */
function readResources(ctx: Ctx): { container: Pick<EcsContainerDefinition, "cpu" | "memory" | "memoryReservation">; task: FargateSize } {
  const spec = ctx.service.spec;
  const resources = isMapping(spec.deploy) && isMapping(spec.deploy.resources) ? spec.deploy.resources : {};
  const limits = isMapping(resources.limits) ? resources.limits : {};
  const reservations = isMapping(resources.reservations) ? resources.reservations : {};
  const cpusRaw = limits.cpus ?? spec.cpus;
  const cpus = cpusRaw === undefined ? undefined : Number(cpusRaw);
  const memory = readSize(ctx, limits.memory !== undefined ? ["deploy", "resources", "limits", "memory"] : ["mem_limit"], limits.memory ?? spec.mem_limit);
  const memoryReservation = readSize(ctx, reservations.memory !== undefined ? ["deploy", "resources", "reservations", "memory"] : ["mem_reservation"], reservations.memory ?? spec.mem_reservation);
  let cpu: number | undefined;
  if (cpus !== undefined && !(Number.isFinite(cpus) && cpus > 0)) ctx.refuse(limits.cpus !== undefined ? ["deploy", "resources", "limits", "cpus"] : ["cpus"], `cpus "${String(cpusRaw)}" is not a positive number`, "write the share of vCPUs, e.g. `cpus: \"0.5\"`");
  else if (cpus !== undefined) cpu = Math.ceil(cpus * CPU_UNITS_PER_VCPU);
  const size = fargateSize(cpu ?? 0, Math.max(memory ?? 0, memoryReservation ?? 0));
  if (size === undefined) ctx.refuse(["deploy"], `asks for ${cpus ?? 0} vCPU and ${memory ?? 0} MiB, more than the largest Fargate task (16 vCPU, 120 GiB)`, "lower the limits under `deploy.resources.limits`");
  if (cpu === undefined && memory === undefined && memoryReservation === undefined) ctx.notes.push(`${ctx.service.name}: no resource limits: the smallest Fargate task (0.25 vCPU, 512 MiB); set \`deploy.resources.limits\` to size it`);
  return { container: { cpu, memory, memoryReservation }, task: size ?? { cpu: 0, memory: 0 } };
}

function readSize(ctx: Ctx, path: string[], raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  const mib = sizeMiB(raw);
  if (mib === undefined) ctx.refuse(path, `memory "${String(raw)}" is not a size`, `write it like 512M or 1G on line ${ctx.at(...path)}`);
  return mib;
}

const CONDITIONS: Record<string, EcsCondition> = { service_started: "START", service_healthy: "HEALTHY", service_completed_successfully: "SUCCESS" };

/**
 * depends_on → ECS conditions. service_completed_successfully maps to SUCCESS (exit 0), not
 * COMPLETE (any exit), which would start the app after a failed migration.
 */
function readDependencies(ctx: Ctx): EcsContainer["dependencies"] {
  const out: EcsContainer["dependencies"] = [];
  const isMap = isMapping(ctx.service.spec.depends_on);
  readDependsOn(ctx.service.spec.depends_on).forEach((dep, i) => {
    const path = isMap ? ["depends_on", dep.service, "condition"] : ["depends_on", i];
    const target = ctx.model.services.find((s) => s.name === dep.service);
    const condition = CONDITIONS[dep.condition];
    if (target === undefined) ctx.refuse(path, `depends on "${dep.service}", which is not a service of this file`, `remove it from depends_on on line ${ctx.at(...path)}`);
    else if (condition === undefined) ctx.refuse(path, `depends_on condition "${dep.condition}" is not one compose defines`, "use service_started, service_healthy or service_completed_successfully");
    else if (condition === "HEALTHY" && !hasEnabledHealthcheck(target)) ctx.refuse(path, `waits for ${dep.service} to be healthy, but ${dep.service} has no healthcheck (ECS requires one for HEALTHY)`, `add a \`healthcheck:\` to ${dep.service}, or change line ${ctx.at(...path)} to \`condition: service_started\``);
    else out.push({ service: dep.service, condition, line: ctx.at(...path) });
  });
  return out;
}

function hasEnabledHealthcheck(service: ComposeService): boolean {
  const hc = service.spec.healthcheck;
  return isMapping(hc) && hc.disable !== true && hc.test !== undefined && !(Array.isArray(hc.test) && hc.test[0] === "NONE");
}

/**
 * One Fargate task holding `services` (e.g. web and its nginx): the container definitions with
 * their dependsOn, and the task size rounded up from the containers' summed limits. ECS orders
 * containers only within one task, so a dependency outside the group is refused.
 */
export function fargateTask(t: EcsTranslation, services: string[]): { cpu: number; memory: number; containerDefinitions: EcsContainerDefinition[] } {
  const group = t.containers.filter((c) => services.includes(c.service));
  const errors: string[] = [];
  const containerDefinitions = group.map((c) => {
    for (const d of c.dependencies.filter((dep) => !services.includes(dep.service))) {
      errors.push(problem(t.file, d.line, c.service, `depends on ${d.service}, which runs in another task: ECS orders containers only within one task`, `run ${d.service} in the same task, or delete the dependency on line ${d.line} (ECS replaces ${c.service} until ${d.service} answers)`));
    }
    const dependsOn = c.dependencies.map((d) => ({ containerName: d.service, condition: d.condition }));
    return dependsOn.length > 0 ? { ...c.definition, dependsOn } : c.definition;
  });
  const cpu = group.reduce((sum, c) => sum + (c.definition.cpu ?? 0), 0);
  const memory = group.reduce((sum, c) => sum + Math.max(c.definition.memory ?? 0, c.definition.memoryReservation ?? 0), 0);
  const size = fargateSize(cpu, memory);
  if (size === undefined) errors.push(problem(t.file, 1, undefined, `the task ${services.join(" + ")} needs ${cpu} CPU units and ${memory} MiB, more than the largest Fargate task`, "lower the services' `deploy.resources.limits`, or run them in separate tasks"));
  if (errors.length > 0) throw new ComposeError(errors);
  return { ...(size as FargateSize), containerDefinitions };
}
