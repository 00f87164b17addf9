// The ssm transport's runner side, for real: scripts/runner/ssm-session.sh and upload.sh run OpenSSH
// through the ProxyCommand `aws ssm start-session … AWS-StartSSHSession portNumber=%p`, with a
// stand-in `aws` relaying to the test sshd (Session Manager itself cannot run here). The same
// host command lines as the ssh transport: wait-ready, the upload (manifest, then the one changed
// content), a deploy with the .env
// on stdin that serves a new release; the deploy step re-created by a transport switch restarts
// nothing; exit codes pass through, a host command's own 255 too; an instance no session reaches
// fails clearly; the teardown takes an instance for gone only when EC2 says it is (terminated, or
// unknown), and fails, naming what is missing, without the plugin or ssm:StartSession.
import * as fs from "fs";
import * as remote from "../../../components/remote";
import { tail } from "../harness/commands";
import { appUrl, type Context, type Release, servingRelease } from "../harness/context";
import { getUrl } from "../harness/http";
import { containerSnapshot, teardownFromRunner } from "../harness/host";
import { appVariant, bundle, envFileFor, servesRelease } from "../harness/releases";
import { seconds } from "../harness/report";
import { scenario } from "../harness/scenario";
import { ssmSession, ssmStandIn, STANDIN_INSTANCE, standInEnv } from "../harness/ssm";
import { runUpload, uploadSent } from "../harness/upload";

export default scenario("ssm transport: OpenSSH through the Session Manager ProxyCommand", async (ctx) => {
  servingRelease(ctx);
  const sessions = ssmStandIn(ctx).log;
  fs.rmSync(sessions, { force: true });
  const { line, release } = await deployThroughSsm(ctx);
  await exitCodesPassThrough(ctx);
  sessionsWentThroughSsm(ctx, sessions);
  await unreachedFailsClearly(ctx, line, release);
  await teardownVerdicts(ctx);
});

/** wait-ready, the upload, a deploy that serves a new release, and the re-created step that restarts nothing; the deploy's command line and the release. */
async function deployThroughSsm(ctx: Context): Promise<{ line: string; release: Release }> {
  const ready = await ssmSession(ctx, "ssm wait-ready", { action: "run", command: remote.waitReadyCommand(ctx.spec) });
  ctx.checks.check("ssm: wait-ready succeeds through the ProxyCommand", ready.code === 0,
    ready.code === 0 ? "" : `\n${tail(ready)}`);

  const dir = appVariant(ctx, "ssm", "hello/views.py", "<h1>It works</h1>", "<h1>It works (e2e over ssm)</h1>");
  const release = bundle(ctx, "ssm", dir);
  const up = await runUpload(ctx, release, { transport: "ssm" });
  const sent = uploadSent(up);
  ctx.checks.check(
    "ssm: the upload (upload.sh through the ProxyCommand) keeps the manifest and sends only the changed content",
    up.code === 0 && fs.existsSync(ctx.layout.manifest(release.sha256)) && sent?.missing === 1,
    tail(up, 3),
  );

  const line = remote.deployCommand(ctx.spec, release.sha256);
  ctx.watch.start();
  const deployed = await ssmSession(ctx, "ssm deploy", { action: "run", command: line }, {
    input: envFileFor(ctx, release.sha256),
  }).finally(() => ctx.watch.stop());
  ctx.checks.check("ssm: the deploy (same command line, .env on stdin) succeeds", deployed.code === 0,
    deployed.code === 0 ? `${seconds(deployed.ms)}s` : `\n${tail(deployed, 20)}`);
  if (deployed.code === 0) ctx.serving = release;
  const served = await servesRelease(ctx, release.sha256);
  ctx.checks.check("ssm: the new release serves",
    served.ok && (await getUrl(appUrl(ctx, "/"))).body.includes("e2e over ssm"), served.seen);

  // A transport switch re-creates the deploy step: the serving release with the same .env again.
  const before = await containerSnapshot(ctx);
  const again = await ssmSession(ctx, "ssm deploy (switch: same release)", { action: "run", command: line }, {
    input: envFileFor(ctx, release.sha256),
  });
  ctx.checks.check("ssm: the step a transport switch re-creates restarts nothing",
    again.code === 0 && JSON.stringify(await containerSnapshot(ctx)) === JSON.stringify(before)
      && /nothing restarted/.test(again.stdout + again.stderr), tail(again, 2));
  return { line, release };
}

/** A host command's exit code, its own 255 too, passes through the session. */
async function exitCodesPassThrough(ctx: Context): Promise<void> {
  const failing = await ssmSession(ctx, "ssm exit code", { action: "run",
    command: remote.bashScript("exit 7", "exit-7", []) });
  ctx.checks.check("ssm: the host command's exit code passes through", failing.code === 7, `exit ${failing.code}`);
  const own255 = await ssmSession(ctx, "ssm exit code 255", { action: "run",
    command: remote.bashScript("exit 255", "exit-255", []) }, { retries: 2 });
  ctx.checks.check("ssm: a host command's own exit 255 passes through, not taken for an unreached host (no retry)",
    own255.code === 255 && !/not reached/.test(own255.stderr), `exit ${own255.code}; ${tail(own255, 2)}`);
}

/** Every session so far went through the stand-in `aws ssm start-session` with the right target. */
function sessionsWentThroughSsm(ctx: Context, sessions: string): void {
  const relayed = fs.existsSync(sessions) ? fs.readFileSync(sessions, "utf8").trim().split("\n") : [];
  const expected = `target=${STANDIN_INSTANCE} document=AWS-StartSSHSession port=${ctx.env.sshPort} region=us-east-1`;
  ctx.checks.check(
    "ssm: every session went through `aws ssm start-session` with the instance, AWS-StartSSHSession and the SSH port",
    relayed.length >= 5 && relayed.every((l) => l === expected),
    `${relayed.length} sessions; first: ${relayed[0] ?? "(none)"}`,
  );
}

/** An instance no session reaches, or a runner without the plugin, fails with the reason. */
async function unreachedFailsClearly(ctx: Context, line: string, release: Release): Promise<void> {
  const lost = await ssmSession(ctx, "ssm to an instance not connected", { action: "run", command: line }, {
    instanceId: "i-0000000000000dead",
    retries: 1,
    input: envFileFor(ctx, release.sha256),
  });
  ctx.checks.check("ssm: an instance no session reaches fails after its retries, saying why",
    lost.code !== 0 && /not reached through Session Manager after 2 attempts/.test(lost.stderr), tail(lost, 2));
  const noPlugin = await ssmSession(ctx, "ssm without the plugin", { action: "run",
    command: remote.waitReadyCommand(ctx.spec) }, { retries: 3, env: { SSM_STANDIN_FAULT: "no-plugin" } });
  ctx.checks.check("ssm: a session without the Session Manager plugin fails at once, naming the plugin",
    noPlugin.code !== 0 && /not reached: the Session Manager plugin is not installed/.test(noPlugin.stderr)
      && !/attempt 1 of/.test(noPlugin.stderr), tail(noPlugin, 2));
}

/** The teardown through ssm: one verdict per way a session can fail to reach the instance. */
async function teardownVerdicts(ctx: Context): Promise<void> {
  const teardown = (label: string, host: string, env: Record<string, string> = {}) =>
    teardownFromRunner(ctx, `teardown through ssm (${label})`, ctx.env.sshPort, 60_000, {
      host,
      proxyCommand: remote.SSM_PROXY_COMMAND,
      env: { ...standInEnv(ctx), SSM_STANDIN_STATES: "i-0000000000000dead=terminated i-00000000000000off=stopped",
        ...env },
    });
  const terminated = await teardown("instance terminated", "i-0000000000000dead");
  ctx.checks.check("ssm: the teardown takes a terminated instance no session reaches for gone, saying so",
    terminated.code === 0 && /the host is gone/.test(terminated.stdout)
      && /instance terminated/.test(terminated.stdout), tail(terminated, 2));
  const unknown = await teardown("instance unknown to EC2", "i-000000000000f00d");
  ctx.checks.check("ssm: the teardown takes an instance EC2 no longer knows for gone",
    unknown.code === 0 && /the host is gone/.test(unknown.stdout) && /not-found/.test(unknown.stdout),
    tail(unknown, 2));
  const stopped = await teardown("instance stopped", "i-00000000000000off");
  ctx.checks.check("ssm: the teardown fails for an instance that exists but no session reaches, naming its state",
    stopped.code !== 0 && /nothing was taken down, yet the instance is stopped/.test(stopped.stderr), tail(stopped, 2));
  const noPluginDown = await teardown("no plugin", STANDIN_INSTANCE, { SSM_STANDIN_FAULT: "no-plugin" });
  ctx.checks.check(
    "ssm: the teardown fails without the Session Manager plugin, naming it, and never calls the host gone",
    noPluginDown.code !== 0 && /the Session Manager plugin is not installed/.test(noPluginDown.stderr)
      && !/gone/.test(noPluginDown.stdout),
    tail(noPluginDown, 2),
  );
  const denied = await teardown("ssm:StartSession denied", STANDIN_INSTANCE, { SSM_STANDIN_FAULT: "access-denied" });
  ctx.checks.check(
    "ssm: the teardown fails when ssm:StartSession is denied, naming the permission, and never calls the host gone",
    denied.code !== 0 && /ssm:StartSession/.test(denied.stderr) && /nothing was taken down/.test(denied.stderr)
      && !/gone/.test(denied.stdout),
    tail(denied, 2),
  );
}
