// restart_floor_s: how long a bare restart of the already-built release takes until users are served.
// The release's containers are stopped first (untimed), then a bare `compose up -d` is timed until
// /healthz answers 200 through nginx on the app's port. Nothing is built or recreated: compose starts
// the deployed containers, web first, nginx once Docker reports web healthy (depends_on:
// service_healthy, Docker probing every 5 s).
import { tail } from "../harness/commands";
import { appUrl, servingRelease } from "../harness/context";
import { hostCompose } from "../harness/host";
import { pollUrl } from "../harness/http";
import { servesRelease } from "../harness/releases";
import { seconds } from "../harness/report";
import { scenario } from "../harness/scenario";

export default scenario("restart floor: bare compose up -d", async (ctx) => {
  const release = servingRelease(ctx);
  const stop = await hostCompose(ctx, "restart floor: compose stop", ["stop"]);
  if (!ctx.checks.check("compose stop before the bare restart succeeds", stop.code === 0,
    stop.code === 0 ? "" : `\n${tail(stop)}`)) return;
  const started = Date.now();
  const up = hostCompose(ctx, "restart floor: bare compose up -d", ["up", "-d"]);
  const healthy = await pollUrl(appUrl(ctx, ctx.spec.healthPath), (a) => a.status === 200, 120_000);
  ctx.results.restartFloorMs = Date.now() - started;
  const r = await up;
  ctx.checks.check("bare compose up -d succeeds", r.code === 0, r.code === 0 ? "" : `\n${tail(r)}`);
  ctx.checks.check("after a bare compose up -d, /healthz answers 200 through nginx", healthy.ok,
    `first 200 ${seconds(ctx.results.restartFloorMs)}s after compose up -d started (compose itself took ${
      seconds(r.ms)
    }s)`);
  const served = await servesRelease(ctx, release.sha256, 30_000);
  ctx.checks.check("the same release serves after the bare restart", served.ok, served.seen);
});
