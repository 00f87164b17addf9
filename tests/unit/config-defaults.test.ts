// components/config: the stage defaults and the values derived from the settings, and the CIDR and name helpers.
import * as assert from "assert";
import { checkCidr, parseConfig, suggest, CONFIG_SCHEMA } from "../../components/config";
import { testAppSettings } from "../support/fixtures";
import { parse, PRIV, PROD_SSH, PUB } from "../support/config";

describe("config: parseConfig", () => {
  describe("defaults and derived values", () => {
    it("defaults dev to small sizes, SSH from anywhere, 1 day of backups, no data protection", () => {
      const c = parse({});
      assert.strictEqual(c.stage, "dev");
      assert.deepStrictEqual(c.firewall, { httpCidrs: ["0.0.0.0/0", "::/0"], sshCidrs: ["0.0.0.0/0"],
        transport: "ssh" });
      assert.strictEqual(c.host.instanceType, "t3.small");
      assert.strictEqual(c.host.arch, "x86_64");
      assert.strictEqual(c.host.sshUser, "ec2-user");
      assert.strictEqual(c.host.rootVolumeGb, 20);
      assert.deepStrictEqual(
        { ...c.database },
        {
          engine: "postgres",
          engineVersion: "16",
          instanceClass: "db.t4g.micro",
          allocatedStorageGb: 20,
          maxAllocatedStorageGb: undefined,
          dbName: "app",
          username: "app_admin",
          port: 5432,
          multiAz: false,
          backupRetentionDays: 1,
          source: { kind: "empty" },
          protectData: false,
        },
      );
      // The example app's settings the unit tests share: the spec table's defaults plus what app/'s compose file gives.
      const { composeFindings, ...app } = c.app;
      assert.deepStrictEqual({ ...app, composeFindings: [] }, testAppSettings());
      assert.deepStrictEqual(composeFindings.slice(0, 3), [
        "compose file app/docker-compose.prod.yml: services web, nginx, worker, redis",
        "proxied service: web (port 8000) behind nginx",
        "health: the compose healthcheck",
      ]);
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
      assert.deepStrictEqual(parse({ ...PROD_SSH, transport: "ssh" }, "prod").firewall, {
        httpCidrs: ["0.0.0.0/0", "::/0"],
        sshCidrs: ["203.0.113.0/24"],
        transport: "ssh",
      });
      assert.strictEqual(parse({}, "pr-7").firewall.transport, "ssh", "sandboxes dial SSH like dev");
    });
    it("treats any other stack name as a sandbox and records owner and expiry as tags", () => {
      const c = parse({ sandboxOwner: "octocat", sandboxExpiresAt: "2026-12-01T18:00:00Z", tags: { team: "web" } },
        "pr-42");
      assert.strictEqual(c.stage, "sandbox");
      assert.strictEqual(c.database.protectData, false);
      assert.deepStrictEqual(c.tags, { team: "web", project: "compose-on-ec2", stack: "pr-42", stage: "sandbox",
        "managed-by": "pulumi", owner: "octocat", "expires-at": "2026-12-01T18:00:00Z" });
    });
    it("derives arm64 from Graviton families and the login user from the OS", () => {
      const c = parse({ instanceType: "t4g.medium", hostOs: "ubuntu" });
      assert.strictEqual(c.host.arch, "arm64");
      assert.strictEqual(c.host.sshUser, "ubuntu");
      assert.strictEqual(parse({ instanceType: "m7g.large" }).host.arch, "arm64");
    });
    it("derives port 3306 and engine default versions for MySQL and MariaDB", () => {
      assert.deepStrictEqual([parse({ dbEngine: "mysql" }).database.port,
        parse({ dbEngine: "mysql" }).database.engineVersion], [3306, "8.0"]);
      assert.strictEqual(parse({ dbEngine: "mariadb" }).database.engineVersion, "10.11");
    });
    it("accepts values as the CLI passes them: numbers, booleans and lists as strings/JSON", () => {
      const c = parse({ rootVolumeGb: "30", dbMultiAz: "true", httpCidrs: '["198.51.100.0/24","2001:db8::/32"]',
        sshCidrs: ["::/0"] });
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
