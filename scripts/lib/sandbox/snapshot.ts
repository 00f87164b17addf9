// The restore drill's settings: `--from-snapshot prod | <id>` restores a sandbox's database from a
// snapshot, and a later up keeps what a drill recorded.
import { outputText } from "../../../components/outputs";
import { type CommandContext, TEMPLATE_STACK } from "./context";
import { ConfigMap, SandboxError, SettingsValue } from "./rules";

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
export async function snapshotSettings(ctx: CommandContext, project: string, from: string,
  config: Record<string, SettingsValue>): Promise<Record<string, SettingsValue>> {
  if (from !== PROD_STACK) return { dbSnapshotIdentifier: from };
  const prod = await ctx.workspace.selectStack(PROD_STACK);
  if (!prod) {
    throw new SandboxError(
      `--from-snapshot prod: this state backend has no stack ${PROD_STACK}. Fix: use prod's backend (PULUMI_BACKEND_URL), or give the snapshot's id`,
    );
  }
  const endpoint = outputText(await prod.outputs(), "dbEndpoint");
  const instance = rdsInstanceOf(endpoint);
  if (!instance) {
    throw new SandboxError(
      `--from-snapshot prod: prod's dbEndpoint output (${
        endpoint ?? "missing"
      }) names no RDS instance. Fix: give the snapshot's id`,
    );
  }
  let prodRegion: string | undefined;
  try {
    prodRegion = String((await ctx.workspace.stackSettingsConfig(PROD_STACK))["aws:region"] ?? "") || undefined;
  } catch {
    prodRegion = undefined;
  }
  const region = typeof config["aws:region"] === "string" ? config["aws:region"] : undefined;
  if (prodRegion && region && prodRegion !== region) {
    throw new SandboxError(
      `--from-snapshot prod: prod runs in ${prodRegion} and sandboxes in ${region} (Pulumi.${TEMPLATE_STACK}.yaml), and a snapshot restores only in its own region. `
        + `Fix: aws rds copy-db-snapshot --source-region ${prodRegion} --region ${region} …, then --from-snapshot <the copy's id>`,
    );
  }
  const snapshot = ctx.latestAutomatedSnapshot(instance, prodRegion ?? region);
  ctx.log(
    `restore drill: prod's database ${instance}, newest automated snapshot ${snapshot.id} (taken ${snapshot.createdAt})\n`,
  );
  const settings: Record<string, SettingsValue> = { dbSnapshotIdentifier: snapshot.id };
  const storage = Number(config[`${project}:dbAllocatedStorageGb`] ?? 0);
  if (snapshot.allocatedStorageGb > storage) settings.dbAllocatedStorageGb = snapshot.allocatedStorageGb;
  if (snapshot.masterUsername) settings.dbUsername = snapshot.masterUsername;
  return settings;
}

/** The snapshot settings an earlier drill recorded on this sandbox (an up without --from-snapshot keeps them: changing them replaces its database). */
export function recordedSnapshotSettings(config: ConfigMap, project: string): Record<string, SettingsValue> {
  if (!config[`${project}:dbSnapshotIdentifier`]?.value) return {};
  const kept: Record<string, SettingsValue> = {};
  for (const key of SNAPSHOT_KEYS) {
    const entry = config[`${project}:${key}`];
    if (entry && !entry.secret) kept[key] = key === "dbAllocatedStorageGb" ? Number(entry.value) : entry.value;
  }
  return kept;
}
