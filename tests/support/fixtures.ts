// Shared runs and values of the unit tests: the program once per stack and per variant, on the
// engine (lib/engine), so test files share one run instead of paying for their own.
import * as assert from "assert";
import * as path from "path";
import { readComposeFile } from "../../components/compose/model";
import { serviceFates, type ServiceFate } from "../../components/compose/serviceFates";
import { defaultFor, type AppSettings } from "../../components/config";
import { appDatabaseUrl, type DatabaseLogins } from "../../components/database";
import { remoteSpecFor } from "../../components/deployment";
import type { RemoteSpec } from "../../components/remote";
import { hostBaseDir } from "../../components/layout";
import { AwsMock, MockResource, RunOptions, RunResult, runProgram } from "../../lib/engine";
import type { PlanResult } from "../../scripts/lib/plan/run";

/** A test OpenSSH public key (a well-formed ED25519 line; no real key behind it). */
export const TEST_SSH_PUBLIC_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGVkMjU1MTktdGVzdC1rZXktbm90LWEtcmVhbC1vbmUh test@ci";
export const TEST_SSH_PRIVATE_KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
export const TEST_VPC_ID = "vpc-0a1b2c3d4e5f60718";
export const TEST_SUBNETS = [
  { id: "subnet-0aaaaaaaaaaaaaaa1", vpcId: TEST_VPC_ID, availabilityZone: "us-east-1a", defaultForAz: false },
  { id: "subnet-0bbbbbbbbbbbbbbb2", vpcId: TEST_VPC_ID, availabilityZone: "us-east-1b", defaultForAz: false },
  { id: "subnet-0ccccccccccccccc3", vpcId: TEST_VPC_ID, availabilityZone: "us-east-1b", defaultForAz: false },
];

/**
 * The example app's settings as config derives them from app/ (host mode); override what a test varies.
 * The settings app/ leaves unset are the spec table's defaults (components/config/specs.ts); the rest
 * is what config reads from app/'s compose file (config-defaults.test.ts holds the two equal).
 */
export function testAppSettings(overrides: Partial<AppSettings> = {}): AppSettings {
  return {
    dir: defaultFor("appDir", "dev") as string,
    deployMode: "host",
    composeFile: defaultFor("composeFile", "dev") as string,
    webService: defaultFor("webService", "dev") as string,
    proxyService: "nginx",
    webPort: 8000,
    envFile: ".env",
    healthSource: "compose healthcheck",
    composeFindings: [],
    workerServices: ["worker"],
    serviceFates: exampleServiceFates(),
    allowFiles: [],
    healthPath: defaultFor("healthPath", "dev") as string,
    healthTimeoutSeconds: defaultFor("healthTimeoutSeconds", "dev") as number,
    healthBusySeconds: defaultFor("healthBusySeconds", "dev") as number,
    keepReleases: defaultFor("keepReleases", "dev") as number,
    env: {},
    secrets: {},
    ...overrides,
  };
}

/** What config makes of app/'s compose file: every service and what a deploy does with it. */
function exampleServiceFates(): ServiceFate[] {
  const model = readComposeFile(
    path.join(__dirname, "..", "..", defaultFor("appDir", "dev") as string, defaultFor("composeFile", "dev") as string),
  );
  return serviceFates(model, { webService: "web", proxyService: "nginx", workers: ["worker"] });
}

/** The host scripts' settings the deployment builds for the example app (app "shop", default ports); override what a test varies. */
export function testRemoteSpec(overrides: Partial<RemoteSpec> = {}): RemoteSpec {
  return { ...remoteSpecFor("shop", hostBaseDir("ec2-user"), testAppSettings()), ...overrides };
}

/** A test database's logins (plain strings; a test wraps a password in pulumi.secret where it matters). */
export const TEST_DB = { address: "db.example.internal", port: 5432, dbName: "app", username: "app_admin",
  password: "Sup3r-Secret-Pw~x", appPassword: "App-0nly-Pw~secret-0123456789" } as const;

/** The deployment's database input for TEST_DB (PostgreSQL); override what a test varies. */
export function testDatabaseLogins(overrides: Partial<DatabaseLogins> = {}): DatabaseLogins {
  const d = TEST_DB;
  return { engine: "postgres", ...d, appUrl: appDatabaseUrl("postgres", d.appPassword, d.address, d.port, d.dbName),
    ...overrides };
}

/** A CA bundle in PEM form (the db-user step checks for the marker only). */
export const TEST_CA_BUNDLE = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";

const cachedRuns = new Map<string, Promise<RunResult>>();

/** Runs the program once per key per process and shares the result (keeps `npm test` fast). */
export function cachedRun(key: string, opts: () => RunOptions): Promise<RunResult> {
  let run = cachedRuns.get(key);
  if (!run) {
    run = runProgram(opts());
    cachedRuns.set(key, run);
  }
  return run;
}

/** runPlan once per stack, region and settings per process, shared by the plan's own tools (iam-policy) and the tests. */
export { planFor } from "../../scripts/lib/plan/run";

/** Plans a describe block's tests read, made in a before() hook: name → how to plan it (planFor). */
export function plansBefore<K extends string>(make: Record<K, () => Promise<PlanResult>>): Record<K, PlanResult> {
  const plans = {} as Record<K, PlanResult>;
  before(async () => {
    for (const name of Object.keys(make) as K[]) plans[name] = await make[name]();
  });
  return plans;
}

/**
 * The program run once per stack per test process: dev and prod from their stack files. The dev run
 * holds the EC2 instance and the RDS instance until both are registered (a parallelism probe that
 * costs nothing when they are independent).
 */
export function stackRun(stack: "dev" | "prod"): Promise<RunResult> {
  return cachedRun(stack, () => {
    const mock = new AwsMock();
    if (stack === "dev") {
      mock.gate = { types: ["aws:ec2/instance:Instance", "aws:rds/instance:Instance"], timeoutMs: 3000 };
    }
    return { stack, mock };
  });
}

/**
 * Two runs with the other branches: A = MySQL, Ubuntu on Graviton, a given VPC/subnets and key pair
 * (the private key set with --secret, as the program demands); B = a sandbox with MariaDB, an
 * a pinned AMI.
 */
export function variantRun(variant: "A" | "B"): Promise<RunResult> {
  return cachedRun(`variant-${variant}`, (): RunOptions =>
    variant === "A"
      ? {
        stack: "dev",
        mock: new AwsMock({ subnets: TEST_SUBNETS }),
        config: {
          dbEngine: "mysql",
          dbEngineVersion: "8.0",
          hostOs: "ubuntu",
          instanceType: "t4g.small",
          vpcId: TEST_VPC_ID,
          subnetIds: JSON.stringify(TEST_SUBNETS.map((s) => s.id)),
          sshCidrs: '["198.51.100.7/32","2001:db8:1::/48"]',
          sshPublicKey: TEST_SSH_PUBLIC_KEY,
        },
        secrets: { sshPrivateKey: TEST_SSH_PRIVATE_KEY },
      }
      : {
        stack: "pr-7",
        config: {
          dbEngine: "mariadb",
          amiId: "ami-0123456789abcdef0",
          sandboxOwner: "octocat",
          sandboxExpiresAt: "2026-12-01T18:00:00Z",
        },
      });
}

/** The regions where our users deploy: the price table must cover each of them completely. */
export const USER_REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-northeast-2",
  "ap-southeast-1"];

/** dev with outsized choices (a 4xlarge host, 65,536 GB of Multi-AZ storage): one plan for every warning and for the cost delta. */
export const OUTSIZED_DEV = { instanceType: "m7i.4xlarge", dbAllocatedStorageGb: "65536", dbMultiAz: "true" };

/**
 * The media bucket's safety, the same on both hostings: private (all four public-access blocks on)
 * and encrypted; versioned, protected and retained on destroy in prod only. Returns the bucket.
 */
export function assertMediaBucketSafety(mock: AwsMock, stage: "dev" | "prod"): MockResource {
  const bucket = mock.one("aws:s3/bucket:Bucket");
  const prod = stage === "prod";
  assert.deepStrictEqual([bucket.options.protect, bucket.options.retainOnDelete, bucket.inputs.forceDestroy], [prod,
    prod, !prod]);
  assert.strictEqual(mock.resources.filter((r) => r.type === "aws:s3/bucketVersioning:BucketVersioning").length,
    prod ? 1 : 0);
  assert.strictEqual(
    Object.values(mock.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).filter((v) => v === true)
      .length,
    4,
  );
  const sse = mock.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs;
  assert.strictEqual(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
  return bucket;
}
