// An upload cut part-way, or with a content whose bytes do not match its sha256, is refused by the
// host's `upload.sh receive` (the very line the upload step sends) and stores nothing; the deploy of
// that release is then refused (a content it names is not in the store); the previous release serves.
import * as zlib from "zlib";
import * as fs from "fs";
import * as path from "path";
import * as remote from "../../../components/remote";
import { tail } from "../harness/commands";
import { servingRelease } from "../harness/context";
import { stillServes } from "../harness/host";
import { appVariant, bundle, runDeploy, why } from "../harness/releases";
import { fault } from "../harness/scenario";
import { contentsTarGz } from "../../support/upload";

export default fault(
  "an upload cut part-way or corrupted is refused",
  async (ctx) => {
    servingRelease(ctx);
    const release = bundle(ctx, "truncated",
      appVariant(ctx, "truncated", "hello/views.py", "<h1>It works</h1>", "<h1>It works (truncated)</h1>"));
    const storeDir = release.storeDir as string;
    const asked = await ctx.commands.ssh("upload: the manifest",
      remote.uploadCommand(ctx.spec, release.sha256, "missing"), zlib.gzipSync(fs.readFileSync(release.localPath)));
    const missing = asked.stdout.split("\n").filter(Boolean);
    if (asked.code !== 0 || missing.length !== 1) {
      throw new Error(`the host should lack exactly the changed content:\n${tail(asked)}`);
    }
    const receive = remote.uploadCommand(ctx.spec, release.sha256, "receive");
    const whole = contentsTarGz(storeDir, missing);
    const cut = await ctx.commands.ssh("upload: the contents, cut in half", receive,
      whole.subarray(0, Math.floor(whole.length / 2)));
    ctx.checks.check("a contents stream cut part-way is refused", cut.code !== 0 && /cut or corrupted/.test(cut.stderr),
      tail(cut, 3));
    const forged = path.join(ctx.env.workDir, "forged-store");
    fs.rmSync(forged, { recursive: true, force: true });
    fs.mkdirSync(forged);
    fs.writeFileSync(path.join(forged, missing[0]),
      Buffer.concat([fs.readFileSync(path.join(storeDir, missing[0])), Buffer.from("tampered")]));
    const bad = await ctx.commands.ssh("upload: a content that does not match its sha256", receive,
      contentsTarGz(forged, missing));
    ctx.checks.check("a content that does not match its sha256 is refused",
      bad.code !== 0 && /do not match their sha256/.test(bad.stderr), tail(bad, 3));
    ctx.checks.check("neither the cut nor the corrupted content entered the store",
      !fs.existsSync(path.join(ctx.layout.store, missing[0])), missing[0]);
    return runDeploy(ctx, release);
  },
  async (ctx, result) => {
    ctx.checks.check("deploy of a release whose upload was refused is refused",
      result.code !== 0 && /not in the store/.test(result.stderr), why(result));
    const kept = await stillServes(ctx, servingRelease(ctx));
    ctx.checks.check("the previous release still serves after the refused upload", kept.ok, kept.seen);
  },
);
