// Zero downtime (a): a code change (hello/views.py) deploys under the request loop without a failed
// request. Its deploy time is the summary's redeploy_s, its failed requests the summary's. The
// keep-alive clients run beside the loop, and what the host did is recorded for the per-step
// breakdown and the switch's effect on requests (old_after_stop, upstream_retries: both 0 when the
// old container is drained). A POST loop runs beside them too (post_failed_requests): nginx may not
// resend a POST the app could have read, so a reset at the switch would fail one.
import { tail } from "../harness/commands";
import { appUrl, servingRelease } from "../harness/context";
import { getUrl } from "../harness/http";
import { RequestLoop } from "../harness/load";
import { oldAfterStop, redeployBreakdown, upstreamRetries } from "../harness/breakdown";
import { recordKeepAlive } from "../harness/keepalive";
import { appVariant, bundle, deployUnderLoad, servesRelease } from "../harness/releases";
import { describeLoop, failedRequests } from "../harness/report";
import { scenario } from "../harness/scenario";

/** POST / (the example app's index takes any method) from one client, paced: beside the GET loop, not instead. */
const POST_LOOP = { minRequests: 100, concurrency: 1, pauseMs: 20, method: "POST" as const };

export default scenario("code change redeploy (zero downtime a)", async (ctx) => {
  servingRelease(ctx);
  const dir = appVariant(ctx, "code-change", "hello/views.py", "<h1>It works</h1>",
    "<h1>It works (e2e code change)</h1>");
  const release = bundle(ctx, "code-change", dir);
  const posts = new RequestLoop(appUrl(ctx, "/"), POST_LOOP).start();
  const { result: r, stats, keepAlive, observation } = await deployUnderLoad(ctx, release, undefined, true);
  const postStats = await posts.stop();
  ctx.results.postFailed = { failed: failedRequests(postStats), total: postStats.total };
  ctx.results.redeployMs = r.ms;
  recordKeepAlive(ctx, "code_change", keepAlive);
  if (observation) {
    ctx.results.redeployBreakdown = redeployBreakdown(observation);
    const effect = { oldAfterStop: oldAfterStop(observation), upstreamRetries: upstreamRetries(observation) };
    ctx.results.switchEffect = effect;
    // Drained: nginx sent the old container nothing new once its stop began, and none of its
    // connections was reset by the stop (each would have been a retry, or a 502 for a POST).
    const lateRequests = effect.oldAfterStop ? effect.oldAfterStop.total - effect.oldAfterStop.health : undefined;
    ctx.checks.check("the old container is drained: no request reaches it after its stop began, nginx retried nothing",
      lateRequests === 0 && effect.upstreamRetries.total === 0,
      `requests after the stop began: ${
        lateRequests ?? "not read"
      }; nginx upstream errors: ${effect.upstreamRetries.total} ${JSON.stringify(effect.upstreamRetries.kinds)}`);
  }
  ctx.results.failedRequests = failedRequests(stats);
  ctx.results.zeroDowntime.code_change = failedRequests(stats);
  if (!ctx.checks.check("code change redeploy succeeds", r.code === 0, r.code === 0 ? "" : `\n${tail(r, 30)}`)) return;
  ctx.serving = release;
  const served = await servesRelease(ctx, release.sha256);
  ctx.checks.check("the new release serves",
    served.ok && (await getUrl(appUrl(ctx, "/"))).body.includes("e2e code change"), served.seen);
  ctx.checks.check("no failed requests during the code change", failedRequests(stats) === 0, describeLoop(stats));
  ctx.checks.check("no failed POST during the code change", failedRequests(postStats) === 0, describeLoop(postStats));
});
