// `npm run env:import -- <path to .env.prod> --stack <name> [--secret NAME]... [--plain NAME]... [--dry-run]`
// Moves an old .env file into the stack: reads it as compose read it (scripts/lib/env/dotenv.ts),
// sorts each entry (scripts/lib/env/sort.ts) into dropped (the deployment writes it), secretKey,
// appSecrets or appEnv, and sets them with the Pulumi CLI (appEnv and appSecrets as JSON objects
// merged with the stack's, each value on stdin, never on a command line), or prints the exact
// `pulumi config set` lines when the CLI is not installed (values read from 0600 files). A secret's value
// is never printed. --dry-run shows the sorting only. Nothing is set when any entry has a problem.
// Exit codes: 0 done, 1 failed (an entry cannot be imported, or the CLI failed), 2 bad usage.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { SPECS } from "../components/config/specs";
import { stageOfStack } from "../components/config/stages";
import type { DeployMode } from "../components/config/types";
import { PROJECT_ROOT, readYaml } from "../lib/engine/stackConfig";
import { parseDotenv } from "./lib/env/dotenv";
import { configSetArgs, settingsToSet, SortOptions, sortEntries, Sorted } from "./lib/env/sort";
import * as os from "os";

export const USAGE = [
  "usage: npm run env:import -- <path to .env file> --stack <name> [--secret NAME]... [--plain NAME]... [--dry-run]",
  "",
  "Moves an old .env file's entries into the stack's settings:",
  "  deployment-owned names (DATABASE_URL, ALLOWED_HOSTS, …) are dropped, saying where their value comes from;",
  "  SECRET_KEY / DJANGO_SECRET_KEY go to secretKey (kept, so users stay logged in);",
  "  names that look secret (PASSWORD, SECRET, TOKEN, KEY, …) go to appSecrets, the others to appEnv.",
  "  --secret NAME   put NAME in appSecrets whatever it looks like",
  "  --plain NAME    put NAME in appEnv (plain text in the stack file) whatever it looks like",
  "  --dry-run       show the sorting only; set nothing",
  "With the Pulumi CLI on PATH, appEnv and appSecrets are set as JSON objects merged with the stack's current",
  "ones (`pulumi config set`, values on stdin); without it the exact commands are printed, reading the values",
  "from files written at mode 0600. Values of secrets are never printed.",
  "Exit codes: 0 done, 1 failed, 2 bad usage.",
].join("\n");

export interface ImportArgs {
  file: string;
  stack: string;
  secret: string[];
  plain: string[];
  dryRun: boolean;
  help: boolean;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[]): ImportArgs {
  const out: ImportArgs = { file: "", stack: "", secret: [], plain: [], dryRun: false, help: false };
  const files: string[] = [];
  const value = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") out.help = true;
    else if (a === "--dry-run") out.dryRun = true;
    else if (a === "--stack" || a === "-s") out.stack = value(++i, a);
    else if (a.startsWith("--stack=")) out.stack = a.slice("--stack=".length);
    else if (a === "--secret") out.secret.push(value(++i, a));
    else if (a === "--plain") out.plain.push(value(++i, a));
    else if (a.startsWith("-")) throw new UsageError(`unknown option "${a}"`);
    else files.push(a);
  }
  if (out.help) return out;
  if (files.length !== 1) {
    throw new UsageError(
      files.length === 0 ? "the .env file to import is missing" : `one .env file at a time (got ${files.length})`,
    );
  }
  if (!out.stack) throw new UsageError("--stack is required");
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(out.stack)) {
    throw new UsageError(`--stack "${out.stack}" is not a stack name (letters, digits, _ . -)`);
  }
  const both = out.secret.filter((n) => out.plain.includes(n));
  if (both.length > 0) throw new UsageError(`${both.join(", ")} given to both --secret and --plain`);
  out.file = files[0];
  return out;
}

/** The stack's web service and deploy mode (they decide some deployment-owned names), from its file or the defaults. */
export function stackAppContext(stack: string): Pick<SortOptions, "stage" | "webService" | "deployMode"> {
  const file = path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
  const config = (fs.existsSync(file) ? (readYaml(file)?.config ?? {}) : {}) as Record<string, unknown>;
  const setting = (key: string): string => {
    const v = config[`compose-on-ec2:${key}`];
    return typeof v === "string" && v !== "" ? v : String(SPECS[key].default);
  };
  return { stage: stageOfStack(stack), webService: setting("webService"),
    deployMode: setting("deployMode") as DeployMode };
}

/** The sorting as text: one line per entry, never a value. */
export function renderSorting(file: string, stack: string, sorted: Sorted[], notes: string[]): string[] {
  const width = Math.max(0, ...sorted.map((s) => s.name.length));
  const lines = [`${file} → stack ${stack} (values never shown):`];
  for (const s of sorted) {
    lines.push(
      `  line ${String(s.line).padStart(3)}  ${s.name.padEnd(width)}  → ${
        s.to === "dropped" ? "dropped" : s.to.padEnd(10)
      }  ${s.why}`,
    );
  }
  return [...lines, ...notes.map((n) => `  note: ${n}`)];
}

/** True when the Pulumi CLI runs here. */
function pulumiAvailable(): boolean {
  const r = spawnSync("pulumi", ["version"], { stdio: "ignore", timeout: 30_000 });
  return r.status === 0;
}

export function main(argv: string[],
  io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => console.log(s),
    err: (s) => console.error(s) }, hasCli = pulumiAvailable): number {
  let args: ImportArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`env:import: ${e.message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  let text: string;
  try {
    text = fs.readFileSync(args.file, "utf8");
  } catch (e) {
    io.err(`env:import: cannot read ${args.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return 1;
  }
  const { sorted, problems, notes } = sortEntries(parseDotenv(text), { ...stackAppContext(args.stack),
    secret: args.secret, plain: args.plain });
  io.out(renderSorting(args.file, args.stack, sorted, notes).join("\n"));
  const missing = [...args.secret, ...args.plain].filter((n) => !sorted.some((s) => s.name === n));
  for (const n of missing) problems.push(`${n} (given to --secret/--plain) is not in ${args.file}`);
  if (problems.length > 0) {
    io.err(
      `env:import: ${problems.length} ${
        problems.length === 1 ? "entry" : "entries"
      } cannot be imported; nothing was set:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    return 1;
  }
  if (args.dryRun) return 0;
  if (!hasCli()) {
    // Each value into a file only this user reads, and the lines that hand it to the CLI on stdin.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "env-import-"));
    const lines = settingsToSet(sorted).map((setting) => {
      const file = path.join(dir, `${setting.key}.value`);
      fs.writeFileSync(file, setting.value, { mode: 0o600 });
      return `  pulumi ${configSetArgs(args.stack, setting).join(" ")} < ${file}`;
    });
    io.out(
      ["",
        "The Pulumi CLI is not installed here. Where it is, run (each file holds one value, mode 0600; they replace the",
        "stack's appEnv/appSecrets, so add any entries the stack already has), then delete the directory:", ...lines,
        `  rm -r ${dir}`].join("\n"),
    );
    return 0;
  }
  const current = { appEnv: currentObject(args.stack, "appEnv"), appSecrets: currentObject(args.stack, "appSecrets") };
  for (const setting of settingsToSet(sorted, current)) {
    // The value goes on stdin: `pulumi config set KEY` reads it there when no value is given.
    const r = spawnSync("pulumi", configSetArgs(args.stack, setting), { input: setting.value,
      stdio: ["pipe", "ignore", "pipe"], encoding: "utf8", timeout: 120_000 });
    if (r.status !== 0) {
      io.err(
        `env:import: pulumi config set ${setting.key} failed (exit ${r.status ?? "none"}); ${
          setting.names.join(", ")
        } not set`,
      );
      return 1;
    }
    io.out(`  set ${setting.key}${setting.secret ? " (secret)" : ""}: ${setting.names.join(", ")}`);
  }
  return 0;
}

/** The stack's current appEnv/appSecrets (a JSON object), read through the CLI; {} when unset. The value stays in this process. */
function currentObject(stack: string, key: string): Record<string, string> {
  const r = spawnSync("pulumi", ["config", "get", "--stack", stack, key], { stdio: ["ignore", "pipe", "ignore"],
    encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0 || r.stdout.trim() === "") return {};
  try {
    const v: unknown = JSON.parse(r.stdout);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
