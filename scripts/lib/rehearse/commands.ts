// The rehearsal's commands on this machine: bounded, input on stdin, and the host's command lines
// run as a login shell on the host would run them.
import { spawn } from "child_process";
import * as path from "path";
import { PROJECT_ROOT } from "../../../lib/engine";

export interface Run {
  code: number | null;
  out: string;
}

/** A command on this machine, bounded, its input on stdin. */
export function run(command: string, args: string[],
  opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...opts.env },
      cwd: opts.cwd });
    let out = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 600_000);
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ?? "");
    child.on("error", (e) => (out += `${command}: ${e.message}\n`));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/**
 * The edge's starter here: a workstation has no edge unit and no sudo rule, so the host scripts start
 * HAProxy as the caller through this stand-in (host/release/edge-lib.sh edge_local_service).
 */
const LOCAL_EDGE = { COMPOSE_ON_EC2_LOCAL_EDGE: path.join(PROJECT_ROOT, "scripts/lib/rehearse/edge-service.sh") };

/** A host command line of components/remote.ts, run here as a login shell on the host would run it. */
export const hostLine = (line: string, input?: string, timeoutMs?: number) =>
  run("sh", ["-c", line], { input, timeoutMs, env: LOCAL_EDGE });
