// A first deploy (nothing runs: destroyed before) whose web exits at once never gets healthy: it
// fails, says nothing was serving, and leaves no container behind.
import { tail } from "../harness/commands";
import { containerSnapshot } from "../harness/host";
import { appVariant, deploy } from "../harness/releases";
import { scenario } from "../harness/scenario";

export default scenario("a first deploy that fails", async (ctx) => {
  const dir = appVariant(ctx, "crashing", "bin/start.sh", "set -eu",
    'set -eu\necho "crashing on purpose (e2e)" >&2; exit 3');
  const { result: r } = await deploy(ctx, "crashing-first", dir);
  ctx.checks.check("a first deploy whose web never gets healthy fails, saying nothing was serving",
    r.code !== 0 && /nothing was serving before/.test(r.stderr), tail(r, 3));
  const left = await containerSnapshot(ctx);
  ctx.checks.check("a failed first deploy leaves no container behind", Object.keys(left).length === 0,
    JSON.stringify(left));
});
