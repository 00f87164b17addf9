// One rehearsal's names and places (the stack's settings, the app's project on this machine, its
// ports and secrets): how it is prepared, how the host's verbs reach its release, how it is removed.
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HOST_SCRIPTS_PREFIX } from "../../../components/bundle";
import { stackResourceName, type StackConfig } from "../../../components/config";
import { remoteSpecFor } from "../../../components/deployment";
import * as remote from "../../../components/remote";
import { PROJECT_ROOT } from "../../../lib/engine";
import { hostLine, run, type Run } from "./commands";
import type * as contract from "./contract";
import { freePort } from "./machine";
import { loadStack } from "./stack";

export interface RehearseOptions {
  stack: string;
  /** Settings over the stack file, as `npm run plan -- --set` takes them. */
  set?: Record<string, string>;
  /** Leave everything running (and say where). */
  keep?: boolean;
  log?: (line: string) => void;
}

/** Names the app is served as on AWS besides the domain: stand-ins for the host's public IP and DNS name (TEST-NET-3). */
export const PUBLIC_IP_STANDIN = "203.0.113.10";

export const PUBLIC_DNS_STANDIN = "ec2-203-0-113-10.compute-1.amazonaws.com";

/** One rehearsal's names and places: the stack's settings, the app's project on this machine, its ports and secrets. */
export interface Rehearsal {
  opts: RehearseOptions;
  log: (line: string) => void;
  c: StackConfig;
  appDir: string;
  appName: string;
  baseDir: string;
  ports: { http: number; https: number; proxy: number; acme: number };
  spec: remote.RemoteSpec;
  dbName: string;
  hosts: string[];
  secretKey: string;
  dbPassword: string;
}

/** Step 1: the stack's settings and where the rehearsal runs; config's compose refusals become findings. */
export async function prepare(opts: RehearseOptions, findings: contract.Finding[]): Promise<Rehearsal> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const { config: c, problems } = loadStack(opts.stack, opts.set);
  if (c.hosting.ecs) {
    throw new Error("the rehearsal runs the ec2 hosting (one host with compose); this stack sets hosting: ecs");
  }
  for (const p of problems) {
    const m = /^(\S+:\d+): (.*)\. Fix: (.*)$/.exec(p);
    findings.push({ check: `plan: ${m?.[1] ?? "compose file"}`, ok: false,
      detail: "config refuses the compose file (the deploy below runs it anyway)", cause: m?.[2] ?? p,
      fix: m?.[3] ?? "" });
  }
  const appName = `${stackResourceName(c.project, c.stack)}-rehearsal`;
  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), `${appName}-`));
  const ports = { http: await freePort(), https: await freePort(), proxy: await freePort(), acme: await freePort() };
  const r: Rehearsal = {
    opts,
    log,
    c,
    appDir: path.resolve(PROJECT_ROOT, c.app.dir),
    appName,
    baseDir,
    ports,
    spec: remoteSpecFor(appName, baseDir, c.app, ports),
    dbName: `${appName}-db`,
    hosts: [...c.hosting.domain, PUBLIC_IP_STANDIN, PUBLIC_DNS_STANDIN],
    secretKey: crypto.randomBytes(32).toString("hex"),
    dbPassword: crypto.randomBytes(16).toString("hex"),
  };
  log(`rehearse ${c.stack}: app ${c.app.dir} (${c.app.composeFile}), project ${appName}, base ${baseDir}`);
  log(`  edge http://127.0.0.1:${ports.http}, app's proxy 127.0.0.1:${ports.proxy}, host names ${r.hosts.join(", ")}`);
  return r;
}

/** Last step: removes what the rehearsal started (or, with keep, says where it is). */
export async function cleanup(r: Rehearsal): Promise<void> {
  if (r.opts.keep) {
    r.log(
      `--keep: left running: project ${r.appName} (docker ps --filter label=com.docker.compose.project=${r.appName}), database ${r.dbName}, base ${r.baseDir}`,
    );
    return;
  }
  await hostLine(remote.destroyCommand(r.spec), undefined, 180_000);
  const vols = await run("docker", ["volume", "ls", "-q", "--filter", `label=com.docker.compose.project=${r.appName}`]);
  const names = vols.out.split(/\s+/).filter(Boolean);
  if (names.length > 0) await run("docker", ["volume", "rm", "-f", ...names]);
  await run("docker", ["rm", "-f", "-v", r.dbName]);
  fs.rmSync(r.baseDir, { recursive: true, force: true });
  r.log(`removed: project ${r.appName} and its volumes, the database ${r.dbName}, ${r.baseDir}`);
}

/** A verb of the host's scripts (tests/host/lib/on-host.sh) against the rehearsal's active release. */
export function onHost(r: Rehearsal, args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  const active = path.join(r.baseDir, "active");
  return run("bash", [path.join(PROJECT_ROOT, "tests/host/lib/on-host.sh"),
    path.join(active, HOST_SCRIPTS_PREFIX, "lib.sh"), active, r.appName, r.c.app.composeFile,
    `127.0.0.1:${r.ports.proxy}`, ...args], opts);
}
