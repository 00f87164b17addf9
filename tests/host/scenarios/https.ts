// HTTPS through the edge, against Let's Encrypt's own test ACME server (pebble on 127.0.0.1, every
// name resolving to 127.0.0.1 through pebble-challtestsrv): the certificate is issued by the deploy
// that first sets the domain; a code change redeploys over HTTPS without a failed request and
// without a new certificate; a forced renewal swaps the certificate under load without a failed
// request; with the ACME server unreachable, a deploy on a host without a certificate succeeds over
// plain HTTP, says why, and a later renewal run (what the host's daily timer runs) gets it; a renewal
// with the ACME server down fails loudly and the old certificate keeps serving.
// Its failed requests are the summary's https_failed_requests and cert_renewal_failed_requests.
import { execFileSync } from "child_process";
import * as path from "path";
import { HOST_LAYOUT } from "../../../components/layout";
import { shellQuote } from "../../../components/remote";
import { CommandResult, log, tail } from "../harness/commands";
import { appUrl, Context, Release } from "../harness/context";
import { getUrl, HttpAnswer, pollUrl, SiteTls } from "../harness/http";
import { RequestLoop } from "../harness/load";
import { appVariant, bundle, runDeploy, upload } from "../harness/releases";
import { describeLoop, failedRequests, isReleaseOf } from "../harness/report";
import { scenario } from "../harness/scenario";

const ACME_SERVER_SCRIPT = path.resolve(__dirname, "../lib/acme-server.sh");
const DOMAINS = ["app.test", "www.app.test"];

interface AcmeServer {
  directoryUrl: string;
  apiCaFile: string;
  rootsUrl: string;
}

export default scenario("HTTPS: issued on deploy, gapless over HTTPS, renewed under load, late issuance when ACME is unreachable", async (ctx) => {
  const server = acmeServer("start");
  try {
    const site = await prepare(ctx, server);
    if (!(await firstIssuance(ctx, site))) return;
    await codeChangeOverHttps(ctx, site);
    await forcedRenewal(ctx, site);
    await unreachableThenLater(ctx, site);
    await failedRenewal(ctx, site);
  } finally {
    acmeServer("stop");
  }
});

/** Start or stop pebble; its URLs (tests/host/lib/acme-server.sh env). */
function acmeServer(action: "start" | "stop"): AcmeServer {
  execFileSync("bash", [ACME_SERVER_SCRIPT, action], { stdio: "inherit", timeout: 60_000 });
  const vars = Object.fromEntries(
    execFileSync("bash", [ACME_SERVER_SCRIPT, "env"], { encoding: "utf8" }).split("\n").filter(Boolean)
      .map((l) => l.replace(/^export /, "").split("=") as [string, string]),
  );
  return { directoryUrl: vars.ACME_DIRECTORY_URL, apiCaFile: vars.ACME_API_CA_FILE, rootsUrl: vars.ACME_ROOTS_URL };
}

/** The stack's TLS settings on, pebble's API certificate trusted by the host's ACME client, its root for the checks. */
async function prepare(ctx: Context, server: AcmeServer): Promise<SiteTls> {
  ctx.spec = { ...ctx.spec, tls: { domains: DOMAINS, acmeEmail: "ops@example.com", acmeServer: server.directoryUrl, hsts: true } };
  const caOnHost = path.posix.join(ctx.spec.baseDir, HOST_LAYOUT.edge, "acme-ca.pem");
  const put = await ctx.commands.ssh("https: trust the test ACME server's API certificate", argv("install", "-D", "-m", "0600", "/dev/stdin", caOnHost),
    execFileSync("cat", [server.apiCaFile], { encoding: "utf8" }));
  if (put.code !== 0) throw new Error(`could not install the ACME CA on the host:\n${tail(put)}`);
  return { name: DOMAINS[0], ca: issuingRoot(server) };
}

/** Pebble's root, from its management port: a new one each time pebble starts. */
function issuingRoot(server: AcmeServer): string {
  return execFileSync("curl", ["-fsS", "--cacert", server.apiCaFile, server.rootsUrl], { encoding: "utf8", timeout: 10_000 });
}

function httpsUrl(ctx: Context, urlPath: string): string {
  return `https://127.0.0.1:${ctx.env.httpsPort}${urlPath}`;
}

async function deployVariant(ctx: Context, label: string, marker: string): Promise<{ release: Release; result: CommandResult }> {
  const release = bundle(ctx, label, appVariant(ctx, label, "hello/views.py", "<h1>It works</h1>", `<h1>It works (${marker})</h1>`));
  await upload(ctx, release);
  return { release, result: await runDeploy(ctx, release) };
}

async function servesOverHttps(ctx: Context, site: SiteTls, release: Release): Promise<{ ok: boolean; answer: HttpAnswer }> {
  return pollUrl(httpsUrl(ctx, "/"), (a) => a.status === 200 && isReleaseOf(a.releaseId, release.sha256), 15_000, site);
}

async function firstIssuance(ctx: Context, site: SiteTls): Promise<boolean> {
  const { release, result } = await deployVariant(ctx, "https-first", "https");
  if (!ctx.checks.check("https: the deploy that sets the domain succeeds and gets the certificate", result.code === 0 && /HTTPS: serving/.test(result.stdout), tail(result, 20))) return false;
  ctx.serving = release;
  const served = await servesOverHttps(ctx, site, release);
  ctx.checks.check("https: HTTPS answers with the release, its chain verified against the ACME server's root", served.ok, JSON.stringify({ status: served.answer.status, error: served.answer.error }));
  ctx.checks.check("https: HSTS is sent over HTTPS", String(served.answer.headers?.["strict-transport-security"] ?? "").startsWith("max-age="), JSON.stringify(served.answer.headers ?? {}));
  const plain = await getUrl(appUrl(ctx, "/some/page?x=1"));
  ctx.checks.check("https: HTTP answers with a redirect to HTTPS", plain.status === 301 && String(plain.headers?.location ?? "").startsWith("https://"), `status ${plain.status}, location ${plain.headers?.location}`);
  return served.ok;
}

async function codeChangeOverHttps(ctx: Context, site: SiteTls): Promise<void> {
  const before = (await getUrl(httpsUrl(ctx, "/"), 5000, site)).certSerial;
  const release = bundle(ctx, "https-change", appVariant(ctx, "https-change", "hello/views.py", "<h1>It works</h1>", "<h1>It works (https change)</h1>"));
  await upload(ctx, release);
  const loop = new RequestLoop(httpsUrl(ctx, "/"), ctx.loop, site).start();
  const result = await runDeploy(ctx, release);
  const stats = await loop.stop();
  log(`  load over HTTPS during https-change: ${describeLoop(stats)}`);
  ctx.results.httpsFailedRequests = failedRequests(stats);
  if (!ctx.checks.check("https: a code change redeploys over HTTPS", result.code === 0, tail(result, 20))) return;
  ctx.serving = release;
  const after = await servesOverHttps(ctx, site, release);
  ctx.checks.check("https: the new release serves over HTTPS", after.ok, String(after.answer.status ?? after.answer.error));
  ctx.checks.check("https: no failed requests over HTTPS during the redeploy", failedRequests(stats) === 0, describeLoop(stats));
  ctx.checks.check("https: the redeploy kept the certificate (not re-issued)", before !== undefined && after.answer.certSerial === before, `${before} → ${after.answer.certSerial}`);
}

async function forcedRenewal(ctx: Context, site: SiteTls): Promise<void> {
  const before = (await getUrl(httpsUrl(ctx, "/"), 5000, site)).certSerial;
  const loop = new RequestLoop(httpsUrl(ctx, "/"), ctx.loop, site).start();
  const renew = await renewalRun(ctx, "https: forced renewal", ["--force"]);
  const stats = await loop.stop();
  log(`  load over HTTPS during the renewal: ${describeLoop(stats)}`);
  ctx.results.certRenewalFailedRequests = failedRequests(stats);
  ctx.checks.check("https: a forced renewal succeeds", renew.code === 0 && /no reload/.test(renew.stdout + renew.stderr), tail(renew, 20));
  const after = await pollUrl(httpsUrl(ctx, "/"), (a) => a.certSerial !== undefined && a.certSerial !== before, 10_000, site);
  ctx.checks.check("https: the renewed certificate is served", after.ok, `${before} → ${after.answer.certSerial}`);
  ctx.checks.check("https: no failed requests during the renewal", failedRequests(stats) === 0, describeLoop(stats));
}

/** The ACME server down and no certificate on the host (as on a new host): HTTP first, HTTPS later. */
async function unreachableThenLater(ctx: Context, site: SiteTls): Promise<void> {
  acmeServer("stop");
  const edge = path.posix.join(ctx.spec.baseDir, HOST_LAYOUT.edge);
  await ctx.commands.ssh("https: a host without a certificate", argv("rm", "-rf", `${edge}/certs`, `${edge}/acme`));
  const { release, result } = await deployVariant(ctx, "https-unreachable", "acme unreachable");
  const says = /HTTPS: not yet: no certificate for app\.test www\.app\.test after 1 attempt\(s\) .*connection refused/.test(result.stdout);
  if (!ctx.checks.check("https: with the ACME server unreachable the deploy succeeds and says why", result.code === 0 && says, tail(result, 20))) return;
  ctx.serving = release;
  const plain = await pollUrl(appUrl(ctx, "/"), (a) => a.status === 200 && isReleaseOf(a.releaseId, release.sha256), 10_000);
  ctx.checks.check("https: meanwhile the site serves plain HTTP", plain.ok, String(plain.answer.status ?? plain.answer.error));
  // A restarted pebble issues from a new root.
  site.ca = issuingRoot(acmeServer("start"));
  const later = await renewalRun(ctx, "https: the renewal run once the ACME server is back", []);
  ctx.checks.check("https: a later renewal run obtains the certificate", later.code === 0, tail(later, 20));
  const served = await servesOverHttps(ctx, site, release);
  ctx.checks.check("https: then HTTPS serves, verified", served.ok, String(served.answer.status ?? served.answer.error));
}

/** The ACME server down at renewal time: the run fails loudly and the old certificate keeps serving. */
async function failedRenewal(ctx: Context, site: SiteTls): Promise<void> {
  const before = (await getUrl(httpsUrl(ctx, "/"), 5000, site)).certSerial;
  acmeServer("stop");
  const renew = await renewalRun(ctx, "https: a renewal with the ACME server unreachable", ["--force"]);
  const output = renew.stdout + renew.stderr;
  ctx.checks.check("https: a failed renewal exits non-zero and says FAILING", renew.code !== 0 && /WARNING: FAILING: renewal for app\.test www\.app\.test failed .*still serving the certificate serial [0-9A-F]+, valid until/.test(output), tail(renew, 10));
  const after = await getUrl(httpsUrl(ctx, "/"), 5000, site);
  ctx.checks.check("https: the old certificate keeps serving after a failed renewal", after.status === 200 && after.certSerial === before, `${before} → ${after.certSerial} (status ${after.status ?? after.error})`);
}

/** acme.sh of the serving release, as the host's daily timer runs it. */
function renewalRun(ctx: Context, label: string, extra: string[]): Promise<CommandResult> {
  const script = path.posix.join(ctx.spec.baseDir, HOST_LAYOUT.current, HOST_LAYOUT.releaseScripts, "acme.sh");
  return ctx.commands.ssh(label, argv(script, "--base-dir", ctx.spec.baseDir, ...extra), undefined, 600_000);
}

/** A command line of plain arguments, each quoted. */
function argv(...args: string[]): string {
  return args.map(shellQuote).join(" ");
}
