// Secrets never leak: not in the process list during any deploy, not in any command's output, and
// every .env stays 0600. The app's own secrets (appSecrets, in every deploy of this run) reach the
// app: `ops exec` compares their sha256 inside the web container (the values never travel back), and
// no value shows in `ops status`, in a failed deploy's output or in the failure log it leaves.
// Secrets at rest: only the serving and the previous release keep a .env (security probe), and
// `ops --stack`, stopped with SIGTERM mid-session, leaves no key file (security probe).
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { appSecretsOf, Context } from "../harness/context";
import { CommandResult } from "../harness/commands";
import { describeModes, envFileModes, hostLogOf } from "../harness/host";
import { appVariant, deploy, servesRelease } from "../harness/releases";
import { leakedSecrets } from "../harness/report";
import { scenario } from "../harness/scenario";
import { signalledOps } from "../harness/ops-signal";
import { securityProbe } from "../harness/security";
import { hostPath } from "../../../components/layout";

const OPS_SCRIPT = path.resolve(__dirname, "../../../scripts/ops.ts");

function ops(ctx: Context, verb: string[], after: string[] = []): Promise<CommandResult> {
  return ctx.commands.run(`ops ${verb.join(" ")}`, process.execPath, ["-r", "ts-node/register/transpile-only",
    OPS_SCRIPT, ...verb, "--host", "127.0.0.1", "--port", ctx.env.sshPort, "--user", ctx.env.sshUser, "--key",
    ctx.env.sshKey, "--known-hosts", ctx.env.knownHosts, "--base-dir", ctx.spec.baseDir, ...after], {
    timeoutMs: 300_000,
  });
}

const sha256 = (v: string): string => crypto.createHash("sha256").update(v).digest("hex");

/** name=sha256 of each appSecrets entry as the web container's environment holds it (never a value). */
async function receivedHashes(ctx: Context): Promise<{ r: CommandResult; hashes: Record<string, string> }> {
  const names = Object.keys(appSecretsOf(ctx.secrets));
  const code = `import hashlib,os\nfor n in ${
    JSON.stringify(names)
  }: print(n + "=" + hashlib.sha256(os.environ.get(n, "").encode()).hexdigest())`;
  const r = await ops(ctx, ["exec", "web"], ["--", "python3", "-c", code]);
  return { r,
    hashes: Object.fromEntries(
      r.stdout.split("\n").map((l) => /^(\w+)=([0-9a-f]{64})$/.exec(l.trim())).filter((m) => m !== null).map((
        m,
      ) => [m![1], m![2]]),
    ) };
}

export default scenario("secrets", async (ctx) => {
  const { watch, commands } = ctx;
  const appSecrets = appSecretsOf(ctx.secrets);
  const before = ctx.checks.failed.length;

  const { r: exec, hashes } = await receivedHashes(ctx);
  const expected = Object.fromEntries(Object.entries(appSecrets).map(([n, v]) => [n, sha256(v)]));
  ctx.checks.check(
    "the app received every appSecrets entry (sha256 compared inside the web container through ops exec)",
    exec.code === 0 && JSON.stringify(hashes) === JSON.stringify(expected),
    `exit ${exec.code}; received ${
      Object.keys(hashes).filter((n) => hashes[n] === expected[n]).join(", ") || "none"
    } of ${Object.keys(expected).join(", ")}`,
  );

  const status = await ops(ctx, ["status"]);
  const statusJson = await ops(ctx, ["status", "--json"]);
  const statusLeaks = leakedSecrets(status.stdout + status.stderr + statusJson.stdout + statusJson.stderr, ctx.secrets);
  ctx.checks.check("ops status shows no secret's value", status.code === 0 && statusLeaks.length === 0,
    `exit ${status.code}; leaked: ${statusLeaks.join(", ") || "none"}`);

  // A deploy that fails after its .env is written (the image build fails): its output and the
  // failure log it leaves on the host hold no value, and the previous release keeps serving.
  const serving = ctx.serving;
  const broken = appVariant(ctx, "secrets-failing-build", "Dockerfile", "FROM python:3.12-slim",
    "FROM python:3.12-slim\nRUN echo build fails on purpose && exit 3");
  const failed = await deploy(ctx, "secrets-failing-build", broken);
  const failureLog = hostLogOf(failed.result);
  const failedLeaks = leakedSecrets(`${failed.result.stdout}\n${failed.result.stderr}\n${failureLog.text}`,
    ctx.secrets);
  ctx.checks.check("a failed deploy's output and its failure log on the host hold no secret's value",
    failed.result.code !== 0 && failureLog.text !== "" && failedLeaks.length === 0,
    `exit ${failed.result.code}; log ${failureLog.file ?? "none"} (${failureLog.text.length} chars); leaked: ${
      failedLeaks.join(", ") || "none"
    }`);
  if (serving) {
    const still = await servesRelease(ctx, serving.sha256);
    ctx.checks.check("the previous release keeps serving after the failed deploy", still.ok, still.seen);
  }

  ctx.checks.check("the DB password, the secret key and the appSecrets never show in the process list during deploys",
    watch.samples > 0 && watch.leaks.length === 0,
    `${watch.samples} samples of ps -eo args; ${watch.leaks.slice(0, 3).join("; ") || "no leaks"}`);
  const leaked = leakedSecrets(commands.transcript.join("\n"), ctx.secrets);
  ctx.checks.check("no secret in any command output", leaked.length === 0,
    `${commands.transcript.length / 2} commands scanned; leaked: ${leaked.join(", ") || "none"}`);
  const modes = envFileModes(ctx);
  ctx.checks.check(".env files are still mode 0600", modes.length > 0 && modes.every((e) => e.mode === "600"),
    describeModes(ctx, modes));
  ctx.results.appSecretsOk = ctx.checks.failed.length === before ? 1 : 0;

  await envFilesOnlyWhereNeeded(ctx);
  await killedOpsLeavesNoKey(ctx);
});

/** Releases that served (their deploy kept their images), newest first as the host lists them. */
function servedReleases(ctx: Context): string[] {
  const dir = hostPath(ctx.spec.baseDir, "releases");
  return fs.readdirSync(dir).filter((sha) =>
    /^[0-9a-f]{64}$/.test(sha) && fs.existsSync(path.join(dir, sha, ".release-images"))
  );
}

/** The env file of a release on the host (the web service's env_file), and .env beside the compose file. */
function envFilesOf(ctx: Context, sha: string): string[] {
  const dir = path.join(hostPath(ctx.spec.baseDir, "releases", sha), path.dirname(ctx.spec.composeFile));
  return [...new Set([path.join(dir, ctx.spec.envFile), path.join(dir, ".env")])].filter((f) => fs.existsSync(f));
}

/** At least three releases served (deploying up to two more), then: .env files only in current and previous. */
async function envFilesOnlyWhereNeeded(ctx: Context): Promise<void> {
  for (let i = 1; i <= 2 && servedReleases(ctx).length < 3; i++) {
    const dir = appVariant(ctx, `secrets-at-rest-${i}`, "hello/views.py", "<h1>It works</h1>",
      `<h1>It works (secrets at rest ${i})</h1>`);
    const { release, result } = await deploy(ctx, `secrets-at-rest-${i}`, dir);
    if (result.code === 0) ctx.serving = release;
  }
  const link = (name: "current" | "previous") => path.basename(fs.readlinkSync(hostPath(ctx.spec.baseDir, name)));
  const keep = new Set([link("current"), link("previous")]);
  const releases = fs.readdirSync(hostPath(ctx.spec.baseDir, "releases")).filter((sha) => /^[0-9a-f]{64}$/.test(sha));
  const older = releases.filter((sha) => !keep.has(sha));
  const holding = older.filter((sha) => envFilesOf(ctx, sha).length > 0);
  const kept = [...keep].filter((sha) => envFilesOf(ctx, sha).length > 0);
  securityProbe(ctx,
    "releases beyond the previous one hold no .env (only the serving and the previous release keep secrets)",
    older.length > 0 && holding.length === 0 && kept.length === 2,
    `${releases.length} releases kept, ${older.length} beyond the previous; holding a .env: ${
      holding.map((s) => s.slice(0, 12)).join(", ") || "none"
    }; current and previous with one: ${kept.length}/2`);
}

/** ops --stack (the Pulumi CLI stand-in's outputs: the test host's key), `logs -f` running, SIGTERM: no key file left. */
async function killedOpsLeavesNoKey(ctx: Context): Promise<void> {
  const [type, key] = fs.readFileSync(ctx.env.hostPublicKeyFile, "utf8").trim().split(/\s+/);
  const r = await signalledOps(ctx.env.workDir, {
    host: "127.0.0.1",
    port: Number(ctx.env.sshPort),
    user: ctx.env.sshUser,
    privateKey: fs.readFileSync(ctx.env.sshKey, "utf8"),
    hostPublicKey: `${type} ${key}`,
    baseDir: ctx.spec.baseDir,
  }, ["logs", "web", "-f"], "SIGTERM");
  securityProbe(ctx, "an ops run killed with SIGTERM leaves no key file",
    r.keySeen && r.code === 143 && r.leftover.length === 0,
    `key file seen before the signal: ${r.keySeen}; exit ${r.code}; left behind: ${
      r.leftover.join(", ") || "nothing"
    }; stderr: ${r.stderr.trim().split("\n").slice(-2).join(" | ")}`);
}
