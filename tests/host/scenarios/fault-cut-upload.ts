// A bundle cut in half on its way up is refused (its sha256 does not match); the previous release serves.
import * as fs from "fs";
import * as path from "path";
import { tail } from "../harness/commands";
import { servingRelease } from "../harness/context";
import { stillServes } from "../harness/host";
import { appVariant, bundle, runDeploy, why } from "../harness/releases";
import { fault } from "../harness/scenario";

export default fault(
  "an upload cut part-way is refused",
  async (ctx) => {
    servingRelease(ctx);
    const release = bundle(ctx, "truncated", appVariant(ctx, "truncated", "hello/views.py", "<h1>It works</h1>", "<h1>It works (truncated)</h1>"));
    const cut = path.join(ctx.env.workDir, "truncated.tar.gz");
    const bytes = fs.readFileSync(release.localPath);
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const up = await ctx.commands.sftpPut("upload truncated", cut, ctx.layout.bundle(release.sha256));
    if (up.code !== 0) throw new Error(`sftp of the truncated file failed:\n${tail(up)}`);
    return runDeploy(ctx, release);
  },
  async (ctx, result) => {
    ctx.checks.check("deploy of a truncated upload is refused", result.code !== 0, why(result));
    const kept = await stillServes(ctx, servingRelease(ctx));
    ctx.checks.check("the previous release still serves after the refused upload", kept.ok, kept.seen);
  },
);
