// A deploy's cost grows with the change, not with the app: the example app plus BIG_FILES files of
// random bytes (incompressible, generated here) is deployed, then redeployed after a one-line change
// of hello/views.py, through the real upload step (scripts/runner/upload.sh, which counts the bytes it
// puts on the wire) and the real deploy line. For comparison rsync (`rsync -az --stats` over ssh to
// the same sshd) sends the same change between two copies of the app; the small app's one-line
// change is timed the same way (upload + deploy, no load) for the ratio. Printed: bytes sent vs
// rsync's, the manifest's cost per file, both redeploy times and their ratio, and the disk the new
// release takes (du of its blocks no other release shares). Nothing asserts on time. Afterwards the
// release that served before is deployed again and the generated app removed.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as remote from "../../../components/remote";
import { CommandResult, log, tail } from "../harness/commands";
import { Context, Release, servingRelease } from "../harness/context";
import { appVariant, bundle, runDeploy, servesRelease, upload } from "../harness/releases";
import { ratio, seconds } from "../harness/report";
import { scenario } from "../harness/scenario";
import { REGISTRY_ADDR, startRegistry } from "../harness/registry";
import { UploadSent, uploadSent } from "../harness/upload";

/** 200 files of 512 KiB: 100 MiB (≈105 MB) of random bytes, the size of a media-heavy app. */
const BIG_FILES = 200;
const BIG_FILE_BYTES = 512 * 1024;
const FROM = "<h1>It works</h1>";

/** The app with BIG_FILES random files under hello/static/big/ (static files, as images would be). */
function bigApp(ctx: Context): string {
  const dir = appVariant(ctx, "big-app", "hello/views.py", FROM, "<h1>It works (big app)</h1>");
  const big = path.join(dir, "hello", "static", "big");
  fs.mkdirSync(big, { recursive: true });
  for (let i = 0; i < BIG_FILES; i++) {
    fs.writeFileSync(path.join(big, `image-${String(i).padStart(3, "0")}.bin`), crypto.randomBytes(BIG_FILE_BYTES));
  }
  return dir;
}

/** One line of views.py changed in place. */
function changeOneLine(dir: string, to: string): void {
  const views = path.join(dir, "hello", "views.py");
  fs.writeFileSync(views,
    fs.readFileSync(views, "utf8").replace(/<h1>It works \([^)]*\)<\/h1>/, `<h1>It works (${to})</h1>`));
}

/** Upload and deploy, timed together (what a `pulumi up` of a change runs on the host's side). */
async function uploadAndDeploy(ctx: Context,
  release: Release): Promise<{ ms: number; uploadMs: number; sent?: UploadSent; deployed: CommandResult }> {
  const started = Date.now();
  const up = await upload(ctx, release);
  const deployed = await runDeploy(ctx, release);
  return { ms: Date.now() - started, uploadMs: up.ms, sent: uploadSent(up), deployed };
}

/** rsync's "Total bytes sent" for `src/` → `dest/` on the host over ssh (the test sshd), or undefined. */
async function rsyncBytes(ctx: Context, label: string, src: string, dest: string): Promise<number | undefined> {
  const ssh = ["ssh", "-F", "/dev/null", "-i", ctx.env.sshKey, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o",
    `UserKnownHostsFile=${ctx.env.knownHosts}`, "-o", "StrictHostKeyChecking=yes", "-p", ctx.env.sshPort].join(" ");
  const r = await ctx.commands.run(`rsync ${label}`, "rsync", ["-az", "--stats", "-e", ssh, `${src}/`,
    `${ctx.env.sshUser}@127.0.0.1:${dest}/`], { timeoutMs: 300_000 });
  const m = /Total bytes sent: ([\d,.]+)/.exec(r.stdout);
  if (r.code !== 0 || !m) {
    log(`  rsync ${label} failed:\n${tail(r)}`);
    return undefined;
  }
  return Number(m[1].replace(/[,.]/g, ""));
}

/** Bytes of the new release's blocks that no other kept release and nothing in the store already holds but it. */
async function releaseDiskBytes(ctx: Context, previous: Release, release: Release): Promise<number | undefined> {
  // du counts a hard-linked file once, under the first argument that reaches it.
  const r = await ctx.commands.run("du of the new release", "du", ["-s", "-B1",
    remote.releaseDir(ctx.spec, previous.sha256), remote.releaseDir(ctx.spec, release.sha256)]);
  const last = r.stdout.trim().split("\n").pop() ?? "";
  return r.code === 0 ? Number(last.split(/\s+/)[0]) : undefined;
}

/** Bytes under a directory (the registry's storage: layer blobs, image configs, manifests). */
function treeBytes(dir: string): number {
  let sum = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    sum += e.isDirectory() ? treeBytes(p) : e.isFile() ? fs.statSync(p).size : 0;
  }
  return sum;
}

/**
 * Registry mode's and ecs's own measure of the same changes: each release's web image built from
 * its bundle's files (as components/images.ts builds it) and pushed to a loopback registry in order;
 * what each push added to the registry's storage is what it sent (the registry keeps every new blob
 * once: layers gzip-compressed, the image config, the manifest). The first push carries the base
 * image's layers too.
 */
async function registryPushes(ctx: Context, releases: Release[]): Promise<number[]> {
  const registry = await startRegistry(ctx);
  const data = path.join(ctx.env.workDir, "registry", "data");
  const sent: number[] = [];
  try {
    for (const release of releases) {
      const tag = `${REGISTRY_ADDR}/e2e/measure-web:${release.sha256.slice(0, 12)}`;
      const built = await ctx.commands.run(`docker build (${release.label})`, "docker", ["build", "-q", "-t", tag,
        release.buildContext!()], { timeoutMs: 600_000 });
      if (built.code !== 0) throw new Error(`docker build of ${release.label} failed:\n${tail(built)}`);
      const before = treeBytes(data);
      const pushed = await ctx.commands.run(`docker push (${release.label})`, "docker", ["push", tag], {
        timeoutMs: 600_000,
      });
      if (pushed.code !== 0) throw new Error(`docker push of ${release.label} failed:\n${tail(pushed)}`);
      sent.push(treeBytes(data) - before);
      await ctx.commands.run("docker rmi (measured image)", "docker", ["rmi", tag]);
    }
  } finally {
    await registry.stop();
  }
  return sent;
}

export default scenario("big app: a one-line change sends about what rsync sends", async (ctx) => {
  const before = servingRelease(ctx);
  const small = bundle(ctx, "small-change",
    appVariant(ctx, "small-change", "hello/views.py", FROM, "<h1>It works (small app change)</h1>"));
  const smallRun = await uploadAndDeploy(ctx, small);
  ctx.checks.check("big app: the small app's one-line change deploys", smallRun.deployed.code === 0,
    tail(smallRun.deployed, 5));

  const dir = bigApp(ctx);
  const rsyncDest = path.posix.join(ctx.env.deployHome, "rsync-big-app");
  try {
    const first = bundle(ctx, "big-app", dir);
    first.buildContext?.(); // its image's files now, before the one-line change below
    const firstRun = await uploadAndDeploy(ctx, first);
    ctx.checks.check("big app: its first deploy sends every content, compressed, and succeeds",
      firstRun.deployed.code === 0 && firstRun.sent !== undefined && firstRun.sent.missing >= BIG_FILES,
      tail(firstRun.deployed, 5));
    const rsyncFirst = await rsyncBytes(ctx, "big app (first copy)", dir, rsyncDest);

    changeOneLine(dir, "big app, one line changed");
    const changed = bundle(ctx, "big-app-changed", dir);
    const run = await uploadAndDeploy(ctx, changed);
    const rsync = await rsyncBytes(ctx, "big app (one-line change)", dir, rsyncDest);
    const disk = await releaseDiskBytes(ctx, first, changed);
    const served = await servesRelease(ctx, changed.sha256);
    ctx.checks.check("big app: the one-line change deploys and serves", run.deployed.code === 0 && served.ok,
      `${served.seen}\n${tail(run.deployed, 5)}`);
    const sent = run.sent;
    ctx.checks.check("big app: the redeploy sends one content (the changed file) besides the manifest",
      sent?.missing === 1, JSON.stringify(sent));
    const pushes = await registryPushes(ctx, [before, small, first, changed]).catch((e: Error) => {
      ctx.checks.check("big app: the images of the same changes build and push to a loopback registry", false,
        e.message);
      return [] as number[];
    });
    log(`  registry pushes: small app ${pushes[0]} (with the base layers), its one-line change ${pushes[1]}; `
      + `big app ${pushes[2]}, its one-line change ${pushes[3]} bytes`);
    ctx.results.bigApp = {
      redeployBytes: sent?.total,
      manifestBytes: sent?.manifest,
      entries: sent?.entries,
      rsyncBytes: rsync,
      rsyncFirstBytes: rsyncFirst,
      firstBytes: firstRun.sent?.total,
      firstMs: firstRun.ms,
      redeployMs: run.ms,
      smallRedeployMs: smallRun.ms,
      releaseDiskBytes: disk,
      uploadMs: run.uploadMs,
      smallUploadMs: smallRun.uploadMs,
      appBytes: BIG_FILES * BIG_FILE_BYTES,
      registryPushBytes: pushes.length === 4
        ? { smallChange: pushes[1], bigFirst: pushes[2], bigChange: pushes[3] }
        : undefined,
    };
    log(
      `  big app: redeploy sent ${sent?.total} bytes (manifest ${sent?.manifest} for ${sent?.entries} entries), rsync ${rsync}; `
        + `redeploy ${seconds(run.ms)}s vs small app ${seconds(smallRun.ms)}s (ratio ${
          ratio(run.ms, smallRun.ms)
        }); new release's own disk ${disk} bytes`,
    );
    ctx.checks.check("big app: bytes sent ≤ 2× rsync's + the manifest",
      sent !== undefined && rsync !== undefined && sent.contentBytes <= 2 * rsync,
      `contents ${sent?.contentBytes}, manifest ${sent?.manifest}, rsync ${rsync}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(rsyncDest, { recursive: true, force: true });
    // The release that served before, again (uploaded anew in case a prune removed its manifest).
    await upload(ctx, before);
    const again = await runDeploy(ctx, before);
    const back = await servesRelease(ctx, before.sha256, 30_000);
    ctx.checks.check("big app: afterwards the release that served before serves again", again.code === 0 && back.ok,
      `${back.seen}\n${tail(again, 3)}`);
    if (again.code === 0) ctx.serving = before;
  }
});
