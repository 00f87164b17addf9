// The deployment's first command on a fresh host: wait until docker and compose answer.
import * as remote from "../../../components/remote";
import { tail } from "../harness/commands";
import { seconds } from "../harness/report";
import { scenario } from "../harness/scenario";

export default scenario("wait ready", async (ctx) => {
  const r = await ctx.commands.ssh("waitReady", remote.waitReadyCommand(ctx.spec), undefined, 300_000);
  ctx.checks.check("waitReadyCommand succeeds", r.code === 0, r.code === 0 ? `${seconds(r.ms)}s` : `\n${tail(r)}`);
  ctx.checks.check("waitReadyCommand asks cloud-init first (installed here, never ran)",
    /cloud-init has not run on this host/.test(r.stdout), tail(r, 3));
});
