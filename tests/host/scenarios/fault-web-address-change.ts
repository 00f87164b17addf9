// The web container's address changes outside a deploy (what a Docker restart of the container can
// do): it leaves the compose network, a filler container joins it (and may take the freed address),
// and web joins again under its compose aliases with another address. No deploy and no nginx reload
// follow: nginx must find the new address through Docker's DNS by itself, within a bounded time, and
// keep serving. Counted on its own in the summary (address_change_failed_requests, recover seconds),
// not in faults_survived.
import { appUrl, Context, servingRelease } from "../harness/context";
import { docker, serviceContainers } from "../harness/host";
import { getUrl, HttpAnswer, pollUrl } from "../harness/http";
import { RequestLoop } from "../harness/load";
import { describeLoop, failedRequests, isReleaseOf, seconds } from "../harness/report";
import { fault } from "../harness/scenario";

/** How long nginx may take to follow the new address: at most its resolver's `valid=5s`, plus slack. */
const FOLLOW_LIMIT_MS = 20_000;
/** Requests after recovery, every one of which must succeed. */
const STEADY_REQUESTS = 400;
/**
 * Followed means this many answers in a row from the release: each nginx worker keeps its own
 * DNS answer (the resolver's `valid` time), so one worker can follow before another.
 */
const FOLLOWED_IN_A_ROW = 20;

interface Moved {
  /** Web's address before and after. */
  from: string;
  to: string;
  /** When web was back on the network (Date.now()). */
  reconnectedAt: number;
  /** The filler container, removed once the checks ran. */
  filler: string;
}

/** The compose network web is on and its aliases there (compose's service name among them). */
async function webNetwork(ctx: Context, id: string): Promise<{ network: string; aliases: string[]; image: string }> {
  const networks = JSON.parse(
    await docker(ctx, "docker inspect web networks", ["inspect", "--format", "{{json .NetworkSettings.Networks}}", id]),
  ) as Record<string, { Aliases?: string[] | null }>;
  const names = Object.keys(networks);
  if (names.length !== 1) {
    throw new Error(`web is on ${names.length} networks (${names.join(", ")}); expected the compose project's one`);
  }
  const image = await docker(ctx, "docker inspect web image", ["inspect", "--format", "{{.Config.Image}}", id]);
  // Docker adds the short container id as an alias by itself on connect.
  const aliases = (networks[names[0]].Aliases ?? []).filter((a) => !id.startsWith(a));
  return { network: names[0], aliases, image };
}

// Its own summary fields (counted: false): faults_survived keeps counting the deploy faults.
export default fault<Moved>(
  "web's address changes outside a deploy",
  async (ctx) => {
    const web = await serviceContainers(ctx, ctx.spec.webService);
    if (web.length !== 1) {
      throw new Error(`expected one ${ctx.spec.webService} container, found ${JSON.stringify(web)}`);
    }
    const [{ id, ip: from }] = web;
    const { network, aliases, image } = await webNetwork(ctx, id);
    if (!aliases.includes(ctx.spec.webService)) {
      throw new Error(`web's aliases on ${network} lack "${ctx.spec.webService}": ${aliases.join(", ")}`);
    }
    await docker(ctx, "disconnect web from its network", ["network", "disconnect", network, id]);
    const filler = await docker(ctx, "start a filler container on the network", [
      "run",
      "-d",
      "--rm",
      "--network",
      network,
      "--entrypoint",
      "sleep",
      image,
      "600",
    ]);
    await docker(ctx, "connect web again under its aliases", ["network", "connect",
      ...aliases.flatMap((a) => ["--alias", a]), network, id]);
    const reconnectedAt = Date.now();
    const [after] = await serviceContainers(ctx, ctx.spec.webService);
    return { from, to: after?.ip ?? "(none)", reconnectedAt, filler };
  },
  async (ctx, moved) => {
    try {
      await expectFollowed(ctx, moved);
    } finally {
      await ctx.commands.run("remove the filler container", "docker", ["rm", "-f", moved.filler]);
    }
  },
  { counted: false },
);

async function expectFollowed(ctx: Context, moved: Moved): Promise<void> {
  const sha256 = servingRelease(ctx).sha256;
  const url = appUrl(ctx, "/");
  ctx.checks.check("web's address really changed", moved.to !== moved.from && moved.to !== "(none)",
    `${moved.from} → ${moved.to}`);

  // From the moment web is back: requests through nginx until it follows, counted.
  const meanwhile = new RequestLoop(url, { minRequests: 0, concurrency: 2, pauseMs: 10 }).start();
  const serves = (a: HttpAnswer) => a.status === 200 && isReleaseOf(a.releaseId, sha256);
  const followed = await pollUrl(url, serves, FOLLOW_LIMIT_MS);
  let inARow = followed.ok ? 1 : 0;
  while (followed.ok && inARow < FOLLOWED_IN_A_ROW && Date.now() - moved.reconnectedAt < FOLLOW_LIMIT_MS) {
    inARow = serves(await getUrl(url)) ? inARow + 1 : 0;
  }
  followed.ok = inARow >= FOLLOWED_IN_A_ROW;
  const recoverMs = Date.now() - moved.reconnectedAt;
  const window = await meanwhile.stop();
  ctx.results.addressChange = { failed: failedRequests(window), recoverMs: followed.ok ? recoverMs : undefined };
  ctx.checks.check(`nginx follows web's new address without a deploy or reload within ${seconds(FOLLOW_LIMIT_MS)}s`,
    followed.ok,
    `${followed.ok ? "after" : "still failing after"} ${seconds(recoverMs)}s; last answer ${
      followed.answer.status ?? followed.answer.error
    }; meanwhile ${describeLoop(window)}`);
  if (!followed.ok) return;

  // Then it keeps serving: every request succeeds.
  const steady = new RequestLoop(url, { minRequests: STEADY_REQUESTS, concurrency: 4, pauseMs: 0 }).start();
  const stats = await steady.stop();
  ctx.checks.check(`every request succeeds once nginx followed (${STEADY_REQUESTS} requests)`,
    failedRequests(stats) === 0, describeLoop(stats));
}
