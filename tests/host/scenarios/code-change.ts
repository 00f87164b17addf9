// Zero downtime (a): a code change (hello/views.py) deploys under the request loop without a failed
// request. Its deploy time is the summary's redeploy_s, its failed requests the summary's. The
// keep-alive clients run beside the loop, and what the host did is recorded for the per-step
// breakdown and the switch's effect on requests (old_after_stop, upstream_retries).
import { tail } from "../harness/commands";
import { appUrl, servingRelease } from "../harness/context";
import { getUrl } from "../harness/http";
import { oldAfterStop, redeployBreakdown, upstreamRetries } from "../harness/breakdown";
import { recordKeepAlive } from "../harness/keepalive";
import { appVariant, bundle, deployUnderLoad, servesRelease } from "../harness/releases";
import { describeLoop, failedRequests } from "../harness/report";
import { scenario } from "../harness/scenario";

export default scenario("code change redeploy (zero downtime a)", async (ctx) => {
  servingRelease(ctx);
  const dir = appVariant(ctx, "code-change", "hello/views.py", "<h1>It works</h1>", "<h1>It works (e2e code change)</h1>");
  const release = bundle(ctx, "code-change", dir);
  const { result: r, stats, keepAlive, observation } = await deployUnderLoad(ctx, release, undefined, true);
  ctx.results.redeployMs = r.ms;
  recordKeepAlive(ctx, "code_change", keepAlive);
  if (observation) {
    ctx.results.redeployBreakdown = redeployBreakdown(observation);
    ctx.results.switchEffect = { oldAfterStop: oldAfterStop(observation), upstreamRetries: upstreamRetries(observation) };
  }
  ctx.results.failedRequests = failedRequests(stats);
  ctx.results.zeroDowntime.code_change = failedRequests(stats);
  if (!ctx.checks.check("code change redeploy succeeds", r.code === 0, r.code === 0 ? "" : `\n${tail(r, 30)}`)) return;
  ctx.serving = release;
  const served = await servesRelease(ctx, release.sha256);
  ctx.checks.check("the new release serves", served.ok && (await getUrl(appUrl(ctx, "/"))).body.includes("e2e code change"), served.seen);
  ctx.checks.check("no failed requests during the code change", failedRequests(stats) === 0, describeLoop(stats));
});
