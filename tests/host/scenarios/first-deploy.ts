// The first deploy of the example app: the app's own database login first (db-user), then the deploy;
// it serves its release id, answers /healthz, keeps .env 0600, and reaches the database as its own
// login over TLS.
import { tail } from "../harness/commands";
import { appUrl } from "../harness/context";
import { makeAppLogin, probeAppLogin } from "../harness/db-login";
import { describeModes, envFileModes } from "../harness/host";
import { getUrl } from "../harness/http";
import { APP_DIR, deploy, servesRelease } from "../harness/releases";
import { scenario } from "../harness/scenario";

export default scenario("first deploy", async (ctx) => {
  if (!(await makeAppLogin(ctx))) return;
  const { release, result: r } = await deploy(ctx, "v1", APP_DIR);
  ctx.results.firstDeployMs = r.ms;
  if (!ctx.checks.check("first deploy succeeds", r.code === 0, r.code === 0 ? "" : `\n${tail(r, 30)}`)) return;
  ctx.serving = release;
  const served = await servesRelease(ctx, release.sha256);
  ctx.checks.check("GET / shows the release id", served.ok, served.seen);
  const health = await getUrl(appUrl(ctx, ctx.spec.healthPath));
  ctx.checks.check("GET /healthz answers 200", health.status === 200, `status ${health.status ?? health.error}`);
  const modes = envFileModes(ctx);
  ctx.checks.check(".env files are mode 0600", modes.length > 0 && modes.every((e) => e.mode === "600"),
    describeModes(ctx, modes) || "no .env found");
  await probeAppLogin(ctx);
});
