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

import { fargateSize, type FargateSize } from "./fargate";
import { asList, readDependsOn, readEnvFiles } from "./fields";
import { ComposeError, type ComposeModel, isMapping, lineAt, problem } from "./model";
import { ecsHealthCheck } from "./ecsHealth";
import { readCommand, readEnvironment, readImage, readMounts, readPortMappings } from "./ecsFields";
import { readDependencies, readResources, readStopTimeout } from "./ecsLimits";
import type { Ctx, EcsContainer, EcsContainerDefinition, EcsOptions, EcsTranslation } from "./ecsTypes";

export function composeToEcs(model: ComposeModel, opts: EcsOptions = {}): EcsTranslation {
  const notes: string[] = [];
  const errors: string[] = [];
  const oneShots = new Set(
    model.services.flatMap((s) =>
      readDependsOn(s.spec.depends_on).filter((d) => d.condition === "service_completed_successfully").map((d) =>
        d.service
      )
    ),
  );
  const containers: EcsContainer[] = [];
  for (const service of model.services) {
    if (service.spec.profiles !== undefined) {
      notes.push(
        `${service.name} is left out: it has \`profiles:\` (line ${
          lineAt(model, ["services", service.name, "profiles"])
        }), so compose starts it only on request`,
      );
      continue;
    }
    const at = (...path: (string | number)[]) => lineAt(model, ["services", service.name, ...path]);
    const ctx: Ctx = { model, service, opts, env: opts.env ?? {}, notes, errors, at,
      refuse: (path, what, fix) => errors.push(problem(model.file, at(...path), service.name, what, fix)) };
    containers.push(translateService(ctx, oneShots.has(service.name)));
  }
  if (opts.proxyService !== undefined && model.services.some((s) => s.name === opts.proxyService)
    && model.services.length > 1) {
    notes.push(
      `${opts.proxyService} reaches the other services by name under compose (e.g. web:8000); in a Fargate task, containers of the same task share localhost and other tasks need service discovery, so point its upstream at 127.0.0.1:<port> when it shares web's task`,
    );
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
    healthCheck: ecsHealthCheck(service.spec.healthcheck, ctx.env,
      (what, fix, key) => ctx.refuse(["healthcheck", ...(key ? [key] : [])], what, fix),
      (note) => ctx.notes.push(`${service.name}: ${note}`)),
    stopTimeout: readStopTimeout(ctx),
    ...resources.container,
    user: service.spec.user === undefined ? undefined : String(service.spec.user),
    workingDirectory: service.spec.working_dir === undefined ? undefined : String(service.spec.working_dir),
    linuxParameters: service.spec.init === true ? { initProcessEnabled: true } : undefined,
  };
  for (const key of Object.keys(definition) as (keyof EcsContainerDefinition)[]) {
    if (definition[key] === undefined) delete definition[key];
  }
  const replicas = isMapping(service.spec.deploy) && typeof service.spec.deploy.replicas === "number"
    ? service.spec.deploy.replicas
    : typeof service.spec.scale === "number"
    ? service.spec.scale
    : undefined;
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
  if (spec.network_mode !== undefined) {
    ctx.refuse(["network_mode"],
      `\`network_mode: ${
        String(spec.network_mode)
      }\`: Fargate gives every task its own network interface (awsvpc mode)`,
      `${
        del("network_mode")
      }; containers of one task reach each other on localhost, other services through the load balancer or service discovery`);
  }
  if (spec.privileged === true) {
    ctx.refuse(["privileged"], "`privileged: true`: Fargate does not run privileged containers",
      `${del("privileged")} and grant only what the app needs`);
  }
  const caps = asList(spec.cap_add).map(String).filter((c) => c !== "SYS_PTRACE");
  if (caps.length > 0) {
    ctx.refuse(["cap_add"], `\`cap_add: ${caps.join(", ")}\`: Fargate adds no capability but SYS_PTRACE`,
      `remove ${caps.join(", ")} from line ${ctx.at("cap_add")}`);
  }
  if (spec.devices !== undefined) {
    ctx.refuse(["devices"], "`devices:`: Fargate tasks cannot reach host devices", del("devices"));
  }
  for (const key of ["pid", "ipc"]) {
    if (spec[key] === "host") {
      ctx.refuse([key], `\`${key}: host\`: Fargate tasks cannot share the host's ${key} namespace`, del(key));
    }
  }
  if (spec.tmpfs !== undefined) {
    ctx.refuse(["tmpfs"], "`tmpfs:`: Fargate has no tmpfs mounts",
      `${del("tmpfs")} (the container's own filesystem is writable) or mount a named volume there`);
  }
  for (const key of ["secrets", "configs"]) {
    if (spec[key] !== undefined) {
      ctx.refuse([key], `compose \`${key}:\` mounts files ECS does not provide`,
        `${del(key)} and put those values in the env file, whose entries become ECS secrets`);
    }
  }
  if (spec.extends !== undefined) {
    ctx.refuse(["extends"], "`extends:` is not followed by the translation",
      `copy the settings it inherits into ${ctx.service.name} and delete line ${ctx.at("extends")}`);
  }
  if (spec.logging !== undefined) {
    ctx.notes.push(
      `${ctx.service.name}: \`logging:\` (line ${ctx.at("logging")}) is replaced by the stack's awslogs to CloudWatch`,
    );
  }
}

/**
 * One Fargate task holding `services` (e.g. web and its nginx): the container definitions with
 * their dependsOn, and the task size rounded up from the containers' summed limits. ECS orders
 * containers only within one task, so a dependency outside the group is refused.
 */
export function fargateTask(t: EcsTranslation,
  services: string[]): { cpu: number; memory: number; containerDefinitions: EcsContainerDefinition[] } {
  const group = t.containers.filter((c) => services.includes(c.service));
  const errors: string[] = [];
  const containerDefinitions = group.map((c) => {
    for (const d of c.dependencies.filter((dep) => !services.includes(dep.service))) {
      errors.push(
        problem(t.file, d.line, c.service,
          `depends on ${d.service}, which runs in another task: ECS orders containers only within one task`,
          `run ${d.service} in the same task, or delete the dependency on line ${d.line} (ECS replaces ${c.service} until ${d.service} answers)`),
      );
    }
    const dependsOn = c.dependencies.map((d) => ({ containerName: d.service, condition: d.condition }));
    return dependsOn.length > 0 ? { ...c.definition, dependsOn } : c.definition;
  });
  const cpu = group.reduce((sum, c) => sum + (c.definition.cpu ?? 0), 0);
  const memory = group.reduce((sum, c) => sum + Math.max(c.definition.memory ?? 0, c.definition.memoryReservation ?? 0),
    0);
  const size = fargateSize(cpu, memory);
  if (size === undefined) {
    errors.push(
      problem(t.file, 1, undefined,
        `the task ${services.join(" + ")} needs ${cpu} CPU units and ${memory} MiB, more than the largest Fargate task`,
        "lower the services' `deploy.resources.limits`, or run them in separate tasks"),
    );
  }
  if (errors.length > 0) throw new ComposeError(errors);
  return { ...(size as FargateSize), containerDefinitions };
}
