// The deployment's transport: ssh (pulumi-command remote resources) or ssm (OpenSSH through Session
// Manager from local.Command resources). Same host command lines, same triggers, pinned host key;
// switching changes only the deployment's steps and port 22; the transport policy rules.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { routeOf } from "../../components/deployment";
import * as remote from "../../components/remote";
import { Registration, unwrapSecrets } from "../../lib/engine";
import { PolicyResource, checkAll } from "../../policy/rules";
import { cidrWithin, sshCidrProblem, transportOf, transportRules } from "../../policy/transportRules";
import { PlanResult } from "../../scripts/lib/plan/run";
import { transportLine } from "../../scripts/plan";
import { stackRun, planFor, plansBefore } from "../support/fixtures";

const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const key = (r: Registration) => `${r.type}::${r.name}`;
const step = (plan: PlanResult, name: string) => plan.resources.find((r) => r.name === name)!;
const env = (r: Registration) => r.inputs.environment as Record<string, string>;

describe("transport", function() {
  this.timeout(120_000);
  const plans = plansBefore({ ssh: () => planFor("dev"), ssm: () => planFor("dev", undefined, { transport: "ssm" }) });

  describe("switching a stack from ssh to ssm", () => {
    it("changes only the deployment's steps, the port-22 rules and Session Manager's policy on the role: not the host, its keys, the database or the app's .env", () => {
      const before = new Map(plans.ssh.resources.map((r) => [key(r), JSON.stringify(unwrapSecrets(r.inputs))]));
      const after = new Map(plans.ssm.resources.map((r) => [key(r), JSON.stringify(unwrapSecrets(r.inputs))]));
      const removed = [...before.keys()].filter((k) => !after.has(k)).sort();
      const added = [...after.keys()].filter((k) => !before.has(k)).sort();
      const changed = [...before.keys()].filter((k) => after.has(k) && after.get(k) !== before.get(k)).sort();
      assert.deepStrictEqual(removed, [
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::fw-web-ssh-0-0-0-0-0",
        "command:remote:Command::app-db-user",
        "command:remote:Command::app-deploy",
        "command:remote:Command::app-wait-ready",
      ]);
      assert.deepStrictEqual(added, ["aws:iam/rolePolicy:RolePolicy::host-ssm", "command:local:Command::app-db-user",
        "command:local:Command::app-deploy", "command:local:Command::app-wait-ready"]);
      // The teardown stays (a no-op create) and so does the upload (a local.Command on both):
      // only their environment says how to reach the host now.
      assert.deepStrictEqual(changed, ["command:local:Command::app-teardown", "command:local:Command::app-upload"]);
    });
    it("keeps every trigger: none names the transport, so only a new release or instance re-runs a step", () => {
      for (const name of ["app-wait-ready", "app-upload", "app-deploy"]) {
        assert.deepStrictEqual(unwrapSecrets(step(plans.ssm, name).inputs.triggers),
          unwrapSecrets(step(plans.ssh, name).inputs.triggers), name);
      }
    });
  });

  describe("the ssm steps", () => {
    it("send the same host command lines through ssm-session.sh, the command in the environment", () => {
      assert.strictEqual(env(step(plans.ssm, "app-wait-ready")).SESSION_COMMAND,
        step(plans.ssh, "app-wait-ready").inputs.create);
      assert.strictEqual(env(step(plans.ssm, "app-deploy")).SESSION_COMMAND,
        step(plans.ssh, "app-deploy").inputs.create);
      for (const name of ["app-wait-ready", "app-deploy"]) {
        const r = step(plans.ssm, name);
        assert.strictEqual(r.inputs.create, remote.runnerScript("ssm-session"),
          `${name} runs the script text, nothing else on its command line`);
        assert.deepStrictEqual(r.inputs.interpreter, ["/bin/bash", "-c"]);
        assert.strictEqual(env(r).SESSION_PROXY_COMMAND, remote.SSM_PROXY_COMMAND);
        assert.strictEqual(env(r).SESSION_TARGET, step(plans.ssm, "host-instance").id, `${name} targets the instance`);
        assert.strictEqual(env(r).SESSION_PORT, "22");
        assert.match(env(r).SESSION_HOST_KEY, /^ssh-ed25519 /);
        assert.strictEqual(env(r).AWS_REGION, plans.ssm.region);
      }
    });
    it("carry the .env on stdin and the keys in the environment as secrets, and log nothing of the deploy", () => {
      const deploy = step(plans.ssm, "app-deploy");
      assert.ok(deploy.secretInputs.includes("stdin") && deploy.secretInputs.includes("environment"));
      assert.match(String(deploy.inputs.stdin), /^DATABASE_URL='/m);
      assert.strictEqual(deploy.inputs.logging, "none");
      assert.strictEqual(deploy.inputs.addPreviousOutputInEnv, false);
    });
    it("retry only the first contact with a new instance (its agent registers after boot), never the deploy", () => {
      assert.deepStrictEqual([env(step(plans.ssm, "app-wait-ready")).SESSION_RETRIES,
        env(step(plans.ssm, "app-wait-ready")).SESSION_RETRY_PAUSE], ["30", "20"]);
      assert.strictEqual(env(step(plans.ssm, "app-deploy")).SESSION_RETRIES, "0");
    });
    it("upload with the same script and host lines as on ssh, through Session Manager: the instance id as host, the same ProxyCommand", () => {
      const viaSsm = env(step(plans.ssm, "app-upload"));
      const direct = env(step(plans.ssh, "app-upload"));
      assert.strictEqual(step(plans.ssm, "app-upload").inputs.create, remote.runnerScript("upload"));
      assert.strictEqual(step(plans.ssh, "app-upload").inputs.create, remote.runnerScript("upload"));
      assert.deepStrictEqual([viaSsm.UPLOAD_TARGET, viaSsm.UPLOAD_PROXY_COMMAND, viaSsm.AWS_REGION], [
        step(plans.ssm, "host-instance").id,
        remote.SSM_PROXY_COMMAND,
        plans.ssm.region,
      ]);
      assert.strictEqual(direct.UPLOAD_PROXY_COMMAND, "", "ssh dials directly");
      for (const k of ["UPLOAD_MISSING_COMMAND", "UPLOAD_RECEIVE_COMMAND", "UPLOAD_MANIFEST", "UPLOAD_STORE",
        "UPLOAD_HOST_KEY"]) assert.strictEqual(viaSsm[k], direct[k], k);
      assert.ok(step(plans.ssm, "app-upload").secretInputs.includes("environment"),
        "the login key travels as a secret");
    });
    it("tear down through Session Manager: the instance id as host, the same ProxyCommand", () => {
      const e = env(step(plans.ssm, "app-teardown"));
      assert.deepStrictEqual([e.TEARDOWN_HOST, e.TEARDOWN_PROXY_COMMAND], [step(plans.ssm, "host-instance").id,
        remote.SSM_PROXY_COMMAND]);
      assert.strictEqual(env(step(plans.ssh, "app-teardown")).TEARDOWN_PROXY_COMMAND, "", "ssh dials directly");
    });
    it("refuse a route to ssm without a region", () => {
      const connection = { address: "203.0.113.10", port: 22, user: "ec2-user", privateKey: "k", instanceId: "i-1",
        baseDir: "/b", hostKey: "ssh-ed25519 AAAA" };
      assert.throws(() => routeOf({ connection, transport: "ssm" }), /transport ssm needs region/);
      assert.strictEqual(routeOf({ connection }).transport, "ssh");
    });
  });

  describe("prod (transport ssm by default)", () => {
    it("opens no port 22 at all, and its instance role may run Session Manager's agent and no more", async () => {
      const { mock } = await stackRun("prod");
      assert.deepStrictEqual(
        mock.ofType(INGRESS).filter((r) => Number(r.inputs.fromPort) <= 22 && 22 <= Number(r.inputs.toPort)).map((r) =>
          r.name
        ),
        [],
      );
      const ssm = mock.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "host-ssm");
      const actions = (JSON.parse(ssm?.inputs.policy ?? "{}") as { Statement: { Action: string[] }[] }).Statement
        .flatMap((s) => s.Action);
      assert.ok(
        actions.includes("ssm:UpdateInstanceInformation") && actions.includes("ssmmessages:OpenDataChannel")
          && actions.includes("ec2messages:GetMessages"),
        actions.join(" "),
      );
      assert.deepStrictEqual(
        actions.filter((a) => !/^(ssmmessages|ec2messages):|^ssm:UpdateInstanceInformation$/.test(a)),
        [],
        "nothing but the agent's channels: no ssm:GetParameter*",
      );
      assert.ok(mock.resources.some((r) => r.type === "command:local:Command" && r.name === "app-deploy"),
        "the deploy runs from the runner");
      assert.ok(!mock.resources.some((r) => r.type.startsWith("command:remote:")), "no step dials the host directly");
    });
    it("is shown by the offline plan, with port 22 closed", async () => {
      assert.match(transportLine(await planFor("prod")), /^Transport: ssm .*inbound port 22: closed$/);
      assert.match(transportLine(plans.ssh), /^Transport: ssh .*port 22 from 0\.0\.0\.0\/0$/);
    });
  });

  describe("the deploy role's documented Session Manager policy (docs/reference/transport.md)", () => {
    const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "reference", "transport.md"), "utf8");
    const policy = JSON.parse(/```json\n(\{\n  "Version"[\s\S]*?)\n```/.exec(doc)![1]) as {
      Statement: { Action: string; Resource: string; Condition?: Record<string, Record<string, string>> }[];
    };
    it("allows only starting sessions to the stack's tagged instance through the SSH document, and ending its own", () => {
      const byAction = (a: string) => policy.Statement.filter((st) => st.Action === a);
      assert.deepStrictEqual([...new Set(policy.Statement.map((st) => st.Action))].sort(), ["ssm:StartSession",
        "ssm:TerminateSession"]);
      const [instance, document] = byAction("ssm:StartSession");
      assert.match(instance.Resource, /^arn:aws:ec2:REGION:ACCOUNT:instance\/\*$/);
      assert.deepStrictEqual(instance.Condition?.StringEquals, { "ssm:resourceTag/project": "compose-on-ec2",
        "ssm:resourceTag/stack": "prod" });
      assert.deepStrictEqual(instance.Condition?.BoolIfExists, { "ssm:SessionDocumentAccessCheck": "true" },
        "no fallback to the shell document");
      assert.strictEqual(document.Resource, `arn:aws:ssm:REGION::document/${remote.SSM_SSH_DOCUMENT}`);
      assert.ok(remote.SSM_PROXY_COMMAND.includes(`--document-name ${remote.SSM_SSH_DOCUMENT}`),
        "the documented document is the one the steps use");
      assert.strictEqual(byAction("ssm:TerminateSession")[0].Resource, "arn:aws:ssm:*:ACCOUNT:session/${aws:userid}-*");
    });
  });

  describe("policy", () => {
    const [prodSshWithinAllowlist, ssmNoInboundSsh] = transportRules;
    const stack = (deploy: string, cidr: string): PolicyResource[] => [
      { type: deploy, name: "app-deploy", protect: false,
        props: deploy === "command:local:Command"
          ? { environment: { SESSION_PROXY_COMMAND: remote.SSM_PROXY_COMMAND } }
          : {} },
      { type: INGRESS, name: "fw-web-ssh", protect: false, stage: "prod",
        props: { fromPort: 22, toPort: 22, ipProtocol: "tcp", cidrIpv4: cidr } },
    ];
    it("tells the transport from the step resources", () => {
      assert.strictEqual(transportOf(stack("command:remote:Command", "203.0.113.0/24")), "ssh");
      assert.strictEqual(transportOf(stack("command:local:Command", "203.0.113.0/24")), "ssm");
      assert.strictEqual(transportOf([]), undefined);
    });
    it("refuses prod's port 22 on ssh wider than the configured allowlist, and accepts it within", () => {
      const allowlist = { sshCidrs: ["203.0.113.0/24"] };
      assert.deepStrictEqual(
        checkAll(stack("command:remote:Command", "203.0.113.0/24"), [prodSshWithinAllowlist], allowlist),
        [],
      );
      assert.deepStrictEqual(
        checkAll(stack("command:remote:Command", "203.0.113.128/25"), [prodSshWithinAllowlist], allowlist),
        [],
      );
      const wider = checkAll(stack("command:remote:Command", "203.0.112.0/23"), [prodSshWithinAllowlist], allowlist);
      assert.match(wider[0]?.message ?? "",
        /203\.0\.112\.0\/23, outside the configured allowlist \(sshCidrs: 203\.0\.113\.0\/24\)/);
      const noConfig = checkAll(stack("command:remote:Command", "10.0.0.0/15"), [prodSshWithinAllowlist]);
      assert.match(noConfig[0]?.message ?? "", /10\.0\.0\.0\/15, wider than \/16/,
        "without the pack's config, the hard limit still holds");
      assert.deepStrictEqual(checkAll(stack("command:remote:Command", "10.20.0.0/16"), [prodSshWithinAllowlist]), [],
        "a /16 is one organisation's network");
    });
    it("refuses any port 22 on ssm", () => {
      assert.match(checkAll(stack("command:local:Command", "203.0.113.0/24"), [ssmNoInboundSsh])[0]?.message ?? "",
        /transport ssm; remove the rule/);
      assert.deepStrictEqual(checkAll(stack("command:remote:Command", "203.0.113.0/24"), [ssmNoInboundSsh]), []);
    });
    it("contains CIDRs by family and prefix", () => {
      assert.ok(cidrWithin("10.1.0.0/16", "10.0.0.0/8"));
      assert.ok(!cidrWithin("10.0.0.0/8", "10.1.0.0/16"));
      assert.ok(cidrWithin("2001:db8:1::/48", "2001:db8::/32"));
      assert.ok(!cidrWithin("2001:db8::/32", "10.0.0.0/8"));
      assert.strictEqual(sshCidrProblem("2001:db8::/47", undefined),
        "port 22 is open to 2001:db8::/47, wider than /48 (too close to the whole internet for prod)");
    });
    it("passes the ssm plan: no port 22 rule, the deploy policy rules all pass", () => {
      assert.deepStrictEqual(plans.ssm.violations, []);
    });
  });
});
