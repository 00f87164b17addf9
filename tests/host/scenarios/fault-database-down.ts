// The database is unreachable while a release deploys: its migration fails before traffic moves, and
// once the database is back the previous release serves again.
import { CommandResult, log, tail } from "../harness/commands";
import { servingRelease } from "../harness/context";
import { standIn, stillServes } from "../harness/host";
import { appVariant, bundle, runDeploy, upload, why } from "../harness/releases";
import { fault } from "../harness/scenario";

export default fault(
  "the database is unreachable during a deploy",
  async (ctx): Promise<CommandResult> => {
    servingRelease(ctx);
    const release = bundle(ctx, "db-down",
      appVariant(ctx, "db-down", "hello/views.py", "<h1>It works</h1>", "<h1>It works (db down)</h1>"));
    await upload(ctx, release);
    const stopped = await standIn(ctx, "postgres.sh", "stop");
    try {
      if (stopped.code !== 0) throw new Error(`could not stop PostgreSQL:\n${tail(stopped)}`);
      return await runDeploy(ctx, release);
    } finally {
      const started = await standIn(ctx, "postgres.sh", "start");
      if (started.code !== 0) log(`  PostgreSQL did not start again:\n${tail(started)}`);
    }
  },
  async (ctx, result) => {
    ctx.checks.check("deploy with the database down fails", result.code !== 0, why(result));
    // nginx may have marked the upstream failed while the database was down (fail_timeout 5s).
    const kept = await stillServes(ctx, servingRelease(ctx), 30_000);
    ctx.checks.check("the previous release serves once the database is back", kept.ok, kept.seen);
  },
);
