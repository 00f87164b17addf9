// Pure rules for sandboxes: names, TTLs, owners, the settings a sandbox gets, and what a stack's
// recorded config says about it. No I/O here, so every rule is unit-tested directly.
import { archOf, defaultFor, SANDBOX_INSTANCE_TYPE, SANDBOX_PINNED_KEYS } from "../../../components/config";

/** A config value as the Automation API reads and writes it. */
export interface ConfigValue {
  value: string;
  secret?: boolean;
}
/** Fully qualified config key (`<namespace>:<key>`) → value. */
export type ConfigMap = Record<string, ConfigValue>;

/** Stacks a sandbox command must never touch. */
export const PROTECTED_STACKS = ["dev", "prod"] as const;
/** Longest sandbox name: keeps derived AWS names (RDS identifiers ≤ 63, tags) comfortably short. */
export const MAX_NAME_LENGTH = 40;
/** Default lifetime of a sandbox. */
export const DEFAULT_TTL = "72h";
export const MIN_TTL_MS = 60 * 60 * 1000;
export const MAX_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export class SandboxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SandboxError";
  }
}

/**
 * Checks a sandbox name. Pulumi allows letters, digits, `-`, `_`, `.` (≤ 100); we are stricter because
 * the name ends up in AWS names: lowercase letters, digits and single hyphens, starting with a letter
 * and ending with a letter or digit (the RDS identifier rules), at most 40 characters, never dev/prod.
 * Returns the problems; empty means valid.
 */
export function nameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length === 0) return ["the name is empty; use e.g. pr-42 or alice-try-redis"];
  if (name.length > MAX_NAME_LENGTH) {
    problems.push(`it has ${name.length} characters; at most ${MAX_NAME_LENGTH} are allowed`);
  }
  if (!/^[a-z0-9-]+$/.test(name)) problems.push("only lowercase letters a-z, digits 0-9 and '-' are allowed");
  if (!/^[a-z]/.test(name)) problems.push("it must start with a lowercase letter");
  if (/-$/.test(name)) problems.push("it must not end with '-'");
  if (name.includes("--")) problems.push("it must not contain '--'");
  if ((PROTECTED_STACKS as readonly string[]).includes(name)) {
    problems.push(`'${name}' is a shared stack, not a sandbox; sandbox commands never touch dev or prod`);
  }
  return problems;
}

/** Throws a SandboxError naming every problem when `name` is not a valid sandbox name. */
export function assertSandboxName(name: string): void {
  const problems = nameProblems(name);
  if (problems.length > 0) {
    throw new SandboxError(`invalid sandbox name '${name}': ${problems.join("; ")}. Example: pr-42`);
  }
}

const TTL_UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a TTL such as `30m`, `72h` or `7d` into milliseconds, bounded to 1h..30d. */
export function parseTtl(text: string): number {
  const match = /^([1-9][0-9]{0,5})([mhd])$/.exec(text.trim());
  if (!match) {
    throw new SandboxError(`invalid TTL '${text}': use a whole number and a unit m, h or d, e.g. 90m, 72h, 7d`);
  }
  const ms = Number(match[1]) * TTL_UNIT_MS[match[2]];
  if (ms < MIN_TTL_MS) throw new SandboxError(`TTL '${text}' is too short: at least 1h`);
  if (ms > MAX_TTL_MS) throw new SandboxError(`TTL '${text}' is too long: at most 30d`);
  return ms;
}

/** When a sandbox created or updated at `now` with `ttlMs` expires, as an ISO-8601 UTC string. */
export function expiresAt(now: Date, ttlMs: number): string {
  return new Date(now.getTime() + ttlMs).toISOString();
}

/** Renders a duration for humans: `2d 3h`, `5h 10m`, `12m`; negative durations as `expired`. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return "expired";
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${mins}m`;
  return `${mins}m`;
}

/** Where the owner comes from, in order of preference. */
export interface OwnerSources {
  /** --owner on the command line. */
  flag?: string;
  /** $GITHUB_ACTOR (CI). */
  githubActor?: string;
  /** `git config user.email`. */
  gitEmail?: string;
  /** $USER. */
  user?: string;
}

/** The first non-empty owner source; "unknown" when there is none. */
export function resolveOwner(sources: OwnerSources): string {
  for (const candidate of [sources.flag, sources.githubActor, sources.gitEmail, sources.user]) {
    const trimmed = candidate?.trim();
    if (trimmed) return trimmed;
  }
  return "unknown";
}

/** Keys copied from dev that a sandbox must not inherit: it generates its own SSH key and has no storage autoscaling. */
const DROPPED_KEYS = ["sshPublicKey", "sshPrivateKey", "dbMaxAllocatedStorageGb"];

/** A stack settings file's config value: a plain YAML scalar or structure, or `{ secure: … }`. */
export type SettingsValue = unknown;

/** The outcome of deriving a sandbox's config from dev's settings. */
export interface SandboxConfig {
  /** The `config:` of Pulumi.<sandbox>.yaml, typed like dev's (lists stay lists: the project schema checks types). */
  config: Record<string, SettingsValue>;
  /** Secret keys of dev's settings that were not copied (they are encrypted with dev's key). */
  skippedSecrets: string[];
}

/** What the sandbox records about itself. */
export interface SandboxMeta {
  /** Pulumi project name: the config namespace of the program's own keys. */
  project: string;
  owner: string;
  /** ISO-8601 UTC. */
  expiresAt: string;
}

/** True for `{ secure: … }` and for structures holding one (`appEnv: { TOKEN: { secure: … } }`). */
function containsSecure(value: SettingsValue): boolean {
  if (typeof value !== "object" || value === null) return false;
  if ("secure" in value) return true;
  return Object.values(value).some(containsSecure);
}

/**
 * The config of a sandbox: dev's plain settings plus sandbox-safe overrides. Stage sandbox implies no
 * deletion protection and no final snapshot (config derives protectData from the stage); the sizes,
 * availability and backups are the sandbox stage's defaults from the config spec (with dev's
 * architecture kept); a generated SSH key; owner and expiry recorded.
 */
export function sandboxConfig(devSettings: Record<string, SettingsValue>, meta: SandboxMeta): SandboxConfig {
  const ns = meta.project;
  const config: Record<string, SettingsValue> = {};
  const skippedSecrets: string[] = [];
  const dropped = new Set(DROPPED_KEYS.map((key) => `${ns}:${key}`));
  for (const settingsKey of Object.keys(devSettings).sort()) {
    const value = devSettings[settingsKey];
    // A key without namespace belongs to the project.
    const key = settingsKey.includes(":") ? settingsKey : `${ns}:${settingsKey}`;
    if (dropped.has(key)) continue;
    if (containsSecure(value)) {
      skippedSecrets.push(key);
      continue;
    }
    config[key] = value;
  }
  const devArch = archOf(String(config[`${ns}:instanceType`] ?? "")) ?? "x86_64";
  const overrides: Record<string, SettingsValue> = {
    stage: "sandbox",
    ...Object.fromEntries(SANDBOX_PINNED_KEYS.map((key) => [key, defaultFor(key, "sandbox")])),
    instanceType: SANDBOX_INSTANCE_TYPE[devArch],
    sandboxOwner: meta.owner,
    sandboxExpiresAt: meta.expiresAt,
  };
  for (const [key, value] of Object.entries(overrides)) config[`${ns}:${key}`] = value;
  return { config, skippedSecrets };
}

/** What a stack's last recorded config says about it. */
export interface SandboxRecord {
  stage?: string;
  owner?: string;
  expiresAt?: Date;
}

/** Reads stage, owner and expiry from a config map (as recorded by the last update). */
export function readRecord(config: ConfigMap | undefined, project: string): SandboxRecord {
  if (!config) return {};
  const get = (key: string): string | undefined => {
    const entry = config[`${project}:${key}`];
    return entry && !entry.secret ? entry.value : undefined;
  };
  const expiresText = get("sandboxExpiresAt");
  const expires = expiresText ? new Date(expiresText) : undefined;
  return {
    stage: get("stage"),
    owner: get("sandboxOwner"),
    expiresAt: expires && !Number.isNaN(expires.getTime()) ? expires : undefined,
  };
}

/** True for dev and prod, also when qualified (`org/dev`, `org/project/prod`) as Pulumi Cloud lists them. */
export function isProtectedStack(name: string): boolean {
  return (PROTECTED_STACKS as readonly string[]).includes(name.slice(name.lastIndexOf("/") + 1));
}

/** True for stacks a sandbox command may manage: not dev/prod, and recorded as stage sandbox. */
export function isSandbox(name: string, record: SandboxRecord): boolean {
  return !isProtectedStack(name) && record.stage === "sandbox";
}

/** True when a sandbox's recorded expiry is at or before `now`; a sandbox without expiry never expires. */
export function isExpired(record: SandboxRecord, now: Date): boolean {
  return record.expiresAt !== undefined && record.expiresAt.getTime() <= now.getTime();
}
