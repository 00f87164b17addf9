// dockerd stops and starts again: the restart policy brings the serving release back within 120 s.
import { tail } from "../harness/commands";
import { appUrl, servingRelease } from "../harness/context";
import { standIn } from "../harness/host";
import { pollUrl } from "../harness/http";
import { isReleaseOf, seconds } from "../harness/report";
import { fault } from "../harness/scenario";

export default fault(
  "dockerd restarts",
  async (ctx) => {
    servingRelease(ctx);
    const stop = await standIn(ctx, "dockerd.sh", "stop");
    const start = await standIn(ctx, "dockerd.sh", "start");
    if (stop.code !== 0 || start.code !== 0) throw new Error(`dockerd restart failed:\n${tail(stop)}\n${tail(start)}`);
  },
  async (ctx) => {
    const sha256 = servingRelease(ctx).sha256;
    const served = await pollUrl(appUrl(ctx, "/"), (a) => a.status === 200 && isReleaseOf(a.releaseId, sha256),
      120_000);
    ctx.checks.check("the release serves again after a dockerd restart (restart policy)", served.ok,
      `after ${seconds(served.ms)}s; status ${served.answer.status ?? served.answer.error}, release ${
        served.answer.releaseId ?? "(none)"
      }`);
  },
);
