// The compose → ECS translation, how a container runs: its stop timeout, its cpu and memory (and the
// Fargate size they round up to), and the order it starts in (depends_on → ECS conditions).
import { CPU_UNITS_PER_VCPU, fargateSize, FARGATE_MAX_STOP_TIMEOUT, type FargateSize } from "./fargate";
import { durationSeconds, readDependsOn, sizeMiB } from "./fields";
import { type ComposeService, isMapping } from "./model";
import type { Ctx, EcsCondition, EcsContainer, EcsContainerDefinition } from "./ecsTypes";

export function readStopTimeout(ctx: Ctx): number | undefined {
  const raw = ctx.service.spec.stop_grace_period;
  if (raw === undefined) return undefined;
  const seconds = durationSeconds(raw);
  if (seconds === undefined) {
    ctx.refuse(["stop_grace_period"], `\`stop_grace_period: ${String(raw)}\` is not a duration`,
      `write it like 30s or 1m30s on line ${ctx.at("stop_grace_period")}`);
    return undefined;
  }
  if (seconds > FARGATE_MAX_STOP_TIMEOUT) {
    ctx.notes.push(
      `${ctx.service.name}: stop_grace_period ${
        String(raw)
      } is above Fargate's ${FARGATE_MAX_STOP_TIMEOUT} s maximum; stopTimeout is ${FARGATE_MAX_STOP_TIMEOUT}`,
    );
  }
  return Math.min(Math.ceil(seconds), FARGATE_MAX_STOP_TIMEOUT);
}

/** deploy.resources (or the older cpus / mem_limit / mem_reservation) → container cpu/memory and a task size. */
export function readResources(
  ctx: Ctx,
): { container: Pick<EcsContainerDefinition, "cpu" | "memory" | "memoryReservation">; task: FargateSize } {
  const spec = ctx.service.spec;
  const resources = isMapping(spec.deploy) && isMapping(spec.deploy.resources) ? spec.deploy.resources : {};
  const limits = isMapping(resources.limits) ? resources.limits : {};
  const reservations = isMapping(resources.reservations) ? resources.reservations : {};
  const cpusRaw = limits.cpus ?? spec.cpus;
  const cpus = cpusRaw === undefined ? undefined : Number(cpusRaw);
  const memory = readSize(ctx,
    limits.memory !== undefined ? ["deploy", "resources", "limits", "memory"] : ["mem_limit"],
    limits.memory ?? spec.mem_limit);
  const memoryReservation = readSize(ctx,
    reservations.memory !== undefined ? ["deploy", "resources", "reservations", "memory"] : ["mem_reservation"],
    reservations.memory ?? spec.mem_reservation);
  let cpu: number | undefined;
  if (cpus !== undefined && !(Number.isFinite(cpus) && cpus > 0)) {
    ctx.refuse(limits.cpus !== undefined ? ["deploy", "resources", "limits", "cpus"] : ["cpus"],
      `cpus "${String(cpusRaw)}" is not a positive number`, 'write the share of vCPUs, e.g. `cpus: "0.5"`');
  } else if (cpus !== undefined) cpu = Math.ceil(cpus * CPU_UNITS_PER_VCPU);
  const size = fargateSize(cpu ?? 0, Math.max(memory ?? 0, memoryReservation ?? 0));
  if (size === undefined) {
    ctx.refuse(["deploy"],
      `asks for ${cpus ?? 0} vCPU and ${memory ?? 0} MiB, more than the largest Fargate task (16 vCPU, 120 GiB)`,
      "lower the limits under `deploy.resources.limits`");
  }
  if (cpu === undefined && memory === undefined && memoryReservation === undefined) {
    ctx.notes.push(
      `${ctx.service.name}: no resource limits: the smallest Fargate task (0.25 vCPU, 512 MiB); set \`deploy.resources.limits\` to size it`,
    );
  }
  return { container: { cpu, memory, memoryReservation }, task: size ?? { cpu: 0, memory: 0 } };
}

function readSize(ctx: Ctx, path: string[], raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  const mib = sizeMiB(raw);
  if (mib === undefined) {
    ctx.refuse(path, `memory "${String(raw)}" is not a size`, `write it like 512M or 1G on line ${ctx.at(...path)}`);
  }
  return mib;
}

const CONDITIONS: Record<string, EcsCondition> = { service_started: "START", service_healthy: "HEALTHY",
  service_completed_successfully: "SUCCESS" };

/**
 * depends_on → ECS conditions. service_completed_successfully maps to SUCCESS (exit 0), not
 * COMPLETE (any exit), which would start the app after a failed migration.
 */
export function readDependencies(ctx: Ctx): EcsContainer["dependencies"] {
  const out: EcsContainer["dependencies"] = [];
  const isMap = isMapping(ctx.service.spec.depends_on);
  readDependsOn(ctx.service.spec.depends_on).forEach((dep, i) => {
    const path = isMap ? ["depends_on", dep.service, "condition"] : ["depends_on", i];
    const target = ctx.model.services.find((s) => s.name === dep.service);
    const condition = CONDITIONS[dep.condition];
    if (target === undefined) {
      ctx.refuse(path, `depends on "${dep.service}", which is not a service of this file`,
        `remove it from depends_on on line ${ctx.at(...path)}`);
    } else if (condition === undefined) {
      ctx.refuse(path, `depends_on condition "${dep.condition}" is not one compose defines`,
        "use service_started, service_healthy or service_completed_successfully");
    } else if (condition === "HEALTHY" && !hasEnabledHealthcheck(target)) {
      ctx.refuse(path,
        `waits for ${dep.service} to be healthy, but ${dep.service} has no healthcheck (ECS requires one for HEALTHY)`,
        `add a \`healthcheck:\` to ${dep.service}, or change line ${
          ctx.at(...path)
        } to \`condition: service_started\``);
    } else out.push({ service: dep.service, condition, line: ctx.at(...path) });
  });
  return out;
}

export function hasEnabledHealthcheck(service: ComposeService): boolean {
  const hc = service.spec.healthcheck;
  return isMapping(hc) && hc.disable !== true && hc.test !== undefined
    && !(Array.isArray(hc.test) && hc.test[0] === "NONE");
}
