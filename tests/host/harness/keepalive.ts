// Keep-alive clients that never retry, beside the request loop during deploys: Debian's wrk, one
// process per URL (4 connections on one thread), bounded in time and stopped with SIGINT when the
// deploy ends. wrk reports a reset on a reused connection as a socket error where a retrying client
// (`ab -k`, browsers) would hide it. tests/host/lib/wrk-count.lua counts answers outside 2xx and
// prints the `wrk-counts:` line parsed here.
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { log } from "./commands";
import type { Context } from "./context";
import { KEEPALIVE_SUMMED, KeepAliveRun } from "./report";

/** A fast static file the app's proxy serves itself, and the app's own page. */
export const KEEPALIVE_PATHS = ["/static/hello/style.css", "/"];

/**
 * When true, every deploy that runs the keep-alive clients also checks that they saw no error.
 * On: clients keep their connections to the edge, which opens one per request to the app's proxy.
 */
export const FAIL_ON_KEEPALIVE_ERRORS = true;

const WRK_SCRIPT = path.resolve(__dirname, "../lib/wrk-count.lua");
/** wrk's own bound; a deploy that runs longer than this is a failure anyway. */
const WRK_MAX_SECONDS = 900;
const WRK_ARGS = ["-t1", "-c4", "--timeout", "5s", "--latency"];
/** How long wrk may take to print its report after SIGINT. */
const STOP_GRACE_MS = 15_000;

/** What one wrk run saw. `problem` is set when its report could not be read. */
export interface KeepAliveStats {
  path: string;
  requests: number;
  non2xx: number;
  connect: number;
  read: number;
  write: number;
  timeout: number;
  durationMs: number;
  p99Ms: number;
  problem?: string;
}

/** Reads the `wrk-counts:` line of wrk's output; a stats record with `problem` when there is none. */
export function parseWrkCounts(urlPath: string, output: string): KeepAliveStats {
  const line = output.split("\n").find((l) => l.startsWith("wrk-counts: "));
  const field = (name: string): number => Number(new RegExp(`\\b${name}=(\\d+)`).exec(line ?? "")?.[1] ?? NaN);
  const stats: KeepAliveStats = {
    path: urlPath,
    requests: field("requests"),
    non2xx: field("non2xx"),
    connect: field("connect"),
    read: field("read"),
    write: field("write"),
    timeout: field("timeout"),
    durationMs: field("duration_us") / 1000,
    p99Ms: field("p99_us") / 1000,
  };
  if (!line || Object.values(stats).some((v) => typeof v === "number" && Number.isNaN(v))) {
    stats.problem = `no wrk-counts line in wrk's output: ${
      output.trim().split("\n").slice(-3).join(" | ").slice(0, 300)
    }`;
  }
  return stats;
}

/** Socket errors (connect, read, write, timeout) plus answers outside 2xx; undefined when unread. */
export function keepAliveErrors(stats: KeepAliveStats): number | undefined {
  return stats.problem ? undefined : stats.connect + stats.read + stats.write + stats.timeout + stats.non2xx;
}

/** One line per wrk run, for the log and the closing lines. */
export function describeKeepAlive(stats: KeepAliveStats): string {
  if (stats.problem) return `${stats.path}: n/a (${stats.problem})`;
  return (
    `${stats.path}: ${keepAliveErrors(stats)} errors of ${stats.requests} requests `
    + `(socket connect ${stats.connect} read ${stats.read} write ${stats.write} timeout ${stats.timeout}, non-2xx ${stats.non2xx}; `
    + `p99 ${stats.p99Ms.toFixed(1)} ms over ${(stats.durationMs / 1000).toFixed(1)}s)`
  );
}

/** wrk against each of KEEPALIVE_PATHS under baseUrl until stop(). */
export class KeepAliveLoad {
  private readonly runs: { path: string; child: ChildProcess; output: Promise<string> }[] = [];

  constructor(private readonly baseUrl: string) {}

  start(): this {
    for (const urlPath of KEEPALIVE_PATHS) {
      const child = spawn("wrk", [...WRK_ARGS, "-d", `${WRK_MAX_SECONDS}s`, "-s", WRK_SCRIPT,
        `${this.baseUrl}${urlPath}`], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      const output = new Promise<string>((resolve) => {
        let text = "";
        child.stdout?.on("data", (d: Buffer) => (text += d.toString()));
        child.stderr?.on("data", (d: Buffer) => (text += d.toString()));
        child.on("error", (error) => (text += `wrk did not start: ${error.message}\n`));
        child.on("close", () => resolve(text));
      });
      this.runs.push({ path: urlPath, child, output });
    }
    return this;
  }

  /** SIGINT makes wrk stop and print its report; one that does not end within the grace is killed. */
  async stop(): Promise<KeepAliveStats[]> {
    return Promise.all(
      this.runs.map(async ({ path: urlPath, child, output }) => {
        if (child.exitCode === null) child.kill("SIGINT");
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
        const text = await output;
        clearTimeout(timer);
        const stats = parseWrkCounts(urlPath, text);
        log(`  keep-alive ${describeKeepAlive(stats)}`);
        return stats;
      }),
    );
  }
}

/**
 * Keeps a run's keep-alive figures for the closing lines; with FAIL_ON_KEEPALIVE_ERRORS the errors of a deploy in
 * KEEPALIVE_SUMMED fail a check.
 */
export function recordKeepAlive(ctx: Context, run: KeepAliveRun, stats: KeepAliveStats[]): void {
  ctx.results.keepAlive[run] = stats;
  if (FAIL_ON_KEEPALIVE_ERRORS && KEEPALIVE_SUMMED.includes(run)) {
    ctx.checks.check(`no keep-alive client (wrk, no retries) saw an error during ${run}`,
      stats.length > 0 && stats.every((s) => keepAliveErrors(s) === 0), stats.map(describeKeepAlive).join("; "));
  }
}
