// What the sandbox commands are written against: a small workspace interface (tests drive the
// commands with a fake that records calls; workspace.ts adapts the real LocalWorkspace) and what they
// need from the world; and the stack helpers every command uses.
import { ResolvedOutputs } from "../../../components/outputs";
import { SnapshotFacts } from "./environment";
import { ConfigMap, readRecord, SandboxError, SandboxRecord, SettingsValue } from "./rules";

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
export async function releaseLock(ctx: CommandContext, stack: SandboxStack): Promise<void> {
  ctx.log(`releasing any lock an interrupted update left on ${stack.name} (pulumi cancel)\n`);
  await stack.cancel();
}

/** The stack the sandbox settings are copied from. */
export const TEMPLATE_STACK = "dev";

/** The newest recorded config of a stack: the config its last update ran with. */
export async function lastRecord(stack: SandboxStack,
  project: string): Promise<{ record: SandboxRecord; history: { startTime: Date }[]; config: ConfigMap }> {
  const history = await stack.history();
  return { record: readRecord(history[0]?.config, project), history, config: history[0]?.config ?? {} };
}

/** Refuses a stack whose last update ran with another stage than sandbox. */
export function refuseNonSandbox(name: string, record: SandboxRecord): void {
  if (record.stage !== undefined && record.stage !== "sandbox") {
    throw new SandboxError(
      `stack '${name}' exists but is not a sandbox (its last update ran with stage ${record.stage}); refusing to touch it`,
    );
  }
}
