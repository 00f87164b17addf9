// Security probes of the ACME client's privileges, run by the https scenario once a certificate was
// issued (counted in the summary's security_probes_passed):
//   - lego's user (host/release/edge-lib.sh acme_user) is in its own group only: not docker, not the
//     edge's group; it has no sudo;
//   - lego's account and certificates under <baseDir>/acme are owned by that user (lego ran as it)
//     and nothing there is readable by anyone else; the copy it hands back is not world-readable;
//   - the certificate HAProxy serves is readable by the edge's group, not by others;
//   - lego's user cannot reach HAProxy's runtime API, and HAProxy's user cannot read lego's files.
// The probes act as those users with setpriv (util-linux), as the edge's service stand-in does.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { HOST_LAYOUT } from "../../../components/layout";
import { Context } from "./context";
import { securityProbe } from "./security";

/** host/release/edge-lib.sh's acme_user, acme_group, edge_user's group; provision.sh's edge_user. */
const ACME_USER = "compose-acme";
const EDGE_GROUP = "compose-edge";
const EDGE_USER = "compose-haproxy";

function run(cmd: string, args: string[]): { code: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 15_000 });
  return { code: r.status ?? 1, out: `${r.stdout ?? ""}${r.stderr ?? ""}`.trim() };
}

/** COMMAND… as USER with that user's groups (setpriv, as systemd's User= would). */
function asUser(user: string, args: string[]): { code: number; out: string } {
  return run("setpriv", [`--reuid=${user}`, `--regid=${user === ACME_USER ? ACME_USER : EDGE_GROUP}`, "--init-groups",
    "--", ...args]);
}

/** Every path under DIR (DIR included), depth first. */
function walk(dir: string): string[] {
  const out = [dir];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

function mode(file: string): string {
  return (fs.statSync(file).mode & 0o7777).toString(8);
}

export function probeAcmeUser(ctx: Context): void {
  const uid = Number(run("id", ["-u", ACME_USER]).out);
  const groups = run("id", ["-Gn", ACME_USER]).out.split(/\s+/);
  securityProbe(ctx, `lego's user ${ACME_USER} is in its own group only (not docker, not ${EDGE_GROUP})`,
    groups.length === 1 && groups[0] === ACME_USER, `groups: ${groups.join(" ")}`);
  const sudo = run("sudo", ["-n", "-l", "-U", ACME_USER]);
  securityProbe(ctx, `${ACME_USER} has no sudo`, /is not allowed to run sudo/.test(sudo.out), sudo.out.slice(0, 300));

  const acmeDir = path.join(ctx.spec.baseDir, HOST_LAYOUT.acme);
  const own = ["accounts", "certificates"].flatMap((
    d,
  ) => (fs.existsSync(path.join(acmeDir, d)) ? walk(path.join(acmeDir, d)) : []));
  const strays = own.filter((p) => fs.statSync(p).uid !== uid || (fs.statSync(p).mode & 0o077) !== 0);
  securityProbe(ctx, `lego's account key and certificates are ${ACME_USER}'s alone (lego ran as it)`,
    own.some((p) => p.endsWith(".key")) && strays.length === 0,
    `${own.length} entries; not ${ACME_USER}'s or open to others: ${
      strays.map((p) => `${p} uid ${fs.statSync(p).uid} mode ${mode(p)}`).join("; ") || "none"
    }`);
  const handed = path.join(acmeDir, "site.pem");
  const served = path.join(ctx.spec.baseDir, HOST_LAYOUT.edge, "certs", "site.pem");
  const edgeGid = Number(run("getent", ["group", EDGE_GROUP]).out.split(":")[2]);
  securityProbe(ctx,
    "no certificate key on the host is world-readable; HAProxy reads the one it serves through its group",
    fs.existsSync(handed) && (fs.statSync(handed).mode & 0o007) === 0 && fs.existsSync(served)
      && (fs.statSync(served).mode & 0o007) === 0 && fs.statSync(served).gid === edgeGid,
    `${handed} mode ${fs.existsSync(handed) ? mode(handed) : "missing"}; ${served} mode ${
      fs.existsSync(served) ? mode(served) : "missing"
    } gid ${fs.existsSync(served) ? fs.statSync(served).gid : "-"} (${EDGE_GROUP} ${edgeGid})`);

  const socket = path.join(ctx.spec.baseDir, HOST_LAYOUT.edge, "run", "admin.sock");
  const api = asUser(ACME_USER, ["socat", "-t", "2", "-", `UNIX-CONNECT:${socket}`]);
  securityProbe(ctx, `${ACME_USER} cannot reach the edge's runtime API`, api.code !== 0,
    `socat as ${ACME_USER}: exit ${api.code} ${api.out.slice(0, 200)}`);
  const read = asUser(EDGE_USER, ["cat", handed]);
  securityProbe(ctx, `the edge's user ${EDGE_USER} cannot read lego's files`, read.code !== 0,
    `cat as ${EDGE_USER}: exit ${read.code} ${read.out.slice(0, 120)}`);
}
