// ECS on Fargate limits the compose translation must respect, each written once, with its source.

/**
 * Valid Fargate task sizes (Linux): CPU units → allowed memory in MiB. Source: Amazon ECS Developer
 * Guide, "Troubleshoot Amazon ECS task definition invalid CPU or memory errors"
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html), and the
 * ECS API reference, TaskDefinition `cpu`/`memory`. 8 and 16 vCPU need Linux platform 1.4.0+.
 */
export const FARGATE_SIZES: ReadonlyArray<{ cpu: number; memory: ReadonlyArray<number> }> = [
  { cpu: 256, memory: [512, 1024, 2048] },
  { cpu: 512, memory: steps(1024, 4096, 1024) },
  { cpu: 1024, memory: steps(2048, 8192, 1024) },
  { cpu: 2048, memory: steps(4096, 16384, 1024) },
  { cpu: 4096, memory: steps(8192, 30720, 1024) },
  { cpu: 8192, memory: steps(16384, 61440, 4096) },
  { cpu: 16384, memory: steps(32768, 122880, 8192) },
];

/** CPU units per vCPU (ECS: 1024 units = 1 vCPU). */
export const CPU_UNITS_PER_VCPU = 1024;

/**
 * Container health check ranges in seconds (ECS API reference, HealthCheck): interval 5–300,
 * timeout 2–60, retries 1–10, startPeriod 0–300.
 */
export const ECS_HEALTH_LIMITS = {
  interval: { min: 5, max: 300 },
  timeout: { min: 2, max: 60 },
  retries: { min: 1, max: 10 },
  startPeriod: { min: 0, max: 300 },
} as const;

/** Compose's healthcheck defaults (Compose Specification): interval 30s, timeout 30s, retries 3, start_period 0. */
export const COMPOSE_HEALTH_DEFAULTS = { interval: 30, timeout: 30, retries: 3, startPeriod: 0 } as const;

/**
 * Container definitions in one task definition: at most 10, not adjustable (Amazon ECS Developer Guide,
 * "Amazon ECS service quotas": "Containers per task definition … 10 … No").
 */
export const ECS_MAX_CONTAINERS_PER_TASK = 10;

/** ContainerDefinition `stopTimeout` on Fargate: at most 120 s (default 30 s when unset). */
export const FARGATE_MAX_STOP_TIMEOUT = 120;

export interface FargateSize {
  /** CPU units (1024 = 1 vCPU). */
  cpu: number;
  /** MiB. */
  memory: number;
}

/**
 * The smallest valid Fargate size with at least `cpu` units and `memoryMiB`: the smallest CPU
 * that can hold the memory, then the smallest memory step (the cheapest, as Fargate prices rise
 * with both). Undefined when nothing is that large.
 */
export function fargateSize(cpu: number, memoryMiB: number): FargateSize | undefined {
  for (const size of FARGATE_SIZES) {
    if (size.cpu < cpu) continue;
    const memory = size.memory.find((m) => m >= memoryMiB);
    if (memory !== undefined) return { cpu: size.cpu, memory };
  }
  return undefined;
}

function steps(from: number, to: number, by: number): number[] {
  const out: number[] = [];
  for (let m = from; m <= to; m += by) out.push(m);
  return out;
}
