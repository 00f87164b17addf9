// `npm run ops -- <verb> --stack NAME` stopped by a signal while its session runs: the stack's key
// (written by ops to a 0600 file in a private temp directory) must be gone afterwards. The stack's
// outputs come from the Pulumi CLI stand-in (tests/host/lib/standins/pulumi.sh), TMPDIR is a
// directory of the test's own, so whatever ops leaves behind is found there. Shared by the unit test
// (a silent TCP listener in place of sshd) and the host scenario (the real sshd, `logs -f`).
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

const REPO_ROOT = path.resolve(__dirname, "../../..");
const OPS_SCRIPT = path.join(REPO_ROOT, "scripts", "ops.ts");
const PULUMI_STANDIN = path.join(REPO_ROOT, "tests", "host", "lib", "standins", "pulumi.sh");

export interface SignalledOps {
  /** ops's exit code (null: it did not end within the bound, then it was killed). */
  code: number | null;
  /** Whether the key file existed before the signal (else the probe proves nothing). */
  keySeen: boolean;
  /** What ops left of its own in TMPDIR afterwards (its `ops-*` directory, relative paths; ts-node's compile cache is not ops's). */
  leftover: string[];
  /** ops's stderr (no secret: it never prints the key). */
  stderr: string;
}

export interface StackLike {
  host: string;
  port: number;
  user: string;
  /** The private key text the stack's sshPrivateKey output holds. */
  privateKey: string;
  /** "ssh-ed25519 AAAA…", the stack's hostPublicKey output. */
  hostPublicKey: string;
  baseDir: string;
}

function listTree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true }).map(String).sort();
}

/** What ops made in TMPDIR (scripts/ops.ts prepareFiles: mkdtemp "ops-"). */
function opsFiles(tmp: string): string[] {
  return listTree(tmp).filter((f) => f.split(path.sep)[0].startsWith("ops-"));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs ops `verb` against `stack` from outputs, sends `signal` once its key file exists, and reports. */
export async function signalledOps(workDir: string, stack: StackLike, verb: string[],
  signal: NodeJS.Signals = "SIGTERM"): Promise<SignalledOps> {
  const dir = fs.mkdtempSync(path.join(workDir, "ops-signal-"));
  const tmp = path.join(dir, "tmp");
  const bin = path.join(dir, "bin");
  fs.mkdirSync(tmp);
  fs.mkdirSync(bin);
  fs.symlinkSync(PULUMI_STANDIN, path.join(bin, "pulumi"));
  const outputs = path.join(dir, "outputs.json");
  fs.writeFileSync(outputs, JSON.stringify({
    hosting: "ec2",
    transport: "ssh",
    publicIp: stack.host,
    sshUser: stack.user,
    sshPrivateKey: stack.privateKey,
    hostPublicKey: stack.hostPublicKey,
  }), { mode: 0o600 });
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", OPS_SCRIPT, ...verb, "--stack",
    "standin", "--port", String(stack.port), "--base-dir", stack.baseDir], {
    cwd: REPO_ROOT,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, TMPDIR: tmp, STANDIN_PULUMI_OUTPUTS: outputs,
      PULUMI_BACKEND_URL: "", PULUMI_CONFIG_PASSPHRASE: "standin" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  const ended = new Promise<number | null>((resolve) =>
    child.on("close", (code, sig) => resolve(code ?? (sig ? 128 : null)))
  );
  let keySeen = false;
  try {
    // Bounded: ops reads the outputs and starts ssh within seconds (ts-node's start is the slow part).
    for (let i = 0; i < 300 && !keySeen && child.exitCode === null; i++) {
      keySeen = opsFiles(tmp).some((f) => path.basename(f) === "key");
      if (!keySeen) await sleep(100);
    }
    if (keySeen) {
      await sleep(500); // ssh is under way with it
      child.kill(signal);
    }
    const code = await Promise.race([ended, sleep(20_000).then(() => null)]);
    if (code === null && child.exitCode === null) child.kill("SIGKILL");
    return { code, keySeen, leftover: opsFiles(tmp), stderr };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
