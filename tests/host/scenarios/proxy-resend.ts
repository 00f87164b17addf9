// The app's nginx sends a failed request again through Docker's DNS (its way to a web container that
// came back at another address) only when that cannot run it twice: GET always; a POST only when no
// byte of it reached the app. Checked with the deployed proxy image and its config, in front of
// stand-ins for web (tests/host/lib/upstream-probe.py in the web image) on a network of their own:
//   - web reads a POST and closes without an answer → the client gets 502, web saw the POST once;
//   - the same for a GET → web saw it twice (the fallback still serves reads);
//   - web's address moved (the stand-in nginx knows is gone, another answers under `web`) → a POST
//     reaches the new one once and answers 200.
import * as path from "path";
import { Context } from "../harness/context";
import { docker, serviceContainers } from "../harness/host";
import { Method, pollUrl, requestUrl } from "../harness/http";
import { scenario } from "../harness/scenario";

const PROBE = path.resolve(__dirname, "../lib/upstream-probe.py");
/** How long a stand-in serves before it stops by itself (the scenario removes it sooner). */
const PROBE_SECONDS = 300;

/** The image of a running service of the deployed app. */
async function imageOf(ctx: Context, service: string): Promise<string> {
  const [container] = await serviceContainers(ctx, service);
  if (!container) throw new Error(`no running ${service} container`);
  return docker(ctx, `image of ${service}`, ["inspect", "--format", "{{.Image}}", container.id]);
}

/** A stand-in for web on `network` under the alias `web`, in web's own image. */
function startProbe(ctx: Context, name: string, network: string, image: string,
  mode: "close" | "answer"): Promise<string> {
  return docker(ctx, `start the ${mode} stand-in`, [
    "run",
    "-d",
    "--name",
    name,
    "--network",
    network,
    "--network-alias",
    ctx.spec.webService,
    "-v",
    `${PROBE}:/probe.py:ro`,
    "--entrypoint",
    "python3",
    image,
    "/probe.py",
    "--mode",
    mode,
    "--port",
    String(ctx.spec.webPort),
    "--seconds",
    String(PROBE_SECONDS),
  ]);
}

/** How many times a stand-in read a request with this line (e.g. "POST /charge"). */
async function seen(ctx: Context, name: string, requestLine: string): Promise<number> {
  const logs = await docker(ctx, `requests ${name} read`, ["logs", name]);
  return logs.split("\n").filter((l) => l.startsWith(`${requestLine} `)).length;
}

/** One request through the stand-in proxy: its HTTP status, or 0 when none came. */
async function send(method: Method, url: string): Promise<number> {
  return (await requestUrl(url, method, 20_000)).status ?? 0;
}

export default scenario("the proxy resends only what cannot run twice", async (ctx) => {
  const images = { proxy: await imageOf(ctx, ctx.spec.proxyService), web: await imageOf(ctx, ctx.spec.webService) };
  const network = `${ctx.spec.appName}-resend-check`;
  const names = { failing: `${network}-failing`, answering: `${network}-answering`, proxy: `${network}-proxy` };
  await ctx.commands.run("remove leftovers of an earlier run", "docker", ["rm", "-f", ...Object.values(names)]);
  await ctx.commands.run("remove a leftover network", "docker", ["network", "rm", network]);
  try {
    await docker(ctx, "create the check's network", ["network", "create", network]);
    await startProbe(ctx, names.failing, network, images.web, "close");
    await docker(ctx, "start the proxy", ["run", "-d", "--name", names.proxy, "--network", network, "-p",
      "127.0.0.1::80", images.proxy]);
    const published = await docker(ctx, "the proxy's port", ["port", names.proxy, "80/tcp"]);
    const base = `http://127.0.0.1:${published.split("\n")[0].split(":").pop()}`;
    // nginx answers /static/ itself: up once it says anything there, without asking web.
    const up = await pollUrl(`${base}/static/none`, (a) => a.status !== undefined, 20_000);
    if (!up.ok) throw new Error(`the proxy did not answer on ${base}: ${up.answer.error ?? up.answer.status}`);

    const post = await send("POST", `${base}/charge`);
    const posts = await seen(ctx, names.failing, "POST /charge");
    ctx.checks.check("a POST the app read and failed on is not sent again: 502, read once", post === 502 && posts === 1,
      `status ${post}, web read it ${posts}×`);

    const get = await send("GET", `${base}/page`);
    const gets = await seen(ctx, names.failing, "GET /page");
    ctx.checks.check("a GET that failed is tried again through Docker's DNS", get === 502 && gets === 2,
      `status ${get}, web read it ${gets}×`);

    await startProbe(ctx, names.answering, network, images.web, "answer");
    await docker(ctx, "web's old address goes away", ["network", "disconnect", network, names.failing]);
    const moved = await send("POST", `${base}/order`);
    const delivered = await seen(ctx, names.answering, "POST /order");
    ctx.checks.check("a POST that reached no app goes to web's new address once", moved === 200 && delivered === 1,
      `status ${moved}, new web read it ${delivered}×`);
  } finally {
    await ctx.commands.run("remove the check's containers", "docker", ["rm", "-f", ...Object.values(names)]);
    await ctx.commands.run("remove the check's network", "docker", ["network", "rm", network]);
  }
});
