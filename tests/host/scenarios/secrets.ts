// Secrets never leak: not in the process list during any deploy, not in any command's output, and
// every .env stays 0600.
import { describeModes, envFileModes } from "../harness/host";
import { leakedSecrets } from "../harness/report";
import { scenario } from "../harness/scenario";

export default scenario("secrets", async (ctx) => {
  const { watch, commands } = ctx;
  ctx.checks.check("the DB password and secret key never show in the process list during deploys",
    watch.samples > 0 && watch.leaks.length === 0, `${watch.samples} samples of ps -eo args; ${watch.leaks.slice(0, 3).join("; ") || "no leaks"}`);
  const leaked = leakedSecrets(commands.transcript.join("\n"), ctx.secrets);
  ctx.checks.check("no secret in any command output", leaked.length === 0,
    `${commands.transcript.length / 2} commands scanned; leaked: ${leaked.join(", ") || "none"}`);
  const modes = envFileModes(ctx);
  ctx.checks.check(".env files are still mode 0600", modes.length > 0 && modes.every((e) => e.mode === "600"), describeModes(ctx, modes));
});
