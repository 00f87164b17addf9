// The sandbox commands that act on one sandbox by name (up, destroy, unlock), written against the
// workspace interface of context.ts; list and reap are inventory.ts.
import { outputText } from "../../../components/outputs";
import { buildsImages, type CommandContext, lastRecord, refuseNonSandbox, releaseLock, type SandboxStack,
  TEMPLATE_STACK } from "./context";
import { assertSandboxName, ConfigMap, expiresAt, SandboxError, sandboxConfig, SettingsValue } from "./rules";
import { recordedSnapshotSettings, snapshotSettings } from "./snapshot";

/** What `up` reports. */
export interface UpResult {
  name: string;
  url?: string;
  owner: string;
  expiresAt: string;
  created: boolean;
}

/**
 * Sandbox `name`'s stack and its last recorded config, refusing a stack that is not a sandbox; undefined
 * (saying so) when it does not exist, so there is nothing to `verb`.
 */
async function existingSandbox(ctx: CommandContext, name: string,
  verb: string): Promise<{ stack: SandboxStack; project: string; config: ConfigMap } | undefined> {
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
  ctx.print(
    `sandbox ${name} unlocked (run up or destroy again; resources an interrupted update left pending show in its output)`,
  );
  return true;
}

/**
 * Creates or updates sandbox `name` from dev's settings, records owner + expiry, and deploys it.
 * fromSnapshot (`prod` or a snapshot id) restores its database from that snapshot: the restore drill.
 */
export async function upSandbox(ctx: CommandContext, name: string,
  opts: { ttlMs: number; owner: string; fromSnapshot?: string }): Promise<UpResult> {
  assertSandboxName(name);
  const project = await ctx.workspace.projectName();
  let devSettings: Record<string, SettingsValue>;
  try {
    devSettings = await ctx.workspace.stackSettingsConfig(TEMPLATE_STACK);
  } catch (err) {
    throw new SandboxError(
      `cannot read Pulumi.${TEMPLATE_STACK}.yaml, the settings sandboxes start from: ${(err as Error).message}`,
    );
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
    const replaces = existing
      && previous?.config[`${project}:dbSnapshotIdentifier`]?.value !== restore.dbSnapshotIdentifier;
    ctx.log(
      `database: restored from snapshot ${String(restore.dbSnapshotIdentifier)}${
        replaces ? " (replaces this sandbox's database)" : ""
      }\n`,
    );
  }
  if (skippedSecrets.length > 0) {
    const skipped = skippedSecrets.filter((key) => config[key] === undefined);
    if (skipped.length > 0) {
      ctx.log(
        `note: not copied from Pulumi.${TEMPLATE_STACK}.yaml (secrets encrypted for dev): ${skipped.join(", ")}\n`,
      );
    }
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
