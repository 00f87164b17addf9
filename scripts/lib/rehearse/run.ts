// The rehearsal: a stack's release run on the local Docker exactly as a host runs it (the bundle of
// components/bundle.ts, the command lines of components/remote.ts running host/bootstrap and
// host/release, the .env of components/deployment.ts on stdin), with a throwaway database container
// for RDS and the stack's edge in front; then the deploy's own checks and the app's contract
// (contract.ts). Everything it started is removed unless `keep`.
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { createAppBundle, createBundle, HOST_SCRIPTS_DIR, HOST_SCRIPTS_PREFIX } from "../../../components/bundle";
import { uploadLocally } from "./localUpload";
import { ConfigError, parseConfig, stackResourceName, type StackConfig } from "../../../components/config";
import { databaseUrl } from "../../../components/database";
import { deploymentEnv, remoteSpecFor, renderEnvFile } from "../../../components/deployment";
import * as remote from "../../../components/remote";
import { configFor, namespacedKey, PROJECT, PROJECT_ROOT, projectConfigTypes, setEntry } from "../../../lib/engine";
import { requestUrl } from "../../../tests/host/harness/http";
import { RequestLoop } from "../../../tests/host/harness/load";
import { planConfig } from "../plan/run";
import * as contract from "./contract";

export interface RehearseOptions {
  stack: string;
  /** Settings over the stack file, as `npm run plan -- --set` takes them. */
  set?: Record<string, string>;
  /** Leave everything running (and say where). */
  keep?: boolean;
  log?: (line: string) => void;
}

export interface RehearseResult {
  findings: contract.Finding[];
  /** Tools the rehearsal needs that this machine lacks (nothing ran). */
  missing: string[];
  ms: number;
}

/** Names the app is served as on AWS besides the domain: stand-ins for the host's public IP and DNS name (TEST-NET-3). */
export const PUBLIC_IP_STANDIN = "203.0.113.10";
export const PUBLIC_DNS_STANDIN = "ec2-203-0-113-10.compute-1.amazonaws.com";

/**
 * The database stand-in per engine: the official image of the engine at the stack's major, started
 * as its docs say (the POSTGRES_* or MARIADB_/MYSQL_* variables create the database and its user), and
 * the engine's own client inside that container: readiness over TCP (only the final server listens on
 * TCP: the images' first-run init servers listen on none) and the migrations' tables.
 * docker-library/postgres docker-entrypoint.sh; MariaDB/mariadb-docker docker-entrypoint.sh (its 11.x
 * images have no mysql* client names, so mariadb-admin and mariadb); docker-library/mysql.
 */
export function dbStandIn(engine: string, version: string, a: { username: string; dbName: string; host: string; port: number }): {
  image: string; env: string[]; command: string[]; ready: string[]; tables: string[]; passwordEnv: string;
} {
  if (engine === "postgres") {
    return {
      image: `postgres:${version.split(".")[0]}`,
      env: [`POSTGRES_USER=${a.username}`, "POSTGRES_PASSWORD", `POSTGRES_DB=${a.dbName}`],
      command: ["postgres", "-c", `listen_addresses=${a.host}`, "-c", `port=${a.port}`],
      ready: ["pg_isready", "-q", "-h", a.host, "-p", String(a.port), "-U", a.username, "-d", a.dbName],
      tables: ["psql", "-h", a.host, "-p", String(a.port), "-U", a.username, "-d", a.dbName, "-Atc",
        "select table_name from information_schema.tables where table_schema = current_schema() order by 1"],
      passwordEnv: "PGPASSWORD",
    };
  }
  const mariadb = engine === "mariadb";
  const prefix = mariadb ? "MARIADB" : "MYSQL";
  return {
    image: `${engine}:${version}`,
    env: [`${prefix}_ROOT_PASSWORD`, `${prefix}_DATABASE=${a.dbName}`, `${prefix}_USER=${a.username}`, `${prefix}_PASSWORD`],
    command: [`--bind-address=${a.host}`, `--port=${a.port}`],
    ready: [mariadb ? "mariadb-admin" : "mysqladmin", "ping", `-h${a.host}`, `-P${a.port}`, "--silent"],
    tables: [mariadb ? "mariadb" : "mysql", `-h${a.host}`, `-P${a.port}`, `-u${a.username}`, "-N", "-e", "show tables", a.dbName],
    passwordEnv: "MYSQL_PWD",
  };
}

interface Run {
  code: number | null;
  out: string;
}

/** A command on this machine, bounded, its input on stdin. */
function run(command: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...opts.env }, cwd: opts.cwd });
    let out = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 600_000);
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ?? "");
    child.on("error", (e) => (out += `${command}: ${e.message}\n`));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/**
 * The edge's starter here: a workstation has no edge unit and no sudo rule, so the host scripts start
 * HAProxy as the caller through this stand-in (host/release/edge-lib.sh edge_local_service).
 */
const LOCAL_EDGE = { COMPOSE_ON_EC2_LOCAL_EDGE: path.join(PROJECT_ROOT, "scripts/lib/rehearse/edge-service.sh") };

/** A host command line of components/remote.ts, run here as a login shell on the host would run it. */
const hostLine = (line: string, input?: string, timeoutMs?: number) => run("sh", ["-c", line], { input, timeoutMs, env: LOCAL_EDGE });

/** What the rehearsal needs on this machine; the missing ones, each with what it is for. */
export async function missingTools(): Promise<string[]> {
  const missing: string[] = [];
  const has = async (cmd: string, args: string[]) => (await run(cmd, args, { timeoutMs: 20_000 })).code === 0;
  if (!(await has("docker", ["version"]))) missing.push(`docker: no Docker daemon answers${process.env.DOCKER_HOST ? ` at DOCKER_HOST=${process.env.DOCKER_HOST}` : ""} (install Docker and start it, or set DOCKER_HOST)`);
  else if (!(await has("docker", ["compose", "version"])) && !(await has("docker-compose", ["version"]))) missing.push("docker compose: neither `docker compose` nor `docker-compose` is installed");
  for (const [tool, why] of [["haproxy", "the stack's edge"], ["curl", "the deploy's health checks"], ["flock", "the deploy lock"], ["sha256sum", "the bundle check"], ["tar", "unpacking the bundle"]]) {
    if (!(await has("sh", ["-c", `command -v ${tool} || test -x /usr/sbin/${tool}`]))) missing.push(`${tool}: not installed (${why})`);
  }
  return missing;
}

/** The stack's settings as `pulumi up` would read them, with --set applied; compose-only refusals are findings. */
export function loadStack(stack: string, set: Record<string, string> = {}): { config: StackConfig; problems: string[] } {
  const { entries } = planConfig(stack);
  const declared = projectConfigTypes();
  for (const [key, value] of Object.entries(set)) entries.set(namespacedKey(key), setEntry(namespacedKey(key), value, false, declared));
  const { config } = configFor({ stack, entries });
  const settings = Object.fromEntries(Object.entries(config).filter(([k]) => k.startsWith(`${PROJECT}:`)).map(([k, v]) => [k.slice(PROJECT.length + 1), v]));
  try {
    return { config: parseConfig(settings, { project: PROJECT, stack, region: config["aws:region"] }), problems: [] };
  } catch (e) {
    if (!(e instanceof ConfigError) || !e.parsed) throw e;
    const composePath = `${e.parsed.app.dir}/${e.parsed.app.composeFile}`;
    // Only the compose file refused: the host runs it anyway, so the rehearsal shows what it does.
    if (e.problems.every((p) => p.startsWith(`${composePath}:`))) return { config: e.parsed, problems: e.problems };
    throw e;
  }
}

/**
 * The app's own secrets as the .env carries them. The stack file's encrypted values cannot be read
 * here, so each name listed under appSecrets gets a local stand-in value.
 */
export function appSecretsStandIns(stack: string): Record<string, string> {
  const { config } = planConfig(stack);
  const raw = config[`${PROJECT}:appSecrets`];
  if (!raw) return {};
  const names = Object.keys(JSON.parse(raw) as Record<string, unknown>);
  return Object.fromEntries(names.map((n) => [n, `rehearsal-${crypto.randomBytes(12).toString("hex")}`]));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** The address containers reach this machine at: the default bridge's gateway. */
export async function bridgeGateway(): Promise<string> {
  const r = await run("docker", ["network", "inspect", "bridge", "--format", "{{(index .IPAM.Config 0).Gateway}}"], { timeoutMs: 20_000 });
  const ip = r.out.trim();
  if (r.code !== 0 || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) throw new Error(`cannot read the docker bridge's gateway address: ${r.out.trim()}`);
  return ip;
}

/** How long the database stand-in may take to accept connections (a first run initialises its data). */
const DB_READY_TIMEOUT_MS = 90_000;

/** The throwaway database: the engine's image on the host network, listening on the bridge gateway only; ready when it returns. */
export async function startDatabase(settings: Pick<StackConfig["database"], "engine" | "engineVersion" | "dbName" | "username">, name: string, gateway: string, port: number, password: string): Promise<{ image: string; url: string; tables: () => Promise<{ tables?: string[]; error?: string }> }> {
  const { engine, engineVersion, dbName, username } = settings;
  const db = dbStandIn(engine, engineVersion, { username, dbName, host: gateway, port });
  // The password reaches docker through the environment, never its command line.
  const secretEnv = { POSTGRES_PASSWORD: password, MYSQL_ROOT_PASSWORD: password, MYSQL_PASSWORD: password, MARIADB_ROOT_PASSWORD: password, MARIADB_PASSWORD: password };
  const started = await run("docker", ["run", "-d", "--name", name, "--network", "host", "--label", "compose-on-ec2.rehearsal=1",
    ...db.env.flatMap((e) => ["-e", e]), db.image, ...db.command], { env: secretEnv, timeoutMs: 300_000 });
  if (started.code !== 0) {
    throw new Error(`the database stand-in ${db.image} did not start: ${started.out.trim().split("\n").slice(-3).join(" ")}` +
      (/no such image|pull access denied|not found|manifest unknown/i.test(started.out) ? ` (docker could not get ${db.image}: \`docker pull ${db.image}\` on a machine that reaches Docker Hub, or load it with \`docker load\`)` : ""));
  }
  const deadline = Date.now() + DB_READY_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    if ((await run("docker", ["exec", name, ...db.ready], { timeoutMs: 10_000 })).code === 0) break;
    const state = (await run("docker", ["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name], { timeoutMs: 10_000 })).out.trim();
    const gone = !state.startsWith("running");
    if (gone || Date.now() > deadline || attempt >= 400) {
      const logs = (await run("docker", ["logs", "--tail", "8", name], { timeoutMs: 10_000 })).out.trim().split("\n").join(" | ");
      throw new Error(`the database stand-in ${db.image} ${gone ? `exited (${state})` : `does not accept connections on ${gateway}:${port} after ${DB_READY_TIMEOUT_MS / 1000} s`}; its log: ${logs}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const tables = async () => {
    const r = await run("docker", ["exec", "-e", db.passwordEnv, name, ...db.tables], { env: { [db.passwordEnv]: password }, timeoutMs: 30_000 });
    return r.code === 0 ? { tables: r.out.split("\n").map((l) => l.trim()).filter(Boolean) } : { error: r.out.trim().slice(-200) };
  };
  return { image: db.image, url: databaseUrl(engine, username, password, gateway, port, dbName), tables };
}

const POST_BODY_HEADERS = (host: string, extra: Record<string, string>) => ({ Host: host, ...extra });

/** One rehearsal's names and places: the stack's settings, the app's project on this machine, its ports and secrets. */
interface Rehearsal {
  opts: RehearseOptions;
  log: (line: string) => void;
  c: StackConfig;
  appDir: string;
  appName: string;
  baseDir: string;
  ports: { http: number; https: number; proxy: number; acme: number };
  spec: remote.RemoteSpec;
  dbName: string;
  hosts: string[];
  secretKey: string;
  dbPassword: string;
}

/** The deploy of one bundle, as ComposeDeployment runs it: upload, then the deploy line with the .env on stdin. */
type Deploy = (bundle: { path: string; sha256: string; storeDir: string }) => Promise<{ ok: boolean; reason: string; out: string }>;

/** Step 1: the stack's settings and where the rehearsal runs; config's compose refusals become findings. */
async function prepare(opts: RehearseOptions, findings: contract.Finding[]): Promise<Rehearsal> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const { config: c, problems } = loadStack(opts.stack, opts.set);
  if (c.hosting.ecs) throw new Error("the rehearsal runs the ec2 hosting (one host with compose); this stack sets hosting: ecs");
  for (const p of problems) {
    const m = /^(\S+:\d+): (.*)\. Fix: (.*)$/.exec(p);
    findings.push({ check: `plan: ${m?.[1] ?? "compose file"}`, ok: false, detail: "config refuses the compose file (the deploy below runs it anyway)", cause: m?.[2] ?? p, fix: m?.[3] ?? "" });
  }
  const appName = `${stackResourceName(c.project, c.stack)}-rehearsal`;
  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), `${appName}-`));
  const ports = { http: await freePort(), https: await freePort(), proxy: await freePort(), acme: await freePort() };
  const r: Rehearsal = {
    opts, log, c, appDir: path.resolve(PROJECT_ROOT, c.app.dir), appName, baseDir, ports, spec: remoteSpecFor(appName, baseDir, c.app, ports), dbName: `${appName}-db`,
    hosts: [...c.hosting.domain, PUBLIC_IP_STANDIN, PUBLIC_DNS_STANDIN], secretKey: crypto.randomBytes(32).toString("hex"), dbPassword: crypto.randomBytes(16).toString("hex"),
  };
  log(`rehearse ${c.stack}: app ${c.app.dir} (${c.app.composeFile}), project ${appName}, base ${baseDir}`);
  log(`  edge http://127.0.0.1:${ports.http}, app's proxy 127.0.0.1:${ports.proxy}, host names ${r.hosts.join(", ")}`);
  return r;
}

/** Last step: removes what the rehearsal started (or, with keep, says where it is). */
async function cleanup(r: Rehearsal): Promise<void> {
  if (r.opts.keep) {
    r.log(`--keep: left running: project ${r.appName} (docker ps --filter label=com.docker.compose.project=${r.appName}), database ${r.dbName}, base ${r.baseDir}`);
    return;
  }
  await hostLine(remote.destroyCommand(r.spec), undefined, 180_000);
  const vols = await run("docker", ["volume", "ls", "-q", "--filter", `label=com.docker.compose.project=${r.appName}`]);
  const names = vols.out.split(/\s+/).filter(Boolean);
  if (names.length > 0) await run("docker", ["volume", "rm", "-f", ...names]);
  await run("docker", ["rm", "-f", "-v", r.dbName]);
  fs.rmSync(r.baseDir, { recursive: true, force: true });
  r.log(`removed: project ${r.appName} and its volumes, the database ${r.dbName}, ${r.baseDir}`);
}

/** A verb of the host's scripts (tests/host/lib/on-host.sh) against the rehearsal's active release. */
function onHost(r: Rehearsal, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  const active = path.join(r.baseDir, "active");
  return run("bash", [path.join(PROJECT_ROOT, "tests/host/lib/on-host.sh"), path.join(active, HOST_SCRIPTS_PREFIX, "lib.sh"),
    active, r.appName, r.c.app.composeFile, `127.0.0.1:${r.ports.proxy}`, ...args], opts);
}

/** Step 2: the first release, deployed as on the host; after a failure it is started without the health gate to diagnose it. */
async function deployFirst(r: Rehearsal, deploy: Deploy, findings: contract.Finding[], envFor: (sha: string) => string): Promise<{ ok: boolean; reason: string }> {
  const ready = await hostLine(remote.waitReadyCommand(r.spec), undefined, 120_000);
  if (ready.code !== 0) throw new Error(`wait-ready failed: ${ready.out.trim().split("\n").slice(-3).join(" ")}`);
  const first = createAppBundle(PROJECT_ROOT, r.c.app.dir, r.c.app.composeFile, { allowFiles: r.c.app.allowFiles, warn: (m) => r.log(`  bundle: ${m}`) });
  r.log(`  deploying release ${first.sha256.slice(0, 12)} (${first.files.length} files)…`);
  const deployed = await deploy(first);
  const check = "deploy: the release deploys as on the host (build, migrate, health gate, edge)";
  findings.push(deployed.ok
    ? { check, ok: true, detail: `release ${first.sha256.slice(0, 12)}` }
    : { check, ok: false, detail: deployed.reason || deployed.out.trim().split("\n").slice(-3).join(" | "), cause: "the deploy failed (the checks below name why)", fix: "fix what the checks below name; the deploy's whole log is under the base directory's logs/ (--keep)" });
  if (!deployed.ok) {
    // Nothing serves after a failed first deploy: start the release without the health gate, so
    // the checks below can still name every problem in one rehearsal.
    r.log("  the deploy failed: starting the release without the health gate to diagnose it");
    // A release that failed before its switch keeps no env file (only the serving and the previous
    // release do): the diagnosis writes it back, mode 0600 as the deploy does.
    const envPath = path.join(r.baseDir, "active", path.dirname(r.c.app.composeFile), r.spec.envFile);
    if (fs.existsSync(path.dirname(envPath)) && !fs.existsSync(envPath)) fs.writeFileSync(envPath, envFor(first.sha256), { mode: 0o600 });
    const up = await onHost(r, ["compose", "up", "-d"], { env: { MAINTENANCE_DIR: path.join(r.baseDir, "maintenance") }, timeoutMs: 600_000 });
    if (up.code !== 0) r.log(`  could not start it: ${up.out.trim().split("\n").slice(-3).join(" | ")}`);
    await new Promise((done) => setTimeout(done, 8000));
  }
  return deployed;
}

/** Step 3: the app's contract, judged on what serves: health, host names, CSRF behind TLS, the proxy, static files, migrations, mounts. */
async function judgeServing(r: Rehearsal, edge: string, db: { tables: () => Promise<{ tables?: string[]; error?: string }> }, deployed: { ok: boolean; reason: string }): Promise<contract.Finding[]> {
  const { c, appDir } = r;
  const proxy = `http://127.0.0.1:${r.ports.proxy}`;
  const ask = (url: string, method: "GET" | "POST", headers: Record<string, string>) => requestUrl(url, method, 10_000, undefined, headers);
  const health = await ask(`${proxy}${c.app.healthPath}`, "GET", { Host: "127.0.0.1" });
  const healthWithSiteHost = health.status === 400 ? await ask(`${proxy}${c.app.healthPath}`, "GET", { Host: r.hosts[0] }) : undefined;
  const findings = [contract.judgeHealth(c.app.healthPath, health, appDir, deployed.ok ? undefined : deployed.reason, healthWithSiteHost)];
  const pages = await Promise.all(r.hosts.map(async (host) => ({ host, answer: await ask(`${edge}/`, "GET", { Host: host }) })));
  findings.push(contract.judgeHostNames(pages, appDir));

  const proxyIds = (await onHost(r, ["service-containers", c.app.proxyService])).out.split(/\s+/).filter(Boolean);
  const nginxT = proxyIds.length > 0 ? await run("docker", ["exec", proxyIds[0], "nginx", "-T"], { timeoutMs: 30_000 }) : undefined;
  const proxyProto = contract.judgeProxyForwardsProto(nginxT && nginxT.code === 0 ? nginxT.out : undefined, appDir);

  const site = r.hosts[0];
  const origin = `https://${site}`;
  const token = crypto.randomBytes(16).toString("hex");
  const xfp = { "X-Forwarded-Proto": "https" };
  const withToken = { Cookie: `csrftoken=${token}`, "X-CSRFToken": token };
  findings.push(...contract.judgeCsrf({
    noToken: await ask(`${proxy}/`, "POST", POST_BODY_HEADERS(site, {})),
    secureNoReferer: await ask(`${proxy}/`, "POST", POST_BODY_HEADERS(site, { ...xfp, ...withToken })),
    fullPost: await ask(`${proxy}/`, "POST", POST_BODY_HEADERS(site, { ...xfp, ...withToken, Origin: origin, Referer: `${origin}/` })),
  }, origin, appDir, proxyProto));
  findings.push(proxyProto);

  const staticPath = /(?:href|src)="(\/static\/[^"?#]+)/.exec(pages[0].answer.body)?.[1];
  findings.push(contract.judgeStatic(staticPath, staticPath ? await ask(`${edge}${staticPath}`, "GET", { Host: site }) : undefined, appDir));
  const t = await db.tables();
  findings.push(contract.judgeMigrations(t.tables, t.error, appDir));
  const releaseRoots = [...new Set([path.join(r.baseDir, "releases"), fs.realpathSync(path.join(r.baseDir, "releases")), path.join(r.baseDir, "active"), path.join(fs.realpathSync(r.baseDir), "active")])];
  findings.push(contract.judgeMounts(await bindMounts(r.appName), releaseRoots, `${c.app.dir}/${c.app.composeFile}`));
  return findings;
}

/** The bind mounts of the project's running containers, per service. */
async function bindMounts(appName: string): Promise<{ service: string; source: string; destination: string }[]> {
  const all = (await run("docker", ["ps", "-q", "--filter", `label=com.docker.compose.project=${appName}`])).out.split(/\s+/).filter(Boolean);
  if (all.length === 0) return [];
  const lines = (await run("docker", ["inspect", "--format",
    `{{index .Config.Labels "com.docker.compose.service"}}{{range .Mounts}}{{if eq .Type "bind"}} {{.Source}}={{.Destination}}{{end}}{{end}}`, ...all])).out;
  return lines.split("\n").filter(Boolean).flatMap((line) => {
    const [service, ...binds] = line.split(" ");
    return binds.map((b) => ({ service, source: b.split("=")[0], destination: b.split("=").slice(1).join("=") }));
  });
}

/** Step 4: a second release (the same app and one marker file) through the gapless switch under a small load loop. */
async function redeployUnderLoad(r: Rehearsal, deploy: Deploy, edge: string): Promise<contract.Finding> {
  const markerDir = fs.mkdtempSync(path.join(os.tmpdir(), `${r.appName}-marker-`));
  fs.writeFileSync(path.join(markerDir, "redeploy"), `${Date.now()}\n`);
  const second = createBundle({
    appDir: path.relative(process.cwd(), r.appDir) || ".", outDir: path.relative(process.cwd(), path.join(PROJECT_ROOT, ".pulumi-bundles")),
    extraDirs: [{ dir: path.relative(process.cwd(), path.join(PROJECT_ROOT, HOST_SCRIPTS_DIR)), prefix: HOST_SCRIPTS_PREFIX }, { dir: markerDir, prefix: ".rehearsal/" }],
    alwaysInclude: [r.c.app.composeFile], allowFiles: r.c.app.allowFiles,
  });
  fs.rmSync(markerDir, { recursive: true, force: true });
  const loop = new RequestLoop(`${edge}/`, { minRequests: 50, concurrency: 2, pauseMs: 20, headers: { Host: r.hosts[0] } }).start();
  r.log(`  redeploying release ${second.sha256.slice(0, 12)} under load…`);
  const again = await deploy(second);
  const stats = await loop.stop();
  return contract.judgeRedeploy(again.ok, again.reason, stats.total, stats.errors + stats.non2xx, stats.samples);
}

/** Runs the rehearsal: prepare, a database stand-in, the first deploy, the contract's checks, a redeploy under load; then cleans up. */
export async function rehearse(opts: RehearseOptions): Promise<RehearseResult> {
  const started = Date.now();
  const findings: contract.Finding[] = [];
  const missing = await missingTools();
  if (missing.length > 0) return { findings, missing, ms: Date.now() - started };
  const r = await prepare(opts, findings);
  try {
    await run("docker", ["rm", "-f", "-v", r.dbName]);
    const gateway = await bridgeGateway();
    const db = await startDatabase(r.c.database, r.dbName, gateway, await freePort(), r.dbPassword);
    r.log(`  database stand-in ${db.image} on ${gateway} (container ${r.dbName})`);
    const envFor = (sha: string) => renderEnvFile(deploymentEnv({
      appEnv: r.c.app.env, appSecrets: appSecretsStandIns(opts.stack),
      databaseUrl: db.url, secretKey: r.secretKey, releaseId: sha, allowedHosts: r.hosts, tls: r.c.site.tls,
    }));
    const deploy: Deploy = async (bundle) => {
      uploadLocally(r.spec, bundle);
      const out = await hostLine(remote.deployCommand(r.spec, bundle.sha256), envFor(bundle.sha256), 900_000);
      const reason = out.out.split("\n").filter((l) => /ERROR|not ready|last probe/.test(l)).slice(-3).join(" | ");
      return { ok: out.code === 0, reason, out: out.out };
    };
    const deployed = await deployFirst(r, deploy, findings, envFor);
    const edge = deployed.ok ? `http://127.0.0.1:${r.ports.http}` : `http://127.0.0.1:${r.ports.proxy}`;
    findings.push(...await judgeServing(r, edge, db, deployed));
    if (deployed.ok) findings.push(await redeployUnderLoad(r, deploy, edge));
  } finally {
    await cleanup(r);
  }
  return { findings, missing, ms: Date.now() - started };
}
