// Preconditions checked before the Automation API is touched (Pulumi CLI, AWS credentials) and the
// choice of state backend + secrets provider. Inputs (env, file checks, process runner) are injected.

import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { SandboxError } from "./rules";

/** The Pulumi CLI version CI installs (env PULUMI_VERSION in .github/workflows, tested equal); the SDK in package.json is 3.248. */
export const PINNED_PULUMI_VERSION = "3.248.0";
export const PULUMI_INSTALL_URL = "https://www.pulumi.com/docs/iac/download-install/";

/** Result of running a program: what `spawnSync` gives back, reduced to what we read. */
export interface RunResult {
  /** Set when the program could not be started (ENOENT: not on PATH). */
  error?: Error & { code?: string };
  status: number | null;
  stdout: string;
  stderr: string;
}
export type Runner = (command: string, args: string[]) => RunResult;

/**
 * Verifies the Pulumi CLI is on PATH (`pulumi version`) and returns its version. The Automation API
 * drives the CLI, so without it every command would fail later with a less helpful message.
 */
export function checkPulumiCli(run: Runner, warn: (message: string) => void): string {
  const result = run("pulumi", ["version"]);
  const install = `Install Pulumi ${PINNED_PULUMI_VERSION} (the version CI uses): `
    + `curl -fsSL https://get.pulumi.com | sh -s -- --version ${PINNED_PULUMI_VERSION} `
    + `(other platforms: ${PULUMI_INSTALL_URL}), then make sure 'pulumi' is on PATH.`;
  if (result.error || result.status !== 0) {
    const reason = result.error?.code === "ENOENT"
      ? "the Pulumi CLI ('pulumi') is not on PATH"
      : `'pulumi version' failed: ${(result.error?.message ?? result.stderr).trim() || `exit ${result.status}`}`;
    throw new SandboxError(`${reason}. ${install} No CLI is needed for 'npm run plan'.`);
  }
  const version = result.stdout.trim().replace(/^v/, "");
  if (version.split(".").slice(0, 2).join(".") !== PINNED_PULUMI_VERSION.split(".").slice(0, 2).join(".")) {
    warn(`Pulumi CLI ${version} differs from the pinned ${PINNED_PULUMI_VERSION}; results may differ from CI.`);
  }
  return version;
}

/** Environment variables any of which makes the AWS SDK find credentials. */
export const AWS_CREDENTIAL_ENV = [
  "AWS_ACCESS_KEY_ID",
  "AWS_PROFILE",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
];

/**
 * Verifies that AWS credentials are configured somewhere the provider looks (env or ~/.aws). It does
 * not call AWS: a cheap, offline check that names the fix before a long `up` fails half-way.
 */
export function checkAwsCredentials(env: NodeJS.ProcessEnv, homeDir: string, exists: (file: string) => boolean): void {
  if (AWS_CREDENTIAL_ENV.some((name) => (env[name] ?? "").trim() !== "")) return;
  const files = [
    env.AWS_SHARED_CREDENTIALS_FILE || path.join(homeDir, ".aws", "credentials"),
    env.AWS_CONFIG_FILE || path.join(homeDir, ".aws", "config"),
  ];
  if (files.some(exists)) return;
  throw new SandboxError(
    "no AWS credentials found (none of " + AWS_CREDENTIAL_ENV.join(", ")
      + ` is set and ${files.join(" / ")} do not exist). `
      + "Fix: `aws configure sso` (or `aws configure`) then `export AWS_PROFILE=<profile>`, or export "
      + "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. In GitHub Actions use aws-actions/configure-aws-credentials "
      + "with role-to-assume (OIDC, permissions: id-token: write).",
  );
}

/** Where state lives and how secrets are encrypted, as passed to LocalWorkspace. */
export interface Backend {
  /** "local": the zero-config file backend in the project; "self-managed": PULUMI_BACKEND_URL s3://, file://, …; "cloud": Pulumi Cloud. */
  kind: "local" | "self-managed" | "cloud";
  url: string;
  /** Passed to every CLI call the workspace makes. */
  envVars: Record<string, string>;
  /** "passphrase" for local and self-managed backends; undefined lets Pulumi Cloud use its own. */
  secretsProvider?: string;
  /** Local passphrase file to create (0600) if it does not exist yet. */
  passphraseFileToCreate?: string;
}

/** Directory of the zero-config local state backend (git-ignored). */
export const LOCAL_STATE_DIR = ".pulumi-state";

/**
 * Picks the backend: PULUMI_BACKEND_URL when set (CI, teams), else a file backend inside the project.
 * The local backend's passphrase is generated once and stored next to the state it protects
 * (.pulumi-state/passphrase, 0600): no well-known default value, nothing to configure, and whoever
 * can read the state can read the key anyway. Shared self-managed backends need an explicit
 * PULUMI_CONFIG_PASSPHRASE(_FILE): a generated one would be lost with the runner.
 */
export function resolveBackend(env: NodeJS.ProcessEnv, projectDir: string): Backend {
  const url = (env.PULUMI_BACKEND_URL ?? "").trim();
  const hasPassphrase = (env.PULUMI_CONFIG_PASSPHRASE ?? "") !== "" || (env.PULUMI_CONFIG_PASSPHRASE_FILE ?? "") !== "";
  if (url.startsWith("https://") || url.startsWith("http://")) {
    return { kind: "cloud", url, envVars: { PULUMI_BACKEND_URL: url } };
  }
  if (url !== "") {
    if (!hasPassphrase) {
      throw new SandboxError(
        `PULUMI_BACKEND_URL is ${url} (self-managed) but neither PULUMI_CONFIG_PASSPHRASE nor `
          + "PULUMI_CONFIG_PASSPHRASE_FILE is set. Fix: export the team's passphrase (in CI: the "
          + "PULUMI_CONFIG_PASSPHRASE secret), or unset PULUMI_BACKEND_URL to use the local backend.",
      );
    }
    return { kind: "self-managed", url, envVars: { PULUMI_BACKEND_URL: url }, secretsProvider: "passphrase" };
  }
  const stateDir = path.join(projectDir, LOCAL_STATE_DIR);
  const local: Backend = {
    kind: "local",
    url: `file://${stateDir}`,
    envVars: { PULUMI_BACKEND_URL: `file://${stateDir}` },
    secretsProvider: "passphrase",
  };
  if (!hasPassphrase) {
    const passphraseFile = path.join(stateDir, "passphrase");
    local.envVars.PULUMI_CONFIG_PASSPHRASE_FILE = passphraseFile;
    local.passphraseFileToCreate = passphraseFile;
  }
  return local;
}

/** Creates the local state directory and, once, its random passphrase file. Returns true when it generated one. */
export function prepareLocalBackend(backend: Backend): boolean {
  if (backend.kind !== "local") return false;
  fs.mkdirSync(backend.url.replace(/^file:\/\//, ""), { recursive: true });
  const file = backend.passphraseFileToCreate;
  if (!file || fs.existsSync(file)) return false;
  fs.writeFileSync(file, crypto.randomBytes(32).toString("base64url"), { mode: 0o600, flag: "wx" });
  return true;
}

/**
 * Fails with the fix when no Docker daemon answers `docker info`. Registry mode and ecs build images
 * on this machine, and the docker provider connects to the daemon whenever it is configured, for any
 * operation (pulumi/pulumi-docker: "failed to connect to any docker daemon"): better said up front
 * than from the middle of an update.
 */
export function checkDockerDaemon(run: Runner): void {
  const result = run("docker", ["info", "--format", "{{.ServerVersion}}"]);
  if (result.error === undefined && result.status === 0 && result.stdout.trim() !== "") return;
  const why = result.error
    ? `docker is not installed or not on PATH (${result.error.message})`
    : `no Docker daemon answered \`docker info\`: ${result.stderr.trim().split("\n")[0] ?? ""}`;
  throw new SandboxError(
    `this stack builds images on this machine (deployMode registry or hosting ecs), which needs a running Docker daemon: ${why}. `
      + "Fix: start Docker (Docker Desktop, or `sudo systemctl start docker`), or point DOCKER_HOST at a daemon, then run the command again.",
  );
}

/** The facts of a DB snapshot the restore drill uses (fields of DescribeDBSnapshots' DBSnapshot). */
export interface SnapshotFacts {
  id: string;
  createdAt: string;
  allocatedStorageGb: number;
  masterUsername?: string;
}

/**
 * The newest available automated snapshot of an RDS instance: `aws rds describe-db-snapshots
 * --db-instance-identifier ID --snapshot-type automated --region R --output json` (the CLI pages through
 * every result itself; https://docs.aws.amazon.com/cli/latest/reference/rds/describe-db-snapshots.html),
 * whose answer is `{"DBSnapshots": [{DBSnapshotIdentifier, SnapshotCreateTime, Status, AllocatedStorage,
 * MasterUsername, …}]}` (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBSnapshot.html).
 * Snapshots still being taken (Status creating) cannot be restored and are skipped.
 */
export function latestAutomatedSnapshot(run: Runner, instance: string, region: string | undefined): SnapshotFacts {
  const args = ["rds", "describe-db-snapshots", "--db-instance-identifier", instance, "--snapshot-type", "automated",
    "--output", "json"];
  if (region) args.push("--region", region);
  const result = run("aws", args);
  if (result.error) {
    throw new SandboxError(
      `--from-snapshot prod needs the AWS CLI to find prod's latest automated snapshot: ${result.error.message}. `
        + "Fix: install the AWS CLI v2, or give the snapshot's id (--from-snapshot rds:…)",
    );
  }
  if (result.status !== 0) {
    throw new SandboxError(
      `aws rds describe-db-snapshots --db-instance-identifier ${instance} failed: ${
        result.stderr.trim().split("\n").slice(-1)[0] ?? ""
      }`,
    );
  }
  let answer: {
    DBSnapshots?: { DBSnapshotIdentifier?: string; SnapshotCreateTime?: string; Status?: string;
      AllocatedStorage?: number; MasterUsername?: string }[];
  };
  try {
    answer = JSON.parse(result.stdout);
  } catch {
    throw new SandboxError(
      `aws rds describe-db-snapshots answered something that is not JSON: ${result.stdout.slice(0, 200)}`,
    );
  }
  const available = (answer.DBSnapshots ?? []).filter((s) =>
    s.Status === "available" && s.DBSnapshotIdentifier && s.SnapshotCreateTime
  );
  if (available.length === 0) {
    throw new SandboxError(
      `RDS instance ${instance} has no available automated snapshot (backups off, or the first one is still being taken). `
        + "Fix: dbBackupRetentionDays ≥ 1 on prod and wait for its backup window, or take one (aws rds create-db-snapshot) and give its id",
    );
  }
  const newest = available.reduce((a,
    b) => (Date.parse(b.SnapshotCreateTime!) > Date.parse(a.SnapshotCreateTime!) ? b : a)
  );
  return { id: newest.DBSnapshotIdentifier!, createdAt: newest.SnapshotCreateTime!,
    allocatedStorageGb: newest.AllocatedStorage ?? 0, masterUsername: newest.MasterUsername };
}
