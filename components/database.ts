// The RDS database, kept outside compose: private, encrypted, in the DB subnet group and DB security
// group, with a generated master password (or an RDS-managed Secrets Manager secret) and a stage
// policy: prod is protected (Pulumi protect, deletionProtection, a uniquely named final snapshot);
// dev and sandboxes are disposable so `pulumi destroy` leaves nothing behind.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import { DatabaseSettings, DbEngine } from "./config";

export interface DatabaseArgs {
  /** Engine, size, credentials and protection choices from the stack config. */
  settings: DatabaseSettings;
  /** RDS instance identifier, already valid (see dbIdentifier). */
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
 */
export const PASSWORD_SPECIALS = "-_.~*+=";

/** Password length per engine: MySQL/MariaDB accept at most 41 characters, PostgreSQL 128. */
export function passwordLength(engine: DbEngine): number {
  return engine === "postgres" ? 40 : 32;
}

/** A valid RDS identifier from free text: lowercase, letters/digits/hyphens, starts with a letter, no "--", no trailing "-", ≤ 63. */
export function dbIdentifier(...parts: string[]): string {
  let id = parts
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[^a-z]+/, "");
  if (!id) id = "db";
  return id.slice(0, 63).replace(/-+$/, "");
}

/** URL scheme of DATABASE_URL per engine. */
export function urlScheme(engine: DbEngine): string {
  return engine === "postgres" ? "postgres" : "mysql";
}

/** DATABASE_URL; without a password when RDS manages it in Secrets Manager. */
export function databaseUrl(engine: DbEngine, user: string, password: string | undefined, address: string, port: number, dbName: string): string {
  const credentials = password === undefined ? encodeURIComponent(user) : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  return `${urlScheme(engine)}://${credentials}@${address}:${port}/${dbName}`;
}

export class Database extends pulumi.ComponentResource {
  readonly address: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** address:port */
  readonly endpoint: pulumi.Output<string>;
  readonly dbName: string;
  readonly username: string;
  /** Master password (secret); undefined when dbPasswordMode=secretsmanager. */
  readonly password: pulumi.Output<string | undefined>;
  /** DATABASE_URL (secret); carries no password when dbPasswordMode=secretsmanager. */
  readonly url: pulumi.Output<string>;
  /** ARN of the RDS-managed master secret (secretsmanager mode only). */
  readonly masterSecretArn: pulumi.Output<string | undefined>;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compose-on-ec2:database:Database", name, {}, opts);
    const s = args.settings;
    const protect = s.protectData;

    let password: pulumi.Output<string> | undefined;
    if (s.passwordMode === "random") {
      password = new random.RandomPassword(
        `${name}-password`,
        { length: passwordLength(s.engine), special: true, overrideSpecial: PASSWORD_SPECIALS, minLower: 1, minUpper: 1, minNumeric: 1, minSpecial: 1 },
        { parent: this },
      ).result;
    }

    // Final snapshot name: random but stable. RandomId keeps its value in state, so updates never
    // change it; it is created anew (new name) with each new DB, because its keepers are exactly the
    // inputs whose change replaces the DB. So every destroy/replace snapshots under a fresh name.
    let finalSnapshotIdentifier: pulumi.Output<string> | undefined;
    if (protect) {
      const suffix = new random.RandomId(
        `${name}-final-snapshot`,
        { byteLength: 4, keepers: { identifier: args.identifier, engine: s.engine, dbName: s.dbName, username: s.username } },
        { parent: this },
      );
      finalSnapshotIdentifier = pulumi.interpolate`${args.identifier}-final-${suffix.hex}`;
    }

    const db = new aws.rds.Instance(
      `${name}-instance`,
      {
        identifier: args.identifier,
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
        manageMasterUserPassword: s.passwordMode === "secretsmanager" ? true : undefined,
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
      { parent: this, protect, deleteBeforeReplace: !protect },
    );

    this.address = db.address;
    this.port = db.port;
    this.endpoint = db.endpoint;
    this.dbName = s.dbName;
    this.username = s.username;
    this.password = password ? pulumi.secret(password) : pulumi.secret(pulumi.output(undefined as string | undefined));
    this.url = pulumi.secret(
      pulumi.all([db.address, db.port, password]).apply(([address, port, pw]) => databaseUrl(s.engine, s.username, pw, address, port, s.dbName)),
    );
    this.masterSecretArn = db.masterUserSecrets.apply((secrets) => secrets?.[0]?.secretArn);

    this.registerOutputs({
      address: this.address,
      port: this.port,
      endpoint: this.endpoint,
      dbName: this.dbName,
      username: this.username,
      password: this.password,
      url: this.url,
      masterSecretArn: this.masterSecretArn,
    });
  }
}
