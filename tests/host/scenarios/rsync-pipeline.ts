// The old pipeline's real deploy, measured in the same run as redeploy_s and under the same loads
// (the request loop and the keep-alive clients): rsync put the changed app beside its .env on the
// host, then `docker-compose -f docker-compose.prod.yml up --build -d` there rebuilt and recreated
// the app's containers. Here that runs in a copy of the serving (code-change) release's tree with
// one more change of the same kind to hello/views.py, so its build does the same work as the
// deploy's and neither reuses the other's layers, and with its own RELEASE_ID (image tag). Timed
// until compose returned and the new code answers through the app's port. Afterwards the release
// is deployed again (its containers were recreated behind the deploy's back, so it switches anew)
// and the copy and its image are removed.
import * as fs from "fs";
import * as path from "path";
import * as remote from "../../../components/remote";
import { CommandResult, log, tail } from "../harness/commands";
import { appUrl, Context, Release, servingRelease } from "../harness/context";
import { hostComposeIn, stillServes } from "../harness/host";
import { pollUrl } from "../harness/http";
import { recordKeepAlive } from "../harness/keepalive";
import { runDeploy, startLoads } from "../harness/releases";
import { describeLoop, failedRequests, seconds } from "../harness/report";
import { scenario } from "../harness/scenario";

const CHANGE_FROM = "(e2e code change)";
const MARKER = "(e2e rsync pipeline)";
const RELEASE_ID = "rsync-pipeline";
/** Bound on the old pipeline's command and on waiting for its new code. */
const LIMIT_MS = 600_000;

/** Every file and directory under dir (and dir) owned by uid:gid, as rsync run by the deploy user leaves them. */
function chownTree(dir: string, uid: number, gid: number): void {
  fs.lchownSync(dir, uid, gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(full, uid, gid);
    else fs.lchownSync(full, uid, gid);
  }
}

/** The release's tree with its .env, copied as the rsync pipeline had the app on the host, the change applied. */
function rsyncedCopy(ctx: Context, release: Release): string {
  const from = remote.releaseDir(ctx.spec, release.sha256);
  const copy = path.join(ctx.env.deployHome, "rsync-pipeline-app");
  fs.rmSync(copy, { recursive: true, force: true });
  fs.cpSync(from, copy, { recursive: true, verbatimSymlinks: true });
  const views = path.join(copy, "hello/views.py");
  const text = fs.readFileSync(views, "utf8");
  if (!text.includes(CHANGE_FROM)) throw new Error(`hello/views.py of ${release.label} lacks "${CHANGE_FROM}"`);
  fs.writeFileSync(views, text.replace(CHANGE_FROM, MARKER));
  const envFile = path.join(copy, path.dirname(ctx.spec.composeFile), ctx.spec.envFile);
  fs.writeFileSync(envFile, fs.readFileSync(envFile, "utf8").replace(/^RELEASE_ID=.*$/m, `RELEASE_ID=${RELEASE_ID}`));
  // The maintenance mount's default source: made here, or Docker would create it owned by root.
  fs.mkdirSync(path.join(copy, "maintenance"), { recursive: true });
  const owner = fs.statSync(from);
  chownTree(copy, owner.uid, owner.gid);
  return copy;
}

export default scenario("the old pipeline's rsync deploy (compose up --build -d) under the same loads", async (ctx) => {
  const release = servingRelease(ctx);
  const copy = rsyncedCopy(ctx, release);
  try {
    const loads = startLoads(ctx);
    const started = Date.now();
    let finished: CommandResult | undefined;
    const up = hostComposeIn(ctx, "old pipeline: compose up --build -d", copy, ["up", "--build", "-d"]).then((
      r,
    ) => (finished = r));
    const served = await pollUrl(appUrl(ctx, "/"),
      (a) => (a.status === 200 && a.body.includes(MARKER)) || (finished !== undefined && finished.code !== 0),
      LIMIT_MS);
    const r = await up;
    const ms = Date.now() - started;
    const { stats, keepAlive } = await loads.stop();
    log(`  load during the old pipeline's rsync deploy: ${describeLoop(stats)}`);
    ctx.results.rsyncPipeline = { ms, failed: failedRequests(stats), total: stats.total };
    recordKeepAlive(ctx, "rsync_pipeline", keepAlive);
    ctx.checks.check("the old pipeline's compose up --build -d succeeds and its new code serves",
      r.code === 0 && served.ok && served.answer.body.includes(MARKER),
      r.code === 0
        ? `new code through the app's port ${seconds(ms)}s after compose up --build started`
        : `\n${tail(r)}`);
  } finally {
    const again = await runDeploy(ctx, release);
    const kept = await stillServes(ctx, release, 30_000);
    ctx.checks.check("after the old pipeline's deploy, deploying the release again switches back to it",
      again.code === 0 && kept.ok, `${kept.seen}\n${tail(again, 3)}`);
    fs.rmSync(copy, { recursive: true, force: true });
    const images = await ctx.commands.run("images of the rsync copy", "docker", ["image", "ls", "--format",
      "{{.Repository}}:{{.Tag}}", "--filter", `reference=*:${RELEASE_ID}`]);
    const refs = images.stdout.split(/\s+/).filter(Boolean);
    if (refs.length) await ctx.commands.run("remove the rsync copy's images", "docker", ["image", "rm", ...refs]);
  }
});
