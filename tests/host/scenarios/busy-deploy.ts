// Deploys under load. The example app has a slow view (GET /slow, 8 s) and 2 gunicorn workers: as
// many clients as workers ask it without pause, each request on a new connection, through the edge.
// 1. A code change deploys meanwhile: the checks through nginx and the edge queue behind the slow
//    requests (busy), the new container answers its own health check (the workers' health
//    listener), so the deploy exits 0, and every slow request answers 200.
// 2. A release that is healthy by its own check but answers 503 through nginx (it breaks after the
//    switch): the deploy switches back to the previous release (gapless), fails, and the records
//    (`current`, ops status) name the release that serves.
// 3. A deploy stopped (SIGTERM, as when the SSH session goes) at each step after the switch: it ends
//    with the records naming the release that serves, which answers.
import * as fs from "fs";
import * as path from "path";
import { hostPath } from "../../../components/layout";
import { CommandResult, log, sleep } from "../harness/commands";
import { appUrl, Context, Release, servingRelease } from "../harness/context";
import { currentLink, hostLogOf } from "../harness/host";
import { getUrl } from "../harness/http";
import { RequestLoop } from "../harness/load";
import { ops } from "../harness/ops";
import { appVariant, bundle, runDeploy, upload, why } from "../harness/releases";
import { describeLoop, failedRequests, isReleaseOf, LoopStats } from "../harness/report";
import { fault, scenario } from "../harness/scenario";

/** The example app's gunicorn workers (app/bin/start.sh: GUNICORN_WORKERS, default 2). */
const APP_WORKERS = 2;
/** The slow view's seconds (app/hello/views.py: slow). */
const SLOW_SECONDS = 8;

/** As many clients as the app has workers, each asking /slow again as soon as it answered. */
function slowClients(ctx: Context): RequestLoop {
  return new RequestLoop(appUrl(ctx, `/slow?seconds=${SLOW_SECONDS}`), {
    minRequests: 0,
    concurrency: APP_WORKERS,
    pauseMs: 0,
    timeoutMs: (SLOW_SECONDS * 4 + 30) * 1000,
  }).start();
}

/** A copy of the app whose home page text names the label: a new release each time. */
function changedApp(ctx: Context, label: string): string {
  return appVariant(ctx, label, "hello/views.py", "<h1>It works</h1>", `<h1>It works (${label})</h1>`);
}

/** What serves (GET / through the edge), what `current` names, what ops status says: all one release? */
async function recordsNameServing(ctx: Context): Promise<{ ok: boolean; sha: string; seen: string }> {
  const served = await getUrl(appUrl(ctx, "/"), 10_000);
  const sha = path.basename(currentLink(ctx));
  const status = await ops(ctx, ["status", "--json"]);
  let statusRelease: string | undefined;
  try {
    statusRelease = (JSON.parse(status.stdout) as { release?: string }).release;
  } catch {
    statusRelease = undefined;
  }
  const ok = served.status === 200 && isReleaseOf(served.releaseId, sha) && statusRelease === sha && status.code === 0;
  return { ok, sha,
    seen: `GET / → ${served.status ?? served.error} from ${served.releaseId ?? "?"}; current → ${
      sha.slice(0, 12)
    }; ops status → ${statusRelease?.slice(0, 12)} (exit ${status.code})` };
}

/** Upload, then deploy under the slow clients; the figures of both. */
async function deployUnderSlowLoad(ctx: Context,
  release: Release): Promise<{ result: CommandResult; slow: LoopStats }> {
  await upload(ctx, release);
  const clients = slowClients(ctx);
  // The workers busy before the deploy starts.
  await sleep(1000);
  const result = await runDeploy(ctx, release);
  const slow = await clients.stop();
  log(`  slow requests during ${release.label}: ${describeLoop(slow)}`);
  return { result, slow };
}

export const busyDeploy = scenario("busy app: a code change deploys while slow requests fill every worker",
  async (ctx) => {
    servingRelease(ctx);
    const release = bundle(ctx, "busy", changedApp(ctx, "busy"));
    const { result, slow } = await deployUnderSlowLoad(ctx, release);
    const ok = ctx.checks.check("a deploy while every worker is busy with slow requests exits 0", result.code === 0,
      why(result, 12));
    ctx.results.busyDeploy = { ok: ok ? 1 : 0, slowFailed: failedRequests(slow), slowTotal: slow.total };
    const busyLines = result.stdout.split("\n").filter((l) => /busy/.test(l));
    log(`  the deploy's busy lines:\n${busyLines.map((l) => `      | ${l}`).join("\n") || "      | (none)"}`);
    ctx.checks.check("every slow request around the switch answered 200",
      failedRequests(slow) === 0 && slow.total >= APP_WORKERS, describeLoop(slow));
    if (!ok) return;
    ctx.serving = release;
    const records = await recordsNameServing(ctx);
    ctx.checks.check("after the busy deploy the new release serves and the records name it",
      records.ok && records.sha === release.sha256, records.seen);
  });

export const brokenAfterSwitch = fault(
  "busy app: a release that breaks after the switch is switched back, records consistent",
  async (ctx) => {
    const before = servingRelease(ctx);
    // Healthy by its own check (the workers' health listener), 503 through nginx: broken after the switch.
    const dir = appVariant(ctx, "broken-after-switch", "hello/health.py", "            return database_health()\n",
      '            from django.http import HttpResponse\n\n            return HttpResponse("broken after the switch by the e2e test\\n", status=503)\n');
    const { result, slow } = await deployUnderSlowLoad(ctx, bundle(ctx, "broken-after-switch", dir));
    return { before, result, slow };
  },
  async (ctx, { before, result, slow }) => {
    ctx.checks.check("the deploy of a release that breaks after the switch fails, saying it switched back",
      result.code !== 0 && /switched back to/.test(result.stderr), why(result));
    const log = hostLogOf(result);
    ctx.checks.check("the switch happened before the failure (traffic had moved)",
      /routing to the new container only/.test(log.text), log.file ?? "no host log named");
    const records = await recordsNameServing(ctx);
    ctx.checks.check("the previous release serves again and the records name it",
      records.ok && records.sha === before.sha256, records.seen);
    ctx.checks.check("the slow requests during the switch there and back answered 200", failedRequests(slow) === 0,
      describeLoop(slow));
  },
);

/** Log lines of the deploy after the switch, in order: stopping the deploy at each one. */
const STEPS_AFTER_SWITCH: { step: string; line: RegExp }[] = [
  { step: "the other services / the check through nginx", line: /retiring the old container\(s\)/ },
  { step: "the check through the edge", line: /through nginx \(up to/ },
  { step: "the retirement", line: /the edge serves the app|the edge is up/ },
  { step: "the record", line: /retired [0-9a-f]/ },
];

/** The newest host log of a deploy of this release, once it exists (bounded). */
async function deployLogOf(ctx: Context, sha256: string, since: number, limitMs: number): Promise<string | undefined> {
  const dir = hostPath(ctx.spec.baseDir, "logs");
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    const found = fs.existsSync(dir)
      ? fs.readdirSync(dir).filter((f) => f.startsWith(`deploy-${sha256.slice(0, 12)}-`)).map((f) => path.join(dir, f))
        .filter((f) => fs.statSync(f).mtimeMs >= since)
      : [];
    if (found.length) return found.sort().pop();
    await sleep(100);
  }
  return undefined;
}

/** Sends SIGTERM to the deploy (its pid ends its log's name) once its log has a line matching `line`. */
async function stopAt(ctx: Context, sha256: string, since: number, line: RegExp): Promise<string> {
  const file = await deployLogOf(ctx, sha256, since, 120_000);
  if (!file) return "no deploy log appeared";
  const pid = Number(/-(\d+)\.log$/.exec(file)?.[1]);
  const started = Date.now();
  while (Date.now() - started < 300_000) {
    if (line.test(fs.readFileSync(file, "utf8"))) {
      try {
        process.kill(pid, "SIGTERM");
        return `stopped pid ${pid}`;
      } catch (error) {
        return `could not stop pid ${pid}: ${String(error)}`;
      }
    }
    await sleep(50);
  }
  return `the line ${line} never came`;
}

export const stoppedAfterSwitch = fault(
  "a deploy stopped at each step after the switch leaves the records naming what serves",
  async (ctx) => {
    const outcomes: { step: string; stopped: string; result: CommandResult;
      records: { ok: boolean; sha: string; seen: string }; release: Release }[] = [];
    for (const [i, { step, line }] of STEPS_AFTER_SWITCH.entries()) {
      const release = bundle(ctx, `stopped-${i}`, changedApp(ctx, `stopped-${i}`));
      await upload(ctx, release);
      const since = Date.now() - 1000;
      const [result, stopped] = await Promise.all([runDeploy(ctx, release), stopAt(ctx, release.sha256, since, line)]);
      const records = await recordsNameServing(ctx);
      log(`  stopped after the switch at ${step}: ${stopped}; deploy exit ${result.code}; ${records.seen}`);
      outcomes.push({ step, stopped, result, records, release });
      if (records.ok && records.sha === release.sha256) ctx.serving = release;
    }
    return outcomes;
  },
  async (ctx, outcomes) => {
    for (const o of outcomes) {
      ctx.checks.check(
        `stopped at ${o.step}: the deploy fails and the records name the release that serves, which answers`,
        /^stopped pid/.test(o.stopped) && o.result.code !== 0 && o.records.ok,
        `${o.stopped}; ${why(o.result, 3)}; ${o.records.seen}`,
      );
    }
  },
);
