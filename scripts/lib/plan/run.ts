// Runs the real program (index.ts) for a stack under the shared AWS mock and turns what the engine
// saw into a plan: tree, critical path, cost, policy violations. No credentials, no Pulumi CLI.
import * as fs from "fs";
import * as path from "path";
import { AwsMock } from "../../../tests/support/awsMock";
import { PROJECT, PROJECT_ROOT, readYaml, runProgram } from "../../../tests/support/program";
import { PolicyResource, Violation, checkAll, defaultTagsOf } from "../../../policy/rules";
import { DEFAULT_TTL, expiresAt, parseTtl, sandboxConfig } from "../sandbox/rules";
import { PlanResource, RegistrationCapture } from "./capture";
import { CostEstimate, estimateCost } from "./cost";
import { CriticalPath, criticalPath } from "./criticalPath";
import { renderTree } from "./tree";

export interface PlanResult {
  stack: string;
  region: string;
  /** True when the stack has no Pulumi.<stack>.yaml: dev settings + sandbox overrides. */
  sandbox: boolean;
  resources: PlanResource[];
  policyResources: PolicyResource[];
  violations: Violation[];
  criticalPath: CriticalPath;
  cost: CostEstimate;
  tree: string;
  outputs: Record<string, unknown>;
}

/** Shorter "secret" strings (ports, user names, "true") are no evidence of a leak on a command line. */
const MIN_SECRET_LENGTH = 12;

/** Placeholder for a `secure:` config value (the plan cannot decrypt; it needs no real secret). */
export function securePlaceholder(key: string): string {
  if (key.endsWith(":sshPrivateKey")) {
    return "-----BEGIN OPENSSH PRIVATE KEY-----\nplaceholder-for-offline-plan\n-----END OPENSSH PRIVATE KEY-----\n";
  }
  return `placeholder-secret-${key.replace(/[^A-Za-z0-9]/g, "-")}`;
}

/** The CLI's form of a config value: strings as they are, structures as JSON. */
const asConfigString = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

/** Config of a Pulumi.<stack>.yaml document as the CLI passes it, secure values replaced by placeholders. */
export function stackConfigOf(doc: { config?: Record<string, unknown> } | undefined): { config: Record<string, string>; secureKeys: string[] } {
  const config: Record<string, string> = {};
  const secureKeys: string[] = [];
  for (const [key, value] of Object.entries(doc?.config ?? {})) {
    if (value !== null && typeof value === "object" && "secure" in value) {
      config[key] = securePlaceholder(key);
      secureKeys.push(key);
    } else {
      config[key] = asConfigString(value);
    }
  }
  return { config, secureKeys };
}

/**
 * The config the plan runs a stack with: Pulumi.<stack>.yaml, or for a NAME without a file the
 * sandbox `npm run sandbox` would create (dev's settings + the sandbox overrides of
 * scripts/lib/sandbox/rules.ts).
 */
export function planConfig(stack: string): { config: Record<string, string>; secureKeys: string[]; sandbox: boolean } {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(stack)) throw new Error(`invalid stack name "${stack}" (letters, digits, _ . -)`);
  const read = (file: string) => (fs.existsSync(path.join(PROJECT_ROOT, file)) ? readYaml(file) : undefined) as
    { config?: Record<string, unknown> } | undefined;
  const own = read(`Pulumi.${stack}.yaml`);
  if (own) return { ...stackConfigOf(own), sandbox: false };
  const dev = read("Pulumi.dev.yaml")?.config ?? { "aws:region": "us-east-1" };
  const { config } = sandboxConfig(dev, {
    project: PROJECT, owner: "offline-plan", expiresAt: expiresAt(new Date(), parseTtl(DEFAULT_TTL)),
  });
  return { ...stackConfigOf({ config }), sandbox: true };
}

/** The plan's resources as the policy rules see them (inputs, protect, dependencies, secrets). */
export function toPolicyResources(resources: PlanResource[]): PolicyResource[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  // A secret Output marks its whole property secret (e.g. a command's `connection` because of its
  // private key): values that also appear in the clear elsewhere (host, user) are not secrets.
  const publicValues = new Set(resources.flatMap((r) => r.publicValues));
  return resources.map((r) => ({
    type: r.type, name: r.name, urn: r.urn, id: r.id, props: r.inputs, protect: r.protect,
    propertyDependencies: r.propertyDependencies,
    secretValues: r.secretValues.filter((v) => !publicValues.has(v) && v.length >= MIN_SECRET_LENGTH),
    // A provider reference is `<urn>::<id>`.
    providerDefaultTags: defaultTagsOf(r.provider ? byUrn.get(r.provider.split("::").slice(0, -1).join("::"))?.inputs.defaultTags : undefined),
  }));
}

/** Runs the program for `stack` and builds the plan. Rejects with the program's/config's error. */
export async function runPlan(opts: { stack: string }): Promise<PlanResult> {
  const { stack } = opts;
  const { config, secureKeys, sandbox } = planConfig(stack);
  const region = config["aws:region"] ?? "us-east-1";

  const capture = new RegistrationCapture();
  let outputs: Record<string, unknown>;
  try {
    ({ outputs } = await runProgram({ stack, config, replaceConfig: true, mock: new AwsMock({ region }) }));
  } finally {
    capture.stop();
  }
  const resources = capture.resources;
  // The values behind `secure:` config are secrets too, whether or not the program marks them.
  const configSecrets: PolicyResource = {
    type: "pulumi:config:Secure", name: "config", props: {}, protect: false, secretValues: secureKeys.map((k) => config[k]),
  };
  const policyResources = toPolicyResources(resources);
  return {
    stack, region, sandbox, resources, policyResources,
    violations: checkAll([...policyResources, configSecrets]),
    criticalPath: criticalPath(resources),
    cost: estimateCost(resources, region),
    tree: renderTree(resources, `pulumi:pulumi:Stack ${PROJECT}-${stack}`),
    outputs,
  };
}

const cache = new Map<string, Promise<PlanResult>>();

/** runPlan once per stack per process (tests share it across files). */
export function planFor(stack: string): Promise<PlanResult> {
  let plan = cache.get(stack);
  if (!plan) {
    plan = runPlan({ stack });
    cache.set(stack, plan);
  }
  return plan;
}

/** The last line of `npm run plan`, exactly. */
export function summaryLine(plan: PlanResult): string {
  const minutes = Math.round(plan.criticalPath.typicalSeconds / 60);
  return `plan ${plan.stack}: ${plan.resources.length} resources, critical path ~${minutes} min, ~$${plan.cost.totalMonthly.toFixed(2)}/month`;
}
