// The offline engine (lib/engine): AWS's documented rules as pure functions, the AWS mock that applies
// them, and the engine's independence from the program it judges.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
  AwsMock,
  PROJECT_ROOT,
  allocatedStorageProblem,
  configFor,
  dbIdentifierProblem,
  importKeyPairProblem,
  masterPasswordProblem,
  masterUsernameProblem,
  parseCidr,
  subnetGroupAzProblem,
  tagsProblem,
} from "../../lib/engine";

/** An OpenSSH public key line whose wire body holds `fields` after the type string. */
function keyLine(type: string, ...fields: Buffer[]): string {
  const field = (b: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(b.length);
    return Buffer.concat([length, b]);
  };
  return `${type} ${Buffer.concat([field(Buffer.from(type)), ...fields.map(field)]).toString("base64")} me@host`;
}
const ED25519 = keyLine("ssh-ed25519", Buffer.alloc(32, 7));
const RSA = keyLine("ssh-rsa", Buffer.from([1, 0, 1]), Buffer.alloc(257, 9));

describe("engine: AWS rules from AWS's documentation", () => {
  describe("security group CIDR ranges (AuthorizeSecurityGroupIngress)", () => {
    it("accepts a range with host bits set and stores it canonicalized, as AWS documents", () => {
      assert.deepStrictEqual(parseCidr("100.68.0.18/18", 4), { family: 4, canonical: "100.68.0.0/18" });
      assert.deepStrictEqual(parseCidr("2001:db8:0:0:0:0:0:1/32", 6), { family: 6, canonical: "2001:db8::/32" });
      assert.deepStrictEqual(parseCidr("0.0.0.0/0", 4), { family: 4, canonical: "0.0.0.0/0" });
    });
    it("refuses a malformed range or one of the other family", () => {
      for (const bad of ["10.0.0.0", "10.0.0.256/8", "10.0.0.0/33", "::/0", "1.2.3/24"]) {
        assert.ok("error" in parseCidr(bad, 4), bad);
      }
      for (const bad of ["2001:db8::/129", "2001:db8:::1/64", "10.0.0.0/8", "2001:db8::g/64"]) {
        assert.ok("error" in parseCidr(bad, 6), bad);
      }
    });
  });

  describe("ImportKeyPair", () => {
    it("accepts well-formed ED25519 and RSA OpenSSH lines", () => {
      assert.strictEqual(importKeyPairProblem(ED25519), undefined);
      assert.strictEqual(importKeyPairProblem(RSA), undefined);
    });
    it("refuses key types EC2 does not import (ECDSA, DSA)", () => {
      assert.match(
        importKeyPairProblem(keyLine("ecdsa-sha2-nistp256", Buffer.from("nistp256"), Buffer.alloc(65, 4))) ?? "",
        /RSA or ED25519 only/,
      );
      assert.match(importKeyPairProblem(keyLine("ssh-dss", Buffer.alloc(20))) ?? "", /not supported/);
    });
    it("refuses a body that is truncated, names another type or is not a key line", () => {
      const truncated = ED25519.replace(/^(\S+ )(\S{40})\S*/, "$1$2");
      assert.match(importKeyPairProblem(truncated) ?? "", /InvalidKey.Format/);
      assert.match(importKeyPairProblem(ED25519.replace("ssh-ed25519", "ssh-rsa")) ?? "", /InvalidKey.Format/);
      assert.match(importKeyPairProblem(keyLine("ssh-ed25519", Buffer.alloc(31))) ?? "", /32 bytes/);
      assert.match(importKeyPairProblem("hello") ?? "", /InvalidKey.Format/);
    });
  });

  describe("CreateDBInstance", () => {
    it("takes identifiers of 1 to 63 lowercase letters, digits or hyphens, a letter first, no -- or trailing -", () => {
      assert.strictEqual(dbIdentifierProblem("app-dev-1"), undefined);
      for (const bad of ["1app", "my--db", "mydb-", "MyDb", "a".repeat(64), ""]) {
        assert.ok(dbIdentifierProblem(bad), bad);
      }
    });
    it("refuses master usernames each engine reserves, and accepts the console defaults", () => {
      assert.strictEqual(masterUsernameProblem("postgres", "postgres"), undefined);
      assert.strictEqual(masterUsernameProblem("mysql", "admin"), undefined);
      for (const [engine, user] of [["postgres", "admin"], ["postgres", "pg_monitor"], ["postgres", "User"], ["mysql",
        "rdsadmin"], ["mariadb", "select"]] as const) {
        assert.match(masterUsernameProblem(engine, user) ?? "", /reserved word/, `${engine} ${user}`);
      }
      assert.match(masterUsernameProblem("postgres", "a".repeat(17)) ?? "", /1 to 16/);
      assert.match(masterUsernameProblem("postgres", "1app") ?? "", /starting with a letter/);
    });
    it('takes master passwords of printable ASCII without / " @ or space, 8..128 (PostgreSQL) or 8..41 (MySQL)', () => {
      assert.strictEqual(masterPasswordProblem("postgres", "a".repeat(128)), undefined);
      assert.match(masterPasswordProblem("mysql", "a".repeat(42)) ?? "", /8 to 41/);
      for (const bad of ["abc@defgh", "abc/defgh", 'abc"defgh', "abc defgh", "short", "pässwörd1"]) {
        assert.ok(masterPasswordProblem("postgres", bad), bad);
      }
    });
    it("takes 20..65536 GiB of general-purpose storage and a ceiling above it", () => {
      assert.strictEqual(allocatedStorageProblem("gp3", 20, 200), undefined);
      assert.match(allocatedStorageProblem(undefined, 10, undefined) ?? "", /from 20 to 65536/);
      assert.match(allocatedStorageProblem("gp3", 20, 20) ?? "", /must be above/);
      assert.match(allocatedStorageProblem("gp3", 20, 70000) ?? "", /at most 65536/);
      assert.match(allocatedStorageProblem("io1", 50, undefined) ?? "", /from 100/);
    });
  });

  it("CreateDBSubnetGroup: needs subnets in at least two AZs", () => {
    assert.strictEqual(subnetGroupAzProblem(["us-east-1a", "us-east-1b"]), undefined);
    assert.match(subnetGroupAzProblem(["us-east-1a", "us-east-1a"]) ?? "", /DBSubnetGroupDoesNotCoverEnoughAZs/);
  });

  describe("tags", () => {
    it("allow at most 50 per resource, keys of 1..128 and values of at most 256 characters", () => {
      const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]));
      assert.match(tagsProblem("ec2", many) ?? "", /at most 50/);
      assert.match(tagsProblem("ec2", { ["k".repeat(129)]: "v" }) ?? "", /1 to 128/);
      assert.match(tagsProblem("iam", { k: "v".repeat(257) }) ?? "", /256/);
      assert.strictEqual(tagsProblem("rds", { project: "compose-on-ec2", "cost-center": "web team/1 @ eu" }),
        undefined);
    });
    it("reserve aws: everywhere and rds: on RDS", () => {
      assert.match(tagsProblem("ec2", { "AWS:owner": "me" }) ?? "", /reserved/);
      assert.match(tagsProblem("rds", { "rds:owner": "me" }) ?? "", /reserved/);
      assert.strictEqual(tagsProblem("ec2", { "rds:owner": "me" }), undefined);
    });
    it("limit RDS and IAM to letters, digits, spaces and _ . : / = + - @, while EC2 allows any character", () => {
      assert.match(tagsProblem("rds", { team: "a#b" }) ?? "", /does not allow/);
      assert.match(tagsProblem("iam", { "a,b": "c" }) ?? "", /does not allow/);
      assert.strictEqual(tagsProblem("ec2", { team: "a#b" }), undefined);
    });
  });
});

describe("engine: the AWS mock applies those rules", () => {
  const mock = new AwsMock();
  const create = (type: string, name: string, inputs: Record<string, unknown>) =>
    mock.newResource({ type, name, inputs, custom: true });
  const ingress = (name: string, inputs: Record<string, unknown>) =>
    create("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name, { securityGroupId: sgId,
      ipProtocol: "tcp", fromPort: 22, toPort: 22, ...inputs });
  let sgId = "";
  let groupName = "";
  const rds = (overrides: Record<string, unknown>) =>
    create("aws:rds/instance:Instance", "db", {
      engine: "postgres",
      instanceClass: "db.t4g.micro",
      allocatedStorage: 20,
      username: "app_admin",
      password: "Secr3t-pass",
      skipFinalSnapshot: true,
      dbSubnetGroupName: groupName,
      vpcSecurityGroupIds: [sgId],
      ...overrides,
    });

  before(async () => {
    sgId = (await create("aws:ec2/securityGroup:SecurityGroup", "web", { description: "test" })).id!;
    const subnets =
      (mock.call({ token: "aws:ec2/getSubnets:getSubnets",
        inputs: { filters: [{ name: "vpc-id", values: [mock.defaultVpcId()] }] } }) as { ids: string[] }).ids;
    groupName = (await create("aws:rds/subnetGroup:SubnetGroup", "grp", { subnetIds: subnets.slice(0, 2) })).state.name;
  });

  it("accepts a valid RDS instance and computes address, port and endpoint", async () => {
    const r = await rds({});
    assert.match(r.state.address, /^db-[0-9a-f]{7}\.c[0-9a-f]{11}\.us-east-1\.rds\.amazonaws\.com$/);
    assert.strictEqual(r.state.endpoint, `${r.state.address}:5432`);
  });
  const rejected: [string, Record<string, unknown>, RegExp][] = [
    ["a password containing @", { password: "abc@defgh" }, /except '\/', '"', '@' or space/],
    ["a MySQL password longer than 41", { engine: "mysql", password: "a".repeat(42) }, /from 8 to 41/],
    ["an identifier with --", { identifier: "my--db" }, /identifier "my--db"/],
    ["an uppercase identifier", { identifier: "MyDb" }, /identifier/],
    ["a username PostgreSQL reserves", { username: "admin" }, /reserved word/],
    ["storage below 20 GiB", { allocatedStorage: 10 }, /from 20 to 65536/],
    ["no final snapshot name when not skipping it", { skipFinalSnapshot: false },
      /final_snapshot_identifier is required/],
    ["password and manageMasterUserPassword together", { manageMasterUserPassword: true }, /mutually exclusive/],
    ["an unknown subnet group", { dbSubnetGroupName: "nope" }, /DBSubnetGroupNotFoundFault/],
    ["a tag RDS does not allow", { tags: { team: "a#b" } }, /does not allow/],
  ];
  for (const [what, overrides, message] of rejected) {
    it(`rejects an RDS instance with ${what}`, async () => {
      await assert.rejects(rds(overrides), message);
    });
  }
  it("rejects a DB subnet group inside one AZ", async () => {
    const m = new AwsMock({
      subnets: [{ id: "subnet-00000000000000001", vpcId: "vpc-1", availabilityZone: "us-east-1a", defaultForAz: false },
        { id: "subnet-00000000000000002", vpcId: "vpc-1", availabilityZone: "us-east-1a", defaultForAz: false }],
    });
    await assert.rejects(
      m.newResource({ type: "aws:rds/subnetGroup:SubnetGroup", name: "g",
        inputs: { subnetIds: ["subnet-00000000000000001", "subnet-00000000000000002"] }, custom: true }),
      /DBSubnetGroupDoesNotCoverEnoughAZs/,
    );
  });
  it("rejects an instance without an AMI, and an IPv6 range given as cidrIpv4", async () => {
    await assert.rejects(create("aws:ec2/instance:Instance", "i", { instanceType: "t3.small" }), /ami is required/);
    await assert.rejects(ingress("r-v6", { cidrIpv4: "::/0" }), /not an IPv4 range/);
  });
  it("accepts a rule with host bits set, then refuses the same network spelled canonically as a duplicate", async () => {
    await ingress("r-host-bits", { cidrIpv4: "100.68.0.18/18" });
    await assert.rejects(ingress("r-canonical", { cidrIpv4: "100.68.0.0/18" }), /InvalidPermission.Duplicate/);
    await ingress("r-other-port", { cidrIpv4: "100.68.0.0/18", fromPort: 443, toPort: 443 });
  });
  it("refuses the 61st IPv4 inbound rule of a security group (the default quota)", async () => {
    const m = new AwsMock();
    const sg =
      (await m.newResource({ type: "aws:ec2/securityGroup:SecurityGroup", name: "many", inputs: {}, custom: true }))
        .id!;
    const rule = (i: number) =>
      m.newResource({ type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: `r${i}`, custom: true,
        inputs: { securityGroupId: sg, ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: `10.0.${i}.0/24` } });
    for (let i = 0; i < 60; i++) await rule(i);
    await assert.rejects(rule(60), /RulesPerSecurityGroupLimitExceeded/);
  });
  it("refuses an ECDSA key pair, which EC2 does not import", async () => {
    const ecdsa = keyLine("ecdsa-sha2-nistp256", Buffer.from("nistp256"), Buffer.alloc(65, 4));
    await assert.rejects(create("aws:ec2/keyPair:KeyPair", "kp-ecdsa", { publicKey: ecdsa }), /RSA or ED25519 only/);
    await create("aws:ec2/keyPair:KeyPair", "kp-ed25519", { publicKey: ED25519 });
  });
  it("refuses tags with the reserved aws: prefix on any AWS resource", async () => {
    await assert.rejects(create("aws:ec2/eip:Eip", "eip", { domain: "vpc", tags: { "aws:cost": "x" } }), /reserved/);
  });
  it("rejects an unknown SSM parameter path (a typo in the AMI parameter)", () => {
    assert.throws(
      () =>
        mock.call({ token: "aws:ssm/getParameter:getParameter",
          inputs: { name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-amd64" } }),
      /ParameterNotFound/,
    );
  });
  it("models random and tls plausibly and deterministically (a generated key is one EC2 imports)", async () => {
    const pw = await create("random:index/randomPassword:RandomPassword", "p", { length: 32, overrideSpecial: "-_",
      minSpecial: 2, minUpper: 1 });
    assert.strictEqual(pw.state.result.length, 32);
    assert.match(pw.state.result, /^[A-Za-z0-9_-]+$/);
    assert.ok((pw.state.result.match(/[-_]/g) ?? []).length >= 2);
    const again = await new AwsMock().newResource({ type: "random:index/randomPassword:RandomPassword", name: "p",
      inputs: { length: 32, overrideSpecial: "-_", minSpecial: 2, minUpper: 1 }, custom: true });
    assert.strictEqual(again.state.result, pw.state.result);
    const key = await create("tls:index/privateKey:PrivateKey", "k", { algorithm: "ED25519" });
    assert.strictEqual(importKeyPairProblem(key.state.publicKeyOpenssh), undefined);
    assert.match(key.state.privateKeyOpenssh, /^-----BEGIN OPENSSH PRIVATE KEY-----/);
  });
  it("returns the inputs of types it does not model", async () => {
    const r = await create("command:remote:CopyToRemote", "copy", { remotePath: "/tmp/x" });
    assert.strictEqual(r.state.remotePath, "/tmp/x");
  });
});

describe("engine: config as the CLI hands it to the program", () => {
  it("marks a key secret only when stored secure: or set with --secret, and a plain override makes it plain", () => {
    assert.deepStrictEqual(
      configFor({ stack: "dev", replaceConfig: true, config: { sshPublicKey: "k" }, secrets: { sshPrivateKey: "p" } })
        .secretKeys,
      ["compose-on-ec2:sshPrivateKey"],
    );
    assert.deepStrictEqual(configFor({ stack: "dev", replaceConfig: true, config: { sshPrivateKey: "p" } }).secretKeys,
      []);
    assert.deepStrictEqual(configFor({ stack: "dev" }).secretKeys, []);
  });
});

describe("engine: independent of the program it judges", () => {
  it("imports nothing from components/ (the mock's rules never call the program's validators)", () => {
    const dir = path.join(PROJECT_ROOT, "lib", "engine");
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const imports = [...fs.readFileSync(path.join(dir, file), "utf8").matchAll(/(?:from|require\()\s*"([^"]+)"/g)]
        .map((m) => m[1]);
      assert.deepStrictEqual(imports.filter((i) => i.includes("components")), [], file);
    }
  });
});
