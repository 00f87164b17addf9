// `npm run rehearse -- --stack <dev|prod|NAME> [--set KEY=VALUE]... [--keep]`
// Runs the stack's release on the local Docker exactly as a host runs it (scripts/lib/rehearse/run.ts)
// and checks what the deploy checks plus the app's contract; each failure names its cause and fix.
// Exit codes: 0 every check passed, 1 a check failed (or a tool is missing), 2 bad usage.
import { ConfigError } from "../components/config";
import { describe } from "./lib/rehearse/contract";
import { rehearse } from "./lib/rehearse/run";

export const USAGE = `usage: npm run rehearse -- --stack <dev|prod|NAME> [--set KEY=VALUE]... [--keep]

Runs the stack's release on this machine's Docker as a host would: the same bundle, host scripts,
command lines and .env (local values: a throwaway PostgreSQL or MySQL container stands in for RDS; the
app's secrets get stand-ins), the stack's edge in front. Then checks: the health path with
Host: 127.0.0.1, a page with each of the stack's host names, a POST with a CSRF token over forwarded
HTTPS, static files through the proxy, the migrations' tables in the database, no bind mount into a
release, and a redeploy through the gapless switch under load. Removes all it started.

  --stack NAME      the stack (Pulumi.<NAME>.yaml; another name: dev's settings, as the plan takes it)
  --set KEY=VALUE   a setting over the stack file, as \`pulumi config set KEY VALUE\` (e.g. --set appDir=myapp)
  --keep            leave the containers, the database and the base directory to look inside
  --help            this text

Needs Docker (with compose), haproxy, curl and flock. Exit codes: 0 ok, 1 a check failed, 2 bad usage.`;

export interface RehearseArgs {
  stack: string;
  set: Record<string, string>;
  keep: boolean;
}

/** The arguments, or "help"; throws a usage error. */
export function parseArgs(argv: string[]): RehearseArgs | "help" {
  let stack: string | undefined;
  let keep = false;
  const set: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return "help";
    if (arg === "--keep") keep = true;
    else if (arg === "--stack" || arg === "-s") stack = argv[++i];
    else if (arg.startsWith("--stack=")) stack = arg.slice("--stack=".length);
    else if (arg === "--set" || arg.startsWith("--set=")) {
      const pair = arg === "--set" ? argv[++i] ?? "" : arg.slice("--set=".length);
      const m = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/s.exec(pair);
      if (!m) throw new Error(`--set "${pair}" is not KEY=VALUE (e.g. --set appDir=myapp)`);
      set[m[1]] = m[2];
    } else throw new Error(`unknown argument "${arg}"`);
  }
  if (!stack) throw new Error("--stack is required");
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(stack)) throw new Error(`invalid stack name "${stack}" (letters, digits, _ . -)`);
  return { stack, set, keep };
}

async function main(): Promise<number> {
  let args: RehearseArgs | "help";
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args === "help") {
    console.log(USAGE);
    return 0;
  }
  try {
    const result = await rehearse({ stack: args.stack, set: args.set, keep: args.keep });
    if (result.missing.length > 0) {
      console.error(
        `rehearse ${args.stack}: cannot run here; missing:\n${result.missing.map((m) => `  - ${m}`).join("\n")}`,
      );
      return 1;
    }
    for (const line of describe(result.findings)) console.log(line);
    const failed = result.findings.filter((f) => !f.ok).length;
    console.log(
      `rehearse ${args.stack}: ${result.findings.length - failed}/${result.findings.length} checks passed in ${
        (result.ms / 1000).toFixed(1)
      }s${failed ? `; ${failed} failed (each with its cause and fix above)` : ""}`,
    );
    return failed === 0 ? 0 : 1;
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(
        `rehearse ${args.stack}: the stack's settings are refused (run the plan first):\n${
          e.problems.map((p) => `  - ${p}`).join("\n")
        }`,
      );
      return 1;
    }
    console.error(`rehearse ${args.stack}: ${(e as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  main().then((code) => process.stdout.write("", () => process.exit(code)));
}
