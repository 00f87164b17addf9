// components/config: bad input refused, naming the key, the bad value and the fix, every problem in one ConfigError.
import * as assert from "assert";
import { ConfigError, parseConfig, StackConfig } from "../../components/config";
import { parse, parseContext, PRIV, problemsOf, PROD_SSH, PUB } from "../support/config";

describe("config: parseConfig", () => {
  describe("rejects bad input, naming key, bad value and fix", () => {
    // [what, raw config, stack, text the problem must contain (besides the key and "Fix:")]
    const cases: [string, Record<string, unknown>, string, string, string][] = [
      ["a CIDR with an octet above 255", { sshCidrs: ["300.1.2.0/24"] }, "dev", "sshCidrs", "300.1.2.0/24"],
      ["a CIDR with a prefix above 32", { sshCidrs: ["10.0.0.0/33"] }, "dev", "sshCidrs", "above 32"],
      ["a CIDR with host bits set (explicitly rejected, canonical form suggested)", { httpCidrs: ["10.0.0.1/24"] },
        "dev", "httpCidrs", "Fix: use 10.0.0.0/24"],
      ["an IPv6 CIDR with ':::'", { httpCidrs: ["2001:db8:::/32"] }, "dev", "httpCidrs", "not an IPv6 address"],
      ["an IPv6 CIDR with a prefix above 128", { httpCidrs: ["2001:db8::/129"] }, "dev", "httpCidrs", "above 128"],
      ["a CIDR that is a word", { sshCidrs: ["myoffice"] }, "dev", "sshCidrs", "address/prefix"],
      ["SSH from 0.0.0.0/0 in prod", { sshCidrs: ["203.0.113.0/24", "0.0.0.0/0"] }, "prod", "sshCidrs", "0.0.0.0/0"],
      ["SSH from ::/0 in prod", { sshCidrs: ["::/0"] }, "prod", "sshCidrs", "whole internet"],
      ["SSH from half the internet in prod", { sshCidrs: ["0.0.0.0/1", "128.0.0.0/1"] }, "prod", "sshCidrs",
        "wider than /16"],
      ["SSH from a provider-sized /12 in prod", { transport: "ssh", sshCidrs: ["10.0.0.0/12"] }, "prod", "sshCidrs",
        "is wider than /16, too close to the whole internet for prod SSH"],
      ["no SSH allowlist in prod on transport ssh", { transport: "ssh" }, "prod", "sshCidrs",
        "prod on transport ssh requires an explicit SSH allowlist"],
      ["an unknown transport", { transport: "ssn" }, "dev", "transport", 'did you mean "ssh"'],
      ["an unknown DB engine", { dbEngine: "postgresql" }, "dev", "dbEngine", 'did you mean "postgres"'],
      ["a postgres version that is not a major", { dbEngineVersion: "16.x" }, "dev", "dbEngineVersion",
        "PostgreSQL major"],
      ["a mysql version RDS does not offer", { dbEngine: "mysql", dbEngineVersion: "5.7" }, "dev", "dbEngineVersion",
        "8.0, 8.4"],
      ["a MySQL version for MariaDB", { dbEngine: "mariadb", dbEngineVersion: "8.0" }, "dev", "dbEngineVersion",
        "MariaDB"],
      ["an instance size typo", { instanceType: "t3.smal" }, "dev", "instanceType", 'did you mean "t3.small"'],
      ["an unknown instance family", { instanceType: "t5.small" }, "dev", "instanceType", "unknown instance family"],
      ["an instance type without a dot", { instanceType: "t3small" }, "dev", "instanceType", "family.size"],
      ["a size the family does not offer", { instanceType: "t3.metal" }, "dev", "instanceType", "does not offer"],
      ["a DB class without the db. prefix", { dbInstanceClass: "t4g.micro" }, "dev", "dbInstanceClass",
        'did you mean "db.t4g.micro"'],
      ["an unknown DB class family", { dbInstanceClass: "db.t9.micro" }, "dev", "dbInstanceClass",
        "unknown RDS family"],
      ["storage below 20 GiB", { dbAllocatedStorageGb: 10 }, "dev", "dbAllocatedStorageGb", "20..65536"],
      ["storage above 65536 GiB", { dbAllocatedStorageGb: "70000" }, "dev", "dbAllocatedStorageGb", "out of range"],
      ["max storage not above allocated", { dbAllocatedStorageGb: 50, dbMaxAllocatedStorageGb: 40 }, "dev",
        "dbMaxAllocatedStorageGb", "greater than dbAllocatedStorageGb (50)"],
      ["the reserved postgres username 'postgres'", { dbUsername: "postgres" }, "dev", "dbUsername",
        "reserved by postgres"],
      ["the reserved postgres username 'rdsadmin'", { dbUsername: "rdsadmin" }, "dev", "dbUsername", "reserved"],
      ["the reserved mysql username 'root'", { dbEngine: "mysql", dbUsername: "root" }, "dev", "dbUsername",
        "reserved by mysql"],
      ["the reserved mariadb username 'admin'", { dbEngine: "mariadb", dbUsername: "admin" }, "dev", "dbUsername",
        "reserved by mariadb"],
      ["the app's own login as the master username", { dbUsername: "compose_app" }, "dev", "dbUsername",
        "the app's own login"],
      ["a username longer than 16", { dbUsername: "application_admin1" }, "dev", "dbUsername", "1-16"],
      ["a username with a hyphen", { dbUsername: "app-admin" }, "dev", "dbUsername", "letters, digits and _"],
      ["a username starting with a digit", { dbUsername: "1admin" }, "dev", "dbUsername", "start with a letter"],
      ["a postgres DB name with a hyphen", { dbName: "my-app" }, "dev", "dbName", "not a valid postgres database name"],
      ["a mysql DB name that is a system schema", { dbEngine: "mysql", dbName: "mysql" }, "dev", "dbName",
        "reserved by mysql"],
      ["a public key without the private key", { sshPublicKey: PUB }, "dev", "sshPublicKey", "sshPrivateKey is not"],
      ["a private key without the public key", { sshPrivateKey: PRIV }, "dev", "sshPrivateKey", "sshPublicKey is not"],
      ["a malformed public key", { sshPublicKey: "ssh-ed25519 not*base64", sshPrivateKey: PRIV }, "dev", "sshPublicKey",
        "not an OpenSSH public key"],
      ["a public key whose body encodes another type", { sshPublicKey: PUB.replace("ssh-ed25519", "ssh-rsa"),
        sshPrivateKey: PRIV }, "dev", "sshPublicKey", "does not encode a ssh-rsa key"],
      ["a private key that is not PEM", { sshPublicKey: PUB, sshPrivateKey: "hunter2" }, "dev", "sshPrivateKey",
        "[secret]"],
      ["a malformed VPC id", { vpcId: "vpc-123" }, "dev", "vpcId", "vpc-123"],
      ["a malformed subnet id", { vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-xyz"] }, "dev", "subnetIds",
        "subnet-xyz"],
      ["DB subnets with only one subnet", { vpcId: "vpc-0123456789abcdef0", dbSubnetIds: ["subnet-0123456789abcdef0"] },
        "dev", "dbSubnetIds", "at least 2 availability zones"],
      ["subnets without vpcId", { subnetIds: ["subnet-0123456789abcdef0"] }, "dev", "subnetIds", "without vpcId"],
      ["an unknown host OS", { hostOs: "debian" }, "dev", "hostOs", "al2023, ubuntu"],
      ["a root volume below 8 GiB", { rootVolumeGb: 4 }, "dev", "rootVolumeGb", "8..1024"],
      ["a root volume that is not a number", { rootVolumeGb: "twenty" }, "dev", "rootVolumeGb", "whole number"],
      ["keepReleases below 2", { keepReleases: 1 }, "dev", "keepReleases", "2..50"],
      ["keepReleases above 50", { keepReleases: "51" }, "dev", "keepReleases", "2..50"],
      ["a health path without a leading /", { healthPath: "healthz" }, "dev", "healthPath", "e.g. /healthz"],
      ["a health timeout below 10 s", { healthTimeoutSeconds: 5 }, "dev", "healthTimeoutSeconds", "10..900"],
      ["an app directory that does not exist", { appDir: "webapp" }, "dev", "appDir", "does not exist"],
      ["an app directory outside the project", { appDir: "../elsewhere" }, "dev", "appDir", "inside the project"],
      ["a compose file missing from the app directory", { composeFile: "compose.yaml" }, "dev", "composeFile",
        'does not exist in appDir "app"'],
      ["an unknown deploy mode", { deployMode: "ecr" }, "dev", "deployMode", "host, registry"],
      ["an appEnv name starting with a digit", { appEnv: '{"1BAD":"x"}' }, "dev", "appEnv", "1BAD"],
      ["an appEnv name with a hyphen", { appEnv: { "MY-VAR": "x" } }, "dev", "appEnv", "MY_VAR"],
      ["an appEnv that is a list", { appEnv: '["A=1"]' }, "dev", "appEnv", "object of string values"],
      ["backup retention above 35 days", { dbBackupRetentionDays: 36 }, "dev", "dbBackupRetentionDays", "0..35"],
      ["backup retention 0 in prod", { ...PROD_SSH, dbBackupRetentionDays: 0 }, "prod", "dbBackupRetentionDays",
        "no automated backups; prod keeps at least 7"],
      ["backup retention of 3 days in prod", { ...PROD_SSH, dbBackupRetentionDays: 3 }, "prod", "dbBackupRetentionDays",
        "3 day(s) of automated backups; prod keeps at least 7"],
      ["a DB cluster snapshot as the database's source", {
        dbSnapshotIdentifier: "arn:aws:rds:us-east-1:210987654321:cluster-snapshot:old-aurora",
      }, "dev", "dbSnapshotIdentifier", "restores only from a DB snapshot"],
      ["a snapshot identifier with a double hyphen", { dbSnapshotIdentifier: "before--move" }, "dev",
        "dbSnapshotIdentifier", "not an RDS DB snapshot identifier"],
      ["a snapshot and an instance to adopt together", { dbSnapshotIdentifier: "before-move",
        dbImportIdentifier: "old-db", dbPassword: "x" }, "dev", "dbImportIdentifier", "either from a snapshot"],
      ["an instance to adopt without its password", { dbImportIdentifier: "old-db" }, "dev", "dbPassword",
        "keeps its master password"],
      ["an instance identifier with capitals to adopt", { dbImportIdentifier: "Old_DB", dbPassword: "x" }, "dev",
        "dbImportIdentifier", "not an RDS DB instance identifier"],
      ["a database password without an instance to adopt", { dbPassword: "x" }, "dev", "dbPassword",
        "only for an adopted instance"],
      ["an unknown stage", { stage: "production" }, "dev", "stage", 'did you mean "prod"'],
      ["a sandbox expiry that is not ISO-8601", { sandboxExpiresAt: "tomorrow" }, "pr-12", "sandboxExpiresAt",
        "ISO-8601"],
      ["a sandbox expiry with month 13", { sandboxExpiresAt: "2026-13-45" }, "pr-12", "sandboxExpiresAt", "ISO-8601"],
      ["an unknown key that is a case typo", { instancetype: "t3.small" }, "dev", "instancetype",
        'did you mean "instanceType"'],
      ["an unknown key that is a spelling typo", { sshCidr: ["10.0.0.0/8"] }, "dev", "sshCidr",
        'did you mean "sshCidrs"'],
      ["a boolean that is not true/false", { dbMultiAz: "yes" }, "dev", "dbMultiAz", "true or false"],
      ["a malformed AMI id", { amiId: "ami-xyz" }, "dev", "amiId", "ami-xyz"],
      ["a tag overriding a stack tag", { tags: '{"stage":"qa"}' }, "dev", "tags", "reserved"],
      ["the retired password mode setting", { dbPasswordMode: "secretsmanager" }, "dev", "dbPasswordMode",
        "not a setting"],
      ["an unknown region", {}, "dev", "aws:region", 'did you mean "us-east-1"'],
    ];
    for (const [what, raw, stack, key, text] of cases) {
      it(`refuses ${what}`, () => {
        const problems = problemsOf(raw, stack, key === "aws:region" ? "us-east-9" : "us-east-1");
        const match = problems.find((p) => p.includes(key) && p.includes(text));
        assert.ok(match, `no problem mentions ${key} and ${JSON.stringify(text)}:\n${problems.join("\n")}`);
        assert.match(match, /Fix: \S/, `problem has no fix: ${match}`);
      });
    }
    it("has at least 30 distinct bad inputs", () => assert.ok(cases.length >= 30));

    it("refuses a missing region with the command that sets it", () => {
      const problems = problemsOf({}, "dev", null);
      assert.ok(
        problems.some((p) => p.includes("aws:region is not set") && p.includes("pulumi config set aws:region")),
      );
    });
    it("refuses a private key stored in plain text instead of with --secret, without echoing it", () => {
      let problems: string[] = [];
      try {
        parseConfig({ sshPublicKey: PUB, sshPrivateKey: PRIV }, { ...parseContext(),
          isSecret: (k) => k !== "sshPrivateKey" });
      } catch (e) {
        problems = (e as ConfigError).problems;
      }
      assert.ok(problems.some((p) => p.includes("sshPrivateKey") && p.includes("plain text") && p.includes("--secret")),
        problems.join("\n"));
      assert.ok(problems.every((p) => !p.includes("b3BlbnNzaC1rZXktdjEAAAAA")));
      assert.doesNotThrow(() =>
        parseConfig({ sshPublicKey: PUB, sshPrivateKey: PRIV }, { ...parseContext(), isSecret: () => true })
      );
    });
    it("reads the schema's 'unset' defaults ([] / 0 / -1) as the stage defaults", () => {
      const prod = (extra: Record<string, unknown>): StackConfig => parse({ ...PROD_SSH, ...extra }, "prod");
      assert.deepStrictEqual(prod({ dbMaxAllocatedStorageGb: 0, dbBackupRetentionDays: -1 }), prod({}));
      assert.strictEqual(prod({}).database.backupRetentionDays, 14);
      assert.deepStrictEqual(parse({ sshCidrs: [], subnetIds: [] }), parse({}));
    });
    it("never echoes a private key, even a malformed one", () => {
      const problems = problemsOf({ sshPublicKey: PUB, sshPrivateKey: "-----BEGIN NOTHING-----secretstuff" });
      assert.ok(problems.every((p) => !p.includes("secretstuff")));
    });
  });

  it("collects every problem into one ConfigError whose message lists them all", () => {
    const problems = problemsOf({ hostOs: "debian", keepReleases: 1, dbEngine: "oracle", typoKey: 1 });
    assert.strictEqual(problems.length, 4);
    try {
      parse({ hostOs: "debian", keepReleases: 1, dbEngine: "oracle", typoKey: 1 });
    } catch (e) {
      for (const p of problems) assert.ok((e as Error).message.includes(p));
      assert.match((e as Error).message, /4 problems/);
    }
  });
});
