// The sandbox commands (up, destroy, list, reap) written against a small workspace interface, so
// tests drive them with a fake that records calls; workspace.ts adapts the real LocalWorkspace.

import { outputText, ResolvedOutputs } from "../../../components/outputs";
import { SnapshotFacts } from "./environment";
import {
  assertSandboxName,
  ConfigMap,
  expiresAt,
  formatDuration,
  isExpired,
  isSandbox,
  isProtectedStack,
  readRecord,
  SandboxError,
  SandboxRecord,
  sandboxConfig,
  SettingsValue,
} from "./rules";

/** One stack of the project, as the commands use it. */
export interface SandboxStack {
  readonly name: string;
  /**
   * Replaces the `config:` of the stack's settings file (Pulumi.<stack>.yaml), keeping its secrets
   * provider fields. Typed values, not `config set` strings: the project's config schema checks types.
   */
  writeConfig(config: Record<string, SettingsValue>): Promise<void>;
  /** `pulumi up`; progress goes to onOutput. */
  up(onOutput: (text: string) => void): Promise<void>;
  /** `pulumi destroy`; progress goes to onOutput. */
  destroy(onOutput: (text: string) => void): Promise<void>;
  /**
   * `pulumi cancel --yes`: releases the lock an interrupted update left (a timed-out or cancelled job,
   * a killed runner). Pulumi Cloud cancels the stack's current update; a self-managed (DIY) backend
   * deletes every lock file under `.pulumi/locks/<org>/<project>/<stack>/` (pulumi/pulumi
   * pkg/backend/diy/backend.go CancelCurrentUpdate, lock.go stackLockDir). A stack with no lock is fine.
   */
  cancel(): Promise<void>;
  /** Stack outputs as plain values (secrets included as their values). */
  outputs(): Promise<ResolvedOutputs>;
  /**
   * Update history, newest first: when each ran and the config it ran with. Read from the backend, so
   * it works on a fresh CI checkout where no Pulumi.<stack>.yaml exists.
   */
  history(): Promise<{ startTime: Date; config: ConfigMap }[]>;
}

/** The project's workspace, as the commands use it. */
export interface SandboxWorkspace {
  /** Pulumi project name (Pulumi.yaml `name`): the namespace of the program's config keys. */
  projectName(): Promise<string>;
  /** The `config:` of a committed stack settings file (Pulumi.<stack>.yaml), values as YAML parsed them. */
  stackSettingsConfig(stackName: string): Promise<Record<string, SettingsValue>>;
  /** Names of the project's stacks in the backend. */
  listStacks(): Promise<string[]>;
  /** The stack, or undefined when the backend has no stack of that name. */
  selectStack(name: string): Promise<SandboxStack | undefined>;
  createOrSelectStack(name: string): Promise<SandboxStack>;
  /** `pulumi stack rm` (also deletes the local Pulumi.<stack>.yaml). */
  removeStack(name: string): Promise<void>;
}

/** What the commands need from the world besides the workspace; injected for tests. */
export interface CommandContext {
  workspace: SandboxWorkspace;
  now: () => Date;
  /** Results for the person or the CI step (stdout). */
  print: (line: string) => void;
  /** Progress and warnings (stderr). */
  log: (text: string) => void;
  /** Throws with the fix when AWS credentials are missing; called only right before AWS is touched. */
  checkAwsCredentials: () => void;
  /**
   * Throws with the fix when no Docker daemon answers. Called before any operation on a stack whose
   * config builds images (registry mode, ecs): the docker provider connects to the daemon whenever it
   * is configured, for a destroy too (pulumi/pulumi-docker: "failed to connect to any docker daemon").
   */
  checkDocker: () => void;
  /** The newest available automated snapshot of an RDS instance (environment.ts latestAutomatedSnapshot: the AWS CLI). */
  latestAutomatedSnapshot: (instance: string, region: string | undefined) => SnapshotFacts;
}

/** Whether a stack with this config builds images on the runner (deployMode registry, or hosting ecs). */
export function buildsImages(config: Record<string, unknown>, project: string): boolean {
  const text = (key: string): string | undefined => {
    const v = config[`${project}:${key}`];
    const raw = v !== null && typeof v === "object" && "value" in v ? (v as { value?: unknown }).value : v;
    return typeof raw === "string" ? raw : undefined;
  };
  return text("deployMode") === "registry" || text("hosting") === "ecs";
}

/**
 * Releases a lock an interrupted update left, before the stack is destroyed (the lock would make the
 * destroy fail). Only for stacks no live update can hold: a PR's destroy shares the concurrency group
 * of its up, and the reaper destroys only expired sandboxes (every up renews the expiry first).
 */
async function releaseLock(ctx: CommandContext, stack: SandboxStack): Promise<void> {
  ctx.log(`releasing any lock an interrupted update left on ${stack.name} (pulumi cancel)\n`);
  await stack.cancel();
}

/** The stack the sandbox settings are copied from. */
export const TEMPLATE_STACK = "dev";

/** What `up` reports. */
export interface UpResult {
  name: string;
  url?: string;
  owner: string;
  expiresAt: string;
  created: boolean;
}

/** The newest recorded config of a stack: the config its last update ran with. */
async function lastRecord(stack: SandboxStack, project: string): Promise<{ record: SandboxRecord; history: { startTime: Date }[]; config: ConfigMap }> {
  const history = await stack.history();
  return { record: readRecord(history[0]?.config, project), history, config: history[0]?.config ?? {} };
}

/**
 * Sandbox `name`'s stack and its last recorded config, refusing a stack that is not a sandbox; undefined
 * (saying so) when it does not exist, so there is nothing to `verb`.
 */
async function existingSandbox(ctx: CommandContext, name: string, verb: string): Promise<{ stack: SandboxStack; project: string; config: ConfigMap } | undefined> {
  assertSandboxName(name);
  const project = await ctx.workspace.projectName();
  const stack = await ctx.workspace.selectStack(name);
  if (!stack) {
    ctx.print(`sandbox ${name} does not exist; nothing to ${verb}`);
    return undefined;
  }
  const { record, config } = await lastRecord(stack, project);
  refuseNonSandbox(name, record);
  return { stack, project, config };
}

/**
 * `unlock <name>`: releases the lock an interrupted `up` left on sandbox `name` (a job that timed out
 * or was cancelled mid-update), so the next up or destroy can run. Returns false when it does not exist.
 */
export async function unlockSandbox(ctx: CommandContext, name: string): Promise<boolean> {
  const found = await existingSandbox(ctx, name, "unlock");
  if (!found) return false;
  await found.stack.cancel();
  ctx.print(`sandbox ${name} unlocked (run up or destroy again; resources an interrupted update left pending show in its output)`);
  return true;
}

function refuseNonSandbox(name: string, record: SandboxRecord): void {
  if (record.stage !== undefined && record.stage !== "sandbox") {
    throw new SandboxError(`stack '${name}' exists but is not a sandbox (its last update ran with stage ${record.stage}); refusing to touch it`);
  }
}

/** The stack whose automated backups `--from-snapshot prod` restores. */
export const PROD_STACK = "prod";

/** The settings a restore from a snapshot changes: recorded by the drill, carried over by a later up. */
const SNAPSHOT_KEYS = ["dbSnapshotIdentifier", "dbAllocatedStorageGb", "dbUsername"] as const;

/** The RDS instance identifier in an endpoint: its first DNS label (`<identifier>.<hash>.<region>.rds.amazonaws.com[:port]`). */
export function rdsInstanceOf(endpoint: string | undefined): string | undefined {
  const label = endpoint?.split(".")[0];
  return label && /^[a-z][a-z0-9-]{0,62}$/.test(label) && endpoint!.includes(".rds.") ? label : undefined;
}

/**
 * `--from-snapshot prod | <snapshot id or ARN>`: the settings that restore the sandbox's database from it.
 * prod: the newest automated snapshot of prod's instance (named by prod's dbEndpoint output), in prod's
 * region, which must be the sandbox's (a snapshot restores only in its own region); the sandbox's storage
 * is raised to the snapshot's when smaller (a restore cannot shrink it) and its master user is the snapshot's.
 * An id is taken as given: the preview checks it (engine, version, size, encryption) before anything is created.
 */
async function snapshotSettings(ctx: CommandContext, project: string, from: string, config: Record<string, SettingsValue>): Promise<Record<string, SettingsValue>> {
  if (from !== PROD_STACK) return { dbSnapshotIdentifier: from };
  const prod = await ctx.workspace.selectStack(PROD_STACK);
  if (!prod) throw new SandboxError(`--from-snapshot prod: this state backend has no stack ${PROD_STACK}. Fix: use prod's backend (PULUMI_BACKEND_URL), or give the snapshot's id`);
  const endpoint = outputText(await prod.outputs(), "dbEndpoint");
  const instance = rdsInstanceOf(endpoint);
  if (!instance) throw new SandboxError(`--from-snapshot prod: prod's dbEndpoint output (${endpoint ?? "missing"}) names no RDS instance. Fix: give the snapshot's id`);
  let prodRegion: string | undefined;
  try {
    prodRegion = String((await ctx.workspace.stackSettingsConfig(PROD_STACK))["aws:region"] ?? "") || undefined;
  } catch {
    prodRegion = undefined;
  }
  const region = typeof config["aws:region"] === "string" ? config["aws:region"] : undefined;
  if (prodRegion && region && prodRegion !== region) {
    throw new SandboxError(`--from-snapshot prod: prod runs in ${prodRegion} and sandboxes in ${region} (Pulumi.${TEMPLATE_STACK}.yaml), and a snapshot restores only in its own region. ` +
      `Fix: aws rds copy-db-snapshot --source-region ${prodRegion} --region ${region} …, then --from-snapshot <the copy's id>`);
  }
  const snapshot = ctx.latestAutomatedSnapshot(instance, prodRegion ?? region);
  ctx.log(`restore drill: prod's database ${instance}, newest automated snapshot ${snapshot.id} (taken ${snapshot.createdAt})\n`);
  const settings: Record<string, SettingsValue> = { dbSnapshotIdentifier: snapshot.id };
  const storage = Number(config[`${project}:dbAllocatedStorageGb`] ?? 0);
  if (snapshot.allocatedStorageGb > storage) settings.dbAllocatedStorageGb = snapshot.allocatedStorageGb;
  if (snapshot.masterUsername) settings.dbUsername = snapshot.masterUsername;
  return settings;
}

/** The snapshot settings an earlier drill recorded on this sandbox (an up without --from-snapshot keeps them: changing them replaces its database). */
function recordedSnapshotSettings(config: ConfigMap, project: string): Record<string, SettingsValue> {
  if (!config[`${project}:dbSnapshotIdentifier`]?.value) return {};
  const kept: Record<string, SettingsValue> = {};
  for (const key of SNAPSHOT_KEYS) {
    const entry = config[`${project}:${key}`];
    if (entry && !entry.secret) kept[key] = key === "dbAllocatedStorageGb" ? Number(entry.value) : entry.value;
  }
  return kept;
}

/**
 * Creates or updates sandbox `name` from dev's settings, records owner + expiry, and deploys it.
 * fromSnapshot (`prod` or a snapshot id) restores its database from that snapshot: the restore drill.
 */
export async function upSandbox(ctx: CommandContext, name: string, opts: { ttlMs: number; owner: string; fromSnapshot?: string }): Promise<UpResult> {
  assertSandboxName(name);
  const project = await ctx.workspace.projectName();
  let devSettings: Record<string, SettingsValue>;
  try {
    devSettings = await ctx.workspace.stackSettingsConfig(TEMPLATE_STACK);
  } catch (err) {
    throw new SandboxError(`cannot read Pulumi.${TEMPLATE_STACK}.yaml, the settings sandboxes start from: ${(err as Error).message}`);
  }
  const existing = await ctx.workspace.selectStack(name);
  const previous = existing ? await lastRecord(existing, project) : undefined;
  if (previous) refuseNonSandbox(name, previous.record);
  ctx.checkAwsCredentials();
  const expires = expiresAt(ctx.now(), opts.ttlMs);
  const { config, skippedSecrets } = sandboxConfig(devSettings, { project, owner: opts.owner, expiresAt: expires });
  const restore = opts.fromSnapshot !== undefined
    ? await snapshotSettings(ctx, project, opts.fromSnapshot, config)
    : recordedSnapshotSettings(previous?.config ?? {}, project);
  for (const [key, value] of Object.entries(restore)) config[`${project}:${key}`] = value;
  if (restore.dbSnapshotIdentifier !== undefined) {
    const replaces = existing && previous?.config[`${project}:dbSnapshotIdentifier`]?.value !== restore.dbSnapshotIdentifier;
    ctx.log(`database: restored from snapshot ${String(restore.dbSnapshotIdentifier)}${replaces ? " (replaces this sandbox's database)" : ""}\n`);
  }
  if (skippedSecrets.length > 0) {
    const skipped = skippedSecrets.filter((key) => config[key] === undefined);
    if (skipped.length > 0) ctx.log(`note: not copied from Pulumi.${TEMPLATE_STACK}.yaml (secrets encrypted for dev): ${skipped.join(", ")}\n`);
  }
  if (buildsImages(config, project)) ctx.checkDocker();
  const stack = existing ?? (await ctx.workspace.createOrSelectStack(name));
  await stack.writeConfig(config);
  ctx.log(`${existing ? "updating" : "creating"} sandbox ${name} (owner ${opts.owner}, expires ${expires})\n`);
  await stack.up(ctx.log);
  const outputs = await stack.outputs();
  const url = outputText(outputs, "url");
  return { name, url, owner: opts.owner, expiresAt: expires, created: !existing };
}

/** Destroys sandbox `name` and removes its stack. Returns false (and succeeds) when it never existed. */
export async function destroySandbox(ctx: CommandContext, name: string): Promise<boolean> {
  const found = await existingSandbox(ctx, name, "destroy");
  if (!found) return false;
  const { stack, project, config } = found;
  ctx.checkAwsCredentials();
  if (buildsImages(config, project)) ctx.checkDocker();
  await releaseLock(ctx, stack);
  ctx.log(`destroying sandbox ${name}\n`);
  await stack.destroy(ctx.log);
  await ctx.workspace.removeStack(name);
  ctx.print(`sandbox ${name} destroyed and its stack removed`);
  return true;
}

/** One row of `list`. */
export interface SandboxInfo {
  name: string;
  owner?: string;
  /** Since the first update. */
  ageMs?: number;
  /** Until the recorded expiry; negative when expired. */
  ttlLeftMs?: number;
  expiresAt?: string;
  url?: string;
}

/** Each stack of the project that is a sandbox (never dev/prod), by name, with its last record. */
async function* eachSandbox(ctx: CommandContext, project: string): AsyncGenerator<{ name: string; stack: SandboxStack } & Awaited<ReturnType<typeof lastRecord>>> {
  for (const name of (await ctx.workspace.listStacks()).sort()) {
    if (isProtectedStack(name)) continue;
    const stack = await ctx.workspace.selectStack(name);
    if (!stack) continue;
    const last = await lastRecord(stack, project);
    if (isSandbox(name, last.record)) yield { name, stack, ...last };
  }
}

/** Every sandbox of the project (stage sandbox, never dev/prod), with owner, age, TTL left and URL. */
export async function listSandboxes(ctx: CommandContext): Promise<SandboxInfo[]> {
  const project = await ctx.workspace.projectName();
  const now = ctx.now().getTime();
  const rows: SandboxInfo[] = [];
  for await (const { name, stack, record, history } of eachSandbox(ctx, project)) {
    const first = history[history.length - 1];
    const outputs = await stack.outputs();
    rows.push({
      name,
      owner: record.owner,
      ageMs: first ? now - first.startTime.getTime() : undefined,
      ttlLeftMs: record.expiresAt ? record.expiresAt.getTime() - now : undefined,
      expiresAt: record.expiresAt?.toISOString(),
      url: outputText(outputs, "url"),
    });
  }
  return rows;
}

/** Renders `list` rows as an aligned table. */
export function formatSandboxTable(rows: SandboxInfo[]): string {
  if (rows.length === 0) return "no sandboxes";
  const table = [["NAME", "OWNER", "AGE", "TTL LEFT", "URL"]];
  for (const row of rows) {
    table.push([
      row.name,
      row.owner ?? "-",
      row.ageMs === undefined ? "-" : formatDuration(row.ageMs),
      row.ttlLeftMs === undefined ? "no expiry" : formatDuration(row.ttlLeftMs),
      row.url ?? "-",
    ]);
  }
  const widths = table[0].map((_, col) => Math.max(...table.map((line) => line[col].length)));
  return table.map((line) => line.map((cell, col) => cell.padEnd(widths[col])).join("  ").trimEnd()).join("\n");
}

/** What `reap` did. */
export interface ReapResult {
  destroyed: string[];
  failed: { name: string; error: string }[];
  kept: string[];
}

/**
 * Destroys every sandbox past its expiry (stage sandbox only, never dev/prod) and removes its stack.
 * One failure does not stop the others; the caller exits non-zero when any failed.
 */
export async function reapSandboxes(ctx: CommandContext, opts: { dryRun: boolean }): Promise<ReapResult> {
  const project = await ctx.workspace.projectName();
  const now = ctx.now();
  const result: ReapResult = { destroyed: [], failed: [], kept: [] };
  let credentialsChecked = false;
  for await (const { name, stack, record, config } of eachSandbox(ctx, project)) {
    if (!isExpired(record, now)) {
      result.kept.push(name);
      continue;
    }
    if (opts.dryRun) {
      ctx.print(`would destroy ${name} (expired ${record.expiresAt?.toISOString()}, owner ${record.owner ?? "unknown"})`);
      result.destroyed.push(name);
      continue;
    }
    if (!credentialsChecked) {
      ctx.checkAwsCredentials();
      credentialsChecked = true;
    }
    try {
      if (buildsImages(config, project)) ctx.checkDocker();
      ctx.log(`reaping ${name} (expired ${record.expiresAt?.toISOString()}, owner ${record.owner ?? "unknown"})\n`);
      await releaseLock(ctx, stack);
      await stack.destroy(ctx.log);
      await ctx.workspace.removeStack(name);
      ctx.print(`destroyed ${name}`);
      result.destroyed.push(name);
    } catch (err) {
      const error = (err as Error).message;
      ctx.print(`FAILED to destroy ${name}: ${error}`);
      result.failed.push({ name, error });
    }
  }
  return result;
}
