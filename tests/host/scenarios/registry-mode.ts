// Zero downtime (d), registry mode for real: the release's web image is built and pushed as
// components/images.ts does, removed locally, and the host pulls it by digest under the request loop.
// Then a release whose image was never pushed must stop at the pull, build nothing on the host, and
// leave the previous release serving. And a release whose tag was moved in the registry after the
// push (re-tagged: other content under the same tag) is refused before any container of it starts
// (security probe): the host checks the pulled image against the digest the stack recorded.
import * as fs from "fs";
import * as path from "path";
import { tail } from "../harness/commands";
import { appUrl, Context, Release, servingRelease } from "../harness/context";
import { stillServes } from "../harness/host";
import { getUrl } from "../harness/http";
import { startRegistry } from "../harness/registry";
import { appVariant, bundle, deployUnderLoad, runDeploy, servesRelease, upload } from "../harness/releases";
import { describeLoop, failedRequests } from "../harness/report";
import { scenario } from "../harness/scenario";
import { securityProbe } from "../harness/security";

export default scenario("registry mode: the host pulls the web image (zero downtime d)", async (ctx) => {
  servingRelease(ctx);
  const registry = await startRegistry(ctx);
  try {
    const repo = `${registry.addr}/e2e/web`;
    if (await pulledImageServes(ctx, repo)) {
      await missingImageFailsAtThePull(ctx, repo);
      await retaggedImageIsRefused(ctx, repo);
    }
  } finally {
    await registry.stop();
  }
});

/** A file name .deployignore lists and .dockerignore does not. */
const DEPLOY_ONLY_PROBE = "deployignore-only-probe.txt";

/** Build and push the web image of a release; its repo@sha256:digest, the local copy removed. */
async function pushWebImage(ctx: Context, repo: string, release: Release): Promise<string> {
  const tag = `${repo}:${release.sha256}`;
  // As the stack builds it (components/images.ts): from the bundle's files, never the raw app directory.
  const context = release.buildContext!();
  for (const [what, args] of [["build", ["build", "-q", "-t", tag, context]], ["push", ["push", tag]]] as const) {
    const r = await ctx.commands.run(`docker ${what} (registry image)`, "docker", [...args], { timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`docker ${what} failed:\n${tail(r)}`);
  }
  const inspect = await ctx.commands.run("docker inspect (registry digest)", "docker", ["image", "inspect", "--format",
    "{{index .RepoDigests 0}}", tag]);
  const digestRef = inspect.stdout.trim();
  if (!/@sha256:[0-9a-f]{64}$/.test(digestRef)) throw new Error(`no registry digest for ${tag}: ${digestRef}`);
  await ctx.commands.run("docker rmi (force a pull)", "docker", ["rmi", tag]);
  return digestRef;
}

/** Deploys a pushed image under load; whether that deploy succeeded. */
async function pulledImageServes(ctx: Context, repo: string): Promise<boolean> {
  const dir = appVariant(ctx, "registry", "hello/views.py", "<h1>It works</h1>",
    "<h1>It works (e2e registry release)</h1>");
  // A file only .deployignore keeps out (.dockerignore does not list it): the host never gets it, so neither may the image.
  fs.writeFileSync(path.join(dir, DEPLOY_ONLY_PROBE), "kept out by .deployignore\n");
  fs.appendFileSync(path.join(dir, ".deployignore"), `\n${DEPLOY_ONLY_PROBE}\n`);
  const release = bundle(ctx, "registry", dir);
  const digestRef = await pushWebImage(ctx, repo, release);
  const { result: r, stats } = await deployUnderLoad(ctx, release, { imageRefs: { web: digestRef } });
  ctx.results.zeroDowntime.registry_pull = failedRequests(stats);
  if (!ctx.checks.check("registry-mode deploy succeeds", r.code === 0, r.code === 0 ? "" : `\n${tail(r, 30)}`)) {
    return false;
  }
  ctx.serving = release;
  const served = await servesRelease(ctx, release.sha256);
  ctx.checks.check("the pulled image's release serves",
    served.ok && (await getUrl(appUrl(ctx, "/"))).body.includes("e2e registry release"), served.seen);
  const pulled = await ctx.commands.run("docker inspect (pulled)", "docker", ["image", "inspect", "--format",
    "{{json .RepoDigests}}", `${repo}:${release.sha256}`]);
  ctx.checks.check("the host pulled the pushed image (same digest)",
    pulled.code === 0 && pulled.stdout.includes(digestRef), pulled.stdout.trim());
  ctx.checks.check("no failed requests during the registry-mode redeploy", failedRequests(stats) === 0,
    describeLoop(stats));
  // After the deploy, so the host's own pull is what brought the image (checked above).
  const probe = await ctx.commands.run("docker run (probe file in the image?)", "docker", ["run", "--rm",
    "--entrypoint", "sh", digestRef, "-c", `test ! -e /app/${DEPLOY_ONLY_PROBE}`]);
  ctx.checks.check("the pushed image lacks a file only .deployignore keeps out (built from the bundle's files)",
    probe.code === 0, `exit ${probe.code} ${tail(probe, 3)}`);
  return true;
}

async function missingImageFailsAtThePull(ctx: Context, repo: string): Promise<void> {
  const previous = servingRelease(ctx);
  const dir = appVariant(ctx, "registry-missing", "hello/views.py", "<h1>It works</h1>",
    "<h1>It works (never pushed)</h1>");
  const missing = bundle(ctx, "registry-missing", dir);
  await upload(ctx, missing);
  const r = await runDeploy(ctx, missing, { imageRefs: { web: `${repo}@sha256:${"0".repeat(64)}` } });
  ctx.checks.check("a registry-mode deploy whose image is missing fails, naming the pull",
    r.code !== 0 && /pulling the web image failed|was not pulled from the registry/.test(r.stderr),
    `exit ${r.code}; why:\n${tail(r, 3)}`);
  const built = await ctx.commands.run("docker inspect (not built)", "docker", ["image", "inspect",
    `${repo}:${missing.sha256}`]);
  ctx.checks.check("the missing image was not built on the host instead", built.code !== 0);
  const kept = await stillServes(ctx, previous);
  ctx.checks.check("the previous release still serves after the failed pull", kept.ok, kept.seen);
}

/** Pushes a release's image, then other content under the same tag (a re-tag); deploys with the first digest. */
async function retaggedImageIsRefused(ctx: Context, repo: string): Promise<void> {
  const previous = servingRelease(ctx);
  const release = bundle(ctx, "registry-retagged",
    appVariant(ctx, "registry-retagged", "hello/views.py", "<h1>It works</h1>",
      "<h1>It works (pushed by the stack)</h1>"));
  const pushed = await pushWebImage(ctx, repo, release);
  // Someone with push rights points the release's tag at other content.
  const other = bundle(ctx, "registry-intruder",
    appVariant(ctx, "registry-intruder", "hello/views.py", "<h1>It works</h1>",
      "<h1>It works (re-tagged by someone else)</h1>"));
  const tag = `${repo}:${release.sha256}`;
  for (const [what, args] of [["build", ["build", "-q", "-t", tag, other.buildContext!()]], ["push", ["push", tag]], [
    "rmi",
    ["rmi", tag],
  ]] as const) {
    const r = await ctx.commands.run(`docker ${what} (re-tag)`, "docker", [...args], { timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`docker ${what} (re-tag) failed:\n${tail(r)}`);
  }
  await upload(ctx, release);
  const started = await webContainerCount(ctx);
  const r = await runDeploy(ctx, release, { imageRefs: { web: pushed } });
  const refused = r.code !== 0 && /re-tagged/.test(r.stderr) && r.stderr.includes(pushed.slice(pushed.indexOf("@")));
  const kept = await stillServes(ctx, previous);
  const after = await webContainerCount(ctx);
  securityProbe(ctx,
    "a re-tagged image in the registry is refused (no container of it started; the previous release keeps serving)",
    refused && kept.ok && after === started,
    `exit ${r.code}; web containers ${started} → ${after}; ${kept.seen}; why:\n${tail(r, 3)}`);
}

/** Web containers of the app, any state (a refused image must not have started one). */
async function webContainerCount(ctx: Context): Promise<number> {
  const r = await ctx.commands.run("docker ps (web containers)", "docker", ["ps", "-aq", "--filter",
    `label=com.docker.compose.project=${ctx.spec.appName}`, "--filter",
    `label=com.docker.compose.service=${ctx.spec.webService}`]);
  return r.stdout.split("\n").filter(Boolean).length;
}
