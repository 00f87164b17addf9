// The host half of the deployment, for real: the bundle built by components/bundle.ts is uploaded over
// SFTP and deployed with the very command lines of components/remote.ts, over SSH, to this machine
// (tests/host/run.sh has started sshd, the shared dockerd and PostgreSQL). It checks the app through
// nginx, injects five faults, watches for leaked secrets and measures deploy times and failed requests.
// Run by tests/host/run.sh; the environment it reads is documented in readEnv().

import { execFile, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { createBundle, HOST_SCRIPTS_PREFIX } from "../../components/bundle";
import { deploymentEnv, renderEnvFile } from "../../components/deployment";
import { hostBaseDir, hostPath } from "../../components/layout";
import * as remote from "../../components/remote";

// ---------------------------------------------------------------------------------------------
// Pure helpers (no I/O): formatting and bookkeeping.

/** What a request loop saw. */
interface LoopStats {
  total: number;
  errors: number;
  non2xx: number;
  /** X-Release-Id of each 2xx answer → count. */
  releases: Record<string, number>;
  durationMs: number;
  /** Requests started before stop() was called, i.e. while the deploy ran. */
  duringDeploy: number;
  /** A few failure descriptions, for the log. */
  samples: string[];
}

/** Failed requests: transport errors plus answers outside 2xx. */
function failedRequests(stats: LoopStats): number {
  return stats.errors + stats.non2xx;
}

/** Seconds with one decimal, as printed in the summary. */
function seconds(ms: number | undefined): string {
  return ms === undefined ? "n/a" : (ms / 1000).toFixed(1);
}

/** The exact last line the issue asks for. */
function summaryLine(m: {
  firstDeployMs?: number;
  redeployMs?: number;
  restartFloorMs?: number;
  failedRequests?: number;
  faultsSurvived: number;
}): string {
  const ratio =
    m.redeployMs !== undefined && m.restartFloorMs !== undefined && m.restartFloorMs > 0
      ? (m.redeployMs / m.restartFloorMs).toFixed(2)
      : "n/a";
  return (
    `host-e2e: first_deploy_s=${seconds(m.firstDeployMs)} redeploy_s=${seconds(m.redeployMs)} ` +
    `restart_floor_s=${seconds(m.restartFloorMs)} redeploy_ratio=${ratio} ` +
    `failed_requests=${m.failedRequests ?? "n/a"} faults_survived=${m.faultsSurvived}/5`
  );
}

/** The stricter floor beside the summary: redeploy_s over a bare recreate of web alone. */
function webRecreateLine(redeployMs?: number, webRecreateMs?: number): string {
  const ratio = redeployMs !== undefined && webRecreateMs ? (redeployMs / webRecreateMs).toFixed(2) : "n/a";
  return `web-recreate floor: web_recreate_s=${seconds(webRecreateMs)} redeploy_ratio_vs_web_recreate=${ratio}`;
}

/** Which of the secrets occur in a text (names only: never print the values). */
function leakedSecrets(text: string, secrets: Record<string, string>): string[] {
  return Object.entries(secrets)
    .filter(([, value]) => value.length >= 8 && text.includes(value))
    .map(([name]) => name);
}

/** Release id the app reports for a bundle: the bundle sha256 (ComposeDeployment) or a prefix (deploy.sh default). */
function isReleaseOf(releaseId: string | undefined, sha256: string): boolean {
  return releaseId !== undefined && releaseId.length >= 7 && sha256.startsWith(releaseId);
}

// ---------------------------------------------------------------------------------------------
// Environment and fixed settings.

function readEnv() {
  const need = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`e2e: environment variable ${name} is not set (run tests/host/run.sh)`);
    return value;
  };
  return {
    sshPort: need("SSH_PORT"), // tests/host/lib/sshd.sh env
    sshKey: need("SSH_KEY"),
    knownHosts: need("SSH_KNOWN_HOSTS"),
    sshUser: need("SSH_USER"),
    deployHome: need("DEPLOY_HOME"),
    dbHost: need("DB_HOST_FOR_CONTAINERS"), // tests/host/lib/postgres.sh env
    dbPort: need("DB_PORT"),
    dbName: need("DB_NAME"),
    dbUser: need("DB_USER"),
    dbPasswordFile: need("DB_PASSWORD_FILE"),
    dockerHost: need("DOCKER_HOST"), // tests/host/lib/dockerd.sh env
    httpPort: Number(need("HTTP_PORT")),
    workDir: need("E2E_WORK_DIR"),
    summaryFile: need("SUMMARY_FILE"),
  };
}

const env = readEnv();
const repoRoot = path.resolve(__dirname, "../..");
const appDir = path.join(repoRoot, "app");
const libDir = path.join(__dirname, "lib");
const spec: remote.RemoteSpec = {
  appName: "e2e",
  baseDir: hostBaseDir(env.sshUser),
  composeFile: "docker-compose.prod.yml",
  webService: "web",
  healthPath: "/healthz",
  healthTimeoutSeconds: 60,
  keepReleases: 5,
  deployMode: "host",
  httpPort: env.httpPort,
};
const dbPassword = fs.readFileSync(env.dbPasswordFile, "utf8").trim();
const secretKey = crypto.randomBytes(24).toString("hex");
const secrets = { DB_PASSWORD: dbPassword, SECRET_KEY: secretKey };
/** Request loops: at least this many requests, this many in flight. */
const LOOP_MIN_REQUESTS = 2000;
const LOOP_CONCURRENCY = 4;
/** Optional pause between one worker's requests (E2E_LOOP_PAUSE_MS; default none). */
const LOOP_PAUSE_MS = Number(process.env.E2E_LOOP_PAUSE_MS ?? "0");

// ---------------------------------------------------------------------------------------------
// Running commands: every output is kept (the secret scan reads it) and logged to a file.

interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

const transcript: string[] = [];
fs.mkdirSync(env.workDir, { recursive: true });
const commandLog = path.join(env.workDir, "commands.log");
fs.writeFileSync(commandLog, "");

function log(message: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function run(
  label: string,
  command: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<CommandResult> {
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...opts.env } });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdin.on("error", () => undefined); // the command may exit before reading stdin
    child.stdin.end(opts.input ?? "");
    child.on("error", (error) => (stderr += `spawn failed: ${error.message}\n`));
    child.on("close", (code) => {
      clearTimeout(timer);
      const ms = Date.now() - started;
      transcript.push(stdout, stderr);
      fs.appendFileSync(
        commandLog,
        `### ${label} (exit ${code}${timedOut ? ", TIMED OUT" : ""}, ${ms} ms)\n$ ${command} ${args.join(" ")}\n` +
          `--- stdout\n${stdout}--- stderr\n${stderr}\n`,
      );
      resolve({ code, stdout, stderr, ms, timedOut });
    });
  });
}

const sshOptions = [
  "-F", "/dev/null",
  "-i", env.sshKey,
  "-o", "IdentitiesOnly=yes",
  "-o", "BatchMode=yes",
  "-o", `UserKnownHostsFile=${env.knownHosts}`,
  "-o", "StrictHostKeyChecking=yes",
  "-o", "ConnectTimeout=10",
  "-o", "ServerAliveInterval=15",
];

/** One command line on the "remote" host as the deploy user, exactly as the deployment sends it. */
function ssh(label: string, line: string, input?: string, timeoutMs?: number): Promise<CommandResult> {
  return run(label, "ssh", [...sshOptions, "-p", env.sshPort, `${env.sshUser}@127.0.0.1`, line], { input, timeoutMs });
}

/** SFTP upload as the deploy user (`sftp -b`), like CopyToRemote. */
async function sftpPut(label: string, localPath: string, remotePath: string): Promise<CommandResult> {
  const batch = path.join(env.workDir, "sftp-batch");
  fs.writeFileSync(batch, `put "${localPath}" "${remotePath}"\n`);
  return run(label, "sftp", [...sshOptions, "-P", env.sshPort, "-b", batch, `${env.sshUser}@127.0.0.1`], {
    timeoutMs: 120_000,
  });
}

function tail(result: CommandResult, lines = 8): string {
  return `${result.stdout}${result.stderr}`.trim().split("\n").slice(-lines).map((l) => `      | ${l}`).join("\n");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// HTTP through nginx: single requests and the bounded request loop.

interface HttpAnswer {
  status?: number;
  releaseId?: string;
  body: string;
  error?: string;
}

/** GET a path through nginx on 127.0.0.1:HTTP_PORT. */
function httpGet(urlPath: string, timeoutMs = 5000): Promise<HttpAnswer> {
  return getUrl(`http://127.0.0.1:${env.httpPort}${urlPath}`, timeoutMs);
}

function getUrl(url: string, timeoutMs = 5000): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    // agent: false → a fresh connection per request (keep-alive off), as the issue asks. A fixed
    // Host header: the app's ALLOWED_HOSTS also holds when a container is asked directly by address.
    const req = http.get(
      url,
      { agent: false, timeout: timeoutMs, headers: { Host: "127.0.0.1" } },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => {
          const header = res.headers["x-release-id"];
          resolve({ status: res.statusCode, releaseId: typeof header === "string" ? header : undefined, body });
        });
        res.on("error", (error) => resolve({ body, error: error.message }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on("error", (error) => resolve({ body: "", error: error.message }));
  });
}

/** Poll GET path (through nginx) until pred holds (bounded); returns the last answer and whether pred held. */
function pollHttp(urlPath: string, pred: (a: HttpAnswer) => boolean, limitMs: number) {
  return pollUrl(`http://127.0.0.1:${env.httpPort}${urlPath}`, pred, limitMs);
}

async function pollUrl(
  url: string,
  pred: (a: HttpAnswer) => boolean,
  limitMs: number,
): Promise<{ ok: boolean; answer: HttpAnswer; ms: number }> {
  const started = Date.now();
  let answer: HttpAnswer = { body: "" };
  while (Date.now() - started < limitMs) {
    answer = await getUrl(url, 3000);
    if (pred(answer)) return { ok: true, answer, ms: Date.now() - started };
    await sleep(100);
  }
  return { ok: false, answer, ms: Date.now() - started };
}

/** GET / with concurrency LOOP_CONCURRENCY until stopped AND at least LOOP_MIN_REQUESTS were made. */
class RequestLoop {
  private stats: LoopStats = { total: 0, errors: 0, non2xx: 0, releases: {}, durationMs: 0, duringDeploy: 0, samples: [] };
  private stopRequested = false;
  private readonly started = Date.now();
  private readonly workers: Promise<void>[] = [];
  private static readonly MAX_MS = 15 * 60_000;
  private static readonly MAX_REQUESTS = 500_000;

  start(): this {
    for (let i = 0; i < LOOP_CONCURRENCY; i++) this.workers.push(this.worker());
    return this;
  }

  private done(): boolean {
    return (
      (this.stopRequested && this.stats.total >= LOOP_MIN_REQUESTS) ||
      this.stats.total >= RequestLoop.MAX_REQUESTS ||
      Date.now() - this.started > RequestLoop.MAX_MS
    );
  }

  private async worker(): Promise<void> {
    while (!this.done()) {
      const answer = await httpGet("/");
      this.stats.total++;
      if (answer.error !== undefined) {
        this.stats.errors++;
        this.sample(`error: ${answer.error}`);
      } else if (answer.status === undefined || answer.status < 200 || answer.status > 299) {
        this.stats.non2xx++;
        this.sample(`status ${answer.status}: ${answer.body.slice(0, 80).replace(/\s+/g, " ")}`);
      } else {
        const release = answer.releaseId ?? "(none)";
        this.stats.releases[release] = (this.stats.releases[release] ?? 0) + 1;
      }
      if (LOOP_PAUSE_MS > 0) await sleep(LOOP_PAUSE_MS);
    }
  }

  private sample(text: string): void {
    if (this.stats.samples.length < 5) this.stats.samples.push(`${((Date.now() - this.started) / 1000).toFixed(1)}s ${text}`);
  }

  async stop(): Promise<LoopStats> {
    this.stats.duringDeploy = this.stats.total;
    this.stopRequested = true;
    await Promise.all(this.workers);
    this.stats.durationMs = Date.now() - this.started;
    return this.stats;
  }
}

function describeLoop(stats: LoopStats): string {
  const releases = Object.entries(stats.releases)
    .map(([id, n]) => `${id.slice(0, 12)}×${n}`)
    .join(", ");
  return (
    `${stats.total} requests (${stats.duringDeploy} while the deploy ran) in ${seconds(stats.durationMs)}s, ` +
    `${failedRequests(stats)} failed ` +
    `(${stats.errors} errors, ${stats.non2xx} non-2xx); releases seen: ${releases}` +
    (stats.samples.length ? `; first failures: ${stats.samples.join(" | ")}` : "")
  );
}

// ---------------------------------------------------------------------------------------------
// Secret watch: samples the host's process list every ~50 ms while deploys run.

class ProcessListWatch {
  samples = 0;
  leaks: string[] = [];
  private running = false;
  /** Deploys in progress: concurrent deploys share one sampler, which stops after the last. */
  private users = 0;
  private loop: Promise<void> = Promise.resolve();

  start(): void {
    this.users++;
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const text = await new Promise<string>((resolve) =>
          execFile("ps", ["-eww", "-o", "args"], { maxBuffer: 16 * 1024 * 1024 }, (_error, stdout) => resolve(stdout ?? "")),
        );
        this.samples++;
        for (const name of leakedSecrets(text, secrets)) {
          const line = text.split("\n").find((l) => l.includes(secrets[name as keyof typeof secrets])) ?? "";
          // Never print the value itself: show the process with the secret masked.
          this.leaks.push(`${name} in: ${line.split(secrets[name as keyof typeof secrets]).join("***").slice(0, 200)}`);
        }
        await sleep(50);
      }
    })();
  }

  async stop(): Promise<void> {
    this.users--;
    if (this.users > 0) return;
    this.running = false;
    await this.loop;
  }
}

// ---------------------------------------------------------------------------------------------
// Deploying: bundle → SFTP → deployCommand with the .env on stdin.

interface Prepared {
  label: string;
  sha256: string;
  localPath: string;
}

const bundlesDir = path.join(env.workDir, "bundles");
const appsDir = path.join(env.workDir, "apps");
const watch = new ProcessListWatch();

/** The .env exactly as ComposeDeployment renders it (components/deployment.ts), for this machine. */
function envFileFor(sha256: string, imageRefs?: Record<string, string>): string {
  return renderEnvFile(
    deploymentEnv({
      appEnv: {},
      databaseUrl: `postgres://${env.dbUser}:${dbPassword}@${env.dbHost}:${env.dbPort}/${env.dbName}`,
      secretKey,
      releaseId: sha256,
      allowedHosts: ["127.0.0.1", "localhost"],
      imageRefs,
    }),
  );
}

/** A temp copy of app/ with one change applied (the change must match, or the test is wrong). */
function appVariant(label: string, file: string, from: string, to: string): string {
  const dir = path.join(appsDir, label);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(appDir, dir, { recursive: true });
  const target = path.join(dir, file);
  const text = fs.readFileSync(target, "utf8");
  if (!text.includes(from)) throw new Error(`e2e: app variant ${label}: "${from}" not found in ${file}`);
  fs.writeFileSync(target, text.replace(from, to));
  return dir;
}

function bundle(label: string, dir: string): Prepared {
  const b = createBundle({ appDir: dir, outDir: bundlesDir, extraDirs: [{ dir: remote.RELEASE_SCRIPTS_DIR, prefix: HOST_SCRIPTS_PREFIX }] });
  log(`  bundle ${label}: ${b.sha256.slice(0, 12)} (${b.bytes} bytes, ${b.files.length} files)`);
  return { label, sha256: b.sha256, localPath: b.path };
}

async function upload(p: Prepared): Promise<CommandResult> {
  const r = await sftpPut(`upload ${p.label}`, path.resolve(p.localPath), remote.bundleRemotePath(spec, p.sha256));
  if (r.code !== 0) throw new Error(`e2e: sftp upload of ${p.label} failed:\n${tail(r)}`);
  return r;
}

/** Registry mode: the image refs (service → repo@sha256:digest) the deployment would pass. */
interface RegistryImages {
  imageRefs: Record<string, string>;
}

async function runDeploy(p: Prepared, registry?: RegistryImages): Promise<CommandResult> {
  watch.start();
  try {
    const deploySpec: remote.RemoteSpec = registry ? { ...spec, deployMode: "registry" } : spec;
    const r = await ssh(`deploy ${p.label}`, remote.deployCommand(deploySpec, p.sha256), envFileFor(p.sha256, registry?.imageRefs), 900_000);
    log(`  deploy ${p.label}: exit ${r.code} in ${seconds(r.ms)}s`);
    return r;
  } finally {
    await watch.stop();
  }
}

async function deploy(label: string, dir: string): Promise<{ p: Prepared; r: CommandResult }> {
  const p = bundle(label, dir);
  await upload(p);
  return { p, r: await runDeploy(p) };
}

// ---------------------------------------------------------------------------------------------
// Checks and phases.

const checks: { name: string; ok: boolean }[] = [];

function check(name: string, ok: boolean, detail = ""): boolean {
  checks.push({ name, ok });
  log(`${ok ? "PASS" : "FAIL"} ${name}${detail ? `: ${detail}` : ""}`);
  return ok;
}

async function phase<T>(name: string, body: () => Promise<T>): Promise<T | undefined> {
  const started = Date.now();
  log(`--- ${name}`);
  try {
    return await body();
  } catch (error) {
    check(`${name} ran to completion`, false, error instanceof Error ? error.message : String(error));
    return undefined;
  } finally {
    log(`--- ${name}: ${seconds(Date.now() - started)}s`);
  }
}

/** GET / answers 2xx with the release of sha256 (polls briefly: nginx may be settling). */
async function servesRelease(sha256: string, limitMs = 10_000): Promise<{ ok: boolean; seen: string }> {
  const r = await pollHttp("/", (a) => a.status === 200 && isReleaseOf(a.releaseId, sha256), limitMs);
  return { ok: r.ok, seen: `status ${r.answer.status ?? r.answer.error}, release ${r.answer.releaseId ?? "(none)"}` };
}

/** name → "id startedAt" of every container of the e2e compose project. */
async function containerSnapshot(): Promise<Record<string, string>> {
  const ids = await run("docker ps", "docker", ["ps", "-q", "--filter", `label=com.docker.compose.project=${spec.appName}`]);
  const list = ids.stdout.split(/\s+/).filter(Boolean);
  if (list.length === 0) return {};
  const r = await run("docker inspect", "docker", ["inspect", "--format", "{{.Name}} {{.Id}} {{.State.StartedAt}}", ...list]);
  const snapshot: Record<string, string> = {};
  for (const line of r.stdout.trim().split("\n")) {
    const [name, id, startedAt] = line.split(" ");
    snapshot[name] = `${id.slice(0, 12)} ${startedAt}`;
  }
  return snapshot;
}

/** The host log a failed command names (this machine is the host): its path, mode and text. */
function hostLogOf(r: CommandResult): { file?: string; mode?: string; text: string } {
  const file = /the full output stays on the host \(mode 0600\): (\S+)$/m.exec(r.stderr)?.[1];
  if (!file || !fs.existsSync(file)) return { file, text: "" };
  return { file, mode: (fs.statSync(file).mode & 0o777).toString(8), text: fs.readFileSync(file, "utf8") };
}

/** Where <baseDir>/current points (this machine is the host), or "(none)". */
function currentLink(): string {
  try {
    return fs.readlinkSync(hostPath(spec.baseDir, "current"));
  } catch {
    return "(none)";
  }
}

/** The web service's containers with their address on the compose network. */
async function webContainers(): Promise<{ id: string; ip: string }[]> {
  const ids = await run("docker ps web", "docker", ["ps", "-q", "--filter", `label=com.docker.compose.project=${spec.appName}`,
    "--filter", `label=com.docker.compose.service=${spec.webService}`]);
  const list = ids.stdout.split(/\s+/).filter(Boolean);
  if (list.length === 0) return [];
  const r = await run("docker inspect web", "docker", ["inspect", "--format",
    "{{.Id}} {{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", ...list]);
  return r.stdout.trim().split("\n").map((line) => {
    const [id, ip] = line.trim().split(/\s+/);
    return { id, ip };
  });
}

/** Mode of every .env under the base dir (this machine is the host, so read it directly). */
function envFileModes(): { file: string; mode: string }[] {
  const found: { file: string; mode: string }[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 4 || !fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && !entry.isSymbolicLink()) walk(full, depth + 1);
      else if (entry.name === ".env" && entry.isFile()) found.push({ file: full, mode: (fs.statSync(full).mode & 0o777).toString(8) });
    }
  };
  walk(spec.baseDir, 0);
  return found;
}

async function libScript(script: string, action: string): Promise<CommandResult> {
  const r = await run(`${script} ${action}`, "bash", [path.join(libDir, script), action], { timeoutMs: 180_000 });
  log(`  ${script} ${action}: exit ${r.code} in ${seconds(r.ms)}s`);
  return r;
}

// ---------------------------------------------------------------------------------------------

/** Debian's docker-registry on 127.0.0.1 with storage under the work dir; stop() ends it (bounded). */
async function startRegistry(): Promise<{ addr: string; stop: () => Promise<void> }> {
  const addr = "127.0.0.1:25000";
  const dir = path.join(env.workDir, "registry");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "data"), { recursive: true });
  const config = path.join(dir, "config.yml");
  fs.writeFileSync(config, `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: ${addr}\n`);
  const child = spawn("docker-registry", ["serve", config], { stdio: ["ignore", "ignore", fs.openSync(path.join(dir, "registry.log"), "w")] });
  const up = await pollUrl(`http://${addr}/v2/`, (a) => a.status === 200, 30_000);
  if (!up.ok) {
    child.kill("SIGKILL");
    throw new Error(`docker-registry did not answer on ${addr}: ${up.answer.error ?? up.answer.status}`);
  }
  log(`  registry: docker-registry answering on ${addr}`);
  return {
    addr,
    stop: async () => {
      child.kill("SIGTERM");
      for (let i = 0; i < 50 && child.exitCode === null && child.signalCode === null; i++) await sleep(100);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

async function main(): Promise<number> {
  const m: {
    firstDeployMs?: number;
    redeployMs?: number;
    restartFloorMs?: number;
    webRecreateMs?: number;
    failedRequests?: number;
  } = {};
  const zeroDowntime: Record<string, string> = { code_change: "n/a", image_change: "n/a", rollback: "n/a", registry_pull: "n/a" };
  let faultsSurvived = 0;
  let seedsRestart = "seeds-restart baseline: n/a";
  let current: Prepared | undefined; // the release that should be serving

  fs.rmSync(bundlesDir, { recursive: true, force: true });
  log(`e2e: project ${spec.appName}, base ${spec.baseDir}, http 127.0.0.1:${env.httpPort}, ssh port ${env.sshPort}`);

  await phase("clean slate", async () => {
    const r = await ssh("destroy (before)", remote.destroyCommand(spec), undefined, 180_000);
    log(`  destroyCommand: exit ${r.code}`);
    fs.rmSync(spec.baseDir, { recursive: true, force: true });
    check("no e2e containers before the first deploy", Object.keys(await containerSnapshot()).length === 0);
  });

  await phase("wait ready", async () => {
    const r = await ssh("waitReady", remote.waitReadyCommand(spec), undefined, 300_000);
    check("waitReadyCommand succeeds", r.code === 0, r.code === 0 ? `${seconds(r.ms)}s` : `\n${tail(r)}`);
    check("waitReadyCommand asks cloud-init first (installed here, never ran)", /cloud-init has not run on this host/.test(r.stdout), tail(r, 3));
  });

  await phase("first deploy", async () => {
    const { p, r } = await deploy("v1", appDir);
    m.firstDeployMs = r.ms;
    if (!check("first deploy succeeds", r.code === 0, r.code === 0 ? "" : `\n${tail(r, 30)}`)) return;
    current = p;
    const served = await servesRelease(p.sha256);
    check("GET / shows the release id", served.ok, served.seen);
    const health = await httpGet("/healthz");
    check("GET /healthz answers 200", health.status === 200, `status ${health.status ?? health.error}`);
    const modes = envFileModes();
    check(".env files are mode 0600", modes.length > 0 && modes.every((e) => e.mode === "600"),
      modes.map((e) => `${e.mode} ${path.relative(spec.baseDir, e.file)}`).join(", ") || "no .env found");
  });

  await phase("redeploy with nothing changed", async () => {
    if (!current) throw new Error("no release is serving");
    const before = await containerSnapshot();
    await upload(current);
    const r = await runDeploy(current);
    const after = await containerSnapshot();
    check("unchanged redeploy succeeds", r.code === 0, r.code === 0 ? `${seconds(r.ms)}s` : `\n${tail(r)}`);
    check("unchanged redeploy restarts nothing (same container ids and StartedAt)",
      JSON.stringify(before) === JSON.stringify(after) && Object.keys(before).length > 0,
      `before ${JSON.stringify(before)} after ${JSON.stringify(after)}`);
  });

  // The compose CLI on the host, addressing the project exactly as deploy.sh does (same project
  // directory, so compose sees the deployed containers as up to date).
  const composeLine =
    `if docker compose version >/dev/null 2>&1; then c="docker compose"; else c=docker-compose; fi; ` +
    `HTTP_PORT=${env.httpPort} $c -p ${spec.appName} --project-directory ${hostPath(spec.baseDir, "active")} -f ${hostPath(spec.baseDir, "active", spec.composeFile)}`;

  await phase("restart floor: bare compose up -d", async () => {
    if (!current) throw new Error("no release is serving");
    // restart_floor_s as #4 defines it: a bare `compose up -d` of the already-built release (its
    // containers stopped first, untimed) until the first healthy /healthz, through nginx on the
    // app's port as users get it. Nothing is built or recreated: compose starts the deployed
    // containers, web first, nginx once Docker reports web healthy (depends_on: service_healthy).
    const stop = await ssh("restart floor: compose stop", `set -e; ${composeLine} stop`, undefined, 120_000);
    if (!check("compose stop before the bare restart succeeds", stop.code === 0, stop.code === 0 ? "" : `\n${tail(stop)}`)) return;
    const started = Date.now();
    const up = ssh("restart floor: bare compose up -d", `set -e; ${composeLine} up -d`, undefined, 300_000);
    const healthy = await pollHttp(spec.healthPath, (a) => a.status === 200, 120_000);
    m.restartFloorMs = Date.now() - started;
    const r = await up;
    check("bare compose up -d succeeds", r.code === 0, r.code === 0 ? "" : `\n${tail(r)}`);
    check("after a bare compose up -d, /healthz answers 200 through nginx", healthy.ok,
      `first 200 ${seconds(m.restartFloorMs)}s after compose up -d started (compose itself took ${seconds(r.ms)}s)`);
    const served = await servesRelease(current.sha256, 30_000);
    check("the same release serves after the bare restart", served.ok, served.seen);
  });

  await phase("restart floor: recreate web alone", async () => {
    if (!current) throw new Error("no release is serving");
    // A stricter floor, printed beside: force-recreate the web service alone (no build, nginx left
    // running) until the new container's own /healthz answers. nginx resolved the old container's
    // address when it loaded its config, so this is measured on the container directly.
    const before = await webContainers();
    const started = Date.now();
    const r = await ssh("restart floor: compose up --force-recreate web",
      `set -e; ${composeLine} up -d --no-deps --no-build --force-recreate ${spec.webService}`, undefined, 300_000);
    if (!check("force-recreate of web succeeds", r.code === 0, r.code === 0 ? "" : `\n${tail(r)}`)) return;
    const after = await webContainers();
    const fresh = after.find((c) => !before.some((b) => b.id === c.id));
    if (!check("web was recreated", fresh !== undefined && after.length === 1, JSON.stringify(after))) return;
    const healthy = await pollUrl(`http://${fresh!.ip}:8000${spec.healthPath}`, (a) => a.status === 200, 120_000);
    m.webRecreateMs = Date.now() - started;
    check("the recreated web container answers /healthz", healthy.ok,
      `last answer: status ${healthy.answer.status ?? healthy.answer.error}; first 200 from ${fresh!.ip}:8000${spec.healthPath} ${seconds(m.webRecreateMs)}s after compose up started`);
    // Not part of the measurement: point nginx at the new container again for the next phases.
    const nginx = await run("docker ps nginx", "docker", ["ps", "-q", "--filter", `label=com.docker.compose.project=${spec.appName}`,
      "--filter", "label=com.docker.compose.service=nginx"]);
    for (const id of nginx.stdout.split(/\s+/).filter(Boolean)) await run("nginx reload", "docker", ["exec", id, "nginx", "-s", "reload"]);
    const served = await servesRelease(current.sha256, 30_000);
    check("the release serves through nginx again after the restart", served.ok, served.seen);
  });

  await phase("before: the seeds' restart under the request loop", async () => {
    if (!current) throw new Error("no release is serving");
    // What the hand-made pipeline does on every deploy, minus its build: `compose up -d` recreating
    // the containers, here with --force-recreate of the already-built release, under the same request
    // loop as the gapless deploys below. Its failed requests are the "before" of zero downtime.
    const loop = new RequestLoop().start();
    const started = Date.now();
    const r = await ssh("seeds' restart: compose up -d --force-recreate", `set -e; ${composeLine} up -d --force-recreate`, undefined, 300_000);
    const healthy = await pollHttp(spec.healthPath, (a) => a.status === 200, 120_000);
    const ms = Date.now() - started;
    const stats = await loop.stop();
    log(`  load during the seeds' restart: ${describeLoop(stats)}`);
    seedsRestart = `seeds-restart baseline: force_recreate_s=${seconds(ms)} failed_requests=${failedRequests(stats)}/${stats.total}`;
    check("the seeds' restart succeeds and the release serves again", r.code === 0 && healthy.ok && (await servesRelease(current.sha256, 30_000)).ok,
      r.code === 0 ? `/healthz 200 through nginx ${seconds(ms)}s after compose up started` : `\n${tail(r)}`);
    // compose recreated every container behind the deploy's back: deploying the same release with
    // the same .env again must notice (they are not the containers it recorded) and switch anew.
    const again = await runDeploy(current);
    check("after containers were recreated by hand, deploying the same release switches anew (no no-op)",
      again.code === 0 && !/nothing to do/.test(again.stdout), tail(again, 3));
  });

  /** A redeploy under the request loop; returns the loop's stats and the deploy result. */
  async function deployUnderLoad(label: string, dir: string, registry?: RegistryImages, prepared?: Prepared) {
    const p = prepared ?? bundle(label, dir);
    await upload(p);
    const loop = new RequestLoop().start();
    const r = await runDeploy(p, registry);
    const stats = await loop.stop();
    log(`  load during ${label}: ${describeLoop(stats)}`);
    return { p, r, stats };
  }

  await phase("code change redeploy (zero downtime a)", async () => {
    if (!current) throw new Error("no release is serving");
    const dir = appVariant("code-change", "hello/views.py", "<h1>It works</h1>", "<h1>It works (e2e code change)</h1>");
    const { p, r, stats } = await deployUnderLoad("code-change", dir);
    m.redeployMs = r.ms;
    m.failedRequests = failedRequests(stats);
    zeroDowntime.code_change = String(failedRequests(stats));
    if (!check("code change redeploy succeeds", r.code === 0, r.code === 0 ? "" : `\n${tail(r, 30)}`)) return;
    current = p;
    const served = await servesRelease(p.sha256);
    check("the new release serves", served.ok && (await httpGet("/")).body.includes("e2e code change"), served.seen);
    check("no failed requests during the code change", failedRequests(stats) === 0, describeLoop(stats));
  });

  await phase("image change redeploy (zero downtime b)", async () => {
    if (!current) throw new Error("no release is serving");
    const dir = appVariant("image-change", "Dockerfile", "USER 10001:10001",
      'RUN echo "e2e image change" > /app/IMAGE_CHANGE\nUSER 10001:10001');
    const { p, r, stats } = await deployUnderLoad("image-change", dir);
    zeroDowntime.image_change = String(failedRequests(stats));
    if (!check("image change redeploy succeeds", r.code === 0, r.code === 0 ? "" : `\n${tail(r, 30)}`)) return;
    current = p;
    const served = await servesRelease(p.sha256);
    check("the new image's release serves", served.ok, served.seen);
    check("no failed requests during the image change", failedRequests(stats) === 0, describeLoop(stats));
  });

  await phase("fault 1: release whose /healthz fails (zero downtime c)", async () => {
    if (!current) throw new Error("no release is serving");
    const dir = appVariant("bad-health", "hello/views.py", 'return HttpResponse("ok\\n", content_type="text/plain")',
      'return HttpResponse("broken on purpose by the e2e test\\n", status=503, content_type="text/plain")');
    const { r, stats } = await deployUnderLoad("bad-health", dir);
    zeroDowntime.rollback = String(failedRequests(stats));
    const failed = check("deploy of a release with failing /healthz fails", r.code !== 0, `exit ${r.code}; why:\n${tail(r)}`);
    const kept = hostLogOf(r);
    check("the failed deploy hands back only its reason and where its full output is kept on the host (0600)",
      !/\[deploy \+/.test(r.stdout) && r.stderr.trim().split("\n").length === 2 && !/last log lines of/.test(r.stdout + r.stderr) &&
        kept.mode === "600" && /last log lines of/.test(kept.text),
      `${r.stderr.trim().split("\n").length} lines on stderr, stdout ${JSON.stringify(r.stdout.slice(0, 120))}; log ${kept.file ?? "not named"} mode ${kept.mode}, ${kept.text.split("\n").length} lines`);
    const served = await servesRelease(current.sha256);
    const link = currentLink();
    const stillServes = check("the previous release still serves after the rollback", served.ok && link.endsWith(current.sha256),
      `${served.seen}; current → ${link}`);
    check("no failed requests during the rollback", failedRequests(stats) === 0, describeLoop(stats));
    if (failed && stillServes) faultsSurvived++;
  });

  await phase("registry mode: the host pulls the web image (zero downtime d)", async () => {
    if (!current) throw new Error("no release is serving");
    // A real registry (Debian's docker-registry, distribution 2.8) on loopback stands in for ECR;
    // dockerd trusts 127.0.0.0/8 registries without TLS. The image is built and pushed here, as
    // components/images.ts does, then removed locally so the host must pull it.
    const registry = await startRegistry();
    try {
      const dir = appVariant("registry", "hello/views.py", "<h1>It works</h1>", "<h1>It works (e2e registry release)</h1>");
      const p = bundle("registry", dir);
      const repo = `${registry.addr}/e2e/web`;
      const tag = `${repo}:${p.sha256}`;
      for (const [what, args] of [["build", ["build", "-q", "-t", tag, dir]], ["push", ["push", tag]]] as const) {
        const r = await run(`docker ${what} (registry image)`, "docker", [...args], { timeoutMs: 600_000 });
        if (r.code !== 0) throw new Error(`docker ${what} failed:\n${tail(r)}`);
      }
      const inspect = await run("docker inspect (registry digest)", "docker", ["image", "inspect", "--format", "{{index .RepoDigests 0}}", tag]);
      const digestRef = inspect.stdout.trim();
      if (!/@sha256:[0-9a-f]{64}$/.test(digestRef)) throw new Error(`no registry digest for ${tag}: ${digestRef}`);
      await run("docker rmi (force a pull)", "docker", ["rmi", tag]);

      const { r, stats } = await deployUnderLoad("registry", dir, { imageRefs: { web: digestRef } }, p);
      zeroDowntime.registry_pull = String(failedRequests(stats));
      if (!check("registry-mode deploy succeeds", r.code === 0, r.code === 0 ? "" : `\n${tail(r, 30)}`)) return;
      current = p;
      const served = await servesRelease(p.sha256);
      check("the pulled image's release serves", served.ok && (await httpGet("/")).body.includes("e2e registry release"), served.seen);
      const pulled = await run("docker inspect (pulled)", "docker", ["image", "inspect", "--format", "{{json .RepoDigests}}", tag]);
      check("the host pulled the pushed image (same digest)", pulled.code === 0 && pulled.stdout.includes(digestRef), pulled.stdout.trim());
      check("no failed requests during the registry-mode redeploy", failedRequests(stats) === 0, describeLoop(stats));

      // A release whose image never reached the registry: the deploy must stop at the pull, never
      // build the web image on the host instead, and leave the previous release serving.
      const missingDir = appVariant("registry-missing", "hello/views.py", "<h1>It works</h1>", "<h1>It works (never pushed)</h1>");
      const missing = bundle("registry-missing", missingDir);
      await upload(missing);
      const r2 = await runDeploy(missing, { imageRefs: { web: `${repo}@sha256:${"0".repeat(64)}` } });
      check("a registry-mode deploy whose image is missing fails, naming the pull", r2.code !== 0 && /pulling the web image failed|image was not pulled from the registry/.test(r2.stderr),
        `exit ${r2.code}; why:\n${tail(r2, 3)}`);
      const built = await run("docker inspect (not built)", "docker", ["image", "inspect", `${repo}:${missing.sha256}`]);
      check("the missing image was not built on the host instead", built.code !== 0);
      const kept = await servesRelease(p.sha256);
      check("the previous release still serves after the failed pull", kept.ok && currentLink().endsWith(p.sha256), kept.seen);
    } finally {
      await registry.stop();
    }
  });

  await phase("fault 2: upload cut part-way", async () => {
    if (!current) throw new Error("no release is serving");
    const p = bundle("truncated", appVariant("truncated", "hello/views.py", "<h1>It works</h1>", "<h1>It works (truncated)</h1>"));
    const cut = path.join(env.workDir, "truncated.tar.gz");
    const bytes = fs.readFileSync(p.localPath);
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const up = await sftpPut("upload truncated", cut, remote.bundleRemotePath(spec, p.sha256));
    if (up.code !== 0) throw new Error(`sftp of the truncated file failed:\n${tail(up)}`);
    const r = await runDeploy(p);
    const failed = check("deploy of a truncated upload is refused", r.code !== 0, `exit ${r.code}; why:\n${tail(r)}`);
    const served = await servesRelease(current.sha256);
    const link = currentLink();
    const kept = check("the previous release still serves after the refused upload", served.ok && link.endsWith(current.sha256),
      `${served.seen}; current → ${link}`);
    if (failed && kept) faultsSurvived++;
  });

  await phase("fault 3: two deploys at once", async () => {
    if (!current) throw new Error("no release is serving");
    const a = bundle("concurrent-a", appVariant("concurrent-a", "hello/views.py", "<h1>It works</h1>", "<h1>It works (A)</h1>"));
    const b = bundle("concurrent-b", appVariant("concurrent-b", "hello/views.py", "<h1>It works</h1>", "<h1>It works (B)</h1>"));
    await upload(a);
    await upload(b);
    const finished: string[] = [];
    const [ra, rb] = await Promise.all([
      runDeploy(a).then((r) => (finished.push("a"), r)),
      sleep(300).then(() => runDeploy(b)).then((r) => (finished.push("b"), r)),
    ]);
    log(`  deploy A: exit ${ra.code}\n${tail(ra, 4)}\n  deploy B: exit ${rb.code}\n${tail(rb, 4)}`);
    const succeeded = [ra.code === 0 ? a : undefined, rb.code === 0 ? b : undefined].filter((x): x is Prepared => !!x);
    // One of them must have met the lock (waited for it or was refused), and a refusal must say so.
    // A deploy that failed for another reason keeps its lock message in its log on the host.
    const mentionsLock = (r: CommandResult) => /lock/i.test(r.stdout + r.stderr + hostLogOf(r).text);
    const lockSeen = [ra, rb].some(mentionsLock);
    const refusedClearly = [ra, rb].every((r) => r.code === 0 || mentionsLock(r));
    // Consistent: the release that serves is the last deploy that succeeded (or the previous one if none did).
    const lastOk = [...finished].reverse().map((x) => (x === "a" ? (ra.code === 0 ? a : undefined) : rb.code === 0 ? b : undefined)).find((x) => x);
    const expected = lastOk ?? current;
    const served = await servesRelease(expected.sha256);
    served.ok = served.ok && currentLink().endsWith(expected.sha256);
    served.seen += `; current → ${currentLink()}`;
    const ok1 = check("at least one of two concurrent deploys succeeds", succeeded.length >= 1, `succeeded: ${succeeded.map((x) => x.label).join(", ") || "none"}`);
    const ok2 = check("the second deploy met the lock (waited or was refused, saying so)", lockSeen && refusedClearly,
      [ra, rb].map((r, i) => `${i ? "B" : "A"}: ${(r.stdout + r.stderr + hostLogOf(r).text).split("\n").find((l) => /lock/i.test(l)) ?? "no lock message"}`).join("; "));
    const ok3 = check("the serving release is the last successful deploy", served.ok, `expected ${expected.label}, ${served.seen}`);
    if (ok1 && ok2 && ok3) faultsSurvived++;
    current = expected;
  });

  await phase("fault 4: database unreachable during a deploy", async () => {
    if (!current) throw new Error("no release is serving");
    const p = bundle("db-down", appVariant("db-down", "hello/views.py", "<h1>It works</h1>", "<h1>It works (db down)</h1>"));
    await upload(p);
    const stopped = await libScript("postgres.sh", "stop");
    let r: CommandResult | undefined;
    try {
      if (stopped.code !== 0) throw new Error(`could not stop PostgreSQL:\n${tail(stopped)}`);
      r = await runDeploy(p);
    } finally {
      const started = await libScript("postgres.sh", "start");
      if (started.code !== 0) log(`  PostgreSQL did not start again:\n${tail(started)}`);
    }
    const failed = check("deploy with the database down fails", r.code !== 0, `exit ${r.code}; why:\n${tail(r)}`);
    // nginx may have marked the upstream failed while the database was down (fail_timeout 5s).
    const served = await servesRelease(current.sha256, 30_000);
    const link = currentLink();
    const kept = check("the previous release serves once the database is back", served.ok && link.endsWith(current.sha256),
      `${served.seen}; current → ${link}`);
    if (failed && kept) faultsSurvived++;
  });

  await phase("fault 5: dockerd restarted", async () => {
    if (!current) throw new Error("no release is serving");
    const stop = await libScript("dockerd.sh", "stop");
    const start = await libScript("dockerd.sh", "start");
    if (stop.code !== 0 || start.code !== 0) throw new Error(`dockerd restart failed:\n${tail(stop)}\n${tail(start)}`);
    const served = await pollHttp("/", (a) => a.status === 200 && isReleaseOf(a.releaseId, current!.sha256), 120_000);
    if (check("the release serves again after a dockerd restart (restart policy)", served.ok,
      `after ${seconds(served.ms)}s; status ${served.answer.status ?? served.answer.error}, release ${served.answer.releaseId ?? "(none)"}`)) {
      faultsSurvived++;
    }
  });

  await phase("secrets", async () => {
    check("the DB password and secret key never show in the process list during deploys",
      watch.samples > 0 && watch.leaks.length === 0, `${watch.samples} samples of ps -eo args; ${watch.leaks.slice(0, 3).join("; ") || "no leaks"}`);
    const leaked = leakedSecrets(transcript.join("\n"), secrets);
    check("no secret in any command output", leaked.length === 0, `${transcript.length / 2} commands scanned; leaked: ${leaked.join(", ") || "none"}`);
    const modes = envFileModes();
    check(".env files are still mode 0600", modes.length > 0 && modes.every((e) => e.mode === "600"),
      modes.map((e) => `${e.mode} ${path.relative(spec.baseDir, e.file)}`).join(", "));
  });

  await phase("destroy", async () => {
    // As `pulumi destroy` does it: the ComposeDeployment's teardown (a local.Command) runs
    // remote.teardownFromRunnerScript() on this machine, which sends destroyCommand over ssh.
    const teardownEnv = (host: string, port: string): Record<string, string> =>
      remote.teardownEnvironment({ host, port: Number(port), user: env.sshUser, privateKey: fs.readFileSync(env.sshKey, "utf8").trim() }, spec);
    const r = await run("destroy (teardown from the runner)", "bash", ["-c", remote.teardownFromRunnerScript()], {
      env: teardownEnv("127.0.0.1", env.sshPort),
      timeoutMs: 180_000,
    });
    check("destroyCommand succeeds, sent by the runner-side teardown", r.code === 0, r.code === 0 ? "" : `\n${tail(r)}`);
    check("destroy leaves no e2e containers", Object.keys(await containerSnapshot()).length === 0);
    const again = await ssh("destroy (again)", remote.destroyCommand(spec), undefined, 180_000);
    check("destroyCommand is idempotent (exit 0 when nothing is there)", again.code === 0, again.code === 0 ? "" : `\n${tail(again)}`);
    // A host that is already gone: nothing listens on the port (the discard port on loopback).
    const gone = await run("destroy (host gone)", "bash", ["-c", remote.teardownFromRunnerScript()], {
      env: teardownEnv("127.0.0.1", "9"),
      timeoutMs: 60_000,
    });
    check("the teardown succeeds when the host is already gone, saying so", gone.code === 0 && /the host is gone/.test(gone.stdout), tail(gone, 2));
  });

  await phase("fault: a first deploy that fails", async () => {
    // Nothing runs (destroyed above); the new release's web exits at once, so it never gets healthy.
    const dir = appVariant("crashing", "bin/start.sh", "set -eu", 'set -eu\necho "crashing on purpose (e2e)" >&2; exit 3');
    const { r } = await deploy("crashing-first", dir);
    check("a first deploy whose web never gets healthy fails, saying nothing was serving", r.code !== 0 && /nothing was serving before/.test(r.stderr), tail(r, 3));
    check("a failed first deploy leaves no container behind", Object.keys(await containerSnapshot()).length === 0,
      JSON.stringify(await containerSnapshot()));
  });

  const failedChecks = checks.filter((c) => !c.ok);
  const summary =
    `zero-downtime: code_change=${zeroDowntime.code_change} image_change=${zeroDowntime.image_change} rollback=${zeroDowntime.rollback} registry_pull=${zeroDowntime.registry_pull}\n` +
    `${seedsRestart}\n` +
    webRecreateLine(m.redeployMs, m.webRecreateMs) + "\n" +
    summaryLine({ ...m, faultsSurvived });
  log(`checks: ${checks.length - failedChecks.length}/${checks.length} passed${failedChecks.length ? `; failed: ${failedChecks.map((c) => c.name).join("; ")}` : ""}`);
  log(`all command output: ${commandLog}`);
  fs.writeFileSync(env.summaryFile, `${summary}\n`);
  console.log(summary);
  return failedChecks.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
