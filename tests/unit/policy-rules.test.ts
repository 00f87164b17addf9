// Every policy rule has a passing and a failing case over plain resources (no engine, no CrossGuard).
import * as assert from "assert";
import {
  PolicyResource,
  Rule,
  checkAll,
  dbAdmitsOnlyWeb,
  dbNotPublic,
  encryptedStorage,
  imdsV2,
  knownSecrets,
  noSecretOnCommandLine,
  noStackSecretOnCommandLine,
  noWorldSshInProd,
  prodDataProtected,
  requiredTags,
  secretOnCommandLine,
  stackStage,
} from "../../policy/rules";
import { defaultTagsOf } from "../../policy/crossGuard";
import { change, goodStack, stageTags } from "../support/policy";

const violationsOf = (rule: Rule, resources: PolicyResource[]) =>
  checkAll(resources, [rule]).map((v) => `${v.resource}: ${v.message}`);

describe("policy rules over plain resources", () => {
  it("a compliant prod stack passes every rule", () => {
    assert.deepStrictEqual(checkAll(goodStack("prod")), []);
  });

  describe("db-not-public (per resource)", () => {
    it("passes a private DB in security groups of its own", () => {
      assert.deepStrictEqual(violationsOf(dbNotPublic, goodStack()), []);
    });
    it("fails when the DB is publicly accessible", () => {
      const bad = change(goodStack(), "db", (r) => {
        r.props.publiclyAccessible = true;
      });
      assert.match(violationsOf(dbNotPublic, bad).join("\n"), /publiclyAccessible/);
    });
    it("fails when the DB has no security group (the VPC default group would apply)", () => {
      const bad = change(goodStack(), "db", (r) => {
        r.props.vpcSecurityGroupIds = [];
      });
      assert.deepStrictEqual(violationsOf(dbNotPublic, bad), [
        "db: vpcSecurityGroupIds is empty: the VPC default group would apply",
      ]);
    });
    it("judges the DB alone, as CrossGuard's Analyze hands it over", () => {
      const db = goodStack().find((r) => r.name === "db") as PolicyResource;
      assert.deepStrictEqual(dbNotPublic.checkResource?.({ ...db, props: { ...db.props, publiclyAccessible: true } }), [
        "publiclyAccessible is true: the database gets a public address",
      ]);
    });
  });

  describe("db-admits-only-web (over the stack)", () => {
    it("passes when the DB SG admits only the web host's SG", () => {
      assert.deepStrictEqual(violationsOf(dbAdmitsOnlyWeb, goodStack()), []);
    });
    it("fails when the DB SG admits a CIDR", () => {
      const bad = change(goodStack(), "db-from-web", (r) => {
        delete r.props.referencedSecurityGroupId;
        r.props.cidrIpv4 = "10.0.0.0/8";
      });
      assert.match(violationsOf(dbAdmitsOnlyWeb, bad).join("\n"), /admits CIDRs 10\.0\.0\.0\/8/);
    });
    it("fails when the DB SG admits a group other than the web host's", () => {
      const bad = change(goodStack(), "db-from-web", (r) => {
        r.props.referencedSecurityGroupId = "sg-other";
      });
      assert.match(violationsOf(dbAdmitsOnlyWeb, bad).join("\n"), /not the web host's/);
    });
    it("fails when an inline ingress on the DB SG is open to the world", () => {
      const bad = change(goodStack(), "db-sg", (r) => {
        r.props.ingress = [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/0"] }];
      });
      assert.match(violationsOf(dbAdmitsOnlyWeb, bad).join("\n"), /db-sg admits CIDRs 0\.0\.0\.0\/0/);
    });
    it("fails when the DB's groups are none of the stack's, so whom they admit is unknown", () => {
      const bad = change(goodStack(), "db", (r) => {
        r.props.vpcSecurityGroupIds = ["sg-elsewhere"];
      });
      assert.match(violationsOf(dbAdmitsOnlyWeb, bad).join("\n"),
        /none of its vpcSecurityGroupIds is a security group of this stack/);
    });
    it("resolves groups by property dependency when ids are not known", () => {
      const byDeps = goodStack().map((r) => ({ ...r, id: undefined }));
      const db = byDeps.find((r) => r.name === "db") as PolicyResource;
      db.propertyDependencies = { vpcSecurityGroupIds: ["urn:db-sg"] };
      const rule = byDeps.find((r) => r.name === "db-from-web") as PolicyResource;
      rule.propertyDependencies = { securityGroupId: ["urn:db-sg"], referencedSecurityGroupId: ["urn:web-sg"] };
      const host = byDeps.find((r) => r.name === "host") as PolicyResource;
      host.propertyDependencies = { vpcSecurityGroupIds: ["urn:web-sg"] };
      assert.deepStrictEqual(violationsOf(dbAdmitsOnlyWeb, byDeps), []);
    });
  });

  describe("encrypted-storage", () => {
    it("passes with encrypted RDS storage and root volume", () => {
      assert.deepStrictEqual(violationsOf(encryptedStorage, goodStack()), []);
    });
    it("fails on unencrypted RDS storage, root volume and EBS volume", () => {
      let bad = change(goodStack(), "db", (r) => {
        r.props.storageEncrypted = false;
      });
      bad = change(bad, "host", (r) => {
        r.props.rootBlockDevice = { volumeSize: 20 };
      });
      bad.push({ type: "aws:ebs/volume:Volume", name: "data", protect: false,
        props: { tags: stageTags("prod"), size: 10 } });
      assert.deepStrictEqual(violationsOf(encryptedStorage, bad), [
        "host: rootBlockDevice.encrypted is not true",
        "db: storageEncrypted is not true",
        "data: encrypted is not true",
      ]);
    });
  });

  describe("imdsv2-required", () => {
    it("passes when httpTokens is required", () => {
      assert.deepStrictEqual(violationsOf(imdsV2, goodStack()), []);
    });
    it("fails when metadataOptions are left at the default", () => {
      const bad = change(goodStack(), "host", (r) => {
        delete r.props.metadataOptions;
      });
      assert.deepStrictEqual(violationsOf(imdsV2, bad), [
        'host: metadataOptions.httpTokens is "unset", must be "required"',
      ]);
    });
  });

  describe("no-world-ssh-in-prod", () => {
    const worldSsh = (stage: string) => change(goodStack(stage), "web-sg", (r) => {
      (r.props.ingress as Record<string, unknown>[])[1].cidrBlocks = ["0.0.0.0/0"];
    });
    it("passes with SSH from an allowlist in prod", () => {
      assert.deepStrictEqual(violationsOf(noWorldSshInProd, goodStack("prod")), []);
    });
    it("allows SSH from the world in dev", () => {
      assert.deepStrictEqual(violationsOf(noWorldSshInProd, worldSsh("dev")), []);
    });
    it("refuses SSH from 0.0.0.0/0 in prod", () => {
      assert.match(violationsOf(noWorldSshInProd, worldSsh("prod")).join("\n"),
        /web-sg: port 22 is open to 0\.0\.0\.0\/0/);
    });
    it("refuses ::/0 on a separate all-protocol rule without tags, staged by the stack", () => {
      const bad = goodStack("prod");
      bad.push({ type: "aws:ec2/securityGroupRule:SecurityGroupRule", name: "all-v6", protect: false,
        props: { type: "ingress", protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"],
          securityGroupId: "sg-web" } });
      assert.match(violationsOf(noWorldSshInProd, bad).join("\n"), /all-v6: port 22 is open to ::\/0/);
    });
  });

  describe("prod-data-protected", () => {
    it("passes for a protected prod DB and ignores dev", () => {
      assert.deepStrictEqual(violationsOf(prodDataProtected, goodStack("prod")), []);
      assert.deepStrictEqual(violationsOf(prodDataProtected, goodStack("dev")), []);
    });
    it("fails for a prod DB without deletion protection, final snapshot or protect", () => {
      const bad = change(goodStack("prod"), "db", (r) => {
        r.protect = false;
        r.props.deletionProtection = false;
        r.props.skipFinalSnapshot = true;
        delete r.props.finalSnapshotIdentifier;
      });
      assert.deepStrictEqual(violationsOf(prodDataProtected, bad), [
        "db: deletionProtection is not true",
        "db: skipFinalSnapshot is true",
        "db: finalSnapshotIdentifier is not set",
        "db: the resource option protect is not set",
      ]);
    });
  });

  describe("required-tags", () => {
    it("passes when tags come from the provider's default tags", () => {
      const viaProvider = change(goodStack(), "host", (r) => {
        delete r.props.tags;
        r.providerDefaultTags = stageTags("prod");
      });
      assert.deepStrictEqual(violationsOf(requiredTags, viaProvider), []);
    });
    it("reads provider default tags given as an object or JSON-encoded", () => {
      assert.deepStrictEqual(defaultTagsOf({ tags: { stage: "dev" } }), { stage: "dev" });
      assert.deepStrictEqual(defaultTagsOf('{"tags":{"stage":"prod"}}'), { stage: "prod" });
      assert.strictEqual(defaultTagsOf("not json"), undefined);
    });
    it("fails when a taggable resource lacks stack and stage", () => {
      const bad = change(goodStack(), "db-sg", (r) => {
        r.props.tags = { project: "compose-on-ec2" };
      });
      assert.deepStrictEqual(violationsOf(requiredTags, bad), ["db-sg: missing tags: stack, stage"]);
    });
  });

  describe("no-secret-on-command-line", () => {
    it("passes when the secret goes via stdin", () => {
      assert.deepStrictEqual(violationsOf(noSecretOnCommandLine, goodStack()), []);
    });
    it("fails, on the command alone, when its create holds its own connection's password", () => {
      const bad = change(goodStack(), "deploy", (r) => {
        r.props.connection = { host: "h", password: "conn-pass-1234" };
        r.props.create = "sshpass -p conn-pass-1234 ssh h";
      });
      const deploy = bad.find((r) => r.name === "deploy") as PolicyResource;
      assert.deepStrictEqual(noSecretOnCommandLine.checkResource?.(deploy), [
        "create contains a secret value of this stack; pass it on stdin",
      ]);
    });
    it("no-stack-secret-on-command-line: passes with the secret on stdin, fails when another resource's secret is in create", () => {
      assert.deepStrictEqual(violationsOf(noStackSecretOnCommandLine, goodStack()), []);
      const bad = change(goodStack(), "deploy", (r) => {
        r.props.create = "DB=s3cr3t-Passw0rd-xyz ./deploy.sh";
      });
      assert.deepStrictEqual(violationsOf(noStackSecretOnCommandLine, bad), [
        "deploy: create contains a secret value of this stack; pass it on stdin",
      ]);
      // The resource rule alone cannot know the database's password: that is why this one is a stack rule.
      assert.deepStrictEqual(violationsOf(noSecretOnCommandLine, bad), []);
    });
    it("fails on password-looking literals in update or delete", () => {
      const bad = change(goodStack(), "deploy", (r) => {
        r.props.delete = "PGPASSWORD=hunter22 psql -c 'drop'";
      });
      assert.match(violationsOf(noSecretOnCommandLine, bad).join("\n"),
        /deploy: delete looks like a literal credential/);
    });
    it("recognises literal credentials but not references to variables", () => {
      assert.ok(secretOnCommandLine("mysql -uroot -pHunter2x db", []));
      assert.ok(secretOnCommandLine("psql postgres://app:pa55word@db:5432/app", []));
      assert.ok(secretOnCommandLine("tool --password s3cret", []));
      assert.strictEqual(secretOnCommandLine('PGPASSWORD="$DB_PASSWORD" psql', []), undefined);
      assert.strictEqual(secretOnCommandLine("grep -q '^DATABASE_URL=' .env && ./deploy.sh", []), undefined);
      assert.strictEqual(secretOnCommandLine("tool --password-stdin < file", []), undefined);
    });
    it("knows the secret values of well-known properties and plan-marked secrets", () => {
      const secrets = knownSecrets([
        { type: "random:index/randomPassword:RandomPassword", name: "pw", protect: false,
          props: { result: "abcdefgh12345" } },
        { type: "x:y:Z", name: "z", protect: false, props: {}, secretValues: ["marked-secret-1", "short"] },
      ]);
      assert.deepStrictEqual(secrets.sort(), ["abcdefgh12345", "marked-secret-1"]);
    });
  });

  it("derives the stack stage from stage tags, prod winning", () => {
    assert.strictEqual(stackStage([{ props: { tags: { stage: "dev" } } }, { props: {} }]), "dev");
    assert.strictEqual(stackStage([{ props: { tags: { stage: "dev" } } }, { props: { tagsAll: { stage: "prod" } } }]),
      "prod");
    assert.strictEqual(stackStage([{ props: {} }]), undefined);
  });
});
