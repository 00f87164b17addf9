// Workers keep every job across a deploy and a rollback. The example app's worker (rq, app/bin/worker.py)
// runs the jobs web enqueues on redis (POST /jobs, app/hello/jobs.py). With a long job in flight and
// short ones arriving meanwhile, a code change deploys under the request loop, then `ops rollback`
// switches back to the previous release: the deploy restarts the worker only after web has switched,
// with SIGTERM and its stop_grace_period (60 s), so the old worker finishes the long job (rq's warm
// shutdown) and the new one takes the rest from the queue. Every job accepted (202) must finish:
// the summary's worker_jobs_lost counts those that did not. Finally a roll forward clears the
// rollback record, as an operator would.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { hostPath } from "../../../components/layout";
import { CommandResult, log, sleep, tail } from "../harness/commands";
import { appUrl, Context, Release, servingRelease } from "../harness/context";
import { getUrl, requestUrl } from "../harness/http";
import { ops } from "../harness/ops";
import { appVariant, bundle, deployUnderLoad, servesRelease, startLoad, why } from "../harness/releases";
import { describeLoop, failedRequests, isReleaseOf } from "../harness/report";
import { scenario } from "../harness/scenario";

/** The long job's seconds: in flight when the worker is told to stop, within its stop_grace_period (app/docker-compose.prod.yml: 60s). */
const LONG_JOB_SECONDS = 45;
/** The short jobs enqueued while the deploy runs. */
const SHORT_JOB_SECONDS = 0.5;
const SHORT_JOB_PAUSE_MS = 400;
/** How long every accepted job may take to finish once the deploy is over (bounded wait). */
const DRAIN_LIMIT_MS = 120_000;

/** The finished jobs: token → the release whose worker ran it (GET /jobs). */
async function finishedJobs(ctx: Context): Promise<Record<string, string> | undefined> {
  const answer = await getUrl(appUrl(ctx, "/jobs"), 10_000);
  if (answer.status !== 200) return undefined;
  try {
    return (JSON.parse(answer.body) as { jobs: Record<string, string> }).jobs;
  } catch {
    return undefined;
  }
}

/** Enqueues one job; its token when web accepted it (202), else undefined. */
async function enqueue(ctx: Context, seconds: number, label: string): Promise<string | undefined> {
  const token = `${label}-${crypto.randomBytes(6).toString("hex")}`;
  const answer = await requestUrl(appUrl(ctx, `/jobs?seconds=${seconds}&token=${token}`), "POST", 10_000);
  return answer.status === 202 ? token : undefined;
}

/** Short jobs, one after another, until stopped (bounded in count): tokens accepted, and those refused. */
class JobFeed {
  private static readonly MAX_JOBS = 2000;
  readonly accepted: string[] = [];
  refused = 0;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(private readonly ctx: Context, private readonly label: string) {}

  start(): this {
    this.running = (async () => {
      while (!this.stopped && this.accepted.length + this.refused < JobFeed.MAX_JOBS) {
        const token = await enqueue(this.ctx, SHORT_JOB_SECONDS, this.label);
        if (token) this.accepted.push(token);
        else this.refused++;
        await sleep(SHORT_JOB_PAUSE_MS);
      }
    })();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}

/** Waits (bounded) until every token has finished; the ones that did not, and the finished jobs. */
async function awaitJobs(ctx: Context,
  tokens: string[]): Promise<{ lost: string[]; finished: Record<string, string> }> {
  const started = Date.now();
  let finished: Record<string, string> = {};
  for (;;) {
    finished = (await finishedJobs(ctx)) ?? finished;
    const lost = tokens.filter((t) => !(t in finished));
    if (lost.length === 0 || Date.now() - started > DRAIN_LIMIT_MS) return { lost, finished };
    await sleep(1000);
  }
}

/** Seconds from the log line matching `line` to the next line (the deploy's `[deploy +N.Ns]` stamps). */
function secondsAfter(text: string, line: RegExp): number | undefined {
  const lines = text.split("\n");
  const at = lines.findIndex((l) => line.test(l));
  const stamp = (l: string | undefined) => Number(/\+(\d+(?:\.\d+)?)s\]/.exec(l ?? "")?.[1] ?? NaN);
  const gap = stamp(lines[at + 1]) - stamp(lines[at]);
  return at < 0 || Number.isNaN(gap) ? undefined : gap;
}

/** The text of the newest log of a deploy of release `sha256` written since `since` (ms), "" when none. */
function deployLog(ctx: Context, sha256: string, since: number): { file?: string; text: string } {
  const dir = hostPath(ctx.spec.baseDir, "logs");
  const found = fs.existsSync(dir)
    ? fs.readdirSync(dir).filter((f) => f.startsWith(`deploy-${sha256.slice(0, 12)}-`)).map((f) => path.join(dir, f))
      .filter((f) => fs.statSync(f).mtimeMs >= since)
    : [];
  const file = found.sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs).pop();
  return { file, text: file ? fs.readFileSync(file, "utf8") : "" };
}

/** One switch (a deploy or a rollback) with a long job in flight and short ones arriving: what became of the jobs. */
async function withJobsInFlight(ctx: Context, label: string,
  run: () => Promise<CommandResult>
): Promise<{ result: CommandResult; tokens: string[]; long?: string; refused: number; since: number }> {
  const since = Date.now() - 1000;
  const long = await enqueue(ctx, LONG_JOB_SECONDS, `${label}-long`);
  // The worker has taken the long job before the switch starts.
  await sleep(2000);
  const feed = new JobFeed(ctx, label).start();
  const result = await run();
  await feed.stop();
  return { result, tokens: [...(long ? [long] : []), ...feed.accepted], long, refused: feed.refused, since };
}

/** The checks of one switch: the worker restarted after web switched, waited for its job, and no job was lost. */
function checkSwitch(ctx: Context, what: string, r: { long?: string; tokens: string[]; since: number },
  jobs: { lost: string[]; finished: Record<string, string> }, oldRelease: Release, deployed: Release): void {
  const host = deployLog(ctx, deployed.sha256, r.since);
  const routed = host.text.search(/routing to the new container only/);
  const stopped = host.text.search(/worker worker replica 1\/1 \([0-9a-f]+\): SIGTERM, up to 60s/);
  ctx.checks.check(`${what}: the worker is restarted only after web has switched, with its stop_grace_period (60s)`,
    routed >= 0 && stopped > routed, host.file ?? "no host log named");
  const waited = secondsAfter(host.text, /worker worker replica 1\/1 \([0-9a-f]+\): SIGTERM/);
  log(`  ${what}: the old worker took ${waited?.toFixed(1) ?? "?"}s to stop (finishing its job)`);
  ctx.checks.check(
    `${what}: the old worker was still busy with the long job when told to stop, and was given the time to finish it`,
    waited !== undefined && waited >= 2,
    `it stopped ${waited?.toFixed(1) ?? "?"}s after SIGTERM`,
  );
  const longBy = r.long ? jobs.finished[r.long] : undefined;
  ctx.checks.check(
    `${what}: the long job in flight is finished by the old release's worker (warm shutdown, not killed)`,
    r.long !== undefined && isReleaseOf(longBy, oldRelease.sha256),
    `long job ${r.long ?? "not accepted"} finished by ${longBy ?? "nobody"}; old release ${
      oldRelease.sha256.slice(0, 12)
    }`,
  );
  ctx.checks.check(`${what}: every accepted job finished (${r.tokens.length})`, jobs.lost.length === 0,
    `lost: ${jobs.lost.join(", ")}`);
}

export default scenario("worker jobs: a deploy and a rollback lose no job in flight", async (ctx) => {
  const before = servingRelease(ctx);
  // The worker answers before anything is measured.
  const probe = await enqueue(ctx, 0, "probe");
  const ready = probe ? await awaitJobs(ctx, [probe]) : { lost: ["(not accepted)"], finished: {} };
  if (!ctx.checks.check("the worker runs the jobs web enqueues", ready.lost.length === 0,
    `probe job ${probe ?? "refused"}`)) return;

  const release = bundle(ctx, "worker-jobs",
    appVariant(ctx, "worker-jobs", "hello/views.py", "<h1>It works</h1>", "<h1>It works (worker jobs)</h1>"));
  let stats;
  const deploy = await withJobsInFlight(ctx, "deploy", async () => {
    const d = await deployUnderLoad(ctx, release);
    stats = d.stats;
    return d.result;
  });
  const deployJobs = await awaitJobs(ctx, deploy.tokens);
  log(`  deploy: ${deploy.tokens.length} jobs accepted (${deploy.refused} refused), ${deployJobs.lost.length} lost`);
  const deployed = ctx.checks.check("the code change deploys with jobs in flight", deploy.result.code === 0,
    why(deploy.result));
  if (stats) {
    ctx.checks.check("no failed requests during the deploy with jobs in flight", failedRequests(stats) === 0,
      describeLoop(stats));
  }
  checkSwitch(ctx, "deploy", deploy, deployJobs, before, release);
  let lost = deployJobs.lost.length;
  if (!deployed) {
    ctx.results.workerJobsLost = lost;
    return;
  }
  ctx.serving = release;

  const loop = startLoad(ctx);
  const rollback = await withJobsInFlight(ctx, "rollback", () => ops(ctx, ["rollback"]));
  const rollbackStats = await loop.stop();
  const rollbackJobs = await awaitJobs(ctx, rollback.tokens);
  log(
    `  rollback: ${rollback.tokens.length} jobs accepted (${rollback.refused} refused), ${rollbackJobs.lost.length} lost`,
  );
  lost += rollbackJobs.lost.length;
  ctx.results.workerJobsLost = lost;
  const back = await servesRelease(ctx, before.sha256);
  ctx.checks.check("ops rollback with jobs in flight switches back", rollback.result.code === 0 && back.ok,
    `${back.seen}; ${tail(rollback.result)}`);
  ctx.checks.check("no failed requests during the rollback with jobs in flight", failedRequests(rollbackStats) === 0,
    describeLoop(rollbackStats));
  checkSwitch(ctx, "rollback", rollback, rollbackJobs, release, before);
  if (back.ok) ctx.serving = before;

  // As an operator would: roll forward, which clears the rollback record (the scenarios after this
  // one deploy releases of their own).
  const forward = await ops(ctx, ["rollback", release.sha256.slice(0, 12)]);
  const again = await servesRelease(ctx, release.sha256);
  ctx.checks.check("ops rollback <release> rolls forward again and clears the record",
    forward.code === 0 && again.ok && !fs.existsSync(hostPath(ctx.spec.baseDir, "rollback")),
    `${again.seen}; ${tail(forward, 3)}`);
  if (again.ok) ctx.serving = release;
  log(`  worker jobs lost across the deploy and the rollback: ${lost}`);
});
