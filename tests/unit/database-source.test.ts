// Where the database's data comes from: an RDS snapshot (checked against DescribeDBSnapshots, as the
// AWS mock answers aws.rds.getSnapshot from recorded AWS CLI output) or an existing instance adopted
// with the `import` resource option (the mock reads a recorded DescribeDBInstances entry and refuses
// inputs that do not match it, as the engine's import step does).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { describeSource, majorOf, snapshotMismatches } from "../../components/database";
import { AwsDbInstance, AwsDbSnapshot, AwsMock, runProgram } from "../../lib/engine";
import { renderText } from "../../scripts/plan";
import { runPlan } from "../../scripts/lib/plan/run";
import { TEST_SUBNETS, TEST_VPC_ID } from "../support/fixtures";

const RDS = "aws:rds/instance:Instance";
const fixture = <T>(file: string, key: string): T[] =>
  JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "rds", file), "utf8"))[key];
const SNAPSHOTS = fixture<AwsDbSnapshot>("describe-db-snapshots.json", "DBSnapshots");
const INSTANCES = fixture<AwsDbInstance>("describe-db-instances.json", "DBInstances");
const OLD_PASSWORD = "old-master-Passw0rd-kept";

const fromSnapshot = (snapshot: string, config: Record<string, string> = {}) =>
  runProgram({ stack: "dev", mock: new AwsMock({ rdsSnapshots: SNAPSHOTS }),
    config: { dbSnapshotIdentifier: snapshot, ...config } });

/** The stack adopting `oldshop` in its VPC, the instance recorded as AWS describes it (with overrides). */
async function adopt(instance: Partial<AwsDbInstance>, config: Record<string, string> = {}) {
  const network = { vpcId: TEST_VPC_ID, subnetIds: JSON.stringify(TEST_SUBNETS.map((s) => s.id)) };
  // The stack's DB security group id, as the documented steps add it to the instance before the import.
  const first = await runProgram({ stack: "dev", mock: new AwsMock({ subnets: TEST_SUBNETS }), config: network });
  const dbSg = first.mock.ofType("aws:ec2/securityGroup:SecurityGroup").find((g) => g.name === "fw-db")!.id!;
  const recorded = { ...INSTANCES[0], VpcSecurityGroups: [{ VpcSecurityGroupId: dbSg, Status: "active" }],
    ...instance };
  return runProgram({
    stack: "dev",
    mock: new AwsMock({ subnets: TEST_SUBNETS, rdsInstances: [recorded] }),
    config: { ...network, dbImportIdentifier: "oldshop", ...config },
    secrets: { dbPassword: OLD_PASSWORD },
  });
}

describe("database source", () => {
  describe("snapshot checks (pure)", () => {
    const settings = { engine: "postgres", engineVersion: "16", allocatedStorageGb: 20 } as Parameters<
      typeof snapshotMismatches
    >[0];
    const facts = { engine: "postgres", engineVersion: "16.4", allocatedStorage: 20, encrypted: true,
      status: "available" };
    it("accepts a snapshot of the same engine and major version that fits the storage", () => {
      assert.deepStrictEqual(snapshotMismatches(settings, "s", facts), []);
    });
    it("reads the major of a full engine version the way the settings write it", () => {
      assert.deepStrictEqual([majorOf("postgres", "16.4"), majorOf("mysql", "8.0.39"), majorOf("mariadb", "10.11.9")], [
        "16",
        "8.0",
        "10.11",
      ]);
    });
    it("names the setting and the fix for each mismatch", () => {
      const problems = snapshotMismatches(settings, "s", { engine: "postgres", engineVersion: "15.8",
        allocatedStorage: 50, encrypted: false, status: "creating" });
      assert.strictEqual(problems.length, 4, problems.join("\n"));
      assert.match(problems[0],
        /is postgres 15\.8 but dbEngineVersion is 16\. Fix: pulumi config set dbEngineVersion 15/);
      assert.match(problems[1], /needs 50 GiB .* Fix: pulumi config set dbAllocatedStorageGb 50/);
      assert.match(problems[2], /not encrypted .* copy-db-snapshot --kms-key-id/);
      assert.match(problems[3], /is creating, not available/);
      assert.match(snapshotMismatches(settings, "s", { ...facts, engine: "mysql" })[0],
        /holds a mysql database but dbEngine is postgres\. Fix: pulumi config set dbEngine mysql/);
    });
  });

  describe("under the mock engine", () => {
    it("creates the instance from an own manual snapshot after looking it up, and says so", async () => {
      const { mock, outputs } = await fromSnapshot("before-move");
      assert.strictEqual(mock.one(RDS).inputs.snapshotIdentifier, "before-move");
      const lookup = mock.calls.find((c) => c.token === "aws:rds/getSnapshot:getSnapshot");
      assert.strictEqual(lookup?.args.dbSnapshotIdentifier, "before-move");
      assert.match(String(outputs.databaseSource), /restored from RDS snapshot before-move/);
    });
    it("restores a snapshot another account shared by its ARN (looked up with includeShared)", async () => {
      const arn = "arn:aws:rds:us-east-1:210987654321:snapshot:shop-handover";
      const { mock } = await fromSnapshot(arn);
      assert.strictEqual(mock.one(RDS).inputs.snapshotIdentifier, arn);
      assert.strictEqual(mock.calls.find((c) => c.token === "aws:rds/getSnapshot:getSnapshot")?.args.includeShared,
        true);
    });
    it("does not find a shared snapshot by its bare name, as RDS wants the ARN", async () => {
      // The SDK loses an invoke's message on the way to the resource; the mock keeps what it answered.
      const mock = new AwsMock({ rdsSnapshots: SNAPSHOTS });
      await assert.rejects(runProgram({ stack: "dev", mock, config: { dbSnapshotIdentifier: "shop-handover" } }));
      assert.ok(mock.errors.some((e) => e.includes("getSnapshot") && e.includes("Your query returned no results")),
        mock.errors.join("\n"));
      assert.strictEqual(mock.ofType(RDS).length, 0, "no instance is created");
    });
    it("refuses an automated snapshot of another major version before creating the instance, naming the fix", async () => {
      await assert.rejects(fromSnapshot("rds:oldshop-2026-11-26-03-10"),
        /is postgres 15\.8 but dbEngineVersion is 16\. Fix: pulumi config set dbEngineVersion 15/);
    });
    it("accepts the same automated snapshot once dbEngineVersion is its major", async () => {
      const { mock } = await fromSnapshot("rds:oldshop-2026-11-26-03-10", { dbEngineVersion: "15" });
      assert.strictEqual(mock.one(RDS).inputs.engineVersion, "15");
    });
    it("refuses an unencrypted snapshot larger than the allocated storage, with both fixes", async () => {
      await assert.rejects(fromSnapshot("plain-export"),
        (err: Error) => /dbAllocatedStorageGb 50/.test(err.message) && /not encrypted/.test(err.message));
    });

    it("adopts a recorded instance whose settings match it, keeping its name, address and password", async () => {
      const { mock, outputs } = await adopt({});
      const db = mock.one(RDS);
      assert.strictEqual(db.id, "db-ABCDEFGHIJKLMNOPQRSTUVWXY2",
        "the id is the one AWS reports: the instance was read, not created");
      assert.strictEqual(db.inputs.identifier, "oldshop");
      assert.deepStrictEqual(db.options.ignoreChanges, ["password", "dbSubnetGroupName"]);
      assert.strictEqual(outputs.dbEndpoint, "oldshop.c9akciq32.us-east-1.rds.amazonaws.com:5432");
      assert.strictEqual(outputs.dbUrl,
        `postgres://app_admin:${OLD_PASSWORD}@oldshop.c9akciq32.us-east-1.rds.amazonaws.com:5432/app`);
      assert.match(String(outputs.databaseSource), /existing RDS instance oldshop, adopted with pulumi import/);
    });
    it("refuses the import when a setting differs from the instance, naming both values", async () => {
      await assert.rejects(adopt({ DBInstanceClass: "db.t3.medium", BackupRetentionPeriod: 7 }),
        (err: Error) =>
          /inputs to import do not match the existing resource/.test(err.message)
          && /instanceClass: program "db.t4g.micro", instance "db.t3.medium"/.test(err.message)
          && /backupRetentionPeriod: program 1, instance 7/.test(err.message));
    });
    it("refuses the import while the instance lacks the stack's DB security group", async () => {
      await assert.rejects(
        adopt({ VpcSecurityGroups: [{ VpcSecurityGroupId: "sg-0123456789abcdef0", Status: "active" }] }),
        /vpcSecurityGroupIds: program \["sg-/,
      );
    });
    it("refuses to import an instance that does not exist", async () => {
      await assert.rejects(adopt({ DBInstanceIdentifier: "someone-else" }),
        /DBInstanceNotFound: DBInstance oldshop not found/);
    });
  });

  describe("the plan", () => {
    it("shows where the data comes from: empty, or a snapshot it could not check offline", async () => {
      const empty = renderText(await runPlan({ stack: "dev" }));
      assert.match(empty, /\n {2}Database: a new empty database/);
      assert.match(empty,
        /\n {2}Database login: the app connects as compose_app \(made by the deploy's db-user step\), certificate verified/);
      const text = renderText(await runPlan({ stack: "dev", set: { dbSnapshotIdentifier: "before-move" } }));
      assert.match(text,
        /\n {2}Database: restored from RDS snapshot before-move .*offline, the snapshot is assumed to fit: pulumi preview checks/);
    });
    it("describes each source in one line", () => {
      assert.match(describeSource({ kind: "empty" }), /empty/);
      assert.match(describeSource({ kind: "import", identifier: "x", password: "p" }), /adopted with pulumi import/);
    });
  });
});
