// Bring your own compose app: app-byo/ as users bring it (no healthcheck, container names, expose,
// .env.prod, migrations in an entrypoint script, a proxy named proxy with upstream django_docker).
// Config refuses it with the exact edits; after only those edits it deploys, and redeploys under the
// request loop without a failed request, in its own compose project and base directory beside the
// main app. Its failed requests are the summary's byo_failed_requests.
import * as fs from "fs";
import * as path from "path";
import { ConfigError, parseConfig, type AppSettings } from "../../../components/config";
import { deploymentEnv, remoteSpecFor, renderEnvFile } from "../../../components/deployment";
import * as remote from "../../../components/remote";
import { CommandResult, log, tail } from "../harness/commands";
import { Context, hostPorts, Release } from "../harness/context";
import { getUrl, pollUrl } from "../harness/http";
import { RequestLoop } from "../harness/load";
import { appDbUrl, bundle, runDbUser } from "../harness/releases";
import { describeLoop, failedRequests, isReleaseOf, seconds } from "../harness/report";
import { scenario } from "../harness/scenario";
import { runUpload } from "../harness/upload";

const APP_SOURCE = path.resolve(__dirname, "../../../app");
const BYO_DIR = path.resolve(__dirname, "../../../app-byo");
/** The example app's Django code, which app-byo/ shares and does not repeat. */
const SHARED_CODE = ["manage.py", "hello", "site_config"];
/** appDir as a stack would set it; its files are read from the scenario's copy. */
const APP_DIR = "app-byo";
/** Its ports: the main app's plus this (its own edge beside the main app's). */
const BYO_PORT_OFFSET = 100;

export default scenario("bring your own compose app: refused with the edits, then deployed and redeployed gaplessly",
  async (ctx) => {
    const dir = assembleByoApp(path.join(ctx.appsDir, "byo"));
    const app = applyConfigEdits(ctx, dir);
    if (!app) return;
    const spec = {
      ...remoteSpecFor(`${ctx.spec.appName}-byo`, `${ctx.spec.baseDir}-byo`, app, hostPorts(ctx.env, BYO_PORT_OFFSET)),
      healthTimeoutSeconds: ctx.spec.healthTimeoutSeconds,
    };
    const url = `http://127.0.0.1:${spec.httpPort}/`;
    try {
      const ready = await ctx.commands.ssh("byo: wait-ready", remote.waitReadyCommand(spec), undefined, 120_000);
      if (!ctx.checks.check("byo: wait-ready prepares its own base directory", ready.code === 0, tail(ready))) return;
      const first = await deployByo(ctx, spec, bundle(ctx, "byo-v1", dir));
      if (!ctx.checks.check("byo: the app deploys after only the edits config asked for", first.result.code === 0,
        tail(first.result, 30))) return;
      ctx.checks.check("byo: it serves its release through its own proxy", await serves(url, first.release), url);
      const written = path.join(spec.baseDir, "current", app.envFile);
      const mode = fs.existsSync(written) ? (fs.statSync(written).mode & 0o777).toString(8) : "missing";
      ctx.checks.check(`byo: the environment is written to ${app.envFile}, mode 0600`, mode === "600",
        `${written}: ${mode}`);

      replaceIn(path.join(dir, "hello", "views.py"), "<h1>It works</h1>", "<h1>It works (byo redeploy)</h1>");
      const loop = new RequestLoop(url, ctx.loop).start();
      const second = await deployByo(ctx, spec, bundle(ctx, "byo-v2", dir));
      const stats = await loop.stop();
      log(`  load during byo-v2: ${describeLoop(stats)}`);
      ctx.results.byoFailedRequests = failedRequests(stats);
      if (!ctx.checks.check("byo: the redeploy succeeds", second.result.code === 0, tail(second.result, 30))) return;
      ctx.checks.check("byo: the new release serves",
        await serves(url, second.release) && (await getUrl(url)).body.includes("byo redeploy"), url);
      ctx.checks.check("byo: no failed requests during the redeploy", failedRequests(stats) === 0, describeLoop(stats));
    } finally {
      const down = await ctx.commands.ssh("byo: destroy", remote.destroyCommand(spec), undefined, 180_000);
      ctx.checks.check("byo: destroy takes it down", down.code === 0, tail(down));
    }
  });

/** The app as users would bring it: app/'s Django code with app-byo/'s files over it. */
function assembleByoApp(dir: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const name of SHARED_CODE) fs.cpSync(path.join(APP_SOURCE, name), path.join(dir, name), { recursive: true });
  fs.cpSync(BYO_DIR, dir, { recursive: true });
  return dir;
}

/**
 * Judges the copy as config does; each refusal must name a line to delete, and after deleting those
 * lines config accepts the file. The app settings config derives, or undefined (a failed check).
 */
function applyConfigEdits(ctx: Context, dir: string): AppSettings | undefined {
  const judge = () =>
    parseConfig({ appDir: APP_DIR }, { project: "compose-on-ec2", stack: "dev", region: "us-east-1",
      fileExists: (p) => fs.existsSync(p.replace(APP_DIR, dir)),
      readFile: (p) => fs.readFileSync(p.replace(APP_DIR, dir), "utf8") });
  let problems: string[] = [];
  try {
    judge();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems = e.problems;
  }
  log(`  config on app-byo as brought:\n    ${problems.join("\n    ")}`);
  const edits = problems.map((p) =>
    /^app-byo\/docker-compose\.prod\.yml:\d+: .*Fix: (?:delete line (\d+) |write line (\d+) as `([^`]+)`|after line (\d+), add `(- [^`]+)`)/
      .exec(p)
  );
  if (!ctx.checks.check("byo: config refuses the file as brought, each time naming a line to delete, rewrite or add",
    problems.length > 0 && edits.every(Boolean), problems.join("\n"))) return undefined;
  const file = path.join(dir, "docker-compose.prod.yml");
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const drop = new Set<number>();
  const added = new Map<number, string>();
  for (const m of edits as RegExpExecArray[]) {
    if (m[1]) drop.add(Number(m[1]) - 1);
    else if (m[2]) lines[Number(m[2]) - 1] = lines[Number(m[2]) - 1].replace(/^(\s*).*$/, `$1${m[3]}`);
    // A list entry after another: with that entry's indentation.
    else added.set(Number(m[4]) - 1, lines[Number(m[4]) - 1].replace(/^(\s*).*$/, `$1${m[5]}`));
  }
  const edited = lines.flatMap((line, i) => (drop.has(i) ? [] : added.has(i) ? [line, added.get(i)!] : [line]));
  fs.writeFileSync(file, edited.join("\n"));
  try {
    const app = judge().app;
    log(`  config after the edits:\n    ${app.composeFindings.join("\n    ")}`);
    ctx.checks.check("byo: config finds the proxy, the web port, .env.prod and no healthcheck",
      app.proxyService === "proxy" && app.webPort === 8000 && app.envFile === ".env.prod"
        && app.healthSource === "deploy probe", JSON.stringify(app));
    return app;
  } catch (e) {
    ctx.checks.check("byo: config accepts the file after those edits", false, String(e));
    return undefined;
  }
}

/** Upload and deploy a release of the byo app as the deployment does (its .env on stdin). */
async function deployByo(ctx: Context, spec: remote.RemoteSpec,
  release: Release): Promise<{ release: Release; result: CommandResult }> {
  const put = await runUpload(ctx, release, { spec });
  if (put.code !== 0) return { release, result: put };
  // Its own login and the CA bundle, as the deployment's db-user step gives every stack.
  const login = await runDbUser(ctx, spec);
  if (login.code !== 0) return { release, result: login };
  const env = renderEnvFile(deploymentEnv({
    appEnv: {},
    databaseUrl: appDbUrl(ctx),
    secretKey: ctx.secrets.SECRET_KEY,
    releaseId: release.sha256,
    allowedHosts: ["127.0.0.1", "localhost"],
  }));
  const result = await ctx.commands.ssh(`byo: deploy ${release.label}`, remote.deployCommand(spec, release.sha256), env,
    900_000);
  log(`  byo deploy ${release.label}: exit ${result.code} in ${seconds(result.ms)}s`);
  return { release, result };
}

async function serves(url: string, release: Release): Promise<boolean> {
  return (await pollUrl(url, (a) => a.status === 200 && isReleaseOf(a.releaseId, release.sha256), 10_000)).ok;
}

function replaceIn(file: string, from: string, to: string): void {
  const text = fs.readFileSync(file, "utf8");
  if (!text.includes(from)) throw new Error(`"${from}" not found in ${file}`);
  fs.writeFileSync(file, text.replace(from, to));
}
