// Deploying as the deployment does: bundle (components/bundle.ts) → the upload step's script
// (scripts/runner/upload.sh: the manifest, then only what the host's store lacks) → the deploy
// command line of components/remote.ts over SSH, with the .env rendered as ComposeDeployment renders
// it on stdin. Also: app variants to deploy, and whether a release serves.
import * as fs from "fs";
import * as path from "path";
import { buildContext, createBundle, HOST_SCRIPTS_DIR, HOST_SCRIPTS_PREFIX } from "../../../components/bundle";
import { APP_DB_USER } from "../../../components/config";
import { appDatabaseUrl } from "../../../components/database";
import { deploymentEnv, renderEnvFile } from "../../../components/deployment";
import * as remote from "../../../components/remote";
import { CommandResult, log, tail } from "./commands";
import { appSecretsOf, appUrl, Context, Release } from "./context";
import { pollUrl } from "./http";
import { KeepAliveLoad, KeepAliveStats } from "./keepalive";
import { RequestLoop } from "./load";
import { SwitchWatch } from "./switch-watch";
import { SwitchObservation } from "./breakdown";
import { runUpload } from "./upload";
import { describeLoop, isReleaseOf, LoopStats, seconds } from "./report";

const repoRoot = path.resolve(__dirname, "../../..");
/** The host scripts every release carries: bundle.ts packs this directory under `.compose-on-ec2/`. */
const RELEASE_SCRIPTS_DIR = path.join(repoRoot, HOST_SCRIPTS_DIR);
/** The example app: the payload every scenario deploys, as is or changed. */
export const APP_DIR = path.join(repoRoot, "app");

/** Registry mode: the image refs (service → repo@sha256:digest) the deployment would pass. */
export interface RegistryImages {
  imageRefs: Record<string, string>;
}

/** A copy of app/ with one text replaced in one file (the text must be there, or the test is wrong). */
export function appVariant(ctx: Context, label: string, file: string, from: string, to: string): string {
  const dir = path.join(ctx.appsDir, label);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(APP_DIR, dir, { recursive: true });
  const target = path.join(dir, file);
  const text = fs.readFileSync(target, "utf8");
  if (!text.includes(from)) throw new Error(`app variant ${label}: "${from}" not found in ${file}`);
  fs.writeFileSync(target, text.replace(from, to));
  return dir;
}

/** The bundle of an app directory with the host scripts, as the deployment builds it. */
export function bundle(ctx: Context, label: string, dir: string): Release {
  const b = createBundle({ appDir: dir, outDir: ctx.bundlesDir,
    extraDirs: [{ dir: RELEASE_SCRIPTS_DIR, prefix: HOST_SCRIPTS_PREFIX }] });
  log(`  bundle ${label}: ${b.sha256.slice(0, 12)} (${b.bytes} bytes, ${b.files.length} files)`);
  return { label, sha256: b.sha256, localPath: b.path, storeDir: b.storeDir, buildContext: () => buildContext(b) };
}

/** The upload step for real (harness/upload.ts); throws when it fails. */
export async function upload(ctx: Context, release: Release): Promise<CommandResult> {
  const r = await runUpload(ctx, release);
  if (r.code !== 0) throw new Error(`upload of ${release.label} failed:\n${tail(r)}`);
  log(`  upload ${release.label}: ${(r.stdout.match(/sent .*/) ?? ["(no count)"])[0]} in ${seconds(r.ms)}s`);
  return r;
}

/** The app's DATABASE_URL as the stack writes it: its own login, the certificate verified. */
export function appDbUrl(ctx: Context): string {
  const { dbHost, dbPort, dbName } = ctx.env;
  return appDatabaseUrl("postgres", ctx.secrets.APP_DB_PASSWORD, dbHost, Number(dbPort), dbName);
}

/** A database the db-user step makes the app's login on: where, who, and both passwords. */
export interface DbLogin {
  target: remote.DbUserTarget;
  masterPassword: string;
  appPassword: string;
}

/** The test's PostgreSQL (tests/host/lib/postgres.sh) with this run's passwords. */
export function postgresLogin(ctx: Context): DbLogin {
  const { dbHost, dbPort, dbName, dbUser } = ctx.env;
  return {
    target: { engine: "postgres", address: dbHost, port: Number(dbPort), dbName, masterUser: dbUser,
      appUser: APP_DB_USER },
    masterPassword: ctx.secrets.DB_PASSWORD,
    appPassword: ctx.secrets.APP_DB_PASSWORD,
  };
}

/**
 * The deployment's db-user step for real (components/remote.ts dbUserCommand over SSH, the passwords
 * and the CA bundle on stdin): the app's own login, over verified TLS (default: on the test's PostgreSQL).
 */
export async function runDbUser(ctx: Context, spec: remote.RemoteSpec = ctx.spec, caFile = ctx.env.dbCaFile,
  db: DbLogin = postgresLogin(ctx)): Promise<CommandResult> {
  const line = remote.dbUserCommand(spec, db.target);
  const stdin = remote.dbUserStdin(db.masterPassword, db.appPassword, fs.readFileSync(caFile, "utf8"));
  const label = `db-user ${db.target.engine} (${path.basename(caFile)})`;
  const r = await ctx.commands.ssh(label, line, stdin, 180_000);
  log(`  ${label}: exit ${r.code} in ${seconds(r.ms)}s`);
  return r;
}

/** The .env exactly as ComposeDeployment renders it (components/deployment.ts), for this machine. */
export function envFileFor(ctx: Context, sha256: string, imageRefs?: Record<string, string>): string {
  return renderEnvFile(
    deploymentEnv({
      appEnv: {},
      appSecrets: appSecretsOf(ctx.secrets),
      databaseUrl: appDbUrl(ctx),
      secretKey: ctx.secrets.SECRET_KEY,
      releaseId: sha256,
      allowedHosts: ["127.0.0.1", "localhost", ...(ctx.spec.tls?.domains ?? [])],
      imageRefs,
    }),
  );
}

/** The deploy command of an uploaded release over SSH, the process list watched meanwhile. */
export async function runDeploy(ctx: Context, release: Release, registry?: RegistryImages): Promise<CommandResult> {
  ctx.watch.start();
  try {
    const spec: remote.RemoteSpec = registry ? { ...ctx.spec, deployMode: "registry" } : ctx.spec;
    const r = await ctx.commands.ssh(
      `deploy ${release.label}`,
      remote.deployCommand(spec, release.sha256),
      envFileFor(ctx, release.sha256, registry?.imageRefs),
      900_000,
    );
    log(`  deploy ${release.label}: exit ${r.code} in ${seconds(r.ms)}s`);
    return r;
  } finally {
    await ctx.watch.stop();
  }
}

/** Bundle, upload and deploy an app directory. */
export async function deploy(ctx: Context, label: string,
  dir: string): Promise<{ release: Release; result: CommandResult }> {
  const release = bundle(ctx, label, dir);
  await upload(ctx, release);
  return { release, result: await runDeploy(ctx, release) };
}

/** What a deploy under load hands back: its result, the request loop's and the keep-alive clients' figures. */
export interface DeployUnderLoad {
  result: CommandResult;
  stats: LoopStats;
  keepAlive: KeepAliveStats[];
  /** What the host recorded during the deploy, when asked for (watchSwitch). */
  observation?: SwitchObservation;
}

/**
 * Upload a release, then deploy it while the request loop and the keep-alive clients run; both stop
 * when the deploy returned. With watchSwitch, what the host did meanwhile is recorded (switch-watch.ts).
 */
export async function deployUnderLoad(ctx: Context, release: Release, registry?: RegistryImages,
  watchSwitch = false): Promise<DeployUnderLoad> {
  const uploaded = await upload(ctx, release);
  const watch = watchSwitch ? await SwitchWatch.start(ctx) : undefined;
  const loads = startLoads(ctx);
  const result = await runDeploy(ctx, release, registry);
  const { stats, keepAlive } = await loads.stop();
  log(`  load during ${release.label}: ${describeLoop(stats)}`);
  return { result, stats, keepAlive, observation: await watch?.finish(result, uploaded.ms) };
}

/** The request loop and the keep-alive clients together (a deploy or the old pipeline's command runs meanwhile). */
export function startLoads(ctx: Context): { stop: () => Promise<{ stats: LoopStats; keepAlive: KeepAliveStats[] }> } {
  const loop = startLoad(ctx);
  const keepAlive = new KeepAliveLoad(appUrl(ctx, "")).start();
  return {
    stop: async () => {
      const [stats, ka] = await Promise.all([loop.stop(), keepAlive.stop()]);
      return { stats, keepAlive: ka };
    },
  };
}

/** The request loop on GET / through nginx. */
export function startLoad(ctx: Context): RequestLoop {
  return new RequestLoop(appUrl(ctx, "/"), ctx.loop).start();
}

/** Whether GET / answers 2xx with this release (polls briefly: nginx may be settling). */
export async function servesRelease(ctx: Context, sha256: string,
  limitMs = 10_000): Promise<{ ok: boolean; seen: string }> {
  const r = await pollUrl(appUrl(ctx, "/"), (a) => a.status === 200 && isReleaseOf(a.releaseId, sha256), limitMs);
  return { ok: r.ok, seen: `status ${r.answer.status ?? r.answer.error}, release ${r.answer.releaseId ?? "(none)"}` };
}

/** The deploy's exit and its last lines, for a check's detail. */
export function why(r: CommandResult, lines = 8): string {
  return `exit ${r.code}; why:\n${tail(r, lines)}`;
}
