/* eslint-disable @typescript-eslint/no-explicit-any -- provider inputs and engine requests are untyped JSON/protobuf here */
// Runs the whole Pulumi program (index.ts) under the AWS mock, the way `pulumi up` would run it,
// and hands back what the mock saw plus the program's resolved exports.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { AwsMock, RegistrationOptions } from "./awsMock";

export const PROJECT = "compose-on-ec2";
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

// js-yaml ships with mocha (dev dependency); it has no bundled types, so we type the one call we use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml: { load(text: string): unknown } = require("js-yaml");

/** Parses a YAML file of this project (Pulumi.yaml, Pulumi.<stack>.yaml). */
export function readYaml(file: string): any {
  return yaml.load(fs.readFileSync(path.resolve(PROJECT_ROOT, file), "utf8"));
}

/**
 * The config of Pulumi.<stack>.yaml as the CLI hands it to the program: fully qualified keys,
 * string values, arrays and objects as JSON. Secure (encrypted) values are skipped.
 * Stacks without a file get only aws:region us-east-1.
 */
export function stackFileConfig(stack: string): Record<string, string> {
  const file = path.resolve(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) return { "aws:region": "us-east-1" };
  const doc = (readYaml(file) ?? {}) as { config?: Record<string, unknown> };
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    if (value && typeof value === "object" && "secure" in (value as object)) continue;
    out[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

export interface RunOptions {
  stack: string;
  /** Config overrides merged over Pulumi.<stack>.yaml; keys without a namespace get "compose-on-ec2:". */
  config?: Record<string, string>;
  /** Ignore Pulumi.<stack>.yaml and use only `config` (plus aws:region us-east-1 unless given). */
  replaceConfig?: boolean;
  /** The mock to use (e.g. with extra subnets or a parallelism gate); a fresh AwsMock by default. */
  mock?: AwsMock;
}

export interface RunResult {
  mock: AwsMock;
  /** The program's exports, resolved to plain values. */
  outputs: Record<string, unknown>;
  /** The program's exports as the module exported them (Outputs), e.g. for isSecret checks. */
  exports: Record<string, unknown>;
}

/** Resolves an Output (or plain value) to its value; rejects with the output's error; never hangs. */
export function valueOf<T>(output: pulumi.Input<T> | undefined, timeoutMs = 10000): Promise<T> {
  // Output.promise() is internal but stable; it rejects when the output failed (apply would never run).
  const resolved = (pulumi.output(output) as unknown as { promise(): Promise<T> }).promise();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`valueOf: output did not resolve within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([resolved, timeout]).finally(() => clearTimeout(timer));
}

/** True when the output is marked secret. */
export function isSecret(output: unknown): Promise<boolean> {
  return pulumi.Output.isInstance(output) ? pulumi.isSecret(output) : Promise.resolve(false);
}

/** Drops the project's own modules from the require cache so index.ts runs again from scratch. */
function forgetProjectModules(): void {
  const keep = [path.join(PROJECT_ROOT, "node_modules") + path.sep, path.join(PROJECT_ROOT, "tests", "support") + path.sep];
  for (const file of Object.keys(require.cache)) {
    if (file.startsWith(PROJECT_ROOT + path.sep) && !keep.some((k) => file.startsWith(k))) delete require.cache[file];
  }
}

/** The URN Pulumi's mock monitor assigns (the parent's own type, then $, then the type). */
function urnOf(parent: string, type: string, name: string): string {
  const qualified = parent ? `${parent.split("::")[2].split("$").pop()}$${type}` : type;
  return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
}

/**
 * Records the engine-level options (protect, dependencies, parent…) of every registration on the mock.
 * `onRegister` sees each raw register request too (for fields the mock does not record).
 */
export function captureRegistrationOptions(mock: AwsMock, onRegister?: (req: any) => void): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (req: any, cb: unknown) => unknown };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, cb: unknown) => {
    onRegister?.(req);
    const options: RegistrationOptions = {
      custom: req.getCustom(),
      parent: req.getParent(),
      protect: req.getProtect() === true,
      dependencies: req.getDependenciesList(),
      ignoreChanges: req.getIgnorechangesList(),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      retainOnDelete: req.getRetainondelete() === true,
      urn: urnOf(req.getParent(), req.getType(), req.getName()),
    };
    mock.recordOptions(req.getType(), req.getName(), options);
    return original(req, cb);
  };
}

/** Runs index.ts for a stack under the mock and resolves its exports. Rejects on any error AWS would raise. */
export async function runProgram(opts: RunOptions): Promise<RunResult> {
  const mock = opts.mock ?? new AwsMock();
  const base = opts.replaceConfig ? { "aws:region": "us-east-1" } : stackFileConfig(opts.stack);
  const config: Record<string, string> = { ...base };
  for (const [key, value] of Object.entries(opts.config ?? {})) config[key.includes(":") ? key : `${PROJECT}:${key}`] = value;

  if (config["aws:region"]) mock.region = config["aws:region"];
  mock.reset();
  await pulumi.runtime.setMocks(mock, PROJECT, opts.stack, false);
  captureRegistrationOptions(mock);
  pulumi.runtime.setAllConfig(config, Object.keys(config).filter((k) => k === `${PROJECT}:sshPrivateKey`));

  // A failed registration surfaces as an unhandled rejection and leaves its dependents pending
  // forever (as in a real run, where the engine reports it): catch it and fail the run at once.
  let fail: (reason: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  const onUnhandled = (reason: unknown) => fail(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    forgetProjectModules();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported = require(path.join(PROJECT_ROOT, "index.ts")) as Record<string, unknown>;

    const outputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(exported)) {
      outputs[key] = pulumi.Output.isInstance(value) || value instanceof Promise ? await Promise.race([valueOf(value as pulumi.Input<unknown>), failed]) : value;
    }
    // Let registrations that nothing exported depends on finish too (bounded).
    for (let i = 0, quiet = 0; i < 500 && quiet < 3; i++) {
      await Promise.race([new Promise((r) => setImmediate(r)), failed]);
      quiet = mock.pending === 0 ? quiet + 1 : 0;
    }
    if (mock.errors.length > 0) throw new Error(`AWS would reject this program:\n${mock.errors.join("\n")}`);
    return { mock, outputs, exports: exported };
  } catch (e) {
    // The failed run's dependents stay pending by design; don't let Pulumi's exit-time leak check
    // count them against the whole test process.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require("@pulumi/pulumi/runtime/debuggable") as { leakedPromises(): unknown }).leakedPromises();
    throw e;
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
}

const cachedRuns = new Map<string, Promise<RunResult>>();

/** Runs the program once per key per test process and shares the result (keeps `npm test` fast). */
export function cachedRun(key: string, opts: () => RunOptions): Promise<RunResult> {
  let run = cachedRuns.get(key);
  if (!run) {
    run = runProgram(opts());
    cachedRuns.set(key, run);
  }
  return run;
}

/** A test OpenSSH key pair (not a real key: the body only encodes the type, as EC2 checks). */
export const TEST_SSH_PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGFrZWtleWZvcnRlc3RzMDEyMzQ1Njc4OWFiY2RlZg== test@ci";
export const TEST_SSH_PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
export const TEST_VPC_ID = "vpc-0a1b2c3d4e5f60718";
export const TEST_SUBNETS = [
  { id: "subnet-0aaaaaaaaaaaaaaa1", vpcId: TEST_VPC_ID, availabilityZone: "us-east-1a", defaultForAz: false },
  { id: "subnet-0bbbbbbbbbbbbbbb2", vpcId: TEST_VPC_ID, availabilityZone: "us-east-1b", defaultForAz: false },
  { id: "subnet-0ccccccccccccccc3", vpcId: TEST_VPC_ID, availabilityZone: "us-east-1b", defaultForAz: false },
];

/**
 * The program run once per stack per test process: dev and prod from their stack files. The dev run
 * holds the EC2 instance and the RDS instance until both are registered (a parallelism probe that
 * costs nothing when they are independent).
 */
export function stackRun(stack: "dev" | "prod"): Promise<RunResult> {
  return cachedRun(stack, () => {
    const mock = new AwsMock();
    if (stack === "dev") mock.gate = { types: ["aws:ec2/instance:Instance", "aws:rds/instance:Instance"], timeoutMs: 3000 };
    return { stack, mock };
  });
}

/**
 * Two runs with the other branches: A = MySQL, Ubuntu on Graviton, a given VPC/subnets and key pair;
 * B = a sandbox with MariaDB and a pinned AMI.
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
            sshPrivateKey: TEST_SSH_PRIVATE_KEY,
          },
        }
      : {
          stack: "pr-7",
          config: {
            dbEngine: "mariadb",
            amiId: "ami-0123456789abcdef0",
            sandboxOwner: "octocat",
            sandboxExpiresAt: "2026-12-01T18:00:00Z",
          },
        },
  );
}
