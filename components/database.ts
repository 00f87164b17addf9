// The RDS database, kept outside compose: private, encrypted, in the DB subnet group and DB security
// group, with a generated master password (it reaches the app inside DATABASE_URL) and a stage
// policy: prod is protected (Pulumi protect, deletionProtection, a uniquely named final snapshot);
// dev and sandboxes are disposable so `pulumi destroy` leaves nothing behind.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import { DatabaseSettings, DbEngine, resourceName } from "./config";

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
export function databaseUrl(engine: DbEngine, user: string, password: string, address: string, port: number, dbName: string): string {
  return `${urlScheme(engine)}://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${address}:${port}/${dbName}`;
}

export class Database extends pulumi.ComponentResource {
  readonly address: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** address:port */
  readonly endpoint: pulumi.Output<string>;
  readonly dbName: string;
  readonly username: string;
  /** Master password (secret). */
  readonly password: pulumi.Output<string>;
  /** DATABASE_URL (secret). */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compose-on-ec2:database:Database", name, {}, opts);
    const s = args.settings;
    const protect = s.protectData;

    const password = new random.RandomPassword(
      `${name}-password`,
      { length: passwordLength(s.engine), special: true, overrideSpecial: PASSWORD_SPECIALS, minLower: 1, minUpper: 1, minNumeric: 1, minSpecial: 1 },
      { parent: this },
    ).result;

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
    this.password = pulumi.secret(password);
    this.url = pulumi.secret(
      pulumi.all([db.address, db.port, password]).apply(([address, port, pw]) => databaseUrl(s.engine, s.username, pw, address, port, s.dbName)),
    );

    this.registerOutputs({
      address: this.address,
      port: this.port,
      endpoint: this.endpoint,
      dbName: this.dbName,
      username: this.username,
      password: this.password,
      url: this.url,
    });
  }
}
