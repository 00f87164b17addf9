// HTTPS through the edge, against Let's Encrypt's own test ACME server (pebble on 127.0.0.1, every
// name resolving to 127.0.0.1 through pebble-challtestsrv): the certificate is issued by the deploy
// that first sets the domain; a code change redeploys over HTTPS without a failed request and
// without a new certificate; a forced renewal swaps the certificate under load without a failed
// request; with the ACME server unreachable, a deploy on a host without a certificate succeeds over
// plain HTTP, says why, and a later renewal run (what the host's daily timer runs) gets it; a renewal
// with the ACME server down fails loudly and the old certificate keeps serving. A renewal whose chain
// is in Let's Encrypt's byte layout (a blank line before the intermediate, which ends a runtime-API
// payload) swaps the certificate under load; one HAProxy refuses is aborted, fails loudly, and leaves
// the served certificate and the file on disk as they were. The status reports what HAProxy serves.
// lego runs as its own user through the deploy's sudo rule throughout; security probes check that
// user's reach (tests/host/harness/acme-user.ts).
// Its failed requests are the summary's https_failed_requests, cert_renewal_failed_requests and
// le_chain_renewal_failed_requests.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { HOST_LAYOUT } from "../../../components/layout";
import { shellQuote } from "../../../components/remote";
import { probeAcmeUser } from "../harness/acme-user";
import { CommandResult, log, tail } from "../harness/commands";
import { appUrl, Context, Release } from "../harness/context";
import { getUrl, HttpAnswer, pollUrl, SiteTls } from "../harness/http";
import { RequestLoop } from "../harness/load";
import { appVariant, bundle, runDeploy, upload } from "../harness/releases";
import { describeLoop, failedRequests, isReleaseOf } from "../harness/report";
import { scenario } from "../harness/scenario";

const ACME_SERVER_SCRIPT = path.resolve(__dirname, "../lib/acme-server.sh");
const LEGO_STANDIN_SCRIPT = path.resolve(__dirname, "../lib/lego-as-letsencrypt.sh");
const DOMAINS = ["app.test", "www.app.test"];
/** Where the lego stand-in goes (tests/host/lib/edge-host.sh lego_standin_path; its teardown removes a leftover). */
const STANDIN_LAUNCHER = "/usr/local/bin/lego";
const STANDIN_DIR = "/usr/local/lib/compose-on-ec2-e2e";

interface AcmeServer {
  directoryUrl: string;
  apiCaFile: string;
  rootsUrl: string;
}

export default scenario(
  "HTTPS: issued on deploy, gapless over HTTPS, renewed under load, late issuance when ACME is unreachable",
  async (ctx) => {
    const server = acmeServer("start");
    try {
      const site = await prepare(ctx, server);
      if (!(await firstIssuance(ctx, site))) return;
      probeAcmeUser(ctx);
      await codeChangeOverHttps(ctx, site);
      await forcedRenewal(ctx, site);
      await letsEncryptChainRenewal(ctx, site);
      await refusedCertificate(ctx, site);
      await unreachableThenLater(ctx, site);
      await failedRenewal(ctx, site);
    } finally {
      acmeServer("stop");
    }
  },
);

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
  ctx.spec = { ...ctx.spec,
    tls: { domains: DOMAINS, acmeEmail: "ops@example.com", acmeServer: server.directoryUrl, hsts: true } };
  const caOnHost = path.posix.join(ctx.spec.baseDir, HOST_LAYOUT.edge, "acme-ca.pem");
  const put = await ctx.commands.ssh("https: trust the test ACME server's API certificate",
    argv("install", "-D", "-m", "0600", "/dev/stdin", caOnHost),
    execFileSync("cat", [server.apiCaFile], { encoding: "utf8" }));
  if (put.code !== 0) throw new Error(`could not install the ACME CA on the host:\n${tail(put)}`);
  return { name: DOMAINS[0], ca: issuingRoot(server) };
}

/** Pebble's root, from its management port: a new one each time pebble starts. */
function issuingRoot(server: AcmeServer): string {
  return execFileSync("curl", ["-fsS", "--cacert", server.apiCaFile, server.rootsUrl], { encoding: "utf8",
    timeout: 10_000 });
}

function httpsUrl(ctx: Context, urlPath: string): string {
  return `https://127.0.0.1:${ctx.env.httpsPort}${urlPath}`;
}

async function deployVariant(ctx: Context, label: string,
  marker: string): Promise<{ release: Release; result: CommandResult }> {
  const release = bundle(ctx, label,
    appVariant(ctx, label, "hello/views.py", "<h1>It works</h1>", `<h1>It works (${marker})</h1>`));
  await upload(ctx, release);
  return { release, result: await runDeploy(ctx, release) };
}

async function servesOverHttps(ctx: Context, site: SiteTls,
  release: Release): Promise<{ ok: boolean; answer: HttpAnswer }> {
  return pollUrl(httpsUrl(ctx, "/"), (a) => a.status === 200 && isReleaseOf(a.releaseId, release.sha256), 15_000, site);
}

async function firstIssuance(ctx: Context, site: SiteTls): Promise<boolean> {
  const { release, result } = await deployVariant(ctx, "https-first", "https");
  if (!ctx.checks.check("https: the deploy that sets the domain succeeds and gets the certificate",
    result.code === 0 && /HTTPS: serving/.test(result.stdout), tail(result, 20))) return false;
  ctx.serving = release;
  const served = await servesOverHttps(ctx, site, release);
  ctx.checks.check("https: HTTPS answers with the release, its chain verified against the ACME server's root",
    served.ok, JSON.stringify({ status: served.answer.status, error: served.answer.error }));
  ctx.checks.check("https: HSTS is sent over HTTPS",
    String(served.answer.headers?.["strict-transport-security"] ?? "").startsWith("max-age="),
    JSON.stringify(served.answer.headers ?? {}));
  const plain = await getUrl(appUrl(ctx, "/some/page?x=1"));
  ctx.checks.check("https: HTTP answers with a redirect to HTTPS",
    plain.status === 301 && String(plain.headers?.location ?? "").startsWith("https://"),
    `status ${plain.status}, location ${plain.headers?.location}`);
  return served.ok;
}

async function codeChangeOverHttps(ctx: Context, site: SiteTls): Promise<void> {
  const before = (await getUrl(httpsUrl(ctx, "/"), 5000, site)).certSerial;
  const release = bundle(ctx, "https-change",
    appVariant(ctx, "https-change", "hello/views.py", "<h1>It works</h1>", "<h1>It works (https change)</h1>"));
  await upload(ctx, release);
  const loop = new RequestLoop(httpsUrl(ctx, "/"), ctx.loop, site).start();
  const result = await runDeploy(ctx, release);
  const stats = await loop.stop();
  log(`  load over HTTPS during https-change: ${describeLoop(stats)}`);
  ctx.results.httpsFailedRequests = failedRequests(stats);
  if (!ctx.checks.check("https: a code change redeploys over HTTPS", result.code === 0, tail(result, 20))) return;
  ctx.serving = release;
  const after = await servesOverHttps(ctx, site, release);
  ctx.checks.check("https: the new release serves over HTTPS", after.ok,
    String(after.answer.status ?? after.answer.error));
  ctx.checks.check("https: no failed requests over HTTPS during the redeploy", failedRequests(stats) === 0,
    describeLoop(stats));
  ctx.checks.check("https: the redeploy kept the certificate (not re-issued)",
    before !== undefined && after.answer.certSerial === before, `${before} → ${after.answer.certSerial}`);
}

async function forcedRenewal(ctx: Context, site: SiteTls): Promise<void> {
  const before = (await getUrl(httpsUrl(ctx, "/"), 5000, site)).certSerial;
  const loop = new RequestLoop(httpsUrl(ctx, "/"), ctx.loop, site).start();
  const renew = await renewalRun(ctx, "https: forced renewal", ["--force"]);
  const stats = await loop.stop();
  log(`  load over HTTPS during the renewal: ${describeLoop(stats)}`);
  ctx.results.certRenewalFailedRequests = failedRequests(stats);
  ctx.checks.check("https: a forced renewal succeeds",
    renew.code === 0 && /no reload/.test(renew.stdout + renew.stderr), tail(renew, 20));
  const after = await pollUrl(httpsUrl(ctx, "/"), (a) => a.certSerial !== undefined && a.certSerial !== before, 10_000,
    site);
  ctx.checks.check("https: the renewed certificate is served", after.ok, `${before} → ${after.answer.certSerial}`);
  ctx.checks.check("https: no failed requests during the renewal", failedRequests(stats) === 0, describeLoop(stats));
}

/**
 * The lego stand-in (tests/host/lib/lego-as-letsencrypt.sh) in MODE, as /usr/local/bin/lego: first on
 * sudo's secure_path, so lego.sh finds it when it runs as the ACME client's user through the deploy's
 * sudo rule (sudo passes neither PATH nor other variables). Both removed by the returned function.
 */
function installLegoStandIn(mode: string): () => void {
  fs.mkdirSync(STANDIN_DIR, { recursive: true, mode: 0o755 });
  fs.copyFileSync(LEGO_STANDIN_SCRIPT, path.join(STANDIN_DIR, "lego-as-letsencrypt.sh"));
  fs.chmodSync(path.join(STANDIN_DIR, "lego-as-letsencrypt.sh"), 0o755);
  fs.writeFileSync(STANDIN_LAUNCHER,
    `#!/bin/sh\n# The https scenario's lego-as-letsencrypt stand-in\nLEGO_STANDIN_MODE=${mode} exec /bin/bash ${STANDIN_DIR}/lego-as-letsencrypt.sh "$@"\n`,
    { mode: 0o755 });
  return () => {
    fs.rmSync(STANDIN_LAUNCHER, { force: true });
    fs.rmSync(STANDIN_DIR, { recursive: true, force: true });
  };
}

/** The serial the edge serves for the site's name, as openssl s_client sees it (uppercase hex, no leading zeros). */
function servedSerial(ctx: Context): string {
  const out = execFileSync("bash", ["-c",
    'openssl s_client -connect "127.0.0.1:$1" -servername "$2" < /dev/null 2> /dev/null | openssl x509 -noout -serial',
    "served-serial", String(ctx.env.httpsPort), DOMAINS[0]], { encoding: "utf8", timeout: 15_000 });
  return normalSerial(out.replace(/^serial=/, ""));
}

function normalSerial(hex: string): string {
  return hex.trim().toUpperCase().replace(/^0+/, "");
}

/** A file on the host (the SSH user's view); "" when it cannot be read. */
async function hostFile(ctx: Context, label: string, file: string): Promise<string> {
  const r = await ctx.commands.ssh(label, argv("cat", file));
  return r.code === 0 ? r.stdout : "";
}

function edgeFile(ctx: Context, name: string): string {
  return path.posix.join(ctx.spec.baseDir, HOST_LAYOUT.edge, name);
}

/** The serial of the first certificate in a PEM (openssl, normalised as servedSerial). */
function pemSerial(pem: string): string {
  try {
    return normalSerial(
      execFileSync("openssl", ["x509", "-noout", "-serial"], { input: pem, encoding: "utf8" }).replace(/^serial=/, ""),
    );
  } catch {
    return "";
  }
}

/**
 * A forced renewal whose new chain lego stores in Let's Encrypt's layout (leaf, blank line,
 * intermediate, key): the edge serves the new certificate, under load without a failed request, and
 * the status line names the serial HAProxy serves.
 */
async function letsEncryptChainRenewal(ctx: Context, site: SiteTls): Promise<void> {
  const remove = installLegoStandIn("letsencrypt");
  const before = servedSerial(ctx);
  const loop = new RequestLoop(httpsUrl(ctx, "/"), ctx.loop, site).start();
  let renew: CommandResult;
  try {
    renew = await renewalRun(ctx, "https: forced renewal, the chain in Let's Encrypt's layout", ["--force"]);
  } finally {
    remove();
  }
  const stats = await loop.stop();
  log(`  load over HTTPS during the renewal with Let's Encrypt's chain layout: ${describeLoop(stats)}`);
  ctx.results.leChainRenewalFailedRequests = failedRequests(stats);
  // lego's own files are its user's alone (0600 in 0700 directories): read as root.
  const legoPem = readOr(path.posix.join(ctx.spec.baseDir, HOST_LAYOUT.acme, "certificates", `${DOMAINS[0]}.pem`));
  ctx.checks.check("https: lego stored the new chain in Let's Encrypt's layout (a blank line before the intermediate)",
    /-----END CERTIFICATE-----\n\n-----BEGIN CERTIFICATE-----/.test(legoPem), legoPem.slice(0, 80));
  ctx.checks.check("https: the renewal with Let's Encrypt's chain layout succeeds through the runtime API",
    renew.code === 0 && /no reload/.test(renew.stdout + renew.stderr), tail(renew, 20));
  const after = servedSerial(ctx);
  const issued = pemSerial(legoPem);
  ctx.checks.check("https: the edge serves the NEW certificate (openssl s_client)",
    after !== before && after === issued, `served ${before} → ${after}, issued ${issued}`);
  ctx.checks.check("https: no failed requests during the renewal with Let's Encrypt's chain layout",
    failedRequests(stats) === 0, describeLoop(stats));
  const onDisk = await hostFile(ctx, "https: the certificate file HAProxy reads", edgeFile(ctx, "certs/site.pem"));
  ctx.checks.check("https: the file HAProxy reads holds the served certificate", pemSerial(onDisk) === after,
    `${pemSerial(onDisk)} on disk, ${after} served`);
  const status = await hostFile(ctx, "https: the certificate status line", edgeFile(ctx, "acme-status"));
  const statusSerial = normalSerial(/the edge serves serial ([0-9A-F]+),/.exec(status)?.[1] ?? "");
  ctx.checks.check("https: the status line reports the serial HAProxy serves", statusSerial === after, status.trim());
}

/**
 * A renewal whose new PEM HAProxy refuses (its key does not match): the transaction is aborted, the
 * run exits non-zero saying FAILING, the old certificate keeps serving and the file on disk still
 * holds it.
 */
async function refusedCertificate(ctx: Context, site: SiteTls): Promise<void> {
  const remove = installLegoStandIn("mismatched-key");
  const before = servedSerial(ctx);
  const fileBefore = await hostFile(ctx, "https: the certificate file before", edgeFile(ctx, "certs/site.pem"));
  let renew: CommandResult;
  try {
    renew = await renewalRun(ctx, "https: a renewal whose certificate the edge refuses", ["--force"]);
  } finally {
    remove();
  }
  const output = renew.stdout + renew.stderr;
  ctx.checks.check("https: a certificate the edge refuses fails the run, saying FAILING",
    renew.code !== 0
      && /WARNING: FAILING: the new certificate for app\.test www\.app\.test is not served: the edge (refused|did not commit)/
        .test(output), tail(renew, 10));
  const after = await getUrl(httpsUrl(ctx, "/"), 5000, site);
  ctx.checks.check("https: the old certificate keeps serving after a refused one",
    after.status === 200 && servedSerial(ctx) === before,
    `${before} → ${servedSerial(ctx)} (status ${after.status ?? after.error})`);
  const fileAfter = await hostFile(ctx, "https: the certificate file after", edgeFile(ctx, "certs/site.pem"));
  ctx.checks.check("https: the file HAProxy reads is unchanged after a refused certificate",
    fileAfter !== "" && fileAfter === fileBefore, `${pemSerial(fileBefore)} → ${pemSerial(fileAfter)}`);
  const pending = await ctx.commands.ssh("https: transactions left on the runtime API",
    `printf 'show ssl cert\n' | socat -t 5 - ${shellQuote(`UNIX-CONNECT:${edgeFile(ctx, "run/admin.sock")}`)}`);
  ctx.checks.check("https: the refused transaction was aborted (none left open)",
    pending.code === 0 && !/^\*/m.test(pending.stdout.replace(/^# transaction\n/m, "")), pending.stdout);
}

/** The ACME server down and no certificate on the host (as on a new host): HTTP first, HTTPS later. */
async function unreachableThenLater(ctx: Context, site: SiteTls): Promise<void> {
  acmeServer("stop");
  const edge = path.posix.join(ctx.spec.baseDir, HOST_LAYOUT.edge);
  await ctx.commands.ssh("https: a host without a certificate", argv("rm", "-rf", `${edge}/certs`));
  // lego's account and certificates belong to its own user: removed as root.
  fs.rmSync(path.posix.join(ctx.spec.baseDir, HOST_LAYOUT.acme), { recursive: true, force: true });
  const { release, result } = await deployVariant(ctx, "https-unreachable", "acme unreachable");
  const says = /HTTPS: not yet: no certificate for app\.test www\.app\.test after 1 attempt\(s\) .*connection refused/
    .test(result.stdout);
  if (!ctx.checks.check("https: with the ACME server unreachable the deploy succeeds and says why",
    result.code === 0 && says, tail(result, 20))) return;
  ctx.serving = release;
  const plain = await pollUrl(appUrl(ctx, "/"), (a) => a.status === 200 && isReleaseOf(a.releaseId, release.sha256),
    10_000);
  ctx.checks.check("https: meanwhile the site serves plain HTTP", plain.ok,
    String(plain.answer.status ?? plain.answer.error));
  // A restarted pebble issues from a new root.
  site.ca = issuingRoot(acmeServer("start"));
  const later = await renewalRun(ctx, "https: the renewal run once the ACME server is back", []);
  ctx.checks.check("https: a later renewal run obtains the certificate", later.code === 0, tail(later, 20));
  const served = await servesOverHttps(ctx, site, release);
  ctx.checks.check("https: then HTTPS serves, verified", served.ok,
    String(served.answer.status ?? served.answer.error));
}

/** The ACME server down at renewal time: the run fails loudly and the old certificate keeps serving. */
async function failedRenewal(ctx: Context, site: SiteTls): Promise<void> {
  const before = (await getUrl(httpsUrl(ctx, "/"), 5000, site)).certSerial;
  acmeServer("stop");
  const renew = await renewalRun(ctx, "https: a renewal with the ACME server unreachable", ["--force"]);
  const output = renew.stdout + renew.stderr;
  ctx.checks.check("https: a failed renewal exits non-zero and says FAILING",
    renew.code !== 0
      && /WARNING: FAILING: renewal for app\.test www\.app\.test failed .*still serving the certificate serial [0-9A-F]+, valid until/
        .test(output), tail(renew, 10));
  const after = await getUrl(httpsUrl(ctx, "/"), 5000, site);
  ctx.checks.check("https: the old certificate keeps serving after a failed renewal",
    after.status === 200 && after.certSerial === before,
    `${before} → ${after.certSerial} (status ${after.status ?? after.error})`);
}

/** acme.sh of the serving release, as the host's daily timer runs it (as the SSH user; lego through its sudo rule). */
function renewalRun(ctx: Context, label: string, extra: string[]): Promise<CommandResult> {
  const script = path.posix.join(ctx.spec.baseDir, HOST_LAYOUT.current, HOST_LAYOUT.releaseScripts, "acme.sh");
  return ctx.commands.ssh(label, argv(script, "--base-dir", ctx.spec.baseDir, ...extra), undefined, 600_000);
}

/** A file's text, "" when it cannot be read. */
function readOr(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** A command line of plain arguments, each quoted. */
function argv(...args: string[]): string {
  return args.map(shellQuote).join(" ");
}
