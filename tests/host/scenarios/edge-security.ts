// The edge's privileges and what it lets through, probed on the deployed host (security probes,
// counted in the summary's security_probes_passed):
//   - HAProxy's processes run as the edge's own user (host/cloud-init/provision.sh edge_user),
//     outside the docker group, with cap_net_bind_service as their only capability, and no file
//     capability on the haproxy binary; the deploy user's sudo is the edge service's start, stop and
//     restart only; a restart through that rule binds the edge's ports again, as the same user;
//   - a client's X-Forwarded-For and X-Forwarded-Proto never reach the app (the web container's
//     access log shows what gunicorn received);
//   - during maintenance, a path that nginx normalises to the health path (/x/../healthz) gets the
//     503 like any other: only the health path as the app sees it is exempt.
// tests/host/lib/edge-host.sh stands in for systemd here, running the edge's unit as setpriv.
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { HOST_LAYOUT } from "../../../components/layout";
import { shellQuote } from "../../../components/remote";
import { tail } from "../harness/commands";
import { appUrl, Context, servingRelease } from "../harness/context";
import { docker, serviceContainers } from "../harness/host";
import { pollUrl, requestUrl } from "../harness/http";
import { ops } from "../harness/ops";
import { isReleaseOf } from "../harness/report";
import { scenario } from "../harness/scenario";
import { securityProbe } from "../harness/security";

/** provision.sh's names (edge_user, edge_service): the probes check the host they set up. */
const EDGE_USER = "compose-haproxy";
const EDGE_SERVICE = "/usr/local/sbin/compose-on-ec2-edge";
/** host/release/edge-lib.sh's acme_user and acme_service (lego's user and its one way in). */
const ACME_USER = "compose-acme";
const ACME_SERVICE = "/usr/local/sbin/compose-on-ec2-acme";
/** cap_net_bind_service is capability 10 (linux/capability.h): CapEff as /proc/<pid>/status prints it. */
const NET_BIND_SERVICE_ONLY = "0000000000000400";

export default scenario(
  "edge security: own user without docker, bind after restart, forwarded headers dropped, maintenance by the app's path",
  async (ctx) => {
    const before = edgeProcesses(ctx);
    probeEdgeUser(ctx, "the edge's processes", before);
    const fileCaps = execFileSync("getcap", ["/usr/sbin/haproxy"], { encoding: "utf8" }).trim();
    securityProbe(ctx, "the haproxy binary carries no file capability (no local user binds 80/443 through it)",
      fileCaps === "", fileCaps || "none");
    await probeSudo(ctx);
    await probeRestart(ctx, before);
    await probeForwardedHeaders(ctx);
    await probeMaintenancePath(ctx);
  },
);

interface EdgeProcess {
  pid: number;
  uid: number;
  groups: number[];
  capEff: string;
}

/** The edge's master (its pid file) and its workers (children), as /proc shows them. */
function edgeProcesses(ctx: Context): EdgeProcess[] {
  const pidFile = path.posix.join(ctx.spec.baseDir, HOST_LAYOUT.edge, "run", "haproxy.pid");
  const master = Number(fs.readFileSync(pidFile, "utf8").trim());
  const children = execFileSync("ps", ["-o", "pid=", "--ppid", String(master)], { encoding: "utf8" }).split(/\s+/)
    .filter(Boolean).map(Number);
  return [master, ...children].map((pid) => {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, "m").exec(status)?.[1] ?? "";
    return { pid, uid: Number(field("Uid").split(/\s+/)[0]),
      groups: field("Groups").split(/\s+/).filter(Boolean).map(Number), capEff: field("CapEff") };
  });
}

/** A group's id ("docker:x:<gid>:<members>"). */
function groupId(name: string): number {
  return Number(execFileSync("getent", ["group", name], { encoding: "utf8" }).split(":")[2]);
}

function probeEdgeUser(ctx: Context, what: string, processes: EdgeProcess[]): void {
  const edgeUid = Number(execFileSync("id", ["-u", EDGE_USER], { encoding: "utf8" }).trim());
  const dockerGid = groupId("docker");
  const describe = processes.map((p) => `pid ${p.pid} uid ${p.uid} groups [${p.groups.join(",")}] CapEff ${p.capEff}`)
    .join("; ");
  securityProbe(ctx, `${what} run as ${EDGE_USER}, not the deploy user`,
    processes.length >= 2 && processes.every((p) => p.uid === edgeUid), describe);
  securityProbe(ctx, `${what} are outside the docker group`,
    processes.length >= 2 && processes.every((p) => !p.groups.includes(dockerGid)),
    `docker gid ${dockerGid}; ${describe}`);
  securityProbe(ctx, `${what} hold cap_net_bind_service and no other capability`,
    processes.length >= 2 && processes.every((p) => p.capEff === NET_BIND_SERVICE_ONLY), describe);
}

/** The deploy user gets no root command but the edge service's, and nothing as the ACME client's user but its service. */
async function probeSudo(ctx: Context): Promise<void> {
  const any = await ctx.commands.ssh("security: sudo for any command", "sudo -n true");
  const list = await ctx.commands.ssh("security: the deploy user's sudo rules", "sudo -n -l");
  const rules = list.stdout.split("\n").filter((l) => /NOPASSWD:/.test(l))
    .flatMap((l) =>
      l.replace(/^.*NOPASSWD:\s*/, "").split(/,\s*/).map((c) => `${/^\s*\(([^)]*)\)/.exec(l)?.[1] ?? "?"}: ${c.trim()}`)
    );
  const allowed = new RegExp(
    `^(root: ${EDGE_SERVICE} (start|stop|restart)|${ACME_USER}: ${ACME_SERVICE} (obtain|renew-now)) /`,
  );
  securityProbe(ctx,
    `the deploy user has no sudo but the edge service's start, stop and restart (as root) and lego's service (as ${ACME_USER})`,
    any.code !== 0 && rules.some((r) => r.startsWith("root:")) && rules.some((r) => r.startsWith(`${ACME_USER}:`))
      && rules.every((r) => allowed.test(r)),
    `sudo -n true → exit ${any.code}; rules: ${rules.join(" | ") || tail(list, 5)}`);
}

/** A restart through the deploy user's sudo rule: the ports answer again, from a new master, as the edge's user. */
async function probeRestart(ctx: Context, before: EdgeProcess[]): Promise<void> {
  const restart = await ctx.commands.ssh("security: restart the edge through its service",
    `sudo -n ${[EDGE_SERVICE, "restart", ctx.spec.baseDir].map(shellQuote).join(" ")}`);
  const serving = servingRelease(ctx);
  const back = await pollUrl(appUrl(ctx, "/"), (a) => a.status === 200 && isReleaseOf(a.releaseId, serving.sha256),
    15_000);
  const after = restart.code === 0 ? edgeProcesses(ctx) : [];
  securityProbe(ctx, `after a restart the edge binds its port ${ctx.env.httpPort} again and serves the release`,
    restart.code === 0 && back.ok && after.length > 0 && after[0].pid !== before[0].pid,
    `restart exit ${restart.code} ${tail(restart, 3)}; ${
      back.answer.status ?? back.answer.error
    } in ${back.ms} ms; master ${before[0].pid} → ${after[0]?.pid}`);
  if (after.length > 0) probeEdgeUser(ctx, "after the restart, the edge's processes", after);
}

/** A forged X-Forwarded-For/-Proto/-Host sent to the edge: gunicorn's access log shows what the app got. */
async function probeForwardedHeaders(ctx: Context): Promise<void> {
  const token = crypto.randomBytes(8).toString("hex");
  const forged = { "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "attacker.example" };
  const answer = await requestUrl(appUrl(ctx, `/?edge-probe=${token}`), "GET", 5000, undefined, forged);
  let line = "";
  for (const c of await serviceContainers(ctx, "web")) {
    const logs = await docker(ctx, "security: the web container's access log", ["logs", "--since", "5m", c.id]);
    line = logs.split("\n").find((l) => l.includes(token)) ?? line;
  }
  const forwardedFor = /forwarded_for="([^"]*)"/.exec(line)?.[1];
  const forwardedProto = /forwarded_proto="([^"]*)"/.exec(line)?.[1];
  securityProbe(ctx, "a client's X-Forwarded-For does not reach the app",
    answer.status === 200 && forwardedFor !== undefined && !forwardedFor.includes("203.0.113.7"),
    `status ${answer.status ?? answer.error}; the app got X-Forwarded-For "${forwardedFor}" (${
      line.trim().slice(0, 300) || "no access log line"
    })`);
  securityProbe(ctx, "a client's X-Forwarded-Proto does not reach the app (plain HTTP stays http)",
    forwardedProto === "http", `the app got X-Forwarded-Proto "${forwardedProto}"`);
}

/** GET with the path sent exactly as written (Node's URL parsing would resolve "/x/.."). */
function rawGet(ctx: Context, rawPath: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.request({ host: "127.0.0.1", port: ctx.env.httpPort, path: rawPath, method: "GET", agent: false,
      timeout: 5000, headers: { Host: "127.0.0.1" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? "no status"));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (error) => resolve(error.message));
    req.end();
  });
}

async function probeMaintenancePath(ctx: Context): Promise<void> {
  const on = await ops(ctx, ["maintenance", "on"]);
  try {
    const dodge = await rawGet(ctx, `/x/..${ctx.spec.healthPath}`);
    const health = await rawGet(ctx, ctx.spec.healthPath);
    securityProbe(ctx,
      `during maintenance /x/..${ctx.spec.healthPath} gets 503 (only the health path as the app sees it is exempt)`,
      on.code === 0 && dodge === 503 && health === 200,
      `maintenance on: exit ${on.code}; /x/..${ctx.spec.healthPath} → ${dodge}; ${ctx.spec.healthPath} → ${health}`);
  } finally {
    const off = await ops(ctx, ["maintenance", "off"]);
    ctx.checks.check("edge security: maintenance off again", off.code === 0, tail(off, 3));
  }
}
