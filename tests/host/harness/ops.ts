// The ops verbs as an operator runs them: scripts/ops.ts with the test host's explicit flags (a host
// without Pulumi state) against the test's sshd.
import * as path from "path";
import { CommandResult } from "./commands";
import { Context } from "./context";

const OPS_SCRIPT = path.resolve(__dirname, "../../../scripts/ops.ts");

/** The ops command line with the test host's flags. */
export function opsArgv(ctx: Context, verb: string[], after: string[] = []): string[] {
  return ["-r", "ts-node/register/transpile-only", OPS_SCRIPT, ...verb, "--host", "127.0.0.1", "--port",
    ctx.env.sshPort, "--user", ctx.env.sshUser, "--key", ctx.env.sshKey, "--known-hosts", ctx.env.knownHosts,
    "--base-dir", ctx.spec.baseDir, ...after];
}

/** One ops command; env adds variables to its environment (a database URL for --from env:NAME, never an argument). */
export function ops(ctx: Context, verb: string[], after: string[] = [],
  env?: Record<string, string>): Promise<CommandResult> {
  return ctx.commands.run(`ops ${verb.join(" ")}`, process.execPath, opsArgv(ctx, verb, after), { timeoutMs: 300_000,
    env });
}
