// Section parser: the RDS database (engine, major version, size, storage, names, backups).
import { DB_FAMILIES } from "./aws";
import { suggest } from "./checks";
import { APP_DB_USER, ENGINES, RDS_STORAGE_GB, reservedDbNameReason, reservedUsernameReason } from "./engines";
import type { Reader } from "./reader";
import { defaultFor, PROD_MIN_BACKUP_DAYS } from "./specs";
import { protectsData } from "./stages";
import type { DatabaseSettings, DatabaseSource, DbEngine } from "./types";

/** The username rules of RDS for all three engines. */
const MAX_USERNAME_LENGTH = 16;

function checkInstanceClass(r: Reader, instanceClass: string): void {
  const [prefix, family, size, extra] = instanceClass.split(".");
  if (prefix !== "db" || size === undefined || extra !== undefined) {
    r.bad("dbInstanceClass", instanceClass, "is not of the form db.family.size",
      `e.g. db.t4g.micro${prefix !== "db" && family ? ` (did you mean "db.${instanceClass}"?)` : ""}`);
  } else if (!DB_FAMILIES[family]) {
    const guess = suggest(family, Object.keys(DB_FAMILIES));
    r.bad("dbInstanceClass", instanceClass, `has an unknown RDS family "${family}"`,
      guess ? `did you mean "db.${guess}.${size}"?` : `use one of ${Object.keys(DB_FAMILIES).join(", ")}`);
  } else if (!DB_FAMILIES[family].includes(size)) {
    const guess = suggest(size, DB_FAMILIES[family]);
    r.bad("dbInstanceClass", instanceClass, `has a size "${size}" that db.${family} does not offer`,
      guess ? `did you mean "db.${family}.${guess}"?` : `use one of ${DB_FAMILIES[family].join(", ")}`);
  }
}

/** A major version only: with automatic minor upgrades on, a pinned minor would make the provider try a downgrade. */
function engineVersion(r: Reader, engine: DbEngine): string {
  const version = r.text("dbEngineVersion");
  const { label, majors } = ENGINES[engine];
  if (majors.includes(version)) return version;
  const major = majors.find((m) => new RegExp(`^${m.replace(".", "\\.")}\\.\\d+$`).test(version));
  if (major) {
    r.bad("dbEngineVersion", version,
      `pins a minor version; RDS upgrades minors itself, and the next upgrade would make the stack try to downgrade`,
      `pulumi config set dbEngineVersion ${major}`);
  } else {
    r.bad("dbEngineVersion", version, `is not a ${label} major version RDS offers`,
      `use one of ${majors.join(", ")}, or unset it for ${defaultFor("dbEngineVersion", r.stage, engine)}`);
  }
  return version;
}

/** The autoscaling ceiling: given, or the stage default raised to twice the allocated storage, within RDS's maximum. */
function storageCeiling(r: Reader, allocated: number): number | undefined {
  const given = r.isSet("dbMaxAllocatedStorageGb");
  const ceiling = r.integer("dbMaxAllocatedStorageGb");
  if (ceiling === undefined) return undefined;
  if (given) {
    if (ceiling <= allocated) {
      r.bad("dbMaxAllocatedStorageGb", ceiling, `must be greater than dbAllocatedStorageGb (${allocated})`,
        `set it above ${allocated}, or unset it to disable storage autoscaling`);
    }
    return ceiling;
  }
  const derived = Math.min(RDS_STORAGE_GB.max, Math.max(ceiling, allocated * 2));
  return derived > allocated ? derived : undefined;
}

function checkNames(r: Reader, engine: DbEngine, dbName: string, username: string): void {
  const { label, maxDbNameLength } = ENGINES[engine];
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(dbName) || dbName.length > maxDbNameLength) {
    r.bad("dbName", dbName,
      `is not a valid ${engine} database name (1-${maxDbNameLength} chars, starts with a letter, letters/digits/_ only)`,
      "e.g. app");
  } else {
    const reserved = reservedDbNameReason(engine, dbName);
    if (reserved) r.bad("dbName", dbName, `${reserved} (reserved by ${engine} on RDS)`, "pick another name, e.g. app");
  }
  if (username.length > MAX_USERNAME_LENGTH) {
    r.bad("dbUsername", username, `is ${username.length} characters; RDS allows 1-${MAX_USERNAME_LENGTH}`,
      "use a shorter name, e.g. app_admin");
  } else if (!/^[A-Za-z]/.test(username)) {
    r.bad("dbUsername", username, "must start with a letter", "e.g. app_admin");
  } else if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(username)) {
    r.bad("dbUsername", username, "may contain only letters, digits and _", "e.g. app_admin");
  } else if (username.toLowerCase() === APP_DB_USER) {
    r.bad("dbUsername", username, "is the app's own login, which the deployment creates beside the master user",
      "pick another name for the master user, e.g. app_admin");
  } else {
    const reserved = reservedUsernameReason(engine, username);
    if (reserved) {
      r.bad("dbUsername", username, `${reserved} (reserved by ${engine} on RDS; ${label} would refuse it)`,
        "pick another name, e.g. app_admin");
    }
  }
}

/**
 * A DB snapshot RestoreDBInstanceFromDBSnapshot accepts: an identifier (1-255 letters, digits, hyphens, a letter
 * first, no `--`, no trailing `-`; automated snapshots carry the `rds:` prefix), or the ARN of a snapshot another
 * account shared ("If you are restoring from a shared manual DB snapshot, the DBSnapshotIdentifier must be the ARN
 * of the shared DB snapshot": https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceFromDBSnapshot.html).
 * A DB cluster snapshot (Aurora, Multi-AZ DB clusters) restores a cluster, never a DB instance.
 */
export function snapshotProblem(value: string): { why: string; fix: string } | undefined {
  const arn = /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:(snapshot|cluster-snapshot):(.+)$/.exec(value);
  if (arn?.[1] === "cluster-snapshot") {
    return {
      why:
        "is a DB cluster snapshot (Aurora or a Multi-AZ DB cluster); the stack runs a DB instance, which restores only from a DB snapshot",
      fix:
        "restore the cluster snapshot into a cluster of its own and move the data with `npm run ops -- db copy --from env:OLD_DATABASE_URL` (docs/guides/moving-in.md)",
    };
  }
  const id = arn ? arn[2] : value;
  if (!/^(rds:)?[A-Za-z](?!.*--)[A-Za-z0-9-]{0,254}$/.test(id) || id.endsWith("-")) {
    return {
      why:
        "is not an RDS DB snapshot identifier (letters, digits and hyphens, a letter first, no `--` or trailing `-`; `rds:` for automated snapshots) nor a DB snapshot ARN",
      fix:
        "copy the identifier from `aws rds describe-db-snapshots --query 'DBSnapshots[].DBSnapshotIdentifier'`, or the DBSnapshotArn for a snapshot shared with you",
    };
  }
  return undefined;
}

/** Where the data comes from: an empty database, a snapshot, or an existing instance to import (not both). */
function databaseSource(r: Reader): DatabaseSource {
  const snapshot = r.string("dbSnapshotIdentifier");
  const importId = r.string("dbImportIdentifier");
  const password = r.string("dbPassword");
  if (snapshot !== undefined && importId !== undefined) {
    r.bad("dbImportIdentifier", importId,
      "is set together with dbSnapshotIdentifier; the data comes either from a snapshot (a new instance) or from the adopted instance",
      "pulumi config rm dbSnapshotIdentifier (adopt) or pulumi config rm dbImportIdentifier (restore the snapshot)");
  }
  if (password !== undefined && importId === undefined) {
    r.bad("dbPassword", password,
      "is only for an adopted instance (dbImportIdentifier); the stack generates the password of the instances it creates",
      "pulumi config rm dbPassword");
  }
  if (importId !== undefined) {
    if (!/^[a-z](?!.*--)[a-z0-9-]{0,62}$/.test(importId) || importId.endsWith("-")) {
      r.bad("dbImportIdentifier", importId,
        "is not an RDS DB instance identifier (1-63 lowercase letters, digits and hyphens, a letter first, no `--` or trailing `-`)",
        "copy it from `aws rds describe-db-instances --query 'DBInstances[].DBInstanceIdentifier'`");
    }
    if (password === undefined) {
      r.missing("dbPassword",
        "is required with dbImportIdentifier: an adopted instance keeps its master password, and the app's DATABASE_URL needs it",
        "pulumi config set --secret dbPassword (its current master password)");
    }
    return { kind: "import", identifier: importId, password: password ?? "" };
  }
  if (snapshot !== undefined) {
    const problem = snapshotProblem(snapshot);
    if (problem) r.bad("dbSnapshotIdentifier", snapshot, problem.why, problem.fix);
    return { kind: "snapshot", snapshot };
  }
  return { kind: "empty" };
}

export function parseDatabase(r: Reader): DatabaseSettings {
  const engine = r.choice<DbEngine>("dbEngine");
  r.engine = engine;
  const version = engineVersion(r, engine);
  const instanceClass = r.text("dbInstanceClass");
  checkInstanceClass(r, instanceClass);
  const allocatedStorageGb = r.count("dbAllocatedStorageGb");
  const maxAllocatedStorageGb = storageCeiling(r, allocatedStorageGb);
  const dbName = r.text("dbName");
  const username = r.text("dbUsername");
  checkNames(r, engine, dbName, username);
  const backupRetentionDays = r.count("dbBackupRetentionDays");
  if (protectsData(r.stage) && backupRetentionDays < PROD_MIN_BACKUP_DAYS) {
    r.bad(
      "dbBackupRetentionDays",
      backupRetentionDays,
      `keeps ${
        backupRetentionDays === 0 ? "no automated backups" : `${backupRetentionDays} day(s) of automated backups`
      }; prod keeps at least ${PROD_MIN_BACKUP_DAYS}`,
      `pulumi config set dbBackupRetentionDays ${PROD_MIN_BACKUP_DAYS} (or unset it for ${
        defaultFor("dbBackupRetentionDays", r.stage)
      })`,
    );
  }
  return {
    engine,
    engineVersion: version,
    instanceClass,
    allocatedStorageGb,
    maxAllocatedStorageGb,
    dbName,
    username,
    port: ENGINES[engine].port,
    multiAz: r.flag("dbMultiAz"),
    backupRetentionDays,
    source: databaseSource(r),
    protectData: protectsData(r.stage),
  };
}
