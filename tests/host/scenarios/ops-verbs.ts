// Every ops verb for real, through scripts/ops.ts with explicit flags (a host without Pulumi state)
// against the test's sshd: status --json, releases, logs, exec with and without a terminal,
// maintenance on/off, and rollback to the previous release under the request loop without a build;
// then the rule against a silent undo (a deploy of the release rolled back from is refused) and the
// roll forward that clears it.
import * as fs from "fs";
import * as path from "path";
import { shellQuote } from "../../../components/remote";
import { hostPath } from "../../../components/layout";
import { CommandResult, log, tail } from "../harness/commands";
import { appUrl, Context, Release, servingRelease } from "../harness/context";
import { currentLink, stillServes } from "../harness/host";
import { runDeploy, startLoad } from "../harness/releases";
import { describeLoop, failedRequests } from "../harness/report";
import { ops, opsArgv } from "../harness/ops";
import { scenario } from "../harness/scenario";

/** The same command inside a pseudo-terminal (util-linux `script`): stdin is a TTY for ops. */
function opsInTerminal(ctx: Context, verb: string[], after: string[]): Promise<CommandResult> {
  const line = [process.execPath, ...opsArgv(ctx, verb, after)].map(shellQuote).join(" ");
  return ctx.commands.run(`ops ${verb.join(" ")} (terminal)`, "script", ["-qec", line, "/dev/null"], {
    timeoutMs: 120_000,
  });
}

/** Status line and headers of GET url (curl). */
async function head(ctx: Context, urlPath: string): Promise<{ status: string; retryAfter?: string; body: string }> {
  const r = await ctx.commands.run(`GET ${urlPath}`, "curl", ["-s", "-m", "5", "-D", "-", "-H", "Host: 127.0.0.1",
    appUrl(ctx, urlPath)]);
  return {
    status: /^HTTP\/\S+ (\d{3})/.exec(r.stdout)?.[1] ?? "none",
    retryAfter: /^retry-after: *(\S+)/im.exec(r.stdout)?.[1],
    body: r.stdout,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Image ids on the shared dockerd: a build (or pull) adds one. */
async function imageIds(ctx: Context): Promise<Set<string>> {
  const r = await ctx.commands.run("docker images", "docker", ["images", "-aq", "--no-trunc"]);
  return new Set(r.stdout.split(/\s+/).filter(Boolean));
}

async function readVerbs(ctx: Context, serving: Release): Promise<void> {
  const status = await ops(ctx, ["status", "--json"]);
  const s = parseJson(status.stdout) as { release?: string; health?: { status?: number };
    containers?: { service: string; state: string }[]; disk?: { store?: { bytes: number; contents: number } } }
    | undefined;
  ctx.checks.check("ops status --json parses and names the serving release, healthy through the proxy",
    status.code === 0 && s?.release === serving.sha256 && s.health?.status === 200
      && !!s.containers?.some((c) => c.service === "web" && c.state === "running"),
    `exit ${status.code}: ${status.stdout.slice(0, 300)}${status.stderr.slice(0, 300)}`);
  const human = await ops(ctx, ["status"]);
  log(`  ops status:\n${human.stdout.trimEnd()}`);
  ctx.checks.check("ops status shows the store of file contents (its size and count), in --json too",
    (s?.disk?.store?.bytes ?? 0) > 0 && (s?.disk?.store?.contents ?? 0) > 0
      && /^ {2}store +\d+ MiB in \d+ contents/m.test(human.stdout),
    `${JSON.stringify(s?.disk?.store)}; ${
      human.stdout.split("\n").find((l) => l.includes("store")) ?? "(no store line)"
    }`);

  const releases = await ops(ctx, ["releases", "--json"]);
  const list = (parseJson(releases.stdout) ?? []) as { release: string; deployedAt: string; serving: boolean;
    imagesKept: boolean }[];
  const newestFirst = list.every((r, i) => i === 0 || list[i - 1].deployedAt >= r.deployedAt);
  // Releases whose deploy failed (the faults') are kept too, without images: the serving one is the newest that served.
  const served = list.filter((r) => r.imagesKept);
  ctx.checks.check("ops releases lists the kept releases newest first, the serving one the newest that served",
    releases.code === 0 && served.length >= 2 && newestFirst && served[0].release === serving.sha256
      && served[0].serving
      && list.filter((r) => r.serving).length === 1, `exit ${releases.code}: ${releases.stdout.slice(0, 400)}`);
  log(`  ops releases:\n${(await ops(ctx, ["releases"])).stdout.trimEnd()}`);

  const logs = await ops(ctx, ["logs", "web"], ["--tail", "200"]);
  // Under load the last lines are gunicorn's access log ("GET / HTTP/1.0" 200 …); after a quiet
  // start, its boot lines.
  ctx.checks.check("ops logs web shows gunicorn's lines",
    logs.code === 0 && /Booting worker|Listening at|"(GET|HEAD) \/[^"]* HTTP\/1\.[01]" \d{3}/.test(logs.stdout),
    tail(logs));
}

async function execVerbs(ctx: Context): Promise<void> {
  const check = await ops(ctx, ["exec", "web"], ["--", "python3", "manage.py", "check"]);
  ctx.checks.check("ops exec runs a manage.py command without a terminal",
    check.code === 0 && /no issues/.test(check.stdout), tail(check));
  const probe = ["--", "python3", "-c", "import sys; print('stdin-is-a-tty', sys.stdin.isatty())"];
  const plain = await ops(ctx, ["exec", "web"], probe);
  const terminal = await opsInTerminal(ctx, ["exec", "web"], probe);
  ctx.checks.check("ops exec gives the command a terminal when its caller has one (and none otherwise)",
    /stdin-is-a-tty False/.test(plain.stdout) && terminal.code === 0 && /stdin-is-a-tty True/.test(terminal.stdout),
    `without: ${plain.stdout.trim()}; in a pseudo-terminal: exit ${terminal.code} ${
      terminal.stdout.trim().slice(0, 200)
    }`);
  const failing = await ops(ctx, ["exec", "web"], ["--", "sh", "-c", "exit 7"]);
  ctx.checks.check("ops passes the command's exit code through", failing.code === 7, `exit ${failing.code}`);
}

async function maintenance(ctx: Context): Promise<void> {
  const on = await ops(ctx, ["maintenance", "on", "--message", "Back at five <b>sharp</b>"]);
  const root = await head(ctx, "/");
  const health = await head(ctx, ctx.spec.healthPath);
  ctx.checks.check("maintenance on: / answers 503 with Retry-After and the message, the health path 200",
    on.code === 0 && root.status === "503" && !!root.retryAfter && /Back at five &lt;b&gt;sharp/.test(root.body)
      && health.status === "200",
    `${tail(on, 3)}; / → ${root.status} Retry-After ${root.retryAfter}; ${ctx.spec.healthPath} → ${health.status}`);
  const off = await ops(ctx, ["maintenance", "off"]);
  const after = await head(ctx, "/");
  ctx.checks.check("maintenance off: / answers 200 again", off.code === 0 && after.status === "200",
    `${tail(off, 3)}; / → ${after.status}`);
}

async function rollback(ctx: Context, serving: Release): Promise<Release> {
  const previousSha = path.basename(fs.readlinkSync(hostPath(ctx.spec.baseDir, "previous")));
  const previous: Release = { label: `previous ${previousSha.slice(0, 12)}`, sha256: previousSha, localPath: "" };
  const imagesBefore = await imageIds(ctx);
  const loop = startLoad(ctx);
  const r = await ops(ctx, ["rollback"]);
  const stats = await loop.stop();
  const built = [...(await imageIds(ctx))].filter((id) => !imagesBefore.has(id));
  ctx.results.rollbackFailedRequests = failedRequests(stats);
  log(
    `  ops rollback: exit ${r.code} in ${(r.ms / 1000).toFixed(1)}s; ${built.length} image(s) built; load: ${
      describeLoop(stats)
    }`,
  );
  log(
    `  ops rollback output:\n${
      r.stdout.split("\n").filter((l) => !/^\[deploy \+/.test(l) || /release|kept image|current|deployed|retir/.test(l))
        .join("\n").trimEnd()
    }`,
  );
  const serves = await stillServes(ctx, previous);
  ctx.checks.check("ops rollback switches to the previous release", r.code === 0 && serves.ok,
    `${serves.seen}; ${tail(r)}`);
  ctx.checks.check("ops rollback builds and pulls no image", built.length === 0 && !/building|pulling/.test(r.stdout),
    `${built.length} new image id(s)`);
  ctx.checks.check("no failed requests during ops rollback", failedRequests(stats) === 0, describeLoop(stats));

  const undo = await runDeploy(ctx, serving);
  ctx.checks.check("a deploy of the release rolled back from is refused, naming the roll forward",
    undo.code !== 0 && /rolled back from .*roll forward/.test(undo.stderr) && currentLink(ctx).endsWith(previousSha),
    `exit ${undo.code}: ${undo.stderr.trim()}`);
  const forward = await ops(ctx, ["rollback", serving.sha256.slice(0, 12)]);
  const back = await stillServes(ctx, serving);
  ctx.checks.check("ops rollback <release> rolls forward and clears the record",
    forward.code === 0 && back.ok && /record is cleared/.test(forward.stdout)
      && !fs.existsSync(hostPath(ctx.spec.baseDir, "rollback")), `${back.seen}; ${tail(forward, 3)}`);
  return serving;
}

export default scenario("ops verbs", async (ctx) => {
  const serving = servingRelease(ctx);
  await readVerbs(ctx, serving);
  await execVerbs(ctx);
  await maintenance(ctx);
  ctx.serving = await rollback(ctx, serving);
  const unknown = await ops(ctx, ["rollback", "0000000"]);
  ctx.checks.check("ops rollback to a release that is not kept fails with exit 1 and says why",
    unknown.code === 1 && /matches 0 kept releases/.test(unknown.stderr),
    `exit ${unknown.code}: ${unknown.stderr.trim()}`);
});
