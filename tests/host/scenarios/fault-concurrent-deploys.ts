// Two deploys at once: one meets the lock (waits for it, or is refused saying so), and the release
// that serves is the last deploy that succeeded.
import { CommandResult, log, sleep, tail } from "../harness/commands";
import { Release, servingRelease } from "../harness/context";
import { hostLogOf, stillServes } from "../harness/host";
import { appVariant, bundle, runDeploy, upload } from "../harness/releases";
import { fault } from "../harness/scenario";

interface Outcome {
  release: Release;
  result: CommandResult;
}

// A deploy that failed for another reason keeps its lock message in its log on the host.
const mentionsLock = (r: CommandResult) => /lock/i.test(r.stdout + r.stderr + hostLogOf(r).text);

export default fault(
  "two deploys at once",
  async (ctx): Promise<Outcome[]> => {
    servingRelease(ctx);
    const releases = ["a", "b"].map((x) =>
      bundle(ctx, `concurrent-${x}`,
        appVariant(ctx, `concurrent-${x}`, "hello/views.py", "<h1>It works</h1>",
          `<h1>It works (${x.toUpperCase()})</h1>`))
    );
    for (const release of releases) await upload(ctx, release);
    // In the order they finish; the second starts 300 ms after the first.
    const finished: Outcome[] = [];
    await Promise.all(releases.map(async (release, i) => {
      await sleep(300 * i);
      const result = await runDeploy(ctx, release);
      finished.push({ release, result });
    }));
    for (const { release, result } of finished) {
      log(`  deploy ${release.label}: exit ${result.code}\n${tail(result, 4)}`);
    }
    return finished;
  },
  async (ctx, finished) => {
    const succeeded = finished.filter((o) => o.result.code === 0);
    const expected = succeeded.length > 0 ? succeeded[succeeded.length - 1].release : servingRelease(ctx);
    ctx.checks.check("at least one of two concurrent deploys succeeds", succeeded.length >= 1,
      `succeeded: ${succeeded.map((o) => o.release.label).join(", ") || "none"}`);
    const results = finished.map((o) => o.result);
    ctx.checks.check("the second deploy met the lock (waited or was refused, saying so)",
      results.some(mentionsLock) && results.every((r) => r.code === 0 || mentionsLock(r)),
      finished.map((o) =>
        `${o.release.label}: ${
          (o.result.stdout + o.result.stderr + hostLogOf(o.result).text).split("\n").find((l) => /lock/i.test(l))
            ?? "no lock message"
        }`
      ).join("; "));
    const served = await stillServes(ctx, expected);
    ctx.checks.check("the serving release is the last successful deploy", served.ok,
      `expected ${expected.label}, ${served.seen}`);
    ctx.serving = expected;
  },
);
