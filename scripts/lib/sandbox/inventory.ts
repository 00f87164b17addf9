// The sandboxes of the project: `list` (owner, age, TTL left, URL) and `reap` (destroys the expired).
import { outputText } from "../../../components/outputs";
import { buildsImages, type CommandContext, lastRecord, releaseLock, type SandboxStack } from "./context";
import { formatDuration, isExpired, isProtectedStack, isSandbox } from "./rules";

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
async function* eachSandbox(ctx: CommandContext,
  project: string): AsyncGenerator<{ name: string; stack: SandboxStack } & Awaited<ReturnType<typeof lastRecord>>> {
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
      ctx.print(
        `would destroy ${name} (expired ${record.expiresAt?.toISOString()}, owner ${record.owner ?? "unknown"})`,
      );
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
