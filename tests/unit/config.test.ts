// components/config: every setting typed, defaulted and validated in one place.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CONFIG_SCHEMA, ConfigError, checkCidr, parseConfig, ParseContext, schemaDefault, StackConfig, suggest } from "../../components/config";
import { renderPulumiYaml, renderSettingsDoc } from "../../components/config/generate";
import { readYaml, stackFileConfig, stackFileEntries, toConfigValues } from "../../lib/engine";
import { problemsOfParse } from "./configProblems";
import { testAppSettings } from "../support/fixtures";

const files = new Set(["app", "app/docker-compose.prod.yml"]);
const ctx = (stack = "dev", region: string | null = "us-east-1"): ParseContext => ({
  project: "compose-on-ec2",
  stack,
  region: region ?? undefined,
  fileExists: (p) => files.has(p),
});
const parse = (raw: Record<string, unknown>, stack = "dev", region: string | null = "us-east-1"): StackConfig => parseConfig(raw, ctx(stack, region));
const PROD_SSH = { sshCidrs: ["203.0.113.0/24"] };
const PUB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGFrZWtleWZvcnRlc3RzMDEyMzQ1Njc4OWFiY2RlZg== me@laptop";
const PRIV = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

/** Parses and returns the problems; fails the test when parsing succeeds. */
function problemsOf(raw: Record<string, unknown>, stack = "dev", region: string | null = "us-east-1"): string[] {
  return problemsOfParse(() => parse(raw, stack, region), `${JSON.stringify(raw)} (stack ${stack})`);
}

describe("config: parseConfig", () => {
  describe("rejects bad input, naming key, bad value and fix", () => {
    // [what, raw config, stack, text the problem must contain (besides the key and "Fix:")]
    const cases: [string, Record<string, unknown>, string, string, string][] = [
      ["a CIDR with an octet above 255", { sshCidrs: ["300.1.2.0/24"] }, "dev", "sshCidrs", "300.1.2.0/24"],
      ["a CIDR with a prefix above 32", { sshCidrs: ["10.0.0.0/33"] }, "dev", "sshCidrs", "above 32"],
      ["a CIDR with host bits set (explicitly rejected, canonical form suggested)", { httpCidrs: ["10.0.0.1/24"] }, "dev", "httpCidrs", "Fix: use 10.0.0.0/24"],
      ["an IPv6 CIDR with ':::'", { httpCidrs: ["2001:db8:::/32"] }, "dev", "httpCidrs", "not an IPv6 address"],
      ["an IPv6 CIDR with a prefix above 128", { httpCidrs: ["2001:db8::/129"] }, "dev", "httpCidrs", "above 128"],
      ["a CIDR that is a word", { sshCidrs: ["myoffice"] }, "dev", "sshCidrs", "address/prefix"],
      ["SSH from 0.0.0.0/0 in prod", { sshCidrs: ["203.0.113.0/24", "0.0.0.0/0"] }, "prod", "sshCidrs", "0.0.0.0/0"],
      ["SSH from ::/0 in prod", { sshCidrs: ["::/0"] }, "prod", "sshCidrs", "whole internet"],
      ["SSH from half the internet in prod", { sshCidrs: ["0.0.0.0/1", "128.0.0.0/1"] }, "prod", "sshCidrs", "wider than /16"],
      ["SSH from a provider-sized /12 in prod", { transport: "ssh", sshCidrs: ["10.0.0.0/12"] }, "prod", "sshCidrs", "is wider than /16, too close to the whole internet for prod SSH"],
      ["no SSH allowlist in prod on transport ssh", { transport: "ssh" }, "prod", "sshCidrs", "prod on transport ssh requires an explicit SSH allowlist"],
      ["an unknown transport", { transport: "ssn" }, "dev", "transport", 'did you mean "ssh"'],
      ["an unknown DB engine", { dbEngine: "postgresql" }, "dev", "dbEngine", 'did you mean "postgres"'],
      ["a postgres version that is not a major", { dbEngineVersion: "16.x" }, "dev", "dbEngineVersion", "PostgreSQL major"],
      ["a mysql version RDS does not offer", { dbEngine: "mysql", dbEngineVersion: "5.7" }, "dev", "dbEngineVersion", "8.0, 8.4"],
      ["a MySQL version for MariaDB", { dbEngine: "mariadb", dbEngineVersion: "8.0" }, "dev", "dbEngineVersion", "MariaDB"],
      ["an instance size typo", { instanceType: "t3.smal" }, "dev", "instanceType", 'did you mean "t3.small"'],
      ["an unknown instance family", { instanceType: "t5.small" }, "dev", "instanceType", "unknown instance family"],
      ["an instance type without a dot", { instanceType: "t3small" }, "dev", "instanceType", "family.size"],
      ["a size the family does not offer", { instanceType: "t3.metal" }, "dev", "instanceType", "does not offer"],
      ["a DB class without the db. prefix", { dbInstanceClass: "t4g.micro" }, "dev", "dbInstanceClass", 'did you mean "db.t4g.micro"'],
      ["an unknown DB class family", { dbInstanceClass: "db.t9.micro" }, "dev", "dbInstanceClass", "unknown RDS family"],
      ["storage below 20 GiB", { dbAllocatedStorageGb: 10 }, "dev", "dbAllocatedStorageGb", "20..65536"],
      ["storage above 65536 GiB", { dbAllocatedStorageGb: "70000" }, "dev", "dbAllocatedStorageGb", "out of range"],
      ["max storage not above allocated", { dbAllocatedStorageGb: 50, dbMaxAllocatedStorageGb: 40 }, "dev", "dbMaxAllocatedStorageGb", "greater than dbAllocatedStorageGb (50)"],
      ["the reserved postgres username 'postgres'", { dbUsername: "postgres" }, "dev", "dbUsername", "reserved by postgres"],
      ["the reserved postgres username 'rdsadmin'", { dbUsername: "rdsadmin" }, "dev", "dbUsername", "reserved"],
      ["the reserved mysql username 'root'", { dbEngine: "mysql", dbUsername: "root" }, "dev", "dbUsername", "reserved by mysql"],
      ["the reserved mariadb username 'admin'", { dbEngine: "mariadb", dbUsername: "admin" }, "dev", "dbUsername", "reserved by mariadb"],
      ["a username longer than 16", { dbUsername: "application_admin1" }, "dev", "dbUsername", "1-16"],
      ["a username with a hyphen", { dbUsername: "app-admin" }, "dev", "dbUsername", "letters, digits and _"],
      ["a username starting with a digit", { dbUsername: "1admin" }, "dev", "dbUsername", "start with a letter"],
      ["a postgres DB name with a hyphen", { dbName: "my-app" }, "dev", "dbName", "not a valid postgres database name"],
      ["a mysql DB name that is a system schema", { dbEngine: "mysql", dbName: "mysql" }, "dev", "dbName", "reserved by mysql"],
      ["a public key without the private key", { sshPublicKey: PUB }, "dev", "sshPublicKey", "sshPrivateKey is not"],
      ["a private key without the public key", { sshPrivateKey: PRIV }, "dev", "sshPrivateKey", "sshPublicKey is not"],
      ["a malformed public key", { sshPublicKey: "ssh-ed25519 not*base64", sshPrivateKey: PRIV }, "dev", "sshPublicKey", "not an OpenSSH public key"],
      ["a public key whose body encodes another type", { sshPublicKey: PUB.replace("ssh-ed25519", "ssh-rsa"), sshPrivateKey: PRIV }, "dev", "sshPublicKey", "does not encode a ssh-rsa key"],
      ["a private key that is not PEM", { sshPublicKey: PUB, sshPrivateKey: "hunter2" }, "dev", "sshPrivateKey", "[secret]"],
      ["a malformed VPC id", { vpcId: "vpc-123" }, "dev", "vpcId", "vpc-123"],
      ["a malformed subnet id", { vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-xyz"] }, "dev", "subnetIds", "subnet-xyz"],
      ["DB subnets with only one subnet", { vpcId: "vpc-0123456789abcdef0", dbSubnetIds: ["subnet-0123456789abcdef0"] }, "dev", "dbSubnetIds", "at least 2 availability zones"],
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
      ["a compose file missing from the app directory", { composeFile: "compose.yaml" }, "dev", "composeFile", 'does not exist in appDir "app"'],
      ["an unknown deploy mode", { deployMode: "ecr" }, "dev", "deployMode", "host, registry"],
      ["an appEnv name starting with a digit", { appEnv: '{"1BAD":"x"}' }, "dev", "appEnv", "1BAD"],
      ["an appEnv name with a hyphen", { appEnv: { "MY-VAR": "x" } }, "dev", "appEnv", "MY_VAR"],
      ["an appEnv that is a list", { appEnv: '["A=1"]' }, "dev", "appEnv", "object of string values"],
      ["backup retention above 35 days", { dbBackupRetentionDays: 36 }, "dev", "dbBackupRetentionDays", "0..35"],
      ["backup retention 0 in prod", { ...PROD_SSH, dbBackupRetentionDays: 0 }, "prod", "dbBackupRetentionDays", "no automated backups; prod keeps at least 7"],
      ["backup retention of 3 days in prod", { ...PROD_SSH, dbBackupRetentionDays: 3 }, "prod", "dbBackupRetentionDays", "3 day(s) of automated backups; prod keeps at least 7"],
      ["a DB cluster snapshot as the database's source", { dbSnapshotIdentifier: "arn:aws:rds:us-east-1:210987654321:cluster-snapshot:old-aurora" }, "dev", "dbSnapshotIdentifier", "restores only from a DB snapshot"],
      ["a snapshot identifier with a double hyphen", { dbSnapshotIdentifier: "before--move" }, "dev", "dbSnapshotIdentifier", "not an RDS DB snapshot identifier"],
      ["a snapshot and an instance to adopt together", { dbSnapshotIdentifier: "before-move", dbImportIdentifier: "old-db", dbPassword: "x" }, "dev", "dbImportIdentifier", "either from a snapshot"],
      ["an instance to adopt without its password", { dbImportIdentifier: "old-db" }, "dev", "dbPassword", "keeps its master password"],
      ["an instance identifier with capitals to adopt", { dbImportIdentifier: "Old_DB", dbPassword: "x" }, "dev", "dbImportIdentifier", "not an RDS DB instance identifier"],
      ["a database password without an instance to adopt", { dbPassword: "x" }, "dev", "dbPassword", "only for an adopted instance"],
      ["an unknown stage", { stage: "production" }, "dev", "stage", 'did you mean "prod"'],
      ["a sandbox expiry that is not ISO-8601", { sandboxExpiresAt: "tomorrow" }, "pr-12", "sandboxExpiresAt", "ISO-8601"],
      ["a sandbox expiry with month 13", { sandboxExpiresAt: "2026-13-45" }, "pr-12", "sandboxExpiresAt", "ISO-8601"],
      ["an unknown key that is a case typo", { instancetype: "t3.small" }, "dev", "instancetype", 'did you mean "instanceType"'],
      ["an unknown key that is a spelling typo", { sshCidr: ["10.0.0.0/8"] }, "dev", "sshCidr", 'did you mean "sshCidrs"'],
      ["a boolean that is not true/false", { dbMultiAz: "yes" }, "dev", "dbMultiAz", "true or false"],
      ["a malformed AMI id", { amiId: "ami-xyz" }, "dev", "amiId", "ami-xyz"],
      ["a tag overriding a stack tag", { tags: '{"stage":"qa"}' }, "dev", "tags", "reserved"],
      ["the retired password mode setting", { dbPasswordMode: "secretsmanager" }, "dev", "dbPasswordMode", "not a setting"],
      ["an unknown region", { }, "dev", "aws:region", 'did you mean "us-east-1"'],
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
      assert.ok(problems.some((p) => p.includes("aws:region is not set") && p.includes("pulumi config set aws:region")));
    });
    it("refuses a private key stored in plain text instead of with --secret, without echoing it", () => {
      let problems: string[] = [];
      try {
        parseConfig({ sshPublicKey: PUB, sshPrivateKey: PRIV }, { ...ctx(), isSecret: (k) => k !== "sshPrivateKey" });
      } catch (e) {
        problems = (e as ConfigError).problems;
      }
      assert.ok(problems.some((p) => p.includes("sshPrivateKey") && p.includes("plain text") && p.includes("--secret")), problems.join("\n"));
      assert.ok(problems.every((p) => !p.includes("b3BlbnNzaC1rZXktdjEAAAAA")));
      assert.doesNotThrow(() => parseConfig({ sshPublicKey: PUB, sshPrivateKey: PRIV }, { ...ctx(), isSecret: () => true }));
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

  describe("defaults and derived values", () => {
    it("defaults dev to small sizes, SSH from anywhere, 1 day of backups, no data protection", () => {
      const c = parse({});
      assert.strictEqual(c.stage, "dev");
      assert.deepStrictEqual(c.firewall, { httpCidrs: ["0.0.0.0/0", "::/0"], sshCidrs: ["0.0.0.0/0"], transport: "ssh" });
      assert.strictEqual(c.host.instanceType, "t3.small");
      assert.strictEqual(c.host.arch, "x86_64");
      assert.strictEqual(c.host.sshUser, "ec2-user");
      assert.strictEqual(c.host.rootVolumeGb, 20);
      assert.deepStrictEqual(
        { ...c.database },
        { engine: "postgres", engineVersion: "16", instanceClass: "db.t4g.micro", allocatedStorageGb: 20, maxAllocatedStorageGb: undefined, dbName: "app", username: "app_admin", port: 5432, multiAz: false, backupRetentionDays: 1, source: { kind: "empty" }, protectData: false },
      );
      // The example app's settings the unit tests share: the spec table's defaults plus what app/'s compose file gives.
      const { composeFindings, ...app } = c.app;
      assert.deepStrictEqual({ ...app, composeFindings: [] }, testAppSettings());
      assert.deepStrictEqual(composeFindings.slice(0, 3), ["compose file app/docker-compose.prod.yml: services web, nginx, worker, redis", "proxied service: web (port 8000) behind nginx", "health: the compose healthcheck"]);
      assert.deepStrictEqual(c.tags, { project: "compose-on-ec2", stack: "dev", stage: "dev", "managed-by": "pulumi" });
    });
    it("defaults prod to bigger sizes, 14 days of backups, storage autoscaling and protected data", () => {
      const c = parse(PROD_SSH, "prod");
      assert.strictEqual(c.host.instanceType, "t3.medium");
      assert.strictEqual(c.database.instanceClass, "db.t4g.small");
      assert.strictEqual(c.database.backupRetentionDays, 14);
      assert.strictEqual(c.database.maxAllocatedStorageGb, 100);
      assert.strictEqual(c.database.protectData, true);
    });
    it("defaults prod to transport ssm: no SSH allowlist needed, and none opened even when one is listed", () => {
      const bare = parse({}, "prod");
      assert.deepStrictEqual([bare.firewall.transport, bare.firewall.sshCidrs], ["ssm", []]);
      assert.deepStrictEqual(parse(PROD_SSH, "prod").firewall.sshCidrs, [], "sshCidrs stay unused on ssm");
      assert.deepStrictEqual(parse({ ...PROD_SSH, transport: "ssh" }, "prod").firewall, { httpCidrs: ["0.0.0.0/0", "::/0"], sshCidrs: ["203.0.113.0/24"], transport: "ssh" });
      assert.strictEqual(parse({}, "pr-7").firewall.transport, "ssh", "sandboxes dial SSH like dev");
    });
    it("treats any other stack name as a sandbox and records owner and expiry as tags", () => {
      const c = parse({ sandboxOwner: "octocat", sandboxExpiresAt: "2026-12-01T18:00:00Z", tags: { team: "web" } }, "pr-42");
      assert.strictEqual(c.stage, "sandbox");
      assert.strictEqual(c.database.protectData, false);
      assert.deepStrictEqual(c.tags, { team: "web", project: "compose-on-ec2", stack: "pr-42", stage: "sandbox", "managed-by": "pulumi", owner: "octocat", "expires-at": "2026-12-01T18:00:00Z" });
    });
    it("derives arm64 from Graviton families and the login user from the OS", () => {
      const c = parse({ instanceType: "t4g.medium", hostOs: "ubuntu" });
      assert.strictEqual(c.host.arch, "arm64");
      assert.strictEqual(c.host.sshUser, "ubuntu");
      assert.strictEqual(parse({ instanceType: "m7g.large" }).host.arch, "arm64");
    });
    it("derives port 3306 and engine default versions for MySQL and MariaDB", () => {
      assert.deepStrictEqual([parse({ dbEngine: "mysql" }).database.port, parse({ dbEngine: "mysql" }).database.engineVersion], [3306, "8.0"]);
      assert.strictEqual(parse({ dbEngine: "mariadb" }).database.engineVersion, "10.11");
    });
    it("accepts values as the CLI passes them: numbers, booleans and lists as strings/JSON", () => {
      const c = parse({ rootVolumeGb: "30", dbMultiAz: "true", httpCidrs: '["198.51.100.0/24","2001:db8::/32"]', sshCidrs: ["::/0"] });
      assert.strictEqual(c.host.rootVolumeGb, 30);
      assert.strictEqual(c.database.multiAz, true);
      assert.deepStrictEqual(c.firewall.httpCidrs, ["198.51.100.0/24", "2001:db8::/32"]);
    });
    it("accepts a matching key pair and keeps both halves", () => {
      const c = parse({ sshPublicKey: PUB, sshPrivateKey: PRIV });
      assert.strictEqual(c.host.sshPublicKey, PUB);
      assert.strictEqual(c.host.sshPrivateKey, PRIV);
    });
    it("checks the app directory against the real filesystem by default", () => {
      assert.doesNotThrow(() => parseConfig({}, { project: "compose-on-ec2", stack: "dev", region: "us-east-1" }));
    });
  });

  describe("helpers", () => {
    it("accepts canonical IPv4 and IPv6 CIDRs and classifies them", () => {
      assert.deepStrictEqual(checkCidr("0.0.0.0/0"), { ok: true, version: 4, canonical: "0.0.0.0/0", network: "4:" });
      assert.strictEqual((checkCidr("::/0") as { version: number }).version, 6);
      assert.strictEqual(checkCidr("2001:db8::/32").ok, true);
      assert.strictEqual(checkCidr("2001:db8::1/32").ok, false);
      assert.strictEqual(checkCidr("01.2.3.4/32").ok, false);
    });
    it("suggests only close names", () => {
      assert.strictEqual(suggest("instanceTyp", Object.keys(CONFIG_SCHEMA)), "instanceType");
      assert.strictEqual(suggest("completelyDifferent", Object.keys(CONFIG_SCHEMA)), undefined);
    });
  });
});

describe("config: Pulumi.yaml and the stack files", () => {
  const project = readYaml("Pulumi.yaml");

  it("names the project compose-on-ec2 with the TypeScript nodejs runtime", () => {
    assert.strictEqual(project.name, "compose-on-ec2");
    assert.deepStrictEqual(project.runtime, { name: "nodejs", options: { typescript: true } });
  });
  it("documents exactly the keys config knows, with type, description and the same defaults", () => {
    assert.deepStrictEqual(Object.keys(project.config).sort(), Object.keys(CONFIG_SCHEMA).sort());
    for (const [key, spec] of Object.entries(CONFIG_SCHEMA)) {
      const declared = project.config[key];
      // No object type in Pulumi.yaml's schema: object settings are declared untyped (a map or a JSON string passes).
      assert.strictEqual(declared.type, spec.type === "object" ? undefined : spec.type, key);
      assert.ok(declared.description.length > 10, `${key} needs a description`);
      // A declared key without a default is REQUIRED in every stack by the Pulumi CLI (pulumi/pulumi#21797),
      // and a secret key with a default fails validation (pulumi/pulumi#21865): every key has a default, none is `secret:`.
      assert.ok("default" in declared, `${key} has no default: the CLI would demand it in every stack`);
      assert.ok(!("secret" in declared), `${key}: secret keys with a default are refused by the CLI`);
      assert.deepStrictEqual(declared.default, schemaDefault(spec), key);
      if (spec.type === "array") assert.deepStrictEqual(declared.items, { type: "string" }, key);
    }
  });
  it("parses schema defaults to the same values parseConfig uses when a key is unset", () => {
    for (const stack of ["dev", "prod", "pr-7"]) {
      const fromDefaults = Object.fromEntries(Object.entries(CONFIG_SCHEMA).map(([k, s]) => [k, schemaDefault(s)]));
      const extra = stack === "prod" ? PROD_SSH : {};
      assert.deepStrictEqual(parse({ ...fromDefaults, ...extra }, stack), parse(extra, stack), stack);
    }
  });
  it("is generated from the specs: Pulumi.yaml's config block and docs/reference/configuration.md are up to date (npm run gen:config)", () => {
    const root = path.join(__dirname, "..", "..");
    const pulumiYaml = fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8");
    assert.strictEqual(pulumiYaml, renderPulumiYaml(pulumiYaml), "Pulumi.yaml drifted from the specs: run npm run gen:config");
    assert.strictEqual(fs.readFileSync(path.join(root, "docs", "reference", "configuration.md"), "utf8"), renderSettingsDoc(), "docs/reference/configuration.md drifted: run npm run gen:config");
  });

  for (const stack of ["dev", "prod"]) {
    // What the file itself sets (the CLI adds Pulumi.yaml's defaults on top).
    const raw = toConfigValues(stackFileEntries(stack)).config;
    const own = Object.fromEntries(Object.entries(raw).filter(([k]) => k.startsWith("compose-on-ec2:")).map(([k, v]) => [k.slice("compose-on-ec2:".length), v]));
    it(`Pulumi.${stack}.yaml parses cleanly and holds no secrets`, () => {
      const c = parseConfig(own, { project: "compose-on-ec2", stack, region: raw["aws:region"] });
      assert.strictEqual(c.stage, stack);
      assert.ok(["us-east-1", "eu-west-1"].includes(c.region));
      assert.ok(!("sshPrivateKey" in own) && !("sshPublicKey" in own));
      assert.ok(Object.values(raw).every((v) => !/password|BEGIN .*PRIVATE KEY|secure:/i.test(v)));
    });
  }
  it("prod opens no SSH (transport ssm by default, no sshCidrs), keeps backups and makes Multi-AZ a setting", () => {
    const raw = toConfigValues(stackFileEntries("prod")).config;
    assert.strictEqual(stackFileConfig("prod").config["compose-on-ec2:transport"], "", "the CLI hands prod the declared unset transport");
    assert.ok(!("compose-on-ec2:sshCidrs" in raw) && !("compose-on-ec2:transport" in raw), "prod takes its default transport, ssm");
    assert.ok("compose-on-ec2:dbMultiAz" in raw);
    assert.ok(Number(raw["compose-on-ec2:dbBackupRetentionDays"]) >= 7);
  });
});
