// index.ts as a whole, under the AWS mock: exports, secrets, parallelism, determinism, fail-fast
// config, component conventions, tags.
import * as assert from "assert";
import { checkSshPublicKey } from "../../components/config";
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
  resources.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs })).sort((a, b) => `${a.type}::${a.name}`.localeCompare(`${b.type}::${b.name}`));

describe("program (index.ts)", () => {
  for (const stack of ["dev", "prod"] as const) {
    describe(`${stack} stack`, () => {
      it("exports the URL, IP, SSH command (no key material) and DB endpoint", async () => {
        const { outputs } = await stackRun(stack);
        assert.match(String(outputs.publicIp), /^\d+\.\d+\.\d+\.\d+$/);
        assert.strictEqual(outputs.url, `http://${outputs.publicIp}`);
        assert.strictEqual(outputs.sshCommand, `ssh -i compose-on-ec2-${stack}.pem ec2-user@${outputs.publicIp}`);
        assert.ok(!String(outputs.sshCommand).includes("PRIVATE"));
        assert.match(String(outputs.dbEndpoint), new RegExp(`^compose-on-ec2-${stack}\\..+\\.rds\\.amazonaws\\.com:5432$`));
        assert.strictEqual(outputs.stage, stack);
      });
      it("exports secrets only as secrets and nothing else as a secret", async () => {
        const { exports } = await stackRun(stack);
        for (const name of ["dbUrl", "dbPassword", "sshPrivateKey"]) assert.strictEqual(await isSecret(exports[name]), true, name);
        for (const name of ["url", "publicIp", "sshCommand", "dbEndpoint", "instanceId"]) assert.strictEqual(await isSecret(exports[name]), false, name);
      });
      it("builds EC2 and RDS independently: neither depends on the other", async () => {
        const { mock } = await stackRun(stack);
        const instance = mock.one("aws:ec2/instance:Instance");
        const db = mock.one("aws:rds/instance:Instance");
        assert.ok(!instance.options.dependencies.includes(db.urn!) && !db.options.dependencies.includes(instance.urn!));
        assert.ok(instance.options.dependencies.every((u) => mock.resources.some((r) => r.urn === u)), "dependency URNs match recorded URNs");
        assert.ok(!instance.options.dependencies.some((u) => u.includes("compose-on-ec2:database:Database")), instance.options.dependencies.join("\n"));
        assert.ok(!db.options.dependencies.some((u) => u.includes("compose-on-ec2:host:Host")), db.options.dependencies.join("\n"));
        const instanceInputs = JSON.stringify(instance.inputs);
        const dbInputs = JSON.stringify(db.inputs);
        for (const v of [db.state.address, db.id, db.state.arn]) assert.ok(!instanceInputs.includes(v), v);
        for (const v of [instance.id, instance.state.publicIp, instance.state.privateIp]) assert.ok(!dbInputs.includes(v), v);
      });
      it("tags every taggable resource with project, stack, stage and managed-by", async () => {
        const { mock } = await stackRun(stack);
        const tagged = mock.resources.filter((r) => TAGGABLE.includes(r.type));
        assert.ok(tagged.length >= 15);
        for (const r of tagged) {
          assert.deepStrictEqual(BASE_TAG_KEYS.map((k) => r.inputs.tags?.[k]), ["compose-on-ec2", stack, stack, "pulumi"], `${r.type} ${r.name}`);
        }
      });
      it("follows the component conventions: compose-on-ec2:<module>:<Name> tokens, children named <parent>-<role>", async () => {
        const { mock } = await stackRun(stack);
        const components = mock.resources.filter((r) => !r.options.custom);
        assert.deepStrictEqual(components.map((c) => c.type).sort(), ["compose-on-ec2:database:Database", "compose-on-ec2:deployment:ComposeDeployment", "compose-on-ec2:firewall:Firewall", "compose-on-ec2:host:Host", "compose-on-ec2:network:Network"]);
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
    await assert.rejects(runProgram({ stack: "prod", mock, config: { sshCidrs: '["0.0.0.0/0"]', hostOs: "debian" } }), (e: Error & { problems?: string[] }) => {
      assert.strictEqual(e.name, "ConfigError");
      assert.strictEqual(e.problems?.length, 2);
      return true;
    });
    assert.strictEqual(mock.resources.length, 0);
  });
});

describe("awsMock: rejects what AWS rejects", () => {
  const mock = new AwsMock();
  const create = (type: string, name: string, inputs: Record<string, unknown>) => mock.newResource({ type, name, inputs, custom: true });
  let sgId = "";
  let groupName = "";
  const rds = (overrides: Record<string, unknown>) =>
    create("aws:rds/instance:Instance", "db", {
      engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20, username: "app_admin", password: "Secr3t-pass", skipFinalSnapshot: true,
      dbSubnetGroupName: groupName, vpcSecurityGroupIds: [sgId], ...overrides,
    });

  before(async () => {
    const sg = await create("aws:ec2/securityGroup:SecurityGroup", "web", { description: "test" });
    sgId = sg.id!;
    const subnets = (mock.call({ token: "aws:ec2/getSubnets:getSubnets", inputs: { filters: [{ name: "vpc-id", values: [mock.defaultVpcId()] }] } }) as { ids: string[] }).ids;
    groupName = (await create("aws:rds/subnetGroup:SubnetGroup", "grp", { subnetIds: subnets.slice(0, 2) })).state.name;
  });

  it("accepts a valid RDS instance and computes address, port and endpoint", async () => {
    const r = await rds({});
    assert.match(r.state.address, /^db-[0-9a-f]{7}\.c[0-9a-f]{11}\.us-east-1\.rds\.amazonaws\.com$/);
    assert.strictEqual(r.state.endpoint, `${r.state.address}:5432`);
  });
  const rejected: [string, Record<string, unknown>, RegExp][] = [
    ["a password containing @", { password: "abc@defgh" }, /except '\/', '"', '@' or space/],
    ["a password containing a space", { password: "abc defgh" }, /except/],
    ["a MySQL password longer than 41", { engine: "mysql", password: "a".repeat(42) }, /outside 8\.\.41/],
    ["a password shorter than 8", { password: "short" }, /outside 8\.\.128/],
    ["an identifier with --", { identifier: "my--db" }, /identifier "my--db"/],
    ["an identifier with a trailing -", { identifier: "mydb-" }, /identifier/],
    ["an uppercase identifier", { identifier: "MyDb" }, /identifier/],
    ["a reserved username", { engine: "mysql", username: "root" }, /reserved word/],
    ["a username starting with a digit", { username: "1app" }, /master username/],
    ["storage below 20 GiB", { allocatedStorage: 10 }, /below 20/],
    ["no final snapshot name when not skipping it", { skipFinalSnapshot: false }, /final_snapshot_identifier is required/],
    ["password and manageMasterUserPassword together", { manageMasterUserPassword: true }, /mutually exclusive/],
    ["an unknown subnet group", { dbSubnetGroupName: "nope" }, /DBSubnetGroupNotFoundFault/],
  ];
  for (const [what, overrides, message] of rejected) {
    it(`rejects an RDS instance with ${what}`, async () => {
      await assert.rejects(rds(overrides), message);
    });
  }
  it("rejects a DB subnet group inside one AZ", async () => {
    const m = new AwsMock({ subnets: [{ id: "subnet-00000000000000001", vpcId: "vpc-1", availabilityZone: "us-east-1a", defaultForAz: false }, { id: "subnet-00000000000000002", vpcId: "vpc-1", availabilityZone: "us-east-1a", defaultForAz: false }] });
    await assert.rejects(m.newResource({ type: "aws:rds/subnetGroup:SubnetGroup", name: "g", inputs: { subnetIds: ["subnet-00000000000000001", "subnet-00000000000000002"] }, custom: true }), /DBSubnetGroupDoesNotCoverEnoughAZs/);
  });
  it("rejects an instance without an AMI and an IPv6 range in cidrIpv4", async () => {
    await assert.rejects(create("aws:ec2/instance:Instance", "i", { instanceType: "t3.small" }), /ami is required/);
    await assert.rejects(create("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "r", { securityGroupId: sgId, ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "::/0" }), /not an IPv4 CIDR/);
  });
  it("rejects an unknown SSM parameter path (a typo in the AMI parameter)", () => {
    assert.throws(() => mock.call({ token: "aws:ssm/getParameter:getParameter", inputs: { name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-amd64" } }), /ParameterNotFound/);
  });
  it("models random and tls plausibly and deterministically", async () => {
    const pw = await create("random:index/randomPassword:RandomPassword", "p", { length: 32, overrideSpecial: "-_", minSpecial: 2, minUpper: 1 });
    assert.strictEqual(pw.state.result.length, 32);
    assert.match(pw.state.result, /^[A-Za-z0-9_-]+$/);
    assert.ok((pw.state.result.match(/[-_]/g) ?? []).length >= 2);
    const again = await new AwsMock().newResource({ type: "random:index/randomPassword:RandomPassword", name: "p", inputs: { length: 32, overrideSpecial: "-_", minSpecial: 2, minUpper: 1 }, custom: true });
    assert.strictEqual(again.state.result, pw.state.result);
    const key = await create("tls:index/privateKey:PrivateKey", "k", { algorithm: "ED25519" });
    assert.strictEqual(checkSshPublicKey(key.state.publicKeyOpenssh.trim()), undefined);
    assert.match(key.state.privateKeyOpenssh, /^-----BEGIN OPENSSH PRIVATE KEY-----/);
  });
  it("returns the inputs of types it does not model", async () => {
    const r = await create("command:remote:CopyToRemote", "copy", { remotePath: "/tmp/x" });
    assert.strictEqual(r.state.remotePath, "/tmp/x");
  });
});
