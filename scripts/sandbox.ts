// Sandboxes: short-lived copies of the dev stack, one per person or per pull request.
//
//   npm run sandbox -- up <name> [--ttl 72h] [--owner alice] [--from-snapshot prod|<snapshot id>] [--json]
//   npm run sandbox -- destroy <name>
//   npm run sandbox -- list [--json]
//   npm run sandbox -- reap [--dry-run]
//   npm run sandbox -- unlock <name>
//
// Zero configuration: state in .pulumi-state/ (git-ignored) with a generated passphrase, unless
// PULUMI_BACKEND_URL is set (CI). Results go to stdout, Pulumi's progress to stderr.

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { destroySandbox, unlockSandbox, upSandbox } from "./lib/sandbox/commands";
import { CommandContext } from "./lib/sandbox/context";
import { formatSandboxTable, listSandboxes, reapSandboxes } from "./lib/sandbox/inventory";
import {
  Backend,
  checkAwsCredentials,
  checkDockerDaemon,
  checkPulumiCli,
  latestAutomatedSnapshot,
  prepareLocalBackend,
  resolveBackend,
  Runner,
} from "./lib/sandbox/environment";
import { assertSandboxName, DEFAULT_TTL, parseTtl, resolveOwner, SandboxError } from "./lib/sandbox/rules";
import { openWorkspace } from "./lib/sandbox/workspace";
import { EXIT, EXIT_CODES_HELP, UsageError, runCli } from "./lib/cli";

const PROJECT_DIR = path.resolve(__dirname, "..");

const USAGE = `usage: npm run sandbox -- <command> [name] [options]

commands:
  up <name>        create or update sandbox <name> from Pulumi.dev.yaml (sandbox-safe sizes), deploy it
  destroy <name>   destroy sandbox <name> and remove its stack (succeeds when it does not exist)
  list             show every sandbox: name, owner, age, TTL left, URL
  reap             destroy every sandbox past its TTL
  unlock <name>    release the lock an interrupted up left (pulumi cancel); destroy and reap do it first

options:
  --ttl <30m|72h|7d>  lifetime from now (up; default ${DEFAULT_TTL}; 1h..30d); every up renews it
  --owner <who>       recorded owner (up; default $GITHUB_ACTOR, git user.email, $USER)
  --from-snapshot <prod|id>  restore drill (up): the sandbox's database from prod's newest automated
                      snapshot (aws rds describe-db-snapshots), or from the snapshot id/ARN given;
                      later ups keep it (changing it replaces the database)
  --json              machine-readable result on stdout (up, list)
  --dry-run           show what reap would destroy

names: lowercase letters, digits and '-', start with a letter, at most 40 characters, not dev/prod.
state: .pulumi-state/ in the project unless PULUMI_BACKEND_URL is set.

${EXIT_CODES_HELP}; reap is 1 when any sandbox failed to go`;

const runProcess: Runner = (command, args) => {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 30_000 });
  return { error: result.error, status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
};

function gitEmail(): string | undefined {
  const result = runProcess("git", ["config", "user.email"]);
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

/** The command line, checked before anything slow; every refusal here is bad usage (exit 2). */
function parseCommandLine(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ttl: { type: "string" },
        owner: { type: "string" },
        "from-snapshot": { type: "string" },
        json: { type: "boolean", default: false },
        "dry-run": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (!command) throw new UsageError(`name a command\n\n${USAGE}`);
  const takesName = command === "up" || command === "destroy" || command === "unlock";
  if (!takesName && command !== "list" && command !== "reap") {
    throw new UsageError(`unknown command '${command}'\n\n${USAGE}`);
  }
  if (takesName && args.length === 0) throw new UsageError(`'${command}' needs a sandbox name, e.g. pr-42`);
  const unexpected = takesName ? args.slice(1) : args;
  if (unexpected.length > 0) throw new UsageError(`unexpected argument(s): ${unexpected.join(" ")}`);
  const name = takesName ? args[0] : "";
  if (values["from-snapshot"] !== undefined && command !== "up") throw new UsageError("--from-snapshot is for up");
  if (values["from-snapshot"] === "") throw new UsageError("--from-snapshot needs prod or a snapshot id");
  try {
    const ttlMs = parseTtl(values.ttl ?? DEFAULT_TTL);
    if (name) assertSandboxName(name);
    return { command, name, values, ttlMs };
  } catch (e) {
    throw e instanceof SandboxError ? new UsageError(e.message) : e;
  }
}

async function main(argv: string[]): Promise<number> {
  const { command, name, values, ttlMs } = parseCommandLine(argv);

  checkPulumiCli(runProcess, warn);
  const backend: Backend = resolveBackend(process.env, PROJECT_DIR);
  if (prepareLocalBackend(backend)) {
    warn(`generated the local state passphrase ${backend.passphraseFileToCreate}; it encrypts the secrets in `
      + `${path.dirname(backend.passphraseFileToCreate ?? "")}, keep the two together`);
  }
  process.stderr.write(`state backend: ${backend.url}\n`);

  const ctx: CommandContext = {
    workspace: await openWorkspace(PROJECT_DIR, backend),
    now: () => new Date(),
    print: (line) => process.stdout.write(line + "\n"),
    log: (text) => process.stderr.write(text),
    checkAwsCredentials: () => checkAwsCredentials(process.env, os.homedir(), fs.existsSync),
    checkDocker: () => checkDockerDaemon(runProcess),
    latestAutomatedSnapshot: (instance, region) => latestAutomatedSnapshot(runProcess, instance, region),
  };

  switch (command) {
    case "up": {
      const owner = resolveOwner({ flag: values.owner, githubActor: process.env.GITHUB_ACTOR, gitEmail: gitEmail(),
        user: process.env.USER });
      const result = await upSandbox(ctx, name, { ttlMs, owner, fromSnapshot: values["from-snapshot"] });
      ctx.print(values.json
        ? JSON.stringify(result)
        : `sandbox ${result.name}: ${
          result.url ?? "(no url output)"
        } (owner ${result.owner}, expires ${result.expiresAt})`);
      return 0;
    }
    case "destroy":
      await destroySandbox(ctx, name);
      return 0;
    case "unlock":
      await unlockSandbox(ctx, name);
      return 0;
    case "list": {
      const rows = await listSandboxes(ctx);
      ctx.print(values.json ? JSON.stringify(rows) : formatSandboxTable(rows));
      return 0;
    }
    default: {
      const result = await reapSandboxes(ctx, { dryRun: values["dry-run"] ?? false });
      ctx.print(`reap: ${result.destroyed.length} ${values["dry-run"] ? "to destroy" : "destroyed"}, `
        + `${result.kept.length} still within TTL, ${result.failed.length} failed`);
      return result.failed.length > 0 ? EXIT.failed : EXIT.ok;
    }
  }
}

if (require.main === module) runCli({ name: "sandbox", help: USAGE, main });

export { main };
