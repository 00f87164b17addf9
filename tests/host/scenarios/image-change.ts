// Zero downtime (b): an image change (a new RUN in the Dockerfile) deploys under the request loop
// without a failed request (the keep-alive clients run beside the loop).
import { tail } from "../harness/commands";
import { servingRelease } from "../harness/context";
import { recordKeepAlive } from "../harness/keepalive";
import { appVariant, bundle, deployUnderLoad, servesRelease } from "../harness/releases";
import { describeLoop, failedRequests } from "../harness/report";
import { scenario } from "../harness/scenario";

export default scenario("image change redeploy (zero downtime b)", async (ctx) => {
  servingRelease(ctx);
  const dir = appVariant(ctx, "image-change", "Dockerfile", "USER 10001:10001",
    'RUN echo "e2e image change" > /app/IMAGE_CHANGE\nUSER 10001:10001');
  const release = bundle(ctx, "image-change", dir);
  const { result: r, stats, keepAlive } = await deployUnderLoad(ctx, release);
  recordKeepAlive(ctx, "image_change", keepAlive);
  ctx.results.zeroDowntime.image_change = failedRequests(stats);
  if (!ctx.checks.check("image change redeploy succeeds", r.code === 0, r.code === 0 ? "" : `\n${tail(r, 30)}`)) return;
  ctx.serving = release;
  const served = await servesRelease(ctx, release.sha256);
  ctx.checks.check("the new image's release serves", served.ok, served.seen);
  ctx.checks.check("no failed requests during the image change", failedRequests(stats) === 0, describeLoop(stats));
});
