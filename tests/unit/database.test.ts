// components/database.ts: private encrypted RDS with a stage policy (prod protected, dev disposable).
import * as assert from "assert";
import { databaseUrl, dbIdentifier, PASSWORD_SPECIALS, passwordLength } from "../../components/database";
import { isSecret, valueOf } from "../../lib/engine";
import { stackRun, variantRun } from "../support/fixtures";

const RDS = "aws:rds/instance:Instance";
const VALID_IDENTIFIER = /^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$/;

describe("database", () => {
  describe("pure helpers", () => {
    it("turns any project/stack name into a valid RDS identifier", () => {
      const cases: [string[], string][] = [
        [["compose-on-ec2", "dev"], "compose-on-ec2-dev"],
        [["My_Project", "PR-42"], "my-project-pr-42"],
        [["9lives", "x"], "lives-x"],
        [["a--b", "c-"], "a-b-c"],
      ];
      for (const [parts, expected] of cases) {
        const id = dbIdentifier(...parts);
        assert.strictEqual(id, expected, parts.join("/"));
        assert.match(id, VALID_IDENTIFIER);
      }
      assert.match(dbIdentifier("y".repeat(62), "-tail"), VALID_IDENTIFIER);
    });
    it("ends identifiers longer than 63 characters in a hash, so two long names never collide by truncation", () => {
      const a = dbIdentifier("x".repeat(70), "prod");
      const b = dbIdentifier("x".repeat(70), "prod-eu");
      assert.strictEqual(a.length, 63);
      assert.match(a, VALID_IDENTIFIER);
      assert.match(b, VALID_IDENTIFIER);
      assert.notStrictEqual(a, b);
      assert.strictEqual(a, dbIdentifier("x".repeat(70), "prod"), "the same name every run");
    });
    it("refuses parts that leave no letters for an identifier", () => {
      assert.throws(() => dbIdentifier("---", "123"), /no letters/);
    });
    it('generates passwords RDS accepts: no / @ " or space, ≤ 41 chars for MySQL/MariaDB', () => {
      assert.ok(![...'/@" '].some((c) => PASSWORD_SPECIALS.includes(c)));
      assert.strictEqual(passwordLength("postgres"), 40);
      assert.strictEqual(passwordLength("mysql"), 32);
      assert.ok(passwordLength("mariadb") <= 41);
    });
    it("builds DATABASE_URL with the engine's scheme, encoding the credentials", () => {
      assert.strictEqual(databaseUrl("postgres", "app_admin", "a+b=c", "db.example", 5432, "app"),
        "postgres://app_admin:a%2Bb%3Dc@db.example:5432/app");
      assert.strictEqual(databaseUrl("mariadb", "app_admin", "pw", "db.example", 3306, "app"),
        "mysql://app_admin:pw@db.example:3306/app");
    });
  });

  for (const stack of ["dev", "prod"] as const) {
    describe(`${stack} stack`, () => {
      it("runs PostgreSQL 16, private and encrypted, in the DB subnet group and DB security group", async () => {
        const { mock } = await stackRun(stack);
        const db = mock.one(RDS);
        assert.deepStrictEqual(
          [db.inputs.engine, db.inputs.engineVersion, db.inputs.publiclyAccessible, db.inputs.storageEncrypted,
            db.inputs.storageType, db.inputs.port],
          ["postgres", "16", false, true, "gp3", 5432],
        );
        assert.strictEqual(db.inputs.dbSubnetGroupName, mock.one("aws:rds/subnetGroup:SubnetGroup").state.name);
        assert.deepStrictEqual(db.inputs.vpcSecurityGroupIds, [
          mock.ofType("aws:ec2/securityGroup:SecurityGroup").find((g) => g.name === "fw-db")!.id,
        ]);
        assert.strictEqual(db.inputs.identifier, `compose-on-ec2-${stack}`);
        assert.deepStrictEqual([db.inputs.dbName, db.inputs.username], ["app", "app_admin"]);
      });
      it("uses a 40-character random password without characters RDS forbids", async () => {
        const { mock } = await stackRun(stack);
        const pw = mock.one("random:index/randomPassword:RandomPassword", "db-password");
        assert.deepStrictEqual([pw.inputs.length, pw.inputs.overrideSpecial], [40, PASSWORD_SPECIALS]);
        const db = mock.one(RDS);
        assert.strictEqual(db.inputs.password, pw.state.result.value ?? pw.state.result);
        assert.ok(db.secretInputs.includes("password"), "the password reaches RDS as a secret");
        assert.strictEqual(db.inputs.manageMasterUserPassword, undefined);
      });
      // What the stage's data gets: prod protected and sized up (stack settings), dev disposable and small.
      const policy = stack === "prod"
        ? { protect: true, deletionProtection: true, skipFinalSnapshot: false, backupRetentionPeriod: 14,
          allocatedStorage: 50, maxAllocatedStorage: 200, multiAz: true, instanceClass: "db.t4g.small" }
        : { protect: false, deletionProtection: false, skipFinalSnapshot: true, backupRetentionPeriod: 1,
          allocatedStorage: 20, maxAllocatedStorage: undefined, multiAz: false, instanceClass: "db.t4g.micro" };
      it(stack === "prod"
        ? "protects prod data (protect, deletion protection, final snapshot), keeps 14 days of backups, autoscales storage to 200 GiB and runs Multi-AZ as configured"
        : "makes dev disposable (no protect, no deletion protection, no final snapshot), 1 day of backups, no storage autoscaling",
        async () => {
          const db = (await stackRun(stack)).mock.one(RDS);
          const { protect, ...inputs } = policy;
          assert.strictEqual(db.options.protect, protect);
          assert.deepStrictEqual(Object.fromEntries(Object.keys(inputs).map((k) => [k, db.inputs[k]])), inputs);
        });
      if (stack === "prod") {
        it("gives prod a stable unique final snapshot, copies tags to it and applies changes in the window", async () => {
          const { mock } = await stackRun(stack);
          const db = mock.one(RDS);
          assert.deepStrictEqual([db.inputs.copyTagsToSnapshot, db.inputs.applyImmediately], [true, false]);
          const suffix = mock.one("random:index/randomId:RandomId");
          assert.deepStrictEqual(suffix.inputs.keepers, { identifier: "compose-on-ec2-prod", engine: "postgres",
            dbName: "app", username: "app_admin" });
          assert.strictEqual(db.inputs.finalSnapshotIdentifier, `compose-on-ec2-prod-final-${suffix.state.hex}`);
          assert.match(db.inputs.finalSnapshotIdentifier, /^compose-on-ec2-prod-final-[0-9a-f]{8}$/);
        });
      } else {
        it("gives dev no final snapshot and no random suffix for one", async () => {
          const { mock } = await stackRun(stack);
          assert.strictEqual(mock.one(RDS).inputs.finalSnapshotIdentifier, undefined);
          assert.strictEqual(mock.ofType("random:index/randomId:RandomId").length, 0);
        });
      }
      it("exports the endpoint in clear and DATABASE_URL and password only as secrets", async () => {
        const { mock, outputs, exports } = await stackRun(stack);
        const db = mock.one(RDS);
        assert.strictEqual(outputs.dbEndpoint, `${db.state.address}:5432`);
        assert.strictEqual(await isSecret(exports.dbEndpoint), false);
        assert.strictEqual(await isSecret(exports.dbUrl), true);
        assert.strictEqual(await isSecret(exports.dbPassword), true);
        const password = await valueOf(exports.dbPassword as never);
        assert.strictEqual(outputs.dbUrl,
          `postgres://app_admin:${encodeURIComponent(password)}@${db.state.address}:5432/app`);
      });
    });
  }

  it("sizes the MySQL password for MySQL's 41-character limit and uses mysql:// on 3306", async () => {
    const { mock, outputs } = await variantRun("A");
    assert.strictEqual(mock.one("random:index/randomPassword:RandomPassword", "db-password").inputs.length, 32);
    const db = mock.one(RDS);
    assert.deepStrictEqual([db.inputs.engine, db.inputs.port], ["mysql", 3306]);
    assert.match(String(outputs.dbUrl), /^mysql:\/\/app_admin:[^@]+@.+:3306\/app$/);
  });
  it("makes sandboxes disposable like dev and tags them with owner and expiry", async () => {
    const { mock } = await variantRun("B");
    const db = mock.one(RDS);
    assert.deepStrictEqual([db.options.protect, db.inputs.deletionProtection, db.inputs.skipFinalSnapshot], [false,
      false, true]);
    assert.strictEqual(db.inputs.identifier, "compose-on-ec2-pr-7");
    assert.deepStrictEqual([db.inputs.tags.stage, db.inputs.tags.owner, db.inputs.tags["expires-at"]], ["sandbox",
      "octocat", "2026-12-01T18:00:00Z"]);
  });
});
