// Deploying the serving release again with the same .env restarts nothing.
import { tail } from "../harness/commands";
import { servingRelease } from "../harness/context";
import { containerSnapshot } from "../harness/host";
import { runDeploy, upload } from "../harness/releases";
import { seconds } from "../harness/report";
import { scenario } from "../harness/scenario";

export default scenario("redeploy with nothing changed", async (ctx) => {
  const release = servingRelease(ctx);
  const before = await containerSnapshot(ctx);
  await upload(ctx, release);
  const r = await runDeploy(ctx, release);
  const after = await containerSnapshot(ctx);
  ctx.checks.check("unchanged redeploy succeeds", r.code === 0, r.code === 0 ? `${seconds(r.ms)}s` : `\n${tail(r)}`);
  ctx.checks.check("unchanged redeploy restarts nothing (same container ids and StartedAt)",
    JSON.stringify(before) === JSON.stringify(after) && Object.keys(before).length > 0,
    `before ${JSON.stringify(before)} after ${JSON.stringify(after)}`);
});
