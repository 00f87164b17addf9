// Every setting of the stack: typed, defaulted and validated in ONE place.
// Components receive slices of StackConfig, never pulumi.Config.
// CONTRACT (shared by all components, scripts and tests): keep these type names and fields stable.

import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

export type Stage = "dev" | "prod" | "sandbox";
export type HostOs = "al2023" | "ubuntu";
export type Arch = "x86_64" | "arm64";
export type DbEngine = "postgres" | "mysql" | "mariadb";
export type DbPasswordMode = "random" | "secretsmanager";
export type DeployMode = "host" | "registry";

/** Where the stack lives. */
export interface NetworkSettings {
  /** Existing VPC id; undefined means the region's default VPC. */
  vpcId?: string;
  /** Public subnet ids for the host (and DB subnet group when dbSubnetIds is unset); undefined means the VPC's default subnets. */
  subnetIds?: string[];
  /** Subnets for the DB subnet group (must span ≥ 2 AZs); undefined means subnetIds / the VPC's subnets. */
  dbSubnetIds?: string[];
}

/** Who may reach the host. */
export interface FirewallSettings {
  /** CIDRs allowed on 80/443 (IPv4 and IPv6 both accepted). */
  httpCidrs: string[];
  /** CIDRs allowed on 22; never the world in prod; must include wherever `pulumi up` runs. */
  sshCidrs: string[];
}

/** The EC2 host. */
export interface HostSettings {
  os: HostOs;
  instanceType: string;
  /** Derived from instanceType (Graviton families → arm64). */
  arch: Arch;
  /** Pinned AMI id; undefined means resolve from the SSM public parameter and ignore later AMI changes. */
  amiId?: string;
  rootVolumeGb: number;
  /** OpenSSH public key; undefined means a key pair generated with @pulumi/tls. */
  sshPublicKey?: string;
  /** Set exactly when sshPublicKey is set (secret config). */
  sshPrivateKey?: string;
  /** Derived from os: ec2-user (al2023), ubuntu (ubuntu). */
  sshUser: string;
}

/** The RDS database (outside compose). */
export interface DatabaseSettings {
  engine: DbEngine;
  /** e.g. "16" or "16.4" (postgres), "8.0" or "8.0.39" (mysql), "10.11" (mariadb). */
  engineVersion: string;
  instanceClass: string;
  allocatedStorageGb: number;
  /** Storage autoscaling ceiling; undefined disables autoscaling. */
  maxAllocatedStorageGb?: number;
  dbName: string;
  username: string;
  /** Derived from engine: 5432 postgres, 3306 mysql/mariadb. */
  port: number;
  multiAz: boolean;
  backupRetentionDays: number;
  passwordMode: DbPasswordMode;
  /** Derived from stage (prod true): Pulumi `protect`, RDS deletionProtection and a final snapshot. */
  protectData: boolean;
}

/** The compose app and how it is deployed. */
export interface AppSettings {
  /** App directory, relative to the project root (default "app"). */
  dir: string;
  /** "host": build on the instance; "registry": build+push to ECR, host pulls. */
  deployMode: DeployMode;
  composeFile: string;
  /** Compose service that serves HTTP through nginx and runs migrations (default "web"). */
  webService: string;
  healthPath: string;
  healthTimeoutSeconds: number;
  keepReleases: number;
  /** Extra non-secret .env entries. */
  env: Record<string, string>;
}

export interface StackConfig {
  project: string;
  stack: string;
  stage: Stage;
  region: string;
  /** Applied to every taggable resource: at least project, stack, stage, managed-by. */
  tags: Record<string, string>;
  network: NetworkSettings;
  firewall: FirewallSettings;
  host: HostSettings;
  database: DatabaseSettings;
  app: AppSettings;
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation. parseConfig is pure (given ctx.fileExists); loadConfig reads Pulumi.
// ---------------------------------------------------------------------------------------------

/** Every problem found in the stack settings, reported together so one run shows them all. */
export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

export type ConfigValueType = "string" | "integer" | "boolean" | "array" | "object";

/** One config key: the single source for Pulumi.yaml's schema, the docs and the typo check. */
export interface ConfigKeySpec {
  type: ConfigValueType;
  /**
   * Default written to Pulumi.yaml. EVERY key has one: the Pulumi CLI treats a declared key without a
   * default as required in every stack (pulumi/pulumi#21797). Stage-dependent keys use an "unset"
   * value ("" / [] / UNSET_INTEGERS) that parseConfig reads as "apply the stage default".
   */
  default: string | number | boolean | string[];
  description: string;
  /**
   * Must be stored with `pulumi config set --secret`. Not written as `secret: true` to Pulumi.yaml: a
   * secret key with a default fails validation since CLI 3.202 (pulumi/pulumi#21865); loadConfig
   * enforces it instead.
   */
  secret?: boolean;
}

/** Integer keys whose schema default means "the stage default" (Pulumi.yaml needs a default). */
export const UNSET_INTEGERS: Record<string, number> = { dbMaxAllocatedStorageGb: 0, dbBackupRetentionDays: -1 };

/** The schema of every `compose-on-ec2:<key>` (aws:region is validated separately). */
export const CONFIG_SCHEMA: Record<string, ConfigKeySpec> = {
  stage: { type: "string", default: "", description: "dev | prod | sandbox. Default: from the stack name (prod→prod, dev→dev, anything else→sandbox)." },
  vpcId: { type: "string", default: "", description: "Existing VPC id (vpc-…). Default: the region's default VPC." },
  subnetIds: { type: "array", default: [], description: "Public subnet ids for the host (subnet-…); needs vpcId. Default: the VPC's default-for-AZ subnets." },
  dbSubnetIds: { type: "array", default: [], description: "Subnet ids for the DB subnet group, at least 2 AZs; needs vpcId. Default: subnetIds / the VPC's subnets." },
  httpCidrs: { type: "array", default: ["0.0.0.0/0", "::/0"], description: "CIDRs (IPv4 or IPv6) allowed on ports 80 and 443." },
  sshCidrs: { type: "array", default: [], description: "CIDRs allowed on port 22; must include where `pulumi up` runs. Default: [\"0.0.0.0/0\"] in dev/sandbox; REQUIRED in prod and never the world." },
  hostOs: { type: "string", default: "al2023", description: "Host operating system: al2023 (Amazon Linux 2023, user ec2-user) or ubuntu (24.04, user ubuntu)." },
  instanceType: { type: "string", default: "", description: "EC2 instance type, family.size (Graviton families such as t4g → arm64). Default: t3.small (prod t3.medium)." },
  amiId: { type: "string", default: "", description: "Pinned AMI id (ami-…). Default: latest from the SSM public parameter, later AMI changes ignored." },
  rootVolumeGb: { type: "integer", default: 20, description: "Encrypted gp3 root volume size in GiB (8..1024)." },
  sshPublicKey: { type: "string", default: "", description: "OpenSSH public key for the host. Default: an ED25519 key pair generated with @pulumi/tls. Set with sshPrivateKey." },
  sshPrivateKey: { type: "string", default: "", secret: true, description: "Private key matching sshPublicKey (set with --secret). Set both or neither. Default: generated with the key pair." },
  dbEngine: { type: "string", default: "postgres", description: "RDS engine: postgres | mysql | mariadb." },
  dbEngineVersion: { type: "string", default: "", description: "Engine version, major or major.minor (e.g. 16, 16.4, 8.0, 8.0.39, 10.11). Default: 16 / 8.0 / 10.11." },
  dbInstanceClass: { type: "string", default: "", description: "RDS instance class, db.family.size. Default: db.t4g.micro (prod db.t4g.small)." },
  dbAllocatedStorageGb: { type: "integer", default: 20, description: "Allocated storage in GiB (20..65536)." },
  dbMaxAllocatedStorageGb: { type: "integer", default: 0, description: "Storage autoscaling ceiling in GiB, greater than dbAllocatedStorageGb. Default: 0 = the stage default (dev/sandbox: no autoscaling; prod: 100 or twice the allocated storage)." },
  dbName: { type: "string", default: "app", description: "Initial database name (letters, digits, _; starts with a letter)." },
  dbUsername: { type: "string", default: "app_admin", description: "Master username: 1-16 chars, starts with a letter, letters/digits/_, not reserved by the engine." },
  dbMultiAz: { type: "boolean", default: false, description: "Run RDS Multi-AZ (standby in a second AZ)." },
  dbBackupRetentionDays: { type: "integer", default: -1, description: "Automated backup retention in days (0..35; prod at least 1). Default: -1 = the stage default (1 day; prod 7)." },
  dbPasswordMode: { type: "string", default: "random", description: "random (password generated by Pulumi, in the DATABASE_URL) | secretsmanager (RDS-managed secret; the URL carries no password)." },
  appDir: { type: "string", default: "app", description: "App directory relative to the project root; must contain composeFile." },
  deployMode: { type: "string", default: "host", description: "host (build on the instance) | registry (build, push to ECR, host pulls)." },
  composeFile: { type: "string", default: "docker-compose.prod.yml", description: "Compose file inside appDir." },
  webService: { type: "string", default: "web", description: "Compose service that serves HTTP and runs migrations." },
  healthPath: { type: "string", default: "/healthz", description: "HTTP path checked after each deploy; starts with /." },
  healthTimeoutSeconds: { type: "integer", default: 120, description: "Seconds the health check may take before rolling back (10..900)." },
  keepReleases: { type: "integer", default: 5, description: "Releases kept on the host for rollback (2..50)." },
  appEnv: { type: "object", default: "{}", description: "JSON object of extra non-secret .env entries, e.g. {\"DJANGO_DEBUG\":\"0\"}. Default: {}." },
  tags: { type: "object", default: "{}", description: "JSON object of extra tags merged into project/stack/stage/managed-by. Default: {}." },
  sandboxOwner: { type: "string", default: "", description: "Who owns this sandbox; recorded as tag owner. Default: unset." },
  sandboxExpiresAt: { type: "string", default: "", description: "ISO-8601 time after which the reaper may destroy this sandbox; tag expires-at. Default: unset." },
};

/** Regions the stack can be deployed to (AWS commercial partition). */
export const AWS_REGIONS: readonly string[] = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1", "mx-central-1", "sa-east-1",
  "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
  "af-south-1", "il-central-1", "me-south-1", "me-central-1",
  "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
  "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
];

const BURSTABLE_SIZES = ["nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"];
const STANDARD_SIZES = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge", "48xlarge", "metal"];
const GRAVITON_SIZES = ["medium", ...STANDARD_SIZES];

/** EC2 families we accept, with their sizes and architecture. */
export const EC2_FAMILIES: Record<string, { arch: Arch; sizes: string[] }> = {
  t2: { arch: "x86_64", sizes: BURSTABLE_SIZES },
  t3: { arch: "x86_64", sizes: BURSTABLE_SIZES },
  t3a: { arch: "x86_64", sizes: BURSTABLE_SIZES },
  t4g: { arch: "arm64", sizes: BURSTABLE_SIZES },
  ...Object.fromEntries(
    ["m5", "m5a", "m6i", "m6a", "m7i", "m7a", "c5", "c5a", "c6i", "c6a", "c7i", "c7a", "r5", "r5a", "r6i", "r6a", "r7i", "r7a"].map(
      (f) => [f, { arch: "x86_64" as Arch, sizes: STANDARD_SIZES }],
    ),
  ),
  ...Object.fromEntries(
    ["m6g", "m7g", "m8g", "c6g", "c7g", "c8g", "r6g", "r7g", "r8g"].map((f) => [f, { arch: "arm64" as Arch, sizes: GRAVITON_SIZES }]),
  ),
};

/** RDS instance families we accept (db.<family>.<size>). */
export const DB_FAMILIES: Record<string, string[]> = {
  t3: ["micro", "small", "medium", "large", "xlarge", "2xlarge"],
  t4g: ["micro", "small", "medium", "large", "xlarge", "2xlarge"],
  ...Object.fromEntries(["m5", "m6i", "m6g", "m7g", "m7i", "m8g", "r5", "r6i", "r6g", "r7g", "r7i", "r8g"].map((f) => [f, STANDARD_SIZES.filter((s) => s !== "metal")])),
};

/** Usernames RDS refuses (or that collide with built-in accounts) per engine. */
export const RESERVED_DB_USERNAMES: Record<DbEngine, string[]> = {
  postgres: ["postgres", "rdsadmin", "admin", "rds_superuser", "rds_replication", "rds_iam", "rdsrepladmin", "pg_monitor", "public", "user", "select", "all"],
  mysql: ["root", "admin", "rdsadmin", "rdsrepladmin", "mysql", "mysql_sys", "mysql_session", "rds_superuser_role", "user", "select", "all"],
  mariadb: ["root", "admin", "rdsadmin", "rdsrepladmin", "mysql", "mariadb_sys", "rds_superuser_role", "user", "select", "all"],
};

const RESERVED_DB_NAMES: Record<DbEngine, string[]> = {
  postgres: ["template0", "template1", "rdsadmin", "postgres"],
  mysql: ["mysql", "sys", "information_schema", "performance_schema", "innodb", "rdsadmin"],
  mariadb: ["mysql", "sys", "information_schema", "performance_schema", "innodb", "rdsadmin"],
};

const DEFAULT_ENGINE_VERSION: Record<DbEngine, string> = { postgres: "16", mysql: "8.0", mariadb: "10.11" };
const ENGINE_VERSION_RULES: Record<DbEngine, { re: RegExp; hint: string }> = {
  postgres: { re: /^(1[3-8])(\.\d{1,2})?$/, hint: "a PostgreSQL major 13..18, optionally with a minor, e.g. \"16\" or \"16.4\"" },
  mysql: { re: /^8\.(0|4)(\.\d{1,2})?$/, hint: "MySQL 8.0 or 8.4, optionally with a patch, e.g. \"8.0\" or \"8.0.39\"" },
  mariadb: { re: /^(10\.(5|6|11)|11\.4)(\.\d{1,2})?$/, hint: "MariaDB 10.5, 10.6, 10.11 or 11.4, optionally with a patch, e.g. \"10.11\"" },
};

/** Tag keys the stack sets itself; config tags may not override them. */
const BASE_TAG_KEYS = ["project", "stack", "stage", "managed-by"];

// ---- small pure helpers (exported for tests and other components) ----

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The closest known name, when it is close enough to be a typo. */
export function suggest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const [w, c] = [word.toLowerCase(), k.toLowerCase()];
    // Exact but for case, or one a prefix of the other ("production" → "prod"), counts as closest.
    const d = w === c ? 0 : w.startsWith(c) || c.startsWith(w) ? 1 : editDistance(w, c);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Parses an IPv4 or IPv6 CIDR; returns why it is invalid, or the canonical form. */
export function checkCidr(cidr: string): { ok: true; version: 4 | 6; canonical: string } | { ok: false; reason: string; canonical?: string } {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  if (!m) return { ok: false, reason: "not in address/prefix form" };
  const prefix = Number(m[2]);
  if (m[1].includes(":")) {
    const bits = ipv6Bits(m[1]);
    if (!bits) return { ok: false, reason: `"${m[1]}" is not an IPv6 address` };
    if (prefix > 128) return { ok: false, reason: `prefix /${prefix} is above 128` };
    if (bits.slice(prefix).includes("1")) {
      return { ok: false, reason: `host bits are set after /${prefix} (we accept only the network address)` };
    }
    return { ok: true, version: 6, canonical: cidr };
  }
  const octets = m[1].split(".");
  if (octets.length !== 4 || octets.some((o) => !/^\d{1,3}$/.test(o) || Number(o) > 255 || (o.length > 1 && o.startsWith("0")))) {
    return { ok: false, reason: `"${m[1]}" is not an IPv4 address (four octets 0..255)` };
  }
  if (prefix > 32) return { ok: false, reason: `prefix /${prefix} is above 32` };
  const bits = octets.map((o) => Number(o).toString(2).padStart(8, "0")).join("");
  if (bits.slice(prefix).includes("1")) {
    const network = bits.slice(0, prefix).padEnd(32, "0");
    const canonical = [0, 8, 16, 24].map((i) => parseInt(network.slice(i, i + 8), 2)).join(".") + `/${prefix}`;
    return { ok: false, reason: `host bits are set after /${prefix} (we accept only the network address, as AWS security group rules expect)`, canonical };
  }
  return { ok: true, version: 4, canonical: cidr };
}

function ipv6Bits(address: string): string | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(address) || address.split("::").length > 2) return undefined;
  const [head, tail] = address.includes("::") ? address.split("::") : [address, undefined];
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...tailGroups];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => parseInt(g, 16).toString(2).padStart(16, "0")).join("");
}

/** True for 0.0.0.0/0 and ::/0 (and any other /0). */
export function isWorld(cidr: string): boolean {
  return /\/0$/.test(cidr.trim());
}

/** Architecture of an instance type's family, or undefined when the family is unknown. */
export function archOf(instanceType: string): Arch | undefined {
  return EC2_FAMILIES[instanceType.split(".")[0]]?.arch;
}

/** Checks an OpenSSH public key line: known type, base64 body whose embedded type matches. */
export function checkSshPublicKey(key: string): string | undefined {
  const m = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521) ([A-Za-z0-9+/]+={0,2})(\s.*)?$/.exec(key.trim());
  if (!m) return "is not an OpenSSH public key line (\"ssh-ed25519 AAAA… comment\"; types: ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521)";
  const blob = Buffer.from(m[2], "base64");
  const typeLength = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (typeLength <= 0 || blob.length < 4 + typeLength || blob.subarray(4, 4 + typeLength).toString("latin1") !== m[1]) {
    return `has a key body that does not encode a ${m[1]} key (truncated or pasted wrongly?)`;
  }
  return undefined;
}

/** The SSH login user of an OS image. */
export function sshUserOf(os: HostOs): string {
  return os === "ubuntu" ? "ubuntu" : "ec2-user";
}

/** The stage implied by a stack name. */
export function stageOfStack(stack: string): Stage {
  return stack === "prod" ? "prod" : stack === "dev" ? "dev" : "sandbox";
}

/** True when an integer key holds its "use the stage default" value (see UNSET_INTEGERS). */
function isUnsetInteger(key: string, value: unknown): boolean {
  return key in UNSET_INTEGERS && String(value).trim() === String(UNSET_INTEGERS[key]);
}

// ---- parseConfig ----

export interface ParseContext {
  project: string;
  stack: string;
  /** aws:region. */
  region?: string;
  /** Checks that a path (relative to the project root) exists; default: the real filesystem. */
  fileExists?: (relativePath: string) => boolean;
  /** Whether a key (without namespace) was stored encrypted; when given, secret keys must be. */
  isSecret?: (key: string) => boolean;
}

const PROJECT_ROOT = path.resolve(__dirname, "..");

/**
 * Turns raw config (key without namespace → string, or already-parsed value) into a typed, defaulted
 * StackConfig. Throws one ConfigError listing every problem; each names key, bad value and fix.
 */
export function parseConfig(raw: Record<string, unknown>, ctx: ParseContext): StackConfig {
  const problems: string[] = [];
  const ns = ctx.project;
  const show = (v: unknown): string => (typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v));
  const bad = (key: string, value: unknown, why: string, fix: string): void => {
    problems.push(`${key.includes(":") ? key : `${ns}:${key}`} = ${show(value)}: ${why}. Fix: ${fix}`);
  };
  const fileExists = ctx.fileExists ?? ((p: string) => fs.existsSync(path.resolve(PROJECT_ROOT, p)));

  // Typo protection: every key must be in the schema.
  const known = Object.keys(CONFIG_SCHEMA);
  for (const key of Object.keys(raw)) {
    if (!(key in CONFIG_SCHEMA)) {
      const guess = suggest(key, known);
      bad(key, raw[key], "is not a setting of this project", guess ? `did you mean "${guess}"? Rename it with \`pulumi config rm ${key}\` and \`pulumi config set ${guess} …\`` : `remove it (\`pulumi config rm ${key}\`); known keys: ${known.join(", ")}`);
    }
  }

  // Typed readers: undefined when unset or invalid (invalid is recorded as a problem).
  const str = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "string") {
      bad(key, v, "must be a string", `pulumi config set ${key} '<text>'`);
      return undefined;
    }
    return v.trim();
  };
  const int = (key: string, min: number, max: number): number | undefined => {
    const v = raw[key];
    if (v === undefined || v === null || v === "" || isUnsetInteger(key, v)) return undefined;
    const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
    if (!Number.isInteger(n)) {
      bad(key, v, "must be a whole number", `pulumi config set ${key} <integer between ${min} and ${max}>`);
      return undefined;
    }
    if (n < min || n > max) {
      bad(key, v, `is out of range ${min}..${max}`, `pulumi config set ${key} <integer between ${min} and ${max}>`);
      return undefined;
    }
    return n;
  };
  const bool = (key: string): boolean | undefined => {
    const v = raw[key];
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "false") return v === "true";
    bad(key, v, "must be true or false", `pulumi config set ${key} true|false`);
    return undefined;
  };
  const json = (key: string): unknown => {
    const v = raw[key];
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v);
    } catch {
      return v; // reported by the caller as the wrong type
    }
  };
  const strList = (key: string): string[] | undefined => {
    const v = json(key);
    if (v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0)) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
      bad(key, v, "must be a list of strings", `pulumi config set --path '${key}[0]' <value> (or a JSON array)`);
      return undefined;
    }
    return v.map((x: string) => x.trim());
  };
  const strMap = (key: string): Record<string, string> | undefined => {
    const v = json(key);
    if (v === undefined || v === null || v === "") return undefined;
    if (typeof v !== "object" || Array.isArray(v) || Object.values(v as object).some((x) => typeof x !== "string")) {
      bad(key, v, "must be an object of string values", `pulumi config set ${key} '{"NAME":"value"}'`);
      return undefined;
    }
    return v as Record<string, string>;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const v = str(key);
    if (v === undefined) return fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    const guess = suggest(v, allowed);
    bad(key, v, `must be one of ${allowed.join(", ")}`, guess ? `did you mean "${guess}"? pulumi config set ${key} ${guess}` : `pulumi config set ${key} ${fallback}`);
    return fallback;
  };

  // ---- stage and region ----
  const stage = oneOf<Stage>("stage", ["dev", "prod", "sandbox"], stageOfStack(ctx.stack));
  const prod = stage === "prod";
  const region = ctx.region ?? "";
  if (!region) {
    problems.push(`aws:region is not set. Fix: pulumi config set aws:region us-east-1`);
  } else if (!AWS_REGIONS.includes(region)) {
    const guess = suggest(region, AWS_REGIONS);
    bad("aws:region", region, "is not an AWS region", guess ? `did you mean "${guess}"? pulumi config set aws:region ${guess}` : "pulumi config set aws:region us-east-1");
  }

  // ---- network ----
  const idList = (key: string, prefix: string): string[] | undefined => {
    const ids = strList(key);
    const re = new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`);
    for (const id of ids ?? []) {
      if (!re.test(id)) bad(key, id, `is not a ${prefix} id (${prefix}- followed by 8 or 17 lowercase hex digits)`, `use the id shown by \`aws ec2 describe-${prefix}s\``);
    }
    return ids;
  };
  const vpcId = str("vpcId");
  if (vpcId !== undefined && !/^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/.test(vpcId)) {
    bad("vpcId", vpcId, "is not a VPC id (vpc- followed by 8 or 17 lowercase hex digits)", "use the id shown by `aws ec2 describe-vpcs`, or unset it for the default VPC");
  }
  const subnetIds = idList("subnetIds", "subnet");
  const dbSubnetIds = idList("dbSubnetIds", "subnet");
  if (subnetIds !== undefined && subnetIds.length === 0) bad("subnetIds", subnetIds, "is empty", "list at least one public subnet, or unset it");
  if (dbSubnetIds !== undefined && dbSubnetIds.length < 2) {
    bad("dbSubnetIds", dbSubnetIds, "has fewer than 2 subnets; an RDS subnet group must span at least 2 availability zones", "list subnets in at least two AZs, or unset it");
  }
  if ((subnetIds || dbSubnetIds) && !vpcId) {
    bad(subnetIds ? "subnetIds" : "dbSubnetIds", subnetIds ?? dbSubnetIds, "is set without vpcId", "also set vpcId to the VPC these subnets belong to");
  }

  // ---- firewall ----
  const cidrs = (key: string, fallback: string[] | undefined): string[] => {
    const list = strList(key);
    if (list === undefined) return fallback ?? [];
    if (list.length === 0) bad(key, list, "is empty", `list at least one CIDR, e.g. pulumi config set --path '${key}[0]' 203.0.113.0/24`);
    for (const c of list) {
      const r = checkCidr(c);
      if (!r.ok) bad(key, c, `is not a valid CIDR: ${r.reason}`, r.canonical ? `use ${r.canonical}` : "write it as address/prefix, e.g. 203.0.113.0/24 or 2001:db8::/32");
    }
    return list;
  };
  const httpCidrs = cidrs("httpCidrs", ["0.0.0.0/0", "::/0"]);
  const sshCidrs = cidrs("sshCidrs", prod ? undefined : ["0.0.0.0/0"]);
  // The CLI passes the schema default ("[]") when the stack does not set the key: empty is unset.
  if (prod && sshCidrs.length === 0) {
    problems.push(`${ns}:sshCidrs is not set, and prod requires an explicit SSH allowlist. Fix: pulumi config set --path '${ns}:sshCidrs[0]' <your office or CI egress CIDR, e.g. 203.0.113.0/24>`);
  }
  if (prod) {
    for (const c of sshCidrs) {
      // Halves of the internet (0.0.0.0/1 + 128.0.0.0/1) are the world too: prod wants /8 or narrower (IPv6 /32).
      const prefix = Number(c.split("/")[1]);
      const widest = c.includes(":") ? 32 : 8;
      if (isWorld(c)) bad("sshCidrs", c, "opens SSH to the whole internet, which prod forbids", "list only the CIDRs of your office/VPN and the CI runners that run `pulumi up`");
      else if (checkCidr(c).ok && prefix < widest) bad("sshCidrs", c, `is wider than /${widest}, too close to the whole internet for prod SSH`, "list only the CIDRs of your office/VPN and the CI runners that run `pulumi up`");
    }
  }

  // ---- host ----
  const os = oneOf<HostOs>("hostOs", ["al2023", "ubuntu"], "al2023");
  const instanceType = str("instanceType") ?? (prod ? "t3.medium" : "t3.small");
  let arch: Arch = "x86_64";
  {
    const [family, size, extra] = instanceType.split(".");
    const spec = EC2_FAMILIES[family];
    if (extra !== undefined || size === undefined) {
      bad("instanceType", instanceType, "is not of the form family.size", "e.g. t3.small, t4g.medium, m7g.large");
    } else if (!spec) {
      const guess = suggest(family, Object.keys(EC2_FAMILIES));
      bad("instanceType", instanceType, `has an unknown instance family "${family}"`, guess ? `did you mean "${guess}.${size}"?` : `use one of ${Object.keys(EC2_FAMILIES).join(", ")}`);
    } else if (!spec.sizes.includes(size)) {
      const guess = suggest(size, spec.sizes);
      bad("instanceType", instanceType, `has a size "${size}" that family ${family} does not offer`, guess ? `did you mean "${family}.${guess}"?` : `use one of ${spec.sizes.map((s) => `${family}.${s}`).join(", ")}`);
    } else {
      arch = spec.arch;
    }
  }
  const amiId = str("amiId");
  if (amiId !== undefined && !/^ami-([0-9a-f]{8}|[0-9a-f]{17})$/.test(amiId)) {
    bad("amiId", amiId, "is not an AMI id (ami- followed by 8 or 17 lowercase hex digits)", "use an id from `aws ec2 describe-images`, or unset it to track the OS's latest image");
  }
  const rootVolumeGb = int("rootVolumeGb", 8, 1024) ?? 20;
  const sshPublicKey = str("sshPublicKey");
  const sshPrivateKey = typeof raw.sshPrivateKey === "string" && raw.sshPrivateKey.trim() !== "" ? raw.sshPrivateKey : undefined;
  if (sshPublicKey !== undefined) {
    const why = checkSshPublicKey(sshPublicKey);
    if (why) bad("sshPublicKey", sshPublicKey, why, "paste the single line of your .pub file");
    if (sshPrivateKey === undefined) {
      bad("sshPublicKey", sshPublicKey, "is set but sshPrivateKey is not (the deployment must log in)", "pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519, or unset sshPublicKey to generate a key pair");
    }
  }
  if (sshPrivateKey !== undefined && ctx.isSecret && !ctx.isSecret("sshPrivateKey")) {
    problems.push(`${ns}:sshPrivateKey = [not shown]: is stored in plain text in the stack file. Fix: pulumi config rm sshPrivateKey, then pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519`);
  }
  if (sshPrivateKey !== undefined) {
    if (!/^-----BEGIN (OPENSSH|RSA|EC) PRIVATE KEY-----/.test(sshPrivateKey.trim())) {
      // Never echo a private key, not even a wrong one.
      problems.push(`${ns}:sshPrivateKey = [secret]: is not a PEM/OpenSSH private key ("-----BEGIN OPENSSH PRIVATE KEY-----…"). Fix: pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519`);
    }
    if (sshPublicKey === undefined) {
      problems.push(`${ns}:sshPrivateKey = [secret]: is set but sshPublicKey is not. Fix: also set sshPublicKey to the matching .pub line, or unset sshPrivateKey to generate a key pair`);
    }
  }

  // ---- database ----
  const engine = oneOf<DbEngine>("dbEngine", ["postgres", "mysql", "mariadb"], "postgres");
  const engineVersion = str("dbEngineVersion") ?? DEFAULT_ENGINE_VERSION[engine];
  if (!ENGINE_VERSION_RULES[engine].re.test(engineVersion)) {
    bad("dbEngineVersion", engineVersion, `is not a valid ${engine} version`, `use ${ENGINE_VERSION_RULES[engine].hint}, or unset it for ${DEFAULT_ENGINE_VERSION[engine]}`);
  }
  const instanceClass = str("dbInstanceClass") ?? (prod ? "db.t4g.small" : "db.t4g.micro");
  {
    const [prefix, family, size, extra] = instanceClass.split(".");
    if (prefix !== "db" || size === undefined || extra !== undefined) {
      bad("dbInstanceClass", instanceClass, "is not of the form db.family.size", `e.g. db.t4g.micro${prefix !== "db" && family ? ` (did you mean "db.${instanceClass}"?)` : ""}`);
    } else if (!DB_FAMILIES[family]) {
      const guess = suggest(family, Object.keys(DB_FAMILIES));
      bad("dbInstanceClass", instanceClass, `has an unknown RDS family "${family}"`, guess ? `did you mean "db.${guess}.${size}"?` : `use one of ${Object.keys(DB_FAMILIES).join(", ")}`);
    } else if (!DB_FAMILIES[family].includes(size)) {
      const guess = suggest(size, DB_FAMILIES[family]);
      bad("dbInstanceClass", instanceClass, `has a size "${size}" that db.${family} does not offer`, guess ? `did you mean "db.${family}.${guess}"?` : `use one of ${DB_FAMILIES[family].join(", ")}`);
    }
  }
  const allocatedStorageGb = int("dbAllocatedStorageGb", 20, 65536) ?? 20;
  const maxAllocatedStorageGb = int("dbMaxAllocatedStorageGb", 21, 65536) ?? (prod && (raw.dbMaxAllocatedStorageGb === undefined || isUnsetInteger("dbMaxAllocatedStorageGb", raw.dbMaxAllocatedStorageGb)) ? Math.max(100, allocatedStorageGb * 2) : undefined);
  if (maxAllocatedStorageGb !== undefined && maxAllocatedStorageGb <= allocatedStorageGb) {
    bad("dbMaxAllocatedStorageGb", maxAllocatedStorageGb, `must be greater than dbAllocatedStorageGb (${allocatedStorageGb})`, `set it above ${allocatedStorageGb}, or unset it to disable storage autoscaling`);
  }
  const dbName = str("dbName") ?? "app";
  {
    const maxLen = engine === "postgres" ? 63 : 64;
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(dbName) || dbName.length > maxLen) {
      bad("dbName", dbName, `is not a valid ${engine} database name (1-${maxLen} chars, starts with a letter, letters/digits/_ only)`, "e.g. app");
    } else if (RESERVED_DB_NAMES[engine].includes(dbName.toLowerCase())) {
      bad("dbName", dbName, `is reserved by ${engine} on RDS`, "pick another name, e.g. app");
    }
  }
  const username = str("dbUsername") ?? "app_admin";
  if (username.length > 16) {
    bad("dbUsername", username, `is ${username.length} characters; RDS allows 1-16`, "use a shorter name, e.g. app_admin");
  } else if (!/^[A-Za-z]/.test(username)) {
    bad("dbUsername", username, "must start with a letter", "e.g. app_admin");
  } else if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(username)) {
    bad("dbUsername", username, "may contain only letters, digits and _", "e.g. app_admin");
  } else if (RESERVED_DB_USERNAMES[engine].includes(username.toLowerCase())) {
    bad("dbUsername", username, `is reserved by ${engine} on RDS`, "pick another name, e.g. app_admin");
  }
  const multiAz = bool("dbMultiAz") ?? false;
  const backupRetentionDays = int("dbBackupRetentionDays", 0, 35) ?? (prod ? 7 : 1);
  if (prod && backupRetentionDays === 0) {
    bad("dbBackupRetentionDays", 0, "disables automated backups, which prod forbids", "pulumi config set dbBackupRetentionDays 7");
  }
  const passwordMode = oneOf<DbPasswordMode>("dbPasswordMode", ["random", "secretsmanager"], "random");

  // ---- app ----
  const dir = str("appDir") ?? "app";
  const composeFile = str("composeFile") ?? "docker-compose.prod.yml";
  const outside = (p: string) => path.isAbsolute(p) || p.split(/[\\/]/).includes("..");
  if (outside(dir)) {
    bad("appDir", dir, "must be a path inside the project (relative, no ..)", "e.g. app");
  } else if (!fileExists(dir)) {
    bad("appDir", dir, "does not exist (relative to the project root)", "create it or point appDir at the directory holding your compose file");
  } else if (outside(composeFile)) {
    bad("composeFile", composeFile, "must be a file name inside appDir (relative, no ..)", "e.g. docker-compose.prod.yml");
  } else if (!fileExists(path.join(dir, composeFile))) {
    bad("composeFile", composeFile, `does not exist in appDir "${dir}"`, `add ${dir}/${composeFile} or set composeFile to the file that exists`);
  }
  const deployMode = oneOf<DeployMode>("deployMode", ["host", "registry"], "host");
  const webService = str("webService") ?? "web";
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(webService)) {
    bad("webService", webService, "is not a compose service name", "use the name of the service under `services:` that serves HTTP, e.g. web");
  }
  const healthPath = str("healthPath") ?? "/healthz";
  if (!/^\/[^\s]*$/.test(healthPath)) {
    bad("healthPath", healthPath, "must start with / and contain no spaces", `e.g. /${healthPath.replace(/^\/*/, "").replace(/\s+/g, "")}`);
  }
  const healthTimeoutSeconds = int("healthTimeoutSeconds", 10, 900) ?? 120;
  const keepReleases = int("keepReleases", 2, 50) ?? 5;
  const env = strMap("appEnv") ?? {};
  for (const [k, v] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
      bad("appEnv", k, "is not a valid environment variable name (letters, digits, _; not starting with a digit)", `rename it, e.g. ${k.toUpperCase().replace(/[^A-Z0-9_]/g, "_").replace(/^(\d)/, "_$1")}`);
    }
    if (/[\r\n\0]/.test(v)) bad(`appEnv`, `${k}=…`, "has a value containing a newline or NUL, which a .env file cannot hold", "put it on one line");
  }

  // ---- tags ----
  const extraTags = strMap("tags") ?? {};
  for (const [k, v] of Object.entries(extraTags)) {
    if (BASE_TAG_KEYS.includes(k)) bad("tags", k, "overrides a tag the stack sets itself", `rename it; ${BASE_TAG_KEYS.join(", ")} are reserved`);
    if (k.toLowerCase().startsWith("aws:") || k.length === 0 || k.length > 128 || v.length > 256) {
      bad("tags", k, "is not an allowed tag (key 1-128 chars not starting with aws:, value ≤ 256 chars)", "shorten or rename it");
    }
  }
  const sandboxOwner = str("sandboxOwner");
  if (sandboxOwner !== undefined && !/^[\p{L}\p{N}\s_.:/=+@-]{1,256}$/u.test(sandboxOwner)) {
    bad("sandboxOwner", sandboxOwner, "contains characters a tag value cannot hold", "use letters, digits, spaces and _ . : / = + - @");
  }
  const sandboxExpiresAt = str("sandboxExpiresAt");
  if (sandboxExpiresAt !== undefined) {
    const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
    if (!iso.test(sandboxExpiresAt) || Number.isNaN(Date.parse(sandboxExpiresAt))) {
      bad("sandboxExpiresAt", sandboxExpiresAt, "is not an ISO-8601 date/time", "e.g. 2026-12-01T18:00:00Z");
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);

  const tags: Record<string, string> = {
    ...extraTags,
    project: ctx.project,
    stack: ctx.stack,
    stage,
    "managed-by": "pulumi",
    ...(sandboxOwner ? { owner: sandboxOwner } : {}),
    ...(sandboxExpiresAt ? { "expires-at": sandboxExpiresAt } : {}),
  };

  return {
    project: ctx.project,
    stack: ctx.stack,
    stage,
    region,
    tags,
    network: { vpcId, subnetIds, dbSubnetIds },
    firewall: { httpCidrs, sshCidrs },
    host: { os, instanceType, arch, amiId, rootVolumeGb, sshPublicKey, sshPrivateKey, sshUser: sshUserOf(os) },
    database: {
      engine,
      engineVersion,
      instanceClass,
      allocatedStorageGb,
      maxAllocatedStorageGb,
      dbName,
      username,
      port: engine === "postgres" ? 5432 : 3306,
      multiAz,
      backupRetentionDays,
      passwordMode,
      protectData: prod,
    },
    app: { dir, deployMode, composeFile, webService, healthPath, healthTimeoutSeconds, keepReleases, env },
  };
}

/** Reads this project's Pulumi config (and aws:region) and parses it; throws ConfigError on bad input. */
export function loadConfig(): StackConfig {
  const project = pulumi.getProject();
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    // Keys arrive as "<project>:<key>" (older engines: "<project>:config:<key>").
    const [namespace, ...rest] = fullKey.split(":");
    if (namespace !== project) continue;
    const key = rest[0] === "config" && rest.length > 1 ? rest.slice(1).join(":") : rest.join(":");
    raw[key] = value;
  }
  // The SDK knows which keys were stored encrypted but exports that check only internally; use it when
  // present so a private key pasted in plain text is refused rather than used.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (fullKey: string) => boolean };
  const isSecret = sdk.isConfigSecret ? (key: string): boolean => sdk.isConfigSecret!(`${project}:${key}`) : undefined;
  return parseConfig(raw, { project, stack: pulumi.getStack(), region: new pulumi.Config("aws").get("region"), isSecret });
}
