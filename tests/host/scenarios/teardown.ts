// `pulumi destroy`: the runner-side teardown sends destroyCommand over SSH; nothing of the app keeps
// running, a second destroy exits 0, and a host that is already gone is a success, said so.
import * as remote from "../../../components/remote";
import { tail } from "../harness/commands";
import { containerSnapshot, teardownFromRunner } from "../harness/host";
import { scenario } from "../harness/scenario";

/** A loopback port nothing listens on (discard): the host is gone. */
const GONE_PORT = "9";

export default scenario("destroy", async (ctx) => {
  const r = await teardownFromRunner(ctx, "destroy (teardown from the runner)", ctx.env.sshPort, 180_000);
  ctx.checks.check("destroyCommand succeeds, sent by the runner-side teardown", r.code === 0,
    r.code === 0 ? "" : `\n${tail(r)}`);
  ctx.checks.check("destroy leaves no e2e containers", Object.keys(await containerSnapshot(ctx)).length === 0);
  const again = await ctx.commands.ssh("destroy (again)", remote.destroyCommand(ctx.spec), undefined, 180_000);
  ctx.checks.check("destroyCommand is idempotent (exit 0 when nothing is there)", again.code === 0,
    again.code === 0 ? "" : `\n${tail(again)}`);
  const gone = await teardownFromRunner(ctx, "destroy (host gone)", GONE_PORT, 60_000);
  ctx.checks.check("the teardown succeeds when the host is already gone, saying so",
    gone.code === 0 && /the host is gone/.test(gone.stdout), tail(gone, 2));
  ctx.serving = undefined;
});
