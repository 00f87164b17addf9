// The RDS database, kept outside compose: private, encrypted, in the DB subnet group and DB security
// group, with a generated master password (it reaches the app inside DATABASE_URL) and a stage
// policy: prod is protected (Pulumi protect, deletionProtection, a uniquely named final snapshot);
// dev and sandboxes are disposable so `pulumi destroy` leaves nothing behind.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import { APP_DB_USER, DatabaseSettings, DatabaseSource, DbEngine, ENGINES, resourceName } from "./config";
import { DB_CA } from "./layout";

export interface DatabaseArgs {
  /** Engine, size, credentials and protection choices from the stack config. */
  settings: DatabaseSettings;
  /** RDS instance identifier, already valid (stackResourceName in config). */
  identifier: string;
  /** DB subnet group (≥ 2 AZs). */
  subnetGroupName: pulumi.Input<string>;
  /** Security group allowing the DB port from the web host only. */
  securityGroupId: pulumi.Input<string>;
  /** Tags for every taggable child. */
  tags: Record<string, string>;
}

/**
 * Special characters of the generated password. RDS forbids / " @ and space; we also leave out
 * characters that need quoting in URLs, shells or .env files ($ # ? % : etc.), so the password
 * works unescaped everywhere it travels. 32-40 characters from 66 symbols is ample entropy.
 * host/bootstrap/db-login.sh accepts exactly these (its password_pattern: tests/unit/db-password-charset.test.ts).
 */
export const PASSWORD_SPECIALS = "-_.~*+=";

/** Password length per engine: MySQL/MariaDB accept at most 41 characters, PostgreSQL 128. */
export function passwordLength(engine: DbEngine): number {
  return engine === "postgres" ? 40 : 32;
}

/** A valid RDS identifier from free text (the one naming rule of config: long names end in a hash). */
export function dbIdentifier(...parts: string[]): string {
  return resourceName(...parts);
}

/** URL scheme of DATABASE_URL per engine. */
export function urlScheme(engine: DbEngine): string {
  return engine === "postgres" ? "postgres" : "mysql";
}

/** DATABASE_URL with the credentials URL-encoded. */
export function databaseUrl(engine: DbEngine, user: string, password: string, address: string, port: number,
  dbName: string): string {
  return `${urlScheme(engine)}://${encodeURIComponent(user)}:${
    encodeURIComponent(password)
  }@${address}:${port}/${dbName}`;
}

/**
 * How the app verifies the database's certificate, as DATABASE_URL's query: PostgreSQL's libpq
 * `sslmode=verify-full` + `sslrootcert` (https://www.postgresql.org/docs/current/libpq-ssl.html), MySQL's
 * `ssl-mode=VERIFY_IDENTITY` + `ssl-ca` (the app maps them to its driver: app/site_config/database_url.py),
 * with RDS's CA bundle where containers mount it ("Using SSL/TLS to encrypt a connection to a DB
 * instance": https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html).
 */
export function verifiedTlsQuery(engine: DbEngine): string {
  const ca = `${DB_CA.mount}/${DB_CA.file}`;
  return engine === "postgres" ? `sslmode=verify-full&sslrootcert=${ca}` : `ssl-mode=VERIFY_IDENTITY&ssl-ca=${ca}`;
}

/** The app's DATABASE_URL: its own login, the certificate verified. */
export function appDatabaseUrl(engine: DbEngine, password: string, address: string, port: number,
  dbName: string): string {
  return `${databaseUrl(engine, APP_DB_USER, password, address, port, dbName)}?${verifiedTlsQuery(engine)}`;
}

/**
 * What the deployment's db-user step needs of the database (ComposeDeployment): where it is, who the
 * master is, both passwords (secret), and the URL the app gets.
 */
export interface DatabaseLogins {
  engine: DbEngine;
  address: pulumi.Input<string>;
  port: pulumi.Input<number>;
  dbName: string;
  /** The master user: it creates the app's login, nothing connects as it afterwards. */
  username: string;
  password: pulumi.Input<string>;
  /** The app's login's password (secret). */
  appPassword: pulumi.Input<string>;
  /** The app's DATABASE_URL (secret): appDatabaseUrl. */
  appUrl: pulumi.Input<string>;
}

/**
 * RDS's CA bundle, kept in the repository (host/db-ca/rds-global-bundle.crt: where it comes from and
 * how to refresh it in docs/explanation/security.md): what the app verifies the database's
 * certificate against.
 */
export function rdsCaBundle(): string {
  return fs.readFileSync(path.join(__dirname, "..", "host", "db-ca", "rds-global-bundle.crt"), "utf8");
}

/**
 * The part of RDS's bundle a database in `region` chains to: the certificates whose subject names the
 * region ("Amazon RDS ap-northeast-2 Root CA RSA2048 G1") and the ones that issued them, as AWS's own
 * per-region bundles hold ("Certificate bundles for specific AWS Regions",
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html#UsingWithRDS.SSL.RegionCertificates),
 * without the expired ones (the 2019 CAs, expired in 2024, verify nothing) nor the Beta and Preview
 * endpoints' CAs. A few KiB where the global bundle is 170: small enough for an ECS container's
 * environment (ecs's db-login). Throws, naming the region, when the bundle holds nothing for it.
 */
export function rdsRegionCaBundle(region: string, bundle = rdsCaBundle(), now = new Date()): string {
  const pems = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const certs = pems.map((pem) => ({ pem, cert: new crypto.X509Certificate(pem) }))
    .filter((c) => new Date(c.cert.validTo) > now);
  const own = certs.filter((c) =>
    new RegExp(`^CN=Amazon RDS ${region.replace(/-/g, "\\-")} `, "m").test(c.cert.subject)
  );
  if (own.length === 0) {
    throw new Error(
      `region ${region}: RDS's CA bundle (host/db-ca/rds-global-bundle.crt) holds no certificate for it. Fix: refresh the bundle from https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem`,
    );
  }
  const issuers = certs.filter((c) => !own.includes(c) && own.some((o) => o.cert.checkIssued(c.cert)));
  return [...issuers, ...own].map((c) => c.pem).join("\n") + "\n";
}

/** What a DB snapshot says about itself (aws.rds.getSnapshot, from DescribeDBSnapshots), the part the checks read. */
export interface SnapshotFacts {
  engine: string;
  engineVersion: string;
  allocatedStorage: number;
  encrypted: boolean;
  status: string;
}

/** The major of a full engine version as the settings write it: "16.4" → "16", "8.0.39" → "8.0", "10.11.9" → "10.11". */
export function majorOf(engine: DbEngine, version: string): string {
  return ENGINES[engine].majors.find((m) => version === m || version.startsWith(`${m}.`)) ?? version;
}

/**
 * Why this snapshot cannot become the stack's database as configured (empty: it can). RDS restores a
 * snapshot with its own engine and version (upgrade the snapshot first, never on restore), at least its
 * storage, and encrypted only when the snapshot is (RestoreDBInstanceFromDBSnapshot takes no
 * StorageEncrypted: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceFromDBSnapshot.html;
 * "You can't restore an unencrypted snapshot to an encrypted DB instance", copy it with a KMS key:
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html#Overview.Encryption.Limitations).
 */
export function snapshotMismatches(s: DatabaseSettings, snapshot: string, facts: SnapshotFacts): string[] {
  const problems: string[] = [];
  const at = `dbSnapshotIdentifier ${snapshot}`;
  if (facts.engine !== s.engine) {
    problems.push(
      `${at} holds a ${facts.engine} database but dbEngine is ${s.engine}. Fix: pulumi config set dbEngine ${facts.engine}`,
    );
  } else if (majorOf(s.engine, facts.engineVersion) !== s.engineVersion) {
    problems.push(
      `${at} is ${facts.engine} ${facts.engineVersion} but dbEngineVersion is ${s.engineVersion}. Fix: pulumi config set dbEngineVersion ${
        majorOf(s.engine, facts.engineVersion)
      } `
        + `(upgrade after the move), or upgrade the snapshot first (aws rds modify-db-snapshot --engine-version)`,
    );
  }
  if (facts.allocatedStorage > s.allocatedStorageGb) {
    problems.push(
      `${at} needs ${facts.allocatedStorage} GiB of storage but dbAllocatedStorageGb is ${s.allocatedStorageGb}. Fix: pulumi config set dbAllocatedStorageGb ${facts.allocatedStorage}`,
    );
  }
  if (!facts.encrypted) {
    problems.push(
      `${at} is not encrypted and the stack's database is. Fix: copy it encrypted (aws rds copy-db-snapshot --kms-key-id alias/aws/rds …) and name the copy`,
    );
  }
  if (facts.status !== "available") {
    problems.push(
      `${at} is ${facts.status}, not available. Fix: wait until aws rds describe-db-snapshots shows it available`,
    );
  }
  return problems;
}

/** One line for the plan and the stack's outputs: where the database's data comes from. */
export function describeSource(source: DatabaseSource): string {
  if (source.kind === "snapshot") return `restored from RDS snapshot ${source.snapshot} (then kept by the stack)`;
  if (source.kind === "import") {
    return `existing RDS instance ${source.identifier}, adopted with pulumi import (its data stays)`;
  }
  return "a new empty database (fill it with npm run ops -- db copy|restore)";
}

export class Database extends pulumi.ComponentResource {
  /** What the deployment's db-user step and the app's .env need (ComposeDeployment's `database`). */
  readonly logins: DatabaseLogins & { password: pulumi.Output<string>; appUrl: pulumi.Output<string> };
  /** address:port */
  readonly endpoint: pulumi.Output<string>;
  /** The master user's URL (secret): the stack output dbUrl (nothing of the app's connects with it). */
  readonly url: pulumi.Output<string>;
  /** Where the data comes from, in words (describeSource). */
  readonly source: string;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compose-on-ec2:database:Database", name, {}, opts);
    const s = args.settings;
    const password = this.masterPassword(name, s);
    const appPassword = this.generatedPassword(`${name}-app-password`, s.engine);
    const finalSnapshotIdentifier = this.finalSnapshotName(name, args);
    const db = this.createInstance(name, args, password, finalSnapshotIdentifier);

    this.logins = { engine: s.engine, address: db.address, port: db.port, dbName: s.dbName, username: s.username,
      password: pulumi.secret(password), appPassword: pulumi.secret(appPassword),
      appUrl: secretUrl(db, appPassword,
        (address, port, pw) => appDatabaseUrl(s.engine, pw, address, port, s.dbName)) };
    this.endpoint = db.endpoint;
    this.source = describeSource(s.source);
    this.url = secretUrl(db, password,
      (address, port, pw) => databaseUrl(s.engine, s.username, pw, address, port, s.dbName));
    this.registerOutputs({ endpoint: this.endpoint, url: this.url, appUrl: this.logins.appUrl });
  }

  /** The master password: generated within RDS's characters, or, for an adopted instance, the one it has. */
  private masterPassword(name: string, s: DatabaseSettings): pulumi.Output<string> {
    const generated = this.generatedPassword(`${name}-password`, s.engine);
    return s.source.kind === "import" ? pulumi.secret(s.source.password) : generated;
  }

  /** A password within RDS's characters that needs no quoting in a URL, a shell or a .env file. */
  private generatedPassword(name: string, engine: DbEngine): pulumi.Output<string> {
    return new random.RandomPassword(
      name,
      { length: passwordLength(engine), special: true, overrideSpecial: PASSWORD_SPECIALS, minLower: 1, minUpper: 1,
        minNumeric: 1, minSpecial: 1 },
      { parent: this },
    ).result;
  }

  /**
   * prod only: the final snapshot's name, random but stable. RandomId keeps its value in state, so
   * updates never change it; it is created anew (new name) with each new DB, because its keepers are
   * exactly the inputs whose change replaces the DB. So every destroy/replace snapshots under a fresh name.
   */
  private finalSnapshotName(name: string, args: DatabaseArgs): pulumi.Output<string> | undefined {
    const s = args.settings;
    if (!s.protectData) return undefined;
    const suffix = new random.RandomId(
      `${name}-final-snapshot`,
      { byteLength: 4,
        keepers: { identifier: args.identifier, engine: s.engine, dbName: s.dbName, username: s.username } },
      { parent: this },
    );
    return pulumi.interpolate`${args.identifier}-final-${suffix.hex}`;
  }

  /** The RDS instance: private, encrypted, gp3; new, restored from a checked snapshot, or adopted by import. */
  private createInstance(name: string, args: DatabaseArgs, password: pulumi.Output<string>,
    finalSnapshotIdentifier: pulumi.Output<string> | undefined): aws.rds.Instance {
    const s = args.settings;
    const protect = s.protectData;
    const source = s.source;
    return new aws.rds.Instance(
      `${name}-instance`,
      {
        // An adopted instance keeps its name (and its master password: masterPassword).
        identifier: source.kind === "import" ? source.identifier : args.identifier,
        snapshotIdentifier: source.kind === "snapshot" ? checkedSnapshot(s, source.snapshot, this) : undefined,
        engine: s.engine,
        engineVersion: s.engineVersion,
        instanceClass: s.instanceClass,
        allocatedStorage: s.allocatedStorageGb,
        maxAllocatedStorage: s.maxAllocatedStorageGb,
        storageType: "gp3",
        storageEncrypted: true,
        dbName: s.dbName,
        username: s.username,
        password,
        port: s.port,
        dbSubnetGroupName: args.subnetGroupName,
        vpcSecurityGroupIds: [args.securityGroupId],
        publiclyAccessible: false,
        multiAz: s.multiAz,
        backupRetentionPeriod: s.backupRetentionDays,
        copyTagsToSnapshot: true,
        autoMinorVersionUpgrade: true,
        deletionProtection: protect,
        skipFinalSnapshot: !protect,
        finalSnapshotIdentifier,
        // prod changes wait for the maintenance window; dev applies at once.
        applyImmediately: !protect,
        tags: args.tags,
      },
      // dev: a replacement (same identifier) must delete first; prod: protect blocks both.
      {
        parent: this,
        protect,
        deleteBeforeReplace: !protect,
        // Adopting: the `import` option reads the instance and fails unless these inputs match it
        // (https://www.pulumi.com/docs/iac/concepts/options/import/). RDS never reports a password, so
        // the state has none to compare: it is taken as given (dbPassword). The instance stays in its own
        // subnet group (in the stack's VPC, vpcId); moving it would be an outage, not an import.
        ...(source.kind === "import"
          ? { import: source.identifier, ignoreChanges: ["password", "dbSubnetGroupName"] }
          : {}),
      },
    );
  }
}

/** A URL of the instance with one login's password, secret. */
function secretUrl(db: aws.rds.Instance, password: pulumi.Output<string>,
  build: (address: string, port: number, password: string) => string): pulumi.Output<string> {
  return pulumi.secret(pulumi.all([db.address, db.port, password]).apply(([a, p, pw]) => build(a, p, pw)));
}

/**
 * The snapshot's identifier once DescribeDBSnapshots (aws.rds.getSnapshot) has shown it fits the
 * settings; the instance waits for it, so a mismatch fails the preview before anything is created. A
 * shared snapshot (an ARN) is found only with includeShared.
 */
function checkedSnapshot(s: DatabaseSettings, snapshot: string, parent: pulumi.Resource): pulumi.Output<string> {
  const facts = aws.rds.getSnapshotOutput({ dbSnapshotIdentifier: snapshot,
    includeShared: snapshot.startsWith("arn:") || undefined }, { parent });
  return facts.apply((f) => {
    const problems = snapshotMismatches(s, snapshot, f);
    if (problems.length > 0) {
      throw new Error(`The database cannot start from this snapshot:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
    return snapshot;
  });
}
