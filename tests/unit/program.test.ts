// index.ts as a whole, under the AWS mock: exports, secrets, parallelism, determinism, fail-fast
// config, component conventions, tags.
import * as assert from "assert";
import { SSM_PROXY_COMMAND } from "../../components/remote";
import { AwsMock, MockResource, isSecret, runProgram } from "../../lib/engine";
import { stackRun } from "../support/fixtures";

const BASE_TAG_KEYS = ["project", "stack", "stage", "managed-by"];
/** AWS types this program creates that take tags. */
const TAGGABLE = [
  "aws:ec2/instance:Instance",
  "aws:ec2/eip:Eip",
  "aws:ec2/keyPair:KeyPair",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:iam/role:Role",
  "aws:iam/instanceProfile:InstanceProfile",
  "aws:rds/subnetGroup:SubnetGroup",
  "aws:rds/instance:Instance",
];
const comparable = (resources: MockResource[]) =>
  resources.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs })).sort((a, b) =>
    `${a.type}::${a.name}`.localeCompare(`${b.type}::${b.name}`)
  );

describe("program (index.ts)", () => {
  for (const stack of ["dev", "prod"] as const) {
    describe(`${stack} stack`, () => {
      it("exports the URL, IP, SSH command (no key material) and DB endpoint", async () => {
        const { outputs } = await stackRun(stack);
        assert.match(String(outputs.publicIp), /^\d+\.\d+\.\d+\.\d+$/);
        assert.strictEqual(outputs.url, `http://${outputs.publicIp}`);
        assert.strictEqual(
          outputs.sshCommand,
          stack === "prod"
            ? `ssh -i compose-on-ec2-prod.pem -o ProxyCommand='${SSM_PROXY_COMMAND}' ec2-user@${outputs.instanceId}`
            : `ssh -i compose-on-ec2-dev.pem ec2-user@${outputs.publicIp}`,
        );
        assert.strictEqual(outputs.transport, stack === "prod" ? "ssm" : "ssh");
        assert.ok(!String(outputs.sshCommand).includes("PRIVATE"));
        assert.match(String(outputs.dbEndpoint),
          new RegExp(`^compose-on-ec2-${stack}\\..+\\.rds\\.amazonaws\\.com:5432$`));
        assert.strictEqual(outputs.stage, stack);
      });
      it("exports secrets only as secrets and nothing else as a secret", async () => {
        const { exports } = await stackRun(stack);
        for (const name of ["dbUrl", "dbPassword", "sshPrivateKey"]) {
          assert.strictEqual(await isSecret(exports[name]), true, name);
        }
        for (const name of ["url", "publicIp", "sshCommand", "dbEndpoint", "instanceId"]) {
          assert.strictEqual(await isSecret(exports[name]), false, name);
        }
      });
      it("builds EC2 and RDS independently: neither depends on the other", async () => {
        const { mock } = await stackRun(stack);
        const instance = mock.one("aws:ec2/instance:Instance");
        const db = mock.one("aws:rds/instance:Instance");
        assert.ok(!instance.options.dependencies.includes(db.urn!) && !db.options.dependencies.includes(instance.urn!));
        assert.ok(instance.options.dependencies.every((u) => mock.resources.some((r) => r.urn === u)),
          "dependency URNs match recorded URNs");
        assert.ok(!instance.options.dependencies.some((u) => u.includes("compose-on-ec2:database:Database")),
          instance.options.dependencies.join("\n"));
        assert.ok(!db.options.dependencies.some((u) => u.includes("compose-on-ec2:host:Host")),
          db.options.dependencies.join("\n"));
        const instanceInputs = JSON.stringify(instance.inputs);
        const dbInputs = JSON.stringify(db.inputs);
        for (const v of [db.state.address, db.id, db.state.arn]) assert.ok(!instanceInputs.includes(v), v);
        for (const v of [instance.id, instance.state.publicIp, instance.state.privateIp]) {
          assert.ok(!dbInputs.includes(v), v);
        }
      });
      it("tags every taggable resource with project, stack, stage and managed-by", async () => {
        const { mock } = await stackRun(stack);
        const tagged = mock.resources.filter((r) => TAGGABLE.includes(r.type));
        assert.ok(tagged.length >= 15);
        for (const r of tagged) {
          assert.deepStrictEqual(BASE_TAG_KEYS.map((k) => r.inputs.tags?.[k]), ["compose-on-ec2", stack, stack,
            "pulumi"], `${r.type} ${r.name}`);
        }
      });
      it("follows the component conventions: compose-on-ec2:<module>:<Name> tokens, children named <parent>-<role>", async () => {
        const { mock } = await stackRun(stack);
        const components = mock.resources.filter((r) => !r.options.custom);
        assert.deepStrictEqual(components.map((c) => c.type).sort(), ["compose-on-ec2:database:Database",
          "compose-on-ec2:deployment:ComposeDeployment", "compose-on-ec2:firewall:Firewall", "compose-on-ec2:host:Host",
          "compose-on-ec2:logs:ContainerLogs", "compose-on-ec2:monitoring:Monitoring",
          "compose-on-ec2:network:Network"]);
        for (const r of mock.resources.filter((x) => x.options.custom)) {
          const parent = components.find((c) => r.options.parent.endsWith(`${c.type}::${c.name}`));
          assert.ok(parent, `${r.name} has a component parent`);
          assert.ok(r.name.startsWith(`${parent.name}-`), `${r.name} is named after ${parent.name}`);
        }
      });
    });
  }

  it("registers EC2 and RDS at the same time (both in flight before either is answered)", async () => {
    const { mock } = await stackRun("dev");
    assert.strictEqual(mock.gate?.outcome, "all-in-flight");
  });

  it("produces identical resource inputs on a second run (a second `pulumi up` changes nothing)", async () => {
    const first = await stackRun("dev");
    const second = await runProgram({ stack: "dev" });
    assert.deepStrictEqual(comparable(second.mock.resources), comparable(first.mock.resources));
    assert.deepStrictEqual(second.outputs, first.outputs);
  });

  it("stops on bad config before any resource exists, listing every problem", async () => {
    const mock = new AwsMock();
    await assert.rejects(runProgram({ stack: "prod", mock, config: { sshCidrs: '["0.0.0.0/0"]', hostOs: "debian" } }),
      (e: Error & { problems?: string[] }) => {
        assert.strictEqual(e.name, "ConfigError");
        assert.strictEqual(e.problems?.length, 2);
        return true;
      });
    assert.strictEqual(mock.resources.length, 0);
  });
});
