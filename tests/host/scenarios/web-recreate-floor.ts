// A stricter floor, printed beside the summary: force-recreate the web service alone (no build, nginx
// left running) until the new container's own /healthz answers. nginx resolved the old container's
// address when it loaded its config, so this is measured on the container directly, and nginx is
// reloaded afterwards (untimed) for the scenarios that follow.
import { tail } from "../harness/commands";
import { servingRelease } from "../harness/context";
import { hostCompose, reloadNginx, serviceContainers } from "../harness/host";
import { pollUrl } from "../harness/http";
import { servesRelease } from "../harness/releases";
import { seconds } from "../harness/report";
import { scenario } from "../harness/scenario";

/** The port the example app's web container listens on. */
const WEB_PORT = 8000;

export default scenario("restart floor: recreate web alone", async (ctx) => {
  const release = servingRelease(ctx);
  const web = ctx.spec.webService;
  const before = await serviceContainers(ctx, web);
  const started = Date.now();
  const r = await hostCompose(ctx, "restart floor: compose up --force-recreate web", ["up", "-d", "--no-deps",
    "--no-build", "--force-recreate", web]);
  if (!ctx.checks.check("force-recreate of web succeeds", r.code === 0, r.code === 0 ? "" : `\n${tail(r)}`)) return;
  const after = await serviceContainers(ctx, web);
  const fresh = after.find((c) => !before.some((b) => b.id === c.id));
  if (!ctx.checks.check("web was recreated", fresh !== undefined && after.length === 1, JSON.stringify(after))
    || !fresh) return;
  const url = `http://${fresh.ip}:${WEB_PORT}${ctx.spec.healthPath}`;
  const healthy = await pollUrl(url, (a) => a.status === 200, 120_000);
  ctx.results.webRecreateMs = Date.now() - started;
  ctx.checks.check("the recreated web container answers /healthz", healthy.ok,
    `last answer: status ${healthy.answer.status ?? healthy.answer.error}; first 200 from ${url} ${
      seconds(ctx.results.webRecreateMs)
    }s after compose up started`);
  await reloadNginx(ctx);
  const served = await servesRelease(ctx, release.sha256, 30_000);
  ctx.checks.check("the release serves through nginx again after the restart", served.ok, served.seen);
});
