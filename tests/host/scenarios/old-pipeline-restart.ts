// The "before" of zero downtime: the old pipeline's restart (compose up -d --force-recreate) of the
// already-built release, which recreates every container, under the same request loop as the
// gapless deploys. Then: deploying the same release again must notice that its containers were
// recreated behind its back (they are not the ones it recorded) and switch anew.
import { log, tail } from "../harness/commands";
import { appUrl, servingRelease } from "../harness/context";
import { hostCompose } from "../harness/host";
import { pollUrl } from "../harness/http";
import { runDeploy, servesRelease, startLoad } from "../harness/releases";
import { describeLoop, failedRequests, seconds } from "../harness/report";
import { scenario } from "../harness/scenario";

export default scenario("the old pipeline's restart (compose up -d --force-recreate) under the request loop",
  async (ctx) => {
    const release = servingRelease(ctx);
    const loop = startLoad(ctx);
    const started = Date.now();
    const r = await hostCompose(ctx, "old pipeline's restart: compose up -d --force-recreate", ["up", "-d",
      "--force-recreate"]);
    const healthy = await pollUrl(appUrl(ctx, ctx.spec.healthPath), (a) => a.status === 200, 120_000);
    const ms = Date.now() - started;
    const stats = await loop.stop();
    log(`  load during the old pipeline's restart: ${describeLoop(stats)}`);
    ctx.results.oldPipelineRestart = { ms, failed: failedRequests(stats), total: stats.total };
    ctx.checks.check("the old pipeline's restart succeeds and the release serves again",
      r.code === 0 && healthy.ok && (await servesRelease(ctx, release.sha256, 30_000)).ok,
      r.code === 0 ? `/healthz 200 through nginx ${seconds(ms)}s after compose up started` : `\n${tail(r)}`);

    const again = await runDeploy(ctx, release);
    ctx.checks.check("after containers were recreated by hand, deploying the same release switches anew (no no-op)",
      again.code === 0 && !/nothing to do/.test(again.stdout), tail(again, 3));
  });
