// What RDS refuses (CreateDBInstance, DeleteDBInstance's final snapshot, CreateDBSubnetGroup), written
// from AWS's documentation and nothing else, as awsRules.ts: each rule returns AWS's complaint, or
// undefined when AWS accepts the value. The page each rule follows is named above it.

// ---- CreateDBInstance ----
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html

export type RdsEngine = "postgres" | "mysql" | "mariadb";

/**
 * DBInstanceIdentifier: "1 to 63 letters, numbers, or hyphens. First character must be a letter. Can't
 * end with a hyphen or contain two consecutive hyphens." The AWS provider refuses uppercase before
 * calling AWS (terraform-provider-aws validateRdsIdentifier: "only lowercase alphanumeric characters
 * and hyphens allowed").
 */
export function dbIdentifierProblem(id: unknown): string | undefined {
  const s = typeof id === "string" ? id : "";
  if (!/^[0-9a-z-]{1,63}$/.test(s)) {
    return `InvalidParameterValue: identifier "${s}" must be 1 to 63 lowercase letters, digits or hyphens`;
  }
  if (!/^[a-z]/.test(s)) return `InvalidParameterValue: identifier "${s}": first character must be a letter`;
  if (s.includes("--") || s.endsWith("-")) {
    return `InvalidParameterValue: identifier "${s}" can't end with a hyphen or contain two consecutive hyphens`;
  }
  return undefined;
}

/**
 * Words each engine reserves (MasterUsername "Can't be a reserved word for the chosen database engine").
 * `rdsadmin` is RDS's own account on every engine (RDS User Guide, "Master user account privileges").
 * PostgreSQL: the reserved key words of "Appendix C. SQL Key Words" (PostgreSQL 16), the role name
 * `public` and role names starting with `pg_` ("CREATE ROLE"); `admin` is refused by RDS for PostgreSQL
 * (verified against real deployments, aws-cloudformation/cfn-lint#4425) while `postgres`, the console's
 * default, is accepted. MySQL/MariaDB: words marked reserved in both "Keywords and Reserved Words"
 * (MySQL 8.0) and MariaDB's "Reserved Words" (a subset: the engine reserves more).
 */
const RESERVED_WORDS: Record<RdsEngine, string[]> = {
  postgres: [
    "admin",
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "public",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
  ],
  mysql: [],
  mariadb: [],
};
const MYSQL_FAMILY_RESERVED = [
  "add",
  "all",
  "alter",
  "and",
  "as",
  "asc",
  "between",
  "by",
  "case",
  "check",
  "column",
  "create",
  "cross",
  "database",
  "default",
  "delete",
  "desc",
  "distinct",
  "drop",
  "else",
  "exists",
  "for",
  "foreign",
  "from",
  "grant",
  "group",
  "having",
  "in",
  "index",
  "inner",
  "insert",
  "into",
  "is",
  "join",
  "key",
  "left",
  "like",
  "limit",
  "not",
  "null",
  "on",
  "or",
  "order",
  "outer",
  "primary",
  "references",
  "revoke",
  "right",
  "select",
  "set",
  "table",
  "then",
  "to",
  "union",
  "unique",
  "update",
  "use",
  "using",
  "values",
  "when",
  "where",
  "with",
];
RESERVED_WORDS.mysql = MYSQL_FAMILY_RESERVED;
RESERVED_WORDS.mariadb = MYSQL_FAMILY_RESERVED;

/** MasterUsername: "1 to 16 letters, numbers, or underscores. First character must be a letter." */
export function masterUsernameProblem(engine: RdsEngine, user: unknown): string | undefined {
  const s = typeof user === "string" ? user : "";
  if (!/^[A-Za-z][A-Za-z0-9_]{0,15}$/.test(s)) {
    return `InvalidParameterValue: master username "${s}" must be 1 to 16 letters, digits or underscores, starting with a letter`;
  }
  const lower = s.toLowerCase();
  if (lower === "rdsadmin" || RESERVED_WORDS[engine].includes(lower)
    || (engine === "postgres" && lower.startsWith("pg_"))) {
    return `InvalidParameterValue: MasterUsername ${s} cannot be used as it is a reserved word used by the engine`;
  }
  return undefined;
}

/**
 * MasterUserPassword: "Can include any printable ASCII character except "/", """, or "@""; length 8 to
 * 128 for PostgreSQL, 8 to 41 for MySQL and MariaDB. Spaces are refused too (Lightsail's
 * CreateRelationalDatabase, which runs the same RDS engines: "It cannot contain spaces").
 */
export function masterPasswordProblem(engine: RdsEngine, password: unknown): string | undefined {
  const s = typeof password === "string" ? password : "";
  const max = engine === "postgres" ? 128 : 41;
  if (s.length < 8 || s.length > max) {
    return `InvalidParameterValue: the master password must contain from 8 to ${max} characters (got ${s.length})`;
  }
  if (/[^\x21-\x7e]/.test(s) || /[/"@]/.test(s)) {
    return "InvalidParameterValue: the master password may contain any printable ASCII character except '/', '\"', '@' or space";
  }
  return undefined;
}

/**
 * AllocatedStorage for RDS for PostgreSQL, MySQL and MariaDB: General Purpose SSD (gp2, gp3) "an integer
 * from 20 to 65536"; Provisioned IOPS (io1, io2) 100 to 65536; magnetic (standard) 5 to 3072.
 * MaxAllocatedStorage (storage autoscaling) must be above AllocatedStorage (RDS User Guide, "Managing
 * capacity automatically with Amazon RDS storage autoscaling").
 */
export function allocatedStorageProblem(storageType: unknown, gb: unknown, maxGb: unknown): string | undefined {
  const type = typeof storageType === "string" ? storageType : "gp2";
  const [min, max] = type === "standard" ? [5, 3072] : type === "io1" || type === "io2" ? [100, 65536] : [20, 65536];
  if (!Number.isInteger(gb) || (gb as number) < min || (gb as number) > max) {
    return `InvalidParameterValue: allocated storage ${
      String(gb)
    } GiB for ${type} must be an integer from ${min} to ${max}`;
  }
  if (maxGb !== undefined && maxGb !== 0
    && (!Number.isInteger(maxGb) || (maxGb as number) <= (gb as number) || (maxGb as number) > max)) {
    return `InvalidParameterCombination: max allocated storage ${String(maxGb)} must be above allocated storage ${
      String(gb)
    } and at most ${max}`;
  }
  return undefined;
}

/** BackupRetentionPeriod: "Must be a value from 0 to 35". */
export function backupRetentionProblem(days: unknown): string | undefined {
  if (days === undefined) return undefined;
  return Number.isInteger(days) && (days as number) >= 0 && (days as number) <= 35
    ? undefined
    : `InvalidParameterValue: backup retention period ${String(days)} must be from 0 to 35`;
}

/** FinalDBSnapshotIdentifier (DeleteDBInstance): 1 to 255 letters, numbers or hyphens, a letter first, no "--", no trailing "-". */
export function finalSnapshotIdProblem(id: unknown): string | undefined {
  const s = typeof id === "string" ? id : "";
  if (!/^[A-Za-z][A-Za-z0-9-]{0,254}$/.test(s) || s.includes("--") || s.endsWith("-")) {
    return `InvalidParameterValue: final snapshot identifier "${s}"`;
  }
  return undefined;
}

// ---- CreateDBSubnetGroup ----
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html
// "DB subnet groups must contain at least one subnet in at least two AZs in the AWS Region."
// DBSubnetGroupName: "no more than 255 letters, numbers, periods, underscores, spaces, or hyphens. Must
// not be default. First character must be a letter." The provider only sends lowercase (it is stored
// lowercase).
export function subnetGroupNameProblem(name: unknown): string | undefined {
  const s = typeof name === "string" ? name : "";
  return /^[a-z][a-z0-9 ._-]{0,254}$/.test(s) && s !== "default"
    ? undefined
    : `InvalidParameterValue: DB subnet group name "${s}"`;
}

export function subnetGroupAzProblem(azs: string[]): string | undefined {
  const distinct = [...new Set(azs)];
  return distinct.length >= 2
    ? undefined
    : `DBSubnetGroupDoesNotCoverEnoughAZs: the DB subnet group doesn't meet Availability Zone coverage requirement; subnets span ${distinct.length} AZ(s): ${
      distinct.join(", ") || "none"
    }`;
}
