// What AWS (or the AWS provider, before it calls AWS) refuses, written from AWS's documentation and
// nothing else: the engine must never ask the program's own validators, or a bug there would pass
// on both sides. Each rule returns AWS's complaint, or undefined when AWS accepts the value. The page
// each rule follows is named above it.

// ---- CIDR ranges of security group rules ----
// AuthorizeSecurityGroupIngress, CidrIp / CidrIpv6 ("The IPv4 address range, in CIDR format"):
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html
// "Amazon Web Services canonicalizes IPv4 and IPv6 CIDRs. For example, if you specify 100.68.0.18/18
// for the CIDR block, Amazon Web Services canonicalizes the CIDR block to 100.68.0.0/18 ... if you
// attempt to add another rule with the non-canonical form ... the API throws a duplicate rule error."
// So host bits are ACCEPTED (and cleared); only a malformed range is refused.

export type Cidr = { family: 4 | 6; canonical: string } | { error: string };

function ipv4Bits(address: string): string | undefined {
  const parts = address.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.map((p) => Number(p).toString(2).padStart(8, "0")).join("");
}

function ipv6Bits(address: string): string | undefined {
  if (!/^[0-9A-Fa-f:]+$/.test(address)) return undefined;
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (all.some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) return undefined;
  return all.map((g) => parseInt(g, 16).toString(2).padStart(16, "0")).join("");
}

function ipv6Text(bits: string): string {
  const groups = Array.from({ length: 8 }, (_, i) => parseInt(bits.slice(i * 16, i * 16 + 16), 2).toString(16));
  // RFC 5952: compress the longest run (of two or more) of zero groups.
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = Math.max(i, j);
  }
  if (best.start < 0) return groups.join(":");
  return `${groups.slice(0, best.start).join(":")}::${groups.slice(best.start + best.length).join(":")}`;
}

/** Parses a CIDR range of the given family and returns the canonical form AWS stores. */
export function parseCidr(text: unknown, family: 4 | 6): Cidr {
  const m = typeof text === "string" ? /^([^/]+)\/(\d{1,3})$/.exec(text) : null;
  if (!m) return { error: `CIDR block ${String(text)} is malformed` };
  const width = family === 4 ? 32 : 128;
  const bits = family === 4 ? ipv4Bits(m[1]) : ipv6Bits(m[1]);
  const prefix = Number(m[2]);
  if (!bits || prefix > width) return { error: `CIDR block ${text} is malformed (not an IPv${family} range)` };
  const network = bits.slice(0, prefix).padEnd(width, "0");
  const address = family === 4 ? [0, 8, 16, 24].map((i) => parseInt(network.slice(i, i + 8), 2)).join(".") : ipv6Text(network);
  return { family, canonical: `${address}/${prefix}` };
}

// ---- Security group rule quota ----
// Amazon VPC quotas, "Inbound or outbound rules per security group": 60 by default, enforced
// separately for IPv4 and IPv6 rules: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html
export const RULES_PER_SECURITY_GROUP = 60;

// ---- ImportKeyPair ----
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ImportKeyPair.html: "Imports the public
// key from an RSA or ED25519 key pair". Accepted formats (EC2 User Guide, "Create a key pair ... and
// import the public key"): OpenSSH public key format (as in ~/.ssh/authorized_keys), Base64 encoded DER,
// and the SSH public key file format of RFC 4716. The OpenSSH body is the SSH wire encoding: a string
// naming the type, then the key (RFC 4253 6.6 for ssh-rsa: e and n; RFC 8709 for ssh-ed25519: 32 bytes).

function wireStrings(blob: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  for (let at = 0; at < blob.length && out.length < 8; ) {
    if (at + 4 > blob.length) return undefined;
    const length = blob.readUInt32BE(at);
    if (at + 4 + length > blob.length) return undefined;
    out.push(blob.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return out;
}

/** Why ImportKeyPair would refuse this public key material, or undefined. */
export function importKeyPairProblem(material: unknown): string | undefined {
  const text = typeof material === "string" ? material.trim() : "";
  if (/^---- BEGIN SSH2 PUBLIC KEY ----/.test(text)) return undefined; // RFC 4716: accepted as is
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) && Buffer.from(text, "base64")[0] === 0x30) return undefined; // DER SEQUENCE
  const m = /^(\S+) ([A-Za-z0-9+/]+={0,2})(?:\s.*)?$/.exec(text);
  if (!m) return "InvalidKey.Format: Key is not in valid OpenSSH public key format";
  if (m[1] !== "ssh-rsa" && m[1] !== "ssh-ed25519") return `InvalidKey.Format: key type ${m[1]} is not supported (RSA or ED25519 only)`;
  const fields = wireStrings(Buffer.from(m[2], "base64"));
  if (!fields || fields[0]?.toString("latin1") !== m[1]) return "InvalidKey.Format: Key is not in valid OpenSSH public key format";
  if (m[1] === "ssh-ed25519" && (fields.length !== 2 || fields[1].length !== 32)) return "InvalidKey.Format: an ED25519 key is 32 bytes";
  if (m[1] === "ssh-rsa" && fields.length !== 3) return "InvalidKey.Format: an RSA key carries an exponent and a modulus";
  return undefined;
}

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
  if (!/^[0-9a-z-]{1,63}$/.test(s)) return `InvalidParameterValue: identifier "${s}" must be 1 to 63 lowercase letters, digits or hyphens`;
  if (!/^[a-z]/.test(s)) return `InvalidParameterValue: identifier "${s}": first character must be a letter`;
  if (s.includes("--") || s.endsWith("-")) return `InvalidParameterValue: identifier "${s}" can't end with a hyphen or contain two consecutive hyphens`;
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
    "admin", "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "binary", "both", "case", "cast",
    "check", "collate", "collation", "column", "concurrently", "constraint", "create", "cross", "current_catalog", "current_date",
    "current_role", "current_schema", "current_time", "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct",
    "do", "else", "end", "except", "false", "fetch", "for", "foreign", "freeze", "from", "full", "grant", "group", "having", "ilike", "in",
    "initially", "inner", "intersect", "into", "is", "isnull", "join", "lateral", "leading", "left", "like", "limit", "localtime",
    "localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or", "order", "outer", "overlaps", "placing", "primary",
    "public", "references", "returning", "right", "select", "session_user", "similar", "some", "symmetric", "system_user", "table",
    "tablesample", "then", "to", "trailing", "true", "union", "unique", "user", "using", "variadic", "verbose", "when", "where", "window", "with",
  ],
  mysql: [],
  mariadb: [],
};
const MYSQL_FAMILY_RESERVED = [
  "add", "all", "alter", "and", "as", "asc", "between", "by", "case", "check", "column", "create", "cross", "database", "default", "delete",
  "desc", "distinct", "drop", "else", "exists", "for", "foreign", "from", "grant", "group", "having", "in", "index", "inner", "insert", "into",
  "is", "join", "key", "left", "like", "limit", "not", "null", "on", "or", "order", "outer", "primary", "references", "revoke", "right",
  "select", "set", "table", "then", "to", "union", "unique", "update", "use", "using", "values", "when", "where", "with",
];
RESERVED_WORDS.mysql = MYSQL_FAMILY_RESERVED;
RESERVED_WORDS.mariadb = MYSQL_FAMILY_RESERVED;

/** MasterUsername: "1 to 16 letters, numbers, or underscores. First character must be a letter." */
export function masterUsernameProblem(engine: RdsEngine, user: unknown): string | undefined {
  const s = typeof user === "string" ? user : "";
  if (!/^[A-Za-z][A-Za-z0-9_]{0,15}$/.test(s)) return `InvalidParameterValue: master username "${s}" must be 1 to 16 letters, digits or underscores, starting with a letter`;
  const lower = s.toLowerCase();
  if (lower === "rdsadmin" || RESERVED_WORDS[engine].includes(lower) || (engine === "postgres" && lower.startsWith("pg_"))) {
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
  if (s.length < 8 || s.length > max) return `InvalidParameterValue: the master password must contain from 8 to ${max} characters (got ${s.length})`;
  if (/[^\x21-\x7e]/.test(s) || /[/"@]/.test(s)) return "InvalidParameterValue: the master password may contain any printable ASCII character except '/', '\"', '@' or space";
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
  if (!Number.isInteger(gb) || (gb as number) < min || (gb as number) > max) return `InvalidParameterValue: allocated storage ${String(gb)} GiB for ${type} must be an integer from ${min} to ${max}`;
  if (maxGb !== undefined && maxGb !== 0 && (!Number.isInteger(maxGb) || (maxGb as number) <= (gb as number) || (maxGb as number) > max)) {
    return `InvalidParameterCombination: max allocated storage ${String(maxGb)} must be above allocated storage ${String(gb)} and at most ${max}`;
  }
  return undefined;
}

/** BackupRetentionPeriod: "Must be a value from 0 to 35". */
export function backupRetentionProblem(days: unknown): string | undefined {
  if (days === undefined) return undefined;
  return Number.isInteger(days) && (days as number) >= 0 && (days as number) <= 35 ? undefined : `InvalidParameterValue: backup retention period ${String(days)} must be from 0 to 35`;
}

/** FinalDBSnapshotIdentifier (DeleteDBInstance): 1 to 255 letters, numbers or hyphens, a letter first, no "--", no trailing "-". */
export function finalSnapshotIdProblem(id: unknown): string | undefined {
  const s = typeof id === "string" ? id : "";
  if (!/^[A-Za-z][A-Za-z0-9-]{0,254}$/.test(s) || s.includes("--") || s.endsWith("-")) return `InvalidParameterValue: final snapshot identifier "${s}"`;
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
  return /^[a-z][a-z0-9 ._-]{0,254}$/.test(s) && s !== "default" ? undefined : `InvalidParameterValue: DB subnet group name "${s}"`;
}

export function subnetGroupAzProblem(azs: string[]): string | undefined {
  const distinct = [...new Set(azs)];
  return distinct.length >= 2 ? undefined
    : `DBSubnetGroupDoesNotCoverEnoughAZs: the DB subnet group doesn't meet Availability Zone coverage requirement; subnets span ${distinct.length} AZ(s): ${distinct.join(", ") || "none"}`;
}

// ---- Tags ----
// Every service here: at most 50 user tags per resource, a key of 1 to 128 characters, a value of at
// most 256, and no key or value starting with "aws:" in any case (EC2 User Guide "Tag restrictions";
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_Tag.html;
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html).
// RDS and IAM also restrict the characters to Unicode letters, digits, white space and _ . : / = + - @
// (pattern [\p{L}\p{Z}\p{N}_.:/=+\-@]); RDS also reserves the "rds:" prefix. EC2 allows any character.
export type TagService = "ec2" | "rds" | "iam";

const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export function tagsProblem(service: TagService, tags: unknown): string | undefined {
  if (tags === undefined || tags === null) return undefined;
  const entries = Object.entries(tags as Record<string, unknown>);
  if (entries.length > 50) return `TagLimitExceeded: ${entries.length} tags (at most 50 per resource)`;
  const reserved = service === "rds" ? /^(aws|rds):/i : /^aws:/i;
  for (const [key, raw] of entries) {
    const value = typeof raw === "string" ? raw : String(raw);
    if ([...key].length < 1 || [...key].length > 128) return `InvalidParameterValue: tag key "${key}" must be 1 to 128 characters`;
    if ([...value].length > 256) return `InvalidParameterValue: the value of tag "${key}" is longer than 256 characters`;
    if (reserved.test(key) || reserved.test(value)) return `InvalidParameterValue: tag "${key}" uses a prefix reserved for AWS`;
    if (service !== "ec2" && (!TAG_CHARACTERS.test(key) || !TAG_CHARACTERS.test(value))) {
      return `InvalidParameterValue: tag "${key}" has characters ${service.toUpperCase()} does not allow (letters, digits, spaces and _ . : / = + - @)`;
    }
  }
  return undefined;
}
