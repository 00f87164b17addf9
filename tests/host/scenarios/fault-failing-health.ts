// Zero downtime (c): a release whose /healthz answers 503 is rolled back under the request loop; the
// previous release keeps serving without a failed request (the keep-alive clients run beside the loop).
import { servingRelease } from "../harness/context";
import { hostLogOf, stillServes } from "../harness/host";
import { recordKeepAlive } from "../harness/keepalive";
import { appVariant, bundle, deployUnderLoad, why } from "../harness/releases";
import { describeLoop, failedRequests } from "../harness/report";
import { fault } from "../harness/scenario";

export default fault(
  "a release whose /healthz fails is rolled back (zero downtime c)",
  async (ctx) => {
    servingRelease(ctx);
    const dir = appVariant(ctx, "bad-health", "hello/views.py",
      'response = HttpResponse("ok\\n", content_type="text/plain")',
      'response = HttpResponse("broken on purpose by the e2e test\\n", status=503, content_type="text/plain")');
    const { result, stats, keepAlive } = await deployUnderLoad(ctx, bundle(ctx, "bad-health", dir));
    recordKeepAlive(ctx, "rollback", keepAlive);
    ctx.results.zeroDowntime.rollback = failedRequests(stats);
    return { result, stats };
  },
  async (ctx, { result, stats }) => {
    ctx.checks.check("deploy of a release with failing /healthz fails", result.code !== 0, why(result));
    const log = hostLogOf(result);
    const stderrLines = result.stderr.trim().split("\n").length;
    ctx.checks.check(
      "the failed deploy hands back only its reason and where its full output is kept on the host (0600)",
      !/\[deploy \+/.test(result.stdout) && stderrLines === 2
        && !/last log lines of/.test(result.stdout + result.stderr)
        && log.mode === "600" && /last log lines of/.test(log.text),
      `${stderrLines} lines on stderr, stdout ${JSON.stringify(result.stdout.slice(0, 120))}; log ${
        log.file ?? "not named"
      } mode ${log.mode}, ${log.text.split("\n").length} lines`,
    );
    const kept = await stillServes(ctx, servingRelease(ctx));
    ctx.checks.check("the previous release still serves after the rollback", kept.ok, kept.seen);
    ctx.checks.check("no failed requests during the rollback", failedRequests(stats) === 0, describeLoop(stats));
  },
);
