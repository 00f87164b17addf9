// The ssm transport's runner side, for real: scripts/runner/ssm-session.sh runs OpenSSH and scp
// through the ProxyCommand `aws ssm start-session … AWS-StartSSHSession portNumber=%p`, with a
// stand-in `aws` relaying to the test sshd (Session Manager itself cannot run here). The same
// host command lines as the ssh transport: wait-ready, the bundle by scp, a deploy with the .env
// on stdin that serves a new release; the deploy step re-created by a transport switch restarts
// nothing; exit codes pass through; an instance no session reaches fails clearly (and the
// teardown takes it for gone).
import * as fs from "fs";
import * as remote from "../../../components/remote";
import { tail } from "../harness/commands";
import { appUrl, servingRelease } from "../harness/context";
import { getUrl } from "../harness/http";
import { containerSnapshot, teardownFromRunner } from "../harness/host";
import { appVariant, bundle, envFileFor, servesRelease } from "../harness/releases";
import { seconds } from "../harness/report";
import { scenario } from "../harness/scenario";
import { ssmSession, ssmStandIn, STANDIN_INSTANCE, standInEnv } from "../harness/ssm";

export default scenario("ssm transport: OpenSSH through the Session Manager ProxyCommand", async (ctx) => {
  servingRelease(ctx);
  const sessions = ssmStandIn(ctx).log;
  fs.rmSync(sessions, { force: true });

  const ready = await ssmSession(ctx, "ssm wait-ready", { action: "run", command: remote.waitReadyCommand(ctx.spec) });
  ctx.checks.check("ssm: wait-ready succeeds through the ProxyCommand", ready.code === 0, ready.code === 0 ? "" : `\n${tail(ready)}`);

  const dir = appVariant(ctx, "ssm", "hello/views.py", "<h1>It works</h1>", "<h1>It works (e2e over ssm)</h1>");
  const release = bundle(ctx, "ssm", dir);
  const up = await ssmSession(ctx, "ssm upload (scp)", { action: "upload", source: release.localPath, dest: ctx.layout.bundle(release.sha256) });
  ctx.checks.check("ssm: scp puts the bundle at its upload path", up.code === 0 && fs.existsSync(ctx.layout.bundle(release.sha256)), tail(up, 3));

  const line = remote.deployCommand(ctx.spec, release.sha256);
  ctx.watch.start();
  const deployed = await ssmSession(ctx, "ssm deploy", { action: "run", command: line }, { input: envFileFor(ctx, release.sha256) }).finally(() => ctx.watch.stop());
  ctx.checks.check("ssm: the deploy (same command line, .env on stdin) succeeds", deployed.code === 0, deployed.code === 0 ? `${seconds(deployed.ms)}s` : `\n${tail(deployed, 20)}`);
  if (deployed.code === 0) ctx.serving = release;
  const served = await servesRelease(ctx, release.sha256);
  ctx.checks.check("ssm: the new release serves", served.ok && (await getUrl(appUrl(ctx, "/"))).body.includes("e2e over ssm"), served.seen);

  // A transport switch re-creates the deploy step: the serving release with the same .env again.
  const before = await containerSnapshot(ctx);
  const again = await ssmSession(ctx, "ssm deploy (switch: same release)", { action: "run", command: line }, { input: envFileFor(ctx, release.sha256) });
  ctx.checks.check("ssm: the step a transport switch re-creates restarts nothing",
    again.code === 0 && JSON.stringify(await containerSnapshot(ctx)) === JSON.stringify(before) && /nothing restarted/.test(again.stdout + again.stderr), tail(again, 2));

  const failing = await ssmSession(ctx, "ssm exit code", { action: "run", command: remote.bashScript("exit 7", "exit-7", []) });
  ctx.checks.check("ssm: the host command's exit code passes through", failing.code === 7, `exit ${failing.code}`);

  const relayed = fs.existsSync(sessions) ? fs.readFileSync(sessions, "utf8").trim().split("\n") : [];
  const expected = `target=${STANDIN_INSTANCE} document=AWS-StartSSHSession port=${ctx.env.sshPort} region=us-east-1`;
  ctx.checks.check("ssm: every session went through `aws ssm start-session` with the instance, AWS-StartSSHSession and the SSH port",
    relayed.length >= 5 && relayed.every((l) => l === expected), `${relayed.length} sessions; first: ${relayed[0] ?? "(none)"}`);

  const lost = await ssmSession(ctx, "ssm to an instance not connected", { action: "run", command: line }, { instanceId: "i-0000000000000dead", retries: 1, input: envFileFor(ctx, release.sha256) });
  ctx.checks.check("ssm: an instance no session reaches fails after its retries, saying why",
    lost.code !== 0 && /not reached through Session Manager after 2 attempts/.test(lost.stderr), tail(lost, 2));
  const gone = await teardownFromRunner(ctx, "teardown through ssm (instance gone)", ctx.env.sshPort, 60_000, {
    host: "i-0000000000000dead", proxyCommand: remote.SSM_PROXY_COMMAND, env: standInEnv(ctx),
  });
  ctx.checks.check("ssm: the teardown takes an instance no session reaches for gone, saying so", gone.code === 0 && /the host is gone/.test(gone.stdout), tail(gone, 2));
});
