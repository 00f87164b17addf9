// Before anything: take down whatever an earlier run left (destroyCommand), remove the base dir.
import * as fs from "fs";
import * as remote from "../../../components/remote";
import { log } from "../harness/commands";
import { containerSnapshot } from "../harness/host";
import { scenario } from "../harness/scenario";

export default scenario("clean slate", async (ctx) => {
  const r = await ctx.commands.ssh("destroy (before)", remote.destroyCommand(ctx.spec), undefined, 180_000);
  log(`  destroyCommand: exit ${r.code}`);
  fs.rmSync(ctx.layout.base, { recursive: true, force: true });
  ctx.checks.check("no e2e containers before the first deploy", Object.keys(await containerSnapshot(ctx)).length === 0);
});
