// The restore drill: `sandbox up <name> --from-snapshot prod|<id>`. prod's newest automated snapshot is
// found with the AWS CLI (a stand-in `aws` first on PATH answers in the CLI's JSON format), the
// sandbox's settings restore its database from it, and later ups keep it.

import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { upSandbox } from "../../scripts/lib/sandbox/commands";
import { rdsInstanceOf } from "../../scripts/lib/sandbox/snapshot";
import { latestAutomatedSnapshot, Runner } from "../../scripts/lib/sandbox/environment";
import { main } from "../../scripts/sandbox";
import { context, DEV_SETTINGS, FakeWorkspace, HOUR, installStandIns, PROJECT,
  sandboxRecordConfig } from "../support/sandbox";

/**
 * A stand-in `aws` (a Node script first on PATH) that logs its arguments and answers
 * `rds describe-db-snapshots --db-instance-identifier ID --snapshot-type automated` as the CLI does with
 * --output json: {"DBSnapshots": [DBSnapshot…]}, the fields of the RDS API's DBSnapshot
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBSnapshot.html). An unknown instance
 * fails as the CLI does: exit 254 and the service's error on stderr.
 */
const STAND_IN_AWS = `#!/usr/bin/env node
const fs = require("fs");
const path = require("path");
const dir = process.env.STAND_IN_DIR;
const args = process.argv.slice(2);
fs.appendFileSync(path.join(dir, "aws-calls.log"), JSON.stringify(args) + "\\n");
const flag = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
if (args[0] !== "rds" || args[1] !== "describe-db-snapshots" || flag("--snapshot-type") !== "automated" || flag("--output") !== "json") {
  console.error("stand-in aws: unhandled " + args.join(" ")); process.exit(1);
}
const instance = flag("--db-instance-identifier");
const snapshots = JSON.parse(fs.readFileSync(path.join(dir, "snapshots.json"), "utf8"))[instance];
if (!snapshots) {
  console.error("\\nAn error occurred (DBInstanceNotFound) when calling the DescribeDBSnapshots operation: DBInstance " + instance + " not found.");
  process.exit(254);
}
console.log(JSON.stringify({ DBSnapshots: snapshots }, null, 4));
`;

function snapshot(id: string, created: string, status = "available", gb = 50) {
  return {
    DBSnapshotIdentifier: id,
    DBInstanceIdentifier: "shop-prod-db",
    SnapshotCreateTime: created,
    Engine: "postgres",
    AllocatedStorage: gb,
    Status: status,
    Port: 5432,
    AvailabilityZone: "eu-central-1a",
    VpcId: "vpc-0abc",
    InstanceCreateTime: "2025-01-10T08:00:00.000Z",
    MasterUsername: "shop",
    EngineVersion: "16.4",
    LicenseModel: "postgresql-license",
    SnapshotType: "automated",
    PercentProgress: status === "available" ? 100 : 40,
    StorageType: "gp3",
    Encrypted: true,
    KmsKeyId: "arn:aws:kms:eu-central-1:111122223333:key/x",
    DBSnapshotArn: `arn:aws:rds:eu-central-1:111122223333:snapshot:${id}`,
  };
}

const SNAPSHOTS = {
  "shop-prod-db": [
    snapshot("rds:shop-prod-db-2026-11-21-03-10", "2026-11-21T03:10:41.512Z"),
    snapshot("rds:shop-prod-db-2026-11-22-03-10", "2026-11-22T03:11:02.007Z", "available", 60),
    snapshot("rds:shop-prod-db-2026-11-20-03-10", "2026-11-20T03:10:12.300Z"),
    snapshot("rds:shop-prod-db-2026-11-23-03-10", "2026-11-23T03:10:55.000Z", "creating"),
  ],
  "quiet-db": [],
};

const run: Runner = (command, args) => {
  const r = spawnSync(command, args, { encoding: "utf8", timeout: 30_000 });
  return { error: r.error, status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
};

describe("sandbox restore drill (--from-snapshot)", () => {
  let standIns: { dir: string; remove: () => void };
  const awsCalls = (): string[][] => {
    const log = path.join(standIns.dir, "aws-calls.log");
    return fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l)) : [];
  };

  before(() => {
    standIns = installStandIns("stand-in-aws-", { aws: STAND_IN_AWS });
    fs.writeFileSync(path.join(standIns.dir, "snapshots.json"), JSON.stringify(SNAPSHOTS));
  });

  after(() => standIns.remove());

  beforeEach(() => fs.rmSync(path.join(standIns.dir, "aws-calls.log"), { force: true }));

  /** A workspace with prod deployed (its database endpoint as an output) in prodRegion. */
  function withProd(prodRegion = "eu-central-1"): FakeWorkspace {
    const ws = new FakeWorkspace();
    ws.addStack("prod", sandboxRecordConfig("2030-01-01T00:00:00Z", "ops", "prod"));
    ws.stacks.get("prod")!.outputs = { dbEndpoint: "shop-prod-db.c9akciq32.eu-central-1.rds.amazonaws.com:5432" };
    ws.stackSettingsConfig = async (stack) => {
      ws.calls.push(`stackSettings ${stack}`);
      return stack === "prod" ? { "aws:region": prodRegion } : DEV_SETTINGS;
    };
    return ws;
  }
  const viaCli = {
    snapshots: (instance: string, region: string | undefined) => latestAutomatedSnapshot(run, instance, region),
  };
  const recorded = (ws: FakeWorkspace, name: string, key: string) =>
    ws.stacks.get(name)?.history[0].config[`${PROJECT}:${key}`]?.value;

  it("finds the newest available automated snapshot with aws rds describe-db-snapshots, skipping one still being taken", () => {
    const found = latestAutomatedSnapshot(run, "shop-prod-db", "eu-central-1");
    assert.deepStrictEqual(found, { id: "rds:shop-prod-db-2026-11-22-03-10", createdAt: "2026-11-22T03:11:02.007Z",
      allocatedStorageGb: 60, masterUsername: "shop" });
    assert.deepStrictEqual(awsCalls(), [["rds", "describe-db-snapshots", "--db-instance-identifier", "shop-prod-db",
      "--snapshot-type", "automated", "--output", "json", "--region", "eu-central-1"]]);
  });

  it("says why when there is no snapshot, the CLI fails or is missing", () => {
    assert.throws(() => latestAutomatedSnapshot(run, "quiet-db", undefined),
      /quiet-db has no available automated snapshot.*dbBackupRetentionDays/);
    assert.throws(() => latestAutomatedSnapshot(run, "gone-db", undefined),
      /describe-db-snapshots --db-instance-identifier gone-db failed: .*DBInstanceNotFound/);
    const missing: Runner = () => ({ error: Object.assign(new Error("spawnSync aws ENOENT"), { code: "ENOENT" }),
      status: null, stdout: "", stderr: "" });
    assert.throws(() => latestAutomatedSnapshot(missing, "shop-prod-db", undefined),
      /needs the AWS CLI.*ENOENT.*--from-snapshot rds:/);
  });

  it("up --from-snapshot prod restores the sandbox's database from prod's newest automated snapshot, sized and named for it", async () => {
    const ws = withProd();
    const ctx = context(ws, viaCli);
    await upSandbox(ctx, "drill", { ttlMs: 24 * HOUR, owner: "alice", fromSnapshot: "prod" });
    assert.strictEqual(recorded(ws, "drill", "dbSnapshotIdentifier"), "rds:shop-prod-db-2026-11-22-03-10");
    // The sandbox's pinned storage (20 GiB) is below the snapshot's; a restore cannot shrink it.
    assert.strictEqual(recorded(ws, "drill", "dbAllocatedStorageGb"), "60");
    assert.strictEqual(recorded(ws, "drill", "dbUsername"), "shop");
    assert.strictEqual(recorded(ws, "drill", "stage"), "sandbox");
    assert.deepStrictEqual(awsCalls().map((a) => a[3]), ["shop-prod-db"]);
    const order = ws.calls.filter((c) =>
      /^(checkAwsCredentials|latestAutomatedSnapshot|createOrSelect|writeConfig|up) /.test(c)
      || c === "checkAwsCredentials"
    );
    assert.deepStrictEqual(order, ["checkAwsCredentials", "latestAutomatedSnapshot shop-prod-db eu-central-1",
      "createOrSelect drill", "writeConfig drill", "up drill"]);
    assert.match(ctx.logged.join(""),
      /prod's database shop-prod-db, newest automated snapshot rds:shop-prod-db-2026-11-22-03-10/);
    // dbUsername now comes from the snapshot: no longer reported as a skipped dev secret.
    assert.doesNotMatch(ctx.logged.join(""), /not copied .*dbUsername/);
  });

  it("up --from-snapshot <id> takes the snapshot as given, without asking AWS", async () => {
    const ws = withProd();
    await upSandbox(context(ws), "drill", { ttlMs: HOUR, owner: "a", fromSnapshot: "before-move" });
    assert.strictEqual(recorded(ws, "drill", "dbSnapshotIdentifier"), "before-move");
    assert.deepStrictEqual(awsCalls(), []);
    assert.ok(!ws.calls.includes("select prod"));
  });

  it("a later up without the flag keeps the restored database's settings (changing them would replace it)", async () => {
    const ws = withProd();
    await upSandbox(context(ws, viaCli), "drill", { ttlMs: HOUR, owner: "a", fromSnapshot: "prod" });
    const ctx = context(ws);
    await upSandbox(ctx, "drill", { ttlMs: HOUR, owner: "a" });
    assert.strictEqual(recorded(ws, "drill", "dbSnapshotIdentifier"), "rds:shop-prod-db-2026-11-22-03-10");
    assert.strictEqual(recorded(ws, "drill", "dbAllocatedStorageGb"), "60");
    assert.doesNotMatch(ctx.logged.join(""), /replaces/);
    // A newer snapshot named on an existing sandbox replaces its database, and says so.
    const again = context(ws);
    await upSandbox(again, "drill", { ttlMs: HOUR, owner: "a", fromSnapshot: "rds:shop-prod-db-2026-11-23-03-10" });
    assert.match(again.logged.join(""),
      /restored from snapshot rds:shop-prod-db-2026-11-23-03-10 \(replaces this sandbox's database\)/);
  });

  it("refuses before creating anything when prod is missing, has no RDS endpoint or runs in another region", async () => {
    const none = new FakeWorkspace();
    await assert.rejects(upSandbox(context(none, viaCli), "drill", { ttlMs: HOUR, owner: "a", fromSnapshot: "prod" }),
      /no stack prod.*give the snapshot's id/);
    const noDb = withProd();
    noDb.stacks.get("prod")!.outputs = {};
    await assert.rejects(upSandbox(context(noDb, viaCli), "drill", { ttlMs: HOUR, owner: "a", fromSnapshot: "prod" }),
      /dbEndpoint output \(missing\) names no RDS instance/);
    const elsewhere = withProd("us-east-1");
    await assert.rejects(
      upSandbox(context(elsewhere, viaCli), "drill", { ttlMs: HOUR, owner: "a", fromSnapshot: "prod" }),
      /prod runs in us-east-1 and sandboxes in eu-central-1.*copy-db-snapshot --source-region us-east-1 --region eu-central-1/,
    );
    for (const ws of [none, noDb, elsewhere]) {
      assert.ok(!ws.calls.some((c) => /^(createOrSelect|writeConfig|up) /.test(c)), ws.calls.join(", "));
    }
    assert.deepStrictEqual(awsCalls(), []);
  });

  it("reads the instance from an RDS endpoint only", () => {
    assert.strictEqual(rdsInstanceOf("shop-prod-db.c9akciq32.eu-central-1.rds.amazonaws.com:5432"), "shop-prod-db");
    assert.strictEqual(rdsInstanceOf("10.0.0.5:5432"), undefined);
    assert.strictEqual(rdsInstanceOf(undefined), undefined);
  });

  it("the command line takes --from-snapshot for up only", async () => {
    await assert.rejects(main(["destroy", "drill", "--from-snapshot", "prod"]), /--from-snapshot is for up/);
    await assert.rejects(main(["up", "drill", "--from-snapshot="]), /--from-snapshot needs prod or a snapshot id/);
  });
});
