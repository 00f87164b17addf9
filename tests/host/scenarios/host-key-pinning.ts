// A host presenting another host key is refused on both transports before anything is sent: no
// command runs on it and its stdin (where the .env travels) never arrives. The ssh transport's
// remote.Command pins through pulumi-command's hostKey (unit-tested); here the same command line
// goes over OpenSSH pinned through known_hosts, as the runner-side teardown and the ssm steps do.
import * as fs from "fs";
import * as path from "path";
import * as remote from "../../../components/remote";
import { tail } from "../harness/commands";
import { servingRelease } from "../harness/context";
import { containerSnapshot, hostPublicKey, teardownFromRunner } from "../harness/host";
import { scenario } from "../harness/scenario";
import { ssmSession } from "../harness/ssm";

/** A command line that writes its stdin to a file on the host: proof of what arrived. */
function writeStdinTo(file: string): string {
  return remote.bashScript('cat > "$1"', "stdin-probe", [file]);
}

export default scenario("host key pinning: another key is refused before anything is sent", async (ctx) => {
  servingRelease(ctx);
  const dir = path.join(ctx.env.workDir, "impostor");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const made = await ctx.commands.run("ssh-keygen (another host key)", "ssh-keygen", ["-q", "-t", "ed25519", "-N", "",
    "-C", "impostor", "-f", path.join(dir, "key")]);
  if (!ctx.checks.check("another ed25519 host key is made", made.code === 0, tail(made))) return;
  const otherKey = fs.readFileSync(path.join(dir, "key.pub"), "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
  ctx.checks.check("the other key differs from the sshd's", otherKey !== hostPublicKey(ctx));

  const probe = path.join(ctx.env.deployHome, "pinning-probe");
  const secretLine = `SECRET_KEY=${ctx.secrets.SECRET_KEY}\n`;
  fs.rmSync(probe, { force: true });

  // ssh transport: the command line and stdin over OpenSSH, known_hosts pinning the other key.
  const knownHosts = path.join(dir, "known_hosts");
  fs.writeFileSync(knownHosts, `[127.0.0.1]:${ctx.env.sshPort} ${otherKey}\n`);
  const direct = await ctx.commands.run("ssh with another pinned key", "ssh", [
    "-F",
    "/dev/null",
    "-i",
    ctx.env.sshKey,
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "BatchMode=yes",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    `UserKnownHostsFile=${knownHosts}`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "HostKeyAlgorithms=ssh-ed25519",
    "-p",
    ctx.env.sshPort,
    `${ctx.env.sshUser}@127.0.0.1`,
    writeStdinTo(probe),
  ], { input: secretLine, timeoutMs: 60_000 });
  ctx.checks.check("ssh transport: a host with another key is refused (exit 255, host key verification failed)",
    direct.code === 255 && /Host key verification failed/.test(direct.stderr), tail(direct, 3));
  ctx.checks.check("ssh transport: nothing ran and no stdin arrived on the refused host", !fs.existsSync(probe));

  // ssm transport: ssm-session.sh through the stood-in Session Manager, pinning the other key.
  const ssm = await ssmSession(ctx, "ssm session with another pinned key", { action: "run",
    command: writeStdinTo(probe) }, { input: secretLine, hostKey: otherKey, retries: 2 });
  ctx.checks.check("ssm transport: a host with another key is refused at once, saying nothing was sent",
    ssm.code !== 0 && /does not present its pinned host key: nothing was sent/.test(ssm.stderr)
      && !/attempt/.test(ssm.stderr), tail(ssm, 3));
  ctx.checks.check("ssm transport: nothing ran and no stdin arrived on the refused host", !fs.existsSync(probe));

  // The runner-side teardown (pulumi destroy) with another key: refused, the app keeps running.
  const before = await containerSnapshot(ctx);
  const teardown = await teardownFromRunner(ctx, "teardown with another pinned key", ctx.env.sshPort, 60_000, {
    hostKey: otherKey,
  });
  ctx.checks.check("teardown: a host with another key is refused, not taken for gone",
    teardown.code !== 0 && /does not present its pinned host key/.test(teardown.stderr), tail(teardown, 3));
  ctx.checks.check("teardown: the refused host's app keeps running",
    JSON.stringify(await containerSnapshot(ctx)) === JSON.stringify(before) && Object.keys(before).length > 0);

  // The right key: the same probe arrives whole, so the refusals above were the key and nothing else.
  const ok = await ssmSession(ctx, "ssm session with the host's key", { action: "run", command: writeStdinTo(probe) }, {
    input: secretLine,
  });
  ctx.checks.check("ssm transport: with the pinned key the command runs and its stdin arrives whole",
    ok.code === 0 && fs.existsSync(probe) && fs.readFileSync(probe, "utf8") === secretLine, tail(ok, 3));
  fs.rmSync(probe, { force: true });
});
