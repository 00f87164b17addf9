// compose `healthcheck:` → ECS container healthCheck. Pure.

import { COMPOSE_HEALTH_DEFAULTS, ECS_HEALTH_LIMITS } from "./fargate";
import { durationSeconds, Env, interpolate } from "./fields";
import { isMapping } from "./model";

export interface EcsHealthCheck {
  command: string[];
  interval: number;
  timeout: number;
  retries: number;
  startPeriod?: number;
}

type Refuse = (what: string, fix: string, key?: string) => void;
type Note = (note: string) => void;

/**
 * The ECS health check for a compose healthcheck, or undefined when there is none or it is
 * disabled (`disable: true`, `test: ["NONE"]`). `test` as a list keeps CMD / CMD-SHELL; as a string
 * it becomes CMD-SHELL, as compose runs it. Timings take compose's defaults when unset (so the task
 * behaves as under compose), are rounded up to whole seconds and clamped into ECS's ranges with a note.
 */
export function ecsHealthCheck(raw: unknown, env: Env, refuse: Refuse, note: Note): EcsHealthCheck | undefined {
  if (!isMapping(raw) || raw.disable === true || raw.test === undefined) return undefined;
  const test = Array.isArray(raw.test)
    ? raw.test.map((w) => interpolate(String(w), env))
    : ["CMD-SHELL", interpolate(String(raw.test), env)];
  if (test[0] === "NONE") return undefined;
  if (test[0] !== "CMD" && test[0] !== "CMD-SHELL") {
    refuse(`healthcheck test starts with "${test[0]}"`,
      'start it with "CMD" (run the words) or "CMD-SHELL" (run one shell line), e.g. `test: ["CMD", "curl", "-f", "http://localhost:8000/"]`',
      "test");
    return undefined;
  }
  if (raw.start_interval !== undefined) {
    note("healthcheck start_interval has no ECS equivalent; interval applies from the start");
  }
  const seconds = (key: string, fallback: number): number | undefined => {
    if (raw[key] === undefined) return fallback;
    const s = durationSeconds(raw[key]);
    if (s === undefined) {
      refuse(`healthcheck ${key} "${String(raw[key])}" is not a duration`, "write it like 5s or 1m30s", key);
    }
    return s === undefined ? undefined : Math.ceil(s);
  };
  const clamp = (name: keyof typeof ECS_HEALTH_LIMITS, value: number, key: string): number => {
    const { min, max } = ECS_HEALTH_LIMITS[name];
    const out = Math.min(max, Math.max(min, value));
    const unit = name === "retries" ? "" : " s";
    if (out !== value) {
      note(`healthcheck ${key} ${String(raw[key])} is outside ECS's ${min}–${max}${unit}; ${out}${unit} is used`);
    }
    return out;
  };
  const interval = seconds("interval", COMPOSE_HEALTH_DEFAULTS.interval);
  const timeout = seconds("timeout", COMPOSE_HEALTH_DEFAULTS.timeout);
  const startPeriod = seconds("start_period", COMPOSE_HEALTH_DEFAULTS.startPeriod);
  const retries = raw.retries === undefined ? COMPOSE_HEALTH_DEFAULTS.retries : Number(raw.retries);
  if (!Number.isInteger(retries)) {
    refuse(`healthcheck retries "${String(raw.retries)}" is not a whole number`, "write e.g. `retries: 3`", "retries");
  }
  if (interval === undefined || timeout === undefined || startPeriod === undefined || !Number.isInteger(retries)) {
    return undefined;
  }
  const check: EcsHealthCheck = {
    command: test,
    interval: clamp("interval", interval, "interval"),
    timeout: clamp("timeout", timeout, "timeout"),
    retries: clamp("retries", retries, "retries"),
  };
  if (startPeriod > 0) check.startPeriod = clamp("startPeriod", startPeriod, "start_period");
  return check;
}
