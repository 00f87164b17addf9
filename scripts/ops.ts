// Operate a deployed stack from one command:
//
//   npm run ops -- <verb> [args] --stack <name>
//   npm run ops -- <verb> [args] --host <address> --key <file> [--port 22] [--user ec2-user] [--base-dir DIR] [--known-hosts FILE]
//
// Each verb but `ssh` runs host/release/ops/<verb>.sh from the serving release over OpenSSH; its
// exit code is this command's. A terminal is asked for (-t) for exec, ssh and `logs -f` when stdin
// is one. The stack's key is written to a 0600 temp file, never to a command line; it is removed on
// every way out: success, failure, and SIGINT/SIGTERM/SIGHUP (scripts/lib/ops/lifetime.ts).
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EXIT, runCli } from "./lib/cli";
import { checkPulumiCli, Runner } from "./lib/sandbox/environment";
import { OPS_USAGE, OpsUsageError, parseOpsArgs, wantsTty } from "./lib/ops/args";
import { knownHostsLine, remoteLine, sshArgs, SshFiles } from "./lib/ops/ssh";
import { mediaToBucketOnly, runDataVerb, runMediaToBucket } from "./lib/ops/dataRun";
import { endOnSignals, tracked } from "./lib/ops/lifetime";
import { stackOutputs } from "./lib/ops/stack";
import { OpsTarget, targetFromFlags, targetFromOutputs } from "./lib/ops/target";

const PROJECT_DIR = path.resolve(__dirname, "..");

const runProcess: Runner = (command, args) => {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 30_000 });
  return { error: result.error, status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
};

/** The key and known_hosts as files in a private temp directory (0700/0600); `cleanup` removes them. */
function prepareFiles(target: OpsTarget): { files: SshFiles; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ops-"));
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  let keyFile = target.keyFile;
  if (!keyFile) {
    keyFile = path.join(dir, "key");
    fs.writeFileSync(keyFile, `${(target.privateKey ?? "").trim()}\n`, { mode: 0o600 });
  }
  let knownHostsFile = target.knownHostsFile;
  if (!knownHostsFile && target.hostPublicKey) {
    knownHostsFile = path.join(dir, "known_hosts");
    fs.writeFileSync(knownHostsFile, knownHostsLine(target, target.hostPublicKey), { mode: 0o600 });
  }
  return { files: { keyFile, knownHostsFile }, cleanup };
}

function runSsh(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = tracked(spawn("ssh", args, { stdio: "inherit" }));
    child.on("error", (err) => {
      process.stderr.write(`ops: could not start ssh: ${err.message} (install OpenSSH's client)\n`);
      resolve(127);
    });
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)));
  });
}

/** ssh(1): "ssh exits with the exit status of the remote command or with 255 if an error occurred." */
const SSH_ERROR = 255;

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) throw new OpsUsageError(`name a verb\n\n${OPS_USAGE}`);
  const command = parseOpsArgs(argv);
  // A key file named on the command line must exist: say so here rather than hand over ssh's own refusal.
  if (command.target.key !== undefined && !fs.existsSync(command.target.key)) {
    throw new OpsUsageError(
      `--key ${command.target.key}: no such file (give the private key file of the host's key pair)`,
    );
  }
  if (mediaToBucketOnly(command)) return runMediaToBucket(command, process.env.AWS_REGION);
  let target: OpsTarget;
  if (command.target.stack) {
    checkPulumiCli(runProcess, (m) => process.stderr.write(`warning: ${m}\n`));
    target = targetFromOutputs(command.target.stack, await stackOutputs(PROJECT_DIR, command.target.stack, process.env),
      command.target);
  } else {
    target = targetFromFlags(command.target);
  }
  const tty = wantsTty(command) && process.stdin.isTTY === true;
  const { files, cleanup } = prepareFiles(target);
  const release = endOnSignals(cleanup);
  try {
    if (command.verb === "db" || command.verb === "media") return await runDataVerb(command, target, files);
    const code = await runSsh(sshArgs(target, files, tty, remoteLine(command, target.baseDir, tty)));
    if (code !== SSH_ERROR || command.verb === "exec") return code;
    process.stderr.write(`ops: ssh could not connect to ${target.host} or log in (its reason above)\n`);
    return EXIT.failed;
  } finally {
    release();
    cleanup();
  }
}

if (require.main === module) runCli({ name: "ops", help: OPS_USAGE, main });

export { main };
