// The ComposeDeployment under the engine's mocks, shared by the deployment's unit tests: its args
// (every secret a recognisable test value), one run, and its step resources by name.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { AwsMock, captureRegistrationOptions, MockResource, PROJECT, valueOf } from "../../lib/engine";
import { TEST_CA_BUNDLE, TEST_DB, testAppSettings, testDatabaseLogins } from "./fixtures";
import type { HostConnection } from "../../components/host";
import { ComposeDeployment, ComposeDeploymentArgs } from "../../components/deployment";
import { hostBaseDir } from "../../components/layout";

export const SHA_A = "a".repeat(64);
export const SHA_B = "b".repeat(64);
export const DB_PASSWORD = TEST_DB.password;
export const APP_DB_PASSWORD = TEST_DB.appPassword;
export const DATABASE_URL = testDatabaseLogins().appUrl as string;
export const DIGEST = `sha256:${"c".repeat(64)}`;
export const REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app-dev/web";
export const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPinnedHostKey";
export const PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nkey\n-----END OPENSSH PRIVATE KEY-----\n";

export const APP = testAppSettings({ env: { FEATURE_FLAG: "on" } });

export function connection(overrides: Partial<HostConnection> = {}): HostConnection {
  return {
    address: "203.0.113.10",
    port: 22,
    user: "ec2-user",
    privateKey: pulumi.secret(PRIVATE_KEY),
    instanceId: "i-0123456789abcdef0",
    baseDir: hostBaseDir("ec2-user"),
    hostKey: HOST_KEY,
    ...overrides,
  };
}

export function args(overrides: Partial<ComposeDeploymentArgs> = {}): ComposeDeploymentArgs {
  return {
    connection: connection(),
    bundle: { path: `.pulumi-bundles/${SHA_A}.manifest`, sha256: SHA_A, storeDir: ".pulumi-bundles/store",
      files: ["docker-compose.prod.yml", "manage.py"] },
    app: APP,
    appName: "compose-on-ec2-dev",
    database: testDatabaseLogins({ password: pulumi.secret(DB_PASSWORD), appPassword: pulumi.secret(APP_DB_PASSWORD),
      appUrl: pulumi.secret(DATABASE_URL) }),
    dbCaBundle: TEST_CA_BUNDLE,
    allowedHosts: ["203.0.113.10", "ec2-203-0-113-10.compute-1.amazonaws.com"],
    sshAccess: [],
    ...overrides,
  };
}

/** replaceOnChanges of each registration, by resource name (not part of the shared mock's record). */
export const replaceOnChanges = new Map<string, string[]>();

/** Sets the shared AWS mock and records each registration's engine options (dependencies, secrets…). */
export async function startMocks(): Promise<AwsMock> {
  const mock = new AwsMock();
  await pulumi.runtime.setMocks(mock, PROJECT, "dev", false);
  captureRegistrationOptions(mock, (req) => replaceOnChanges.set(req.getName(), req.getReplaceonchangesList()));
  return mock;
}

/** Lets outstanding registrations finish (bounded). */
export async function settle(mock: AwsMock): Promise<void> {
  for (let i = 0, quiet = 0; i < 500 && quiet < 3; i++) {
    await new Promise((r) => setImmediate(r));
    quiet = mock.pending === 0 ? quiet + 1 : 0;
  }
}

export interface Deployed {
  mock: AwsMock;
  deployment: ComposeDeployment;
  waitReady: MockResource;
  upload: MockResource;
  deploy: MockResource;
  dbUser: MockResource;
  teardown: MockResource;
}

export async function deploy(a: ComposeDeploymentArgs = args()): Promise<Deployed> {
  const mock = await startMocks();
  const deployment = new ComposeDeployment("app", a);
  await valueOf(deployment.deployOutput);
  await valueOf(deployment.envFile);
  await settle(mock);
  const byName = (n: string) => {
    const found = mock.resources.find((r) => r.name === n);
    assert.ok(found, `resource ${n} registered`);
    return found;
  };
  return {
    mock,
    deployment,
    waitReady: byName("app-wait-ready"),
    upload: byName("app-upload"),
    deploy: byName("app-deploy"),
    dbUser: byName("app-db-user"),
    teardown: byName("app-teardown"),
  };
}

/** The URN of one of the deployment's step resources (what a dependency names). */
export const urnOf = (r: MockResource) =>
  `urn:pulumi:dev::${PROJECT}::compose-on-ec2:deployment:ComposeDeployment$${r.type}::${r.name}`;
