// scripts/lib/ops: the ops command line split into verb, verb arguments and target; the target from
// flags or a stack's outputs; the OpenSSH argument list and the remote line of each verb.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { OpsUsageError, parseOpsArgs, wantsTty } from "../../scripts/lib/ops/args";
import { knownHostsLine, remoteLine, sshArgs } from "../../scripts/lib/ops/ssh";
import { targetFromFlags, targetFromOutputs } from "../../scripts/lib/ops/target";
import type { ResolvedOutputs } from "../../components/outputs";
import { hostBaseDir } from "../../components/layout";
import { cachedRun } from "../support/fixtures";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyOfTheTestHost";
const OUTPUTS: ResolvedOutputs = {
  hosting: "ec2",
  hostPublicKey: HOST_KEY,
  publicIp: "203.0.113.7",
  sshUser: "ec2-user",
  sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n-----END OPENSSH PRIVATE KEY-----",
  instanceId: "i-0123456789abcdef0",
  region: "eu-west-1",
};

/** What a POSIX shell makes of a line: its words. */
function words(line: string): string[] {
  const r = spawnSync("bash", ["-c", `printf '%s\\0' ${line}`], { encoding: "utf8" });
  return r.stdout.split("\0").slice(0, -1);
}

describe("ops command line", () => {
  it("keeps the verb's own arguments in order and takes out where the host is", () => {
    const c = parseOpsArgs(["logs", "web", "-f", "--stack", "dev", "--since", "10m", "--tail", "50"]);
    assert.strictEqual(c.verb, "logs");
    assert.deepStrictEqual(c.verbArgs, ["web", "-f", "--since", "10m", "--tail", "50"]);
    assert.deepStrictEqual(c.target, { stack: "dev" });
  });

  it("passes everything after -- to exec untouched, flags that look like the runner's included", () => {
    const c = parseOpsArgs(["exec", "web", "--host", "10.0.0.5", "--key=k.pem", "--", "python", "manage.py", "shell",
      "--host", "x"]);
    assert.deepStrictEqual(c.verbArgs, ["web", "--", "python", "manage.py", "shell", "--host", "x"]);
    assert.deepStrictEqual(c.target, { host: "10.0.0.5", key: "k.pem" });
  });

  it("refuses an unknown verb, a missing target, both targets, exec without a command and ssh with arguments", () => {
    assert.throws(() => parseOpsArgs(["deploy", "--stack", "dev"]), /unknown verb 'deploy'/);
    assert.throws(() => parseOpsArgs(["status"]), /--stack NAME or --host ADDRESS/);
    assert.throws(() => parseOpsArgs(["status", "--stack", "dev", "--host", "h"]), /not both/);
    assert.throws(() => parseOpsArgs(["exec", "web", "--stack", "dev"]), /command after --/);
    assert.throws(() => parseOpsArgs(["ssh", "ls", "--stack", "dev"]), /ssh takes no arguments/);
    assert.throws(() => parseOpsArgs(["status", "--stack"]),
      (e: Error) => e instanceof OpsUsageError && /--stack needs a value/.test(e.message));
  });

  it("asks for a terminal for ssh, exec and following logs only", () => {
    const tty = (...argv: string[]) => wantsTty(parseOpsArgs(["--stack", "dev", ...argv]));
    assert.strictEqual(tty("ssh"), true);
    assert.strictEqual(tty("exec", "web", "--", "sh"), true);
    assert.strictEqual(tty("logs", "-f"), true);
    assert.strictEqual(tty("logs", "web"), false);
    assert.strictEqual(tty("status", "--json"), false);
    assert.strictEqual(tty("rollback"), false);
  });
});

describe("ops target", () => {
  it("reads address, user and key from the stack's outputs, the base dir in the login's home", () => {
    const t = targetFromOutputs("dev", OUTPUTS);
    assert.strictEqual(t.host, "203.0.113.7");
    assert.strictEqual(t.user, "ec2-user");
    assert.strictEqual(t.port, 22);
    assert.strictEqual(t.transport, "ssh");
    assert.strictEqual(t.baseDir, hostBaseDir(t.user));
    assert.strictEqual(t.privateKey, OUTPUTS.sshPrivateKey);
  });

  it("goes through SSM to the instance id when the stack's transport is ssm, and pins its host key", () => {
    const t = targetFromOutputs("prod", { ...OUTPUTS, transport: "ssm" });
    assert.strictEqual(t.host, "i-0123456789abcdef0");
    assert.strictEqual(t.transport, "ssm");
    assert.strictEqual(knownHostsLine(t, t.hostPublicKey ?? ""), `i-0123456789abcdef0 ${HOST_KEY}\n`);
  });

  it("pins the host key the program really exports, on both transports", async function() {
    this.timeout(60000);
    for (const transport of ["ssh", "ssm"] as const) {
      const { outputs } = await cachedRun(`ops-target-${transport}`, () => ({ stack: "dev", config: { transport } }));
      const t = targetFromOutputs("dev", outputs as ResolvedOutputs);
      assert.ok(typeof outputs.hostPublicKey === "string" && outputs.hostPublicKey.startsWith("ssh-"),
        "the program exports the host key");
      assert.strictEqual(t.hostPublicKey, outputs.hostPublicKey);
      assert.strictEqual(t.acceptNewHostKey, false);
      assert.ok(
        sshArgs(t, { keyFile: "/k", knownHostsFile: "/kh" }, false, "true").includes("StrictHostKeyChecking=yes"),
      );
    }
  });

  it("refuses a stack without a pinned host key unless asked to accept a new one", () => {
    const { hostPublicKey, ...unpinned } = OUTPUTS;
    assert.ok(hostPublicKey);
    assert.throws(() => targetFromOutputs("dev", unpinned),
      /no hostPublicKey output.*--known-hosts FILE.*--accept-new-host-key/);
    const accepted = targetFromOutputs("dev", unpinned, { acceptNewHostKey: true });
    assert.ok(sshArgs(accepted, { keyFile: "/k" }, false, "true").includes("StrictHostKeyChecking=accept-new"));
    assert.deepStrictEqual(targetFromOutputs("dev", unpinned, { knownHosts: "/kh" }).knownHostsFile, "/kh");
    assert.strictEqual(parseOpsArgs(["status", "--stack", "dev", "--accept-new-host-key"]).target.acceptNewHostKey,
      true);
  });

  it("names the missing outputs, and refuses an ecs stack with what to use instead", () => {
    assert.throws(() => targetFromOutputs("dev", { hosting: "ec2" }), /no publicIp, sshUser, sshPrivateKey output/);
    assert.throws(() => targetFromOutputs("dev", { ...OUTPUTS, hosting: "ecs" }), /aws ecs execute-command/);
  });

  it("takes a host without state from flags: key file required, user ec2-user, port checked", () => {
    const t = targetFromFlags({ host: "127.0.0.1", port: "2222", key: "/k", user: "deploy", knownHosts: "/kh" });
    assert.deepStrictEqual([t.host, t.port, t.user, t.baseDir, t.keyFile, t.knownHostsFile], ["127.0.0.1", 2222,
      "deploy", "/home/deploy/compose-on-ec2", "/k", "/kh"]);
    assert.strictEqual(targetFromFlags({ host: "h", key: "/k", knownHosts: "/kh" }).user, "ec2-user");
    assert.throws(() => targetFromFlags({ host: "h", key: "/k" }),
      /--host h: nothing to verify its SSH host key against/);
    assert.strictEqual(targetFromFlags({ host: "h", key: "/k", acceptNewHostKey: true }).acceptNewHostKey, true);
    assert.throws(() => targetFromFlags({ host: "h" }), /--key FILE/);
    assert.throws(() => targetFromFlags({ host: "h", key: "/k", port: "70000", knownHosts: "/kh" }),
      /--port must be a whole number from 1 to 65535 \(got '70000'\)/);
  });
});

describe("ops ssh command", () => {
  const target = targetFromFlags({ host: "127.0.0.1", port: "2222", key: "/tmp/k", user: "deploy", baseDir: "/srv/app",
    acceptNewHostKey: true });

  it("runs the verb's script from the serving release, every argument one word on the host", () => {
    const line = remoteLine(
      parseOpsArgs(["maintenance", "on", "--message", "back at 5 o'clock; $(rm -rf /)", "--host", "h"]),
      target.baseDir,
      false,
    );
    assert.deepStrictEqual(words(line ?? ""), [
      "bash",
      path.posix.join("/srv/app", "current", ".compose-on-ec2", "ops", "maintenance.sh"),
      "--base-dir",
      "/srv/app",
      "on",
      "--message",
      "back at 5 o'clock; $(rm -rf /)",
    ]);
  });

  it("gives exec --tty before the command only when a terminal is asked for", () => {
    const c = parseOpsArgs(["exec", "web", "--host", "h", "--", "python", "manage.py", "check"]);
    assert.deepStrictEqual(words(remoteLine(c, "/b", true) ?? "").slice(4), ["web", "--tty", "--", "python",
      "manage.py", "check"]);
    assert.deepStrictEqual(words(remoteLine(c, "/b", false) ?? "").slice(4), ["web", "--", "python", "manage.py",
      "check"]);
  });

  it("opens a shell for ssh: no remote command, -t", () => {
    const c = parseOpsArgs(["ssh", "--host", "h"]);
    assert.strictEqual(remoteLine(c, "/b", true), undefined);
    const args = sshArgs(target, { keyFile: "/tmp/k" }, true, undefined);
    assert.deepStrictEqual(args.slice(-2), ["-t", "deploy@127.0.0.1"]);
  });

  it("names the key by file and pins known hosts when given, never the key's text", () => {
    const pinned = sshArgs(target, { keyFile: "/tmp/k", knownHostsFile: "/tmp/kh" }, false, "true");
    assert.ok(pinned.includes("UserKnownHostsFile=/tmp/kh") && pinned.includes("StrictHostKeyChecking=yes"));
    assert.deepStrictEqual(pinned.slice(pinned.indexOf("-i"), pinned.indexOf("-i") + 2), ["-i", "/tmp/k"]);
    assert.deepStrictEqual(pinned.slice(-3), ["-T", "deploy@127.0.0.1", "true"]);
    const stack = targetFromOutputs("dev", OUTPUTS);
    assert.ok(
      !sshArgs(stack, { keyFile: "/tmp/k", knownHostsFile: "/tmp/kh" }, false, "true").join(" ").includes("secret"),
    );
    assert.throws(() => sshArgs(stack, { keyFile: "/tmp/k" }, false, "true"), /no host key to verify against/);
  });

  it("reaches an ssm host through aws ssm start-session in its region", () => {
    const t = targetFromOutputs("prod", { ...OUTPUTS, transport: "ssm" });
    const args = sshArgs(t, { keyFile: "/k", knownHostsFile: "/kh" }, false, "true");
    assert.ok(
      args.includes(
        "ProxyCommand=aws ssm start-session --target %h --document-name AWS-StartSSHSession --parameters portNumber=%p --region eu-west-1",
      ),
    );
    assert.ok(args.includes("ec2-user@i-0123456789abcdef0"));
  });
});
