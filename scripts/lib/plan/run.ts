// Runs the real program (index.ts) for a stack under the engine's AWS mock and turns what the engine
// saw into a plan: tree, critical path, cost, policy violations. No credentials, no Pulumi CLI.
import * as fs from "fs";
import * as path from "path";
import { AwsMock, PROJECT, PROJECT_ROOT, Registration, StackConfigValues, readYaml, runProgram, stackConfigOf } from "../../../lib/engine";
import { PolicyResource, Violation, checkAll } from "../../../policy/rules";
import { defaultTagsOf } from "../../../policy/crossGuard";
import { STACK } from "../../../policy/httpsRules";
import { parseConfig } from "../../../components/config";
import { DEFAULT_TTL, expiresAt, parseTtl, sandboxConfig } from "../sandbox/rules";
import { CostEstimate, costSummary, estimateCost } from "./cost";
import { CriticalPath, criticalPath } from "./criticalPath";
import { renderTree } from "./tree";

export interface PlanResult {
  stack: string;
  region: string;
  /** True when the stack has no Pulumi.<stack>.yaml: dev settings + sandbox overrides. */
  sandbox: boolean;
  resources: Registration[];
  policyResources: PolicyResource[];
  violations: Violation[];
  criticalPath: CriticalPath;
  cost: CostEstimate;
  tree: string;
  outputs: Record<string, unknown>;
  /** What the compose file holds, as config read it (services, proxied service, health source, notes). */
  composeFindings: string[];
}

/** Shorter "secret" strings (ports, user names, "true") are no evidence of a leak on a command line. */
const MIN_SECRET_LENGTH = 12;

/**
 * The config the plan runs a stack with: Pulumi.<stack>.yaml, or for a NAME without a file the
 * sandbox `npm run sandbox` would create (dev's settings + the sandbox overrides of
 * scripts/lib/sandbox/rules.ts).
 */
export function planConfig(stack: string, stackFile = `Pulumi.${stack}.yaml`): StackConfigValues & { sandbox: boolean } {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(stack)) throw new Error(`invalid stack name "${stack}" (letters, digits, _ . -)`);
  const read = (file: string) => (fs.existsSync(path.resolve(PROJECT_ROOT, file)) ? readYaml(file) : undefined) as
    { config?: Record<string, unknown> } | undefined;
  const own = read(stackFile);
  if (own) return { ...stackConfigOf(own), sandbox: false };
  const dev = read("Pulumi.dev.yaml")?.config ?? { "aws:region": "us-east-1" };
  const { config } = sandboxConfig(dev, {
    project: PROJECT, owner: "offline-plan", expiresAt: expiresAt(new Date(), parseTtl(DEFAULT_TTL)),
  });
  return { ...stackConfigOf({ config }), sandbox: true };
}

/** The plan's resources as the policy rules see them (inputs, protect, dependencies, secrets). */
export function toPolicyResources(resources: Registration[]): PolicyResource[] {
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

/**
 * Runs the program for `stack` and builds the plan. Rejects with the program's/config's error. The
 * program gets the config exactly as the CLI would hand it: a value is secret only where the stack
 * file stores it `secure:`. `stackFile` (default Pulumi.<stack>.yaml) is relative to the project root;
 * `region`, when given, replaces the stack's aws:region (as `pulumi config set aws:region` would).
 */
export async function runPlan(opts: { stack: string; stackFile?: string; region?: string; set?: Record<string, string> }): Promise<PlanResult> {
  const { stack } = opts;
  const { config, secureKeys, sandbox } = planConfig(stack, opts.stackFile);
  if (opts.region !== undefined) config["aws:region"] = opts.region;
  for (const [key, value] of Object.entries(opts.set ?? {})) config[`${PROJECT}:${key}`] = value;
  const region = config["aws:region"] ?? "us-east-1";
  const secrets = Object.fromEntries(secureKeys.map((k) => [k, config[k]]));
  const plain = Object.fromEntries(Object.entries(config).filter(([k]) => !secureKeys.includes(k)));
  const { outputs, registrations: resources } = await runProgram({ stack, config: plain, secrets, replaceConfig: true, mock: new AwsMock({ region }) });
  // The values behind `secure:` config are secrets too, whether or not the program marks them.
  const configSecrets: PolicyResource = {
    type: "pulumi:config:Secure", name: "config", props: {}, protect: false, secretValues: secureKeys.map((k) => config[k]),
  };
  const policyResources = [...toPolicyResources(resources), stackResource(stack, outputs)];
  // The program has accepted this config, so parsing it again cannot fail; it hands back what config
  // found in the compose file, which no resource records.
  const settings = Object.fromEntries(Object.entries(config).filter(([k]) => k.startsWith(`${PROJECT}:`)).map(([k, v]) => [k.slice(PROJECT.length + 1), v]));
  const { app } = parseConfig(settings, { project: PROJECT, stack, region });
  return {
    stack, region, sandbox, resources, policyResources,
    // The transport rules judge port 22 against the allowlist the stack is configured with.
    violations: checkAll([...policyResources, configSecrets], undefined, { sshCidrs: listSetting(config[`${PROJECT}:sshCidrs`]) }),
    criticalPath: criticalPath(resources),
    cost: estimateCost(resources, region),
    tree: renderTree(resources, `pulumi:pulumi:Stack ${PROJECT}-${stack}`),
    outputs,
    composeFindings: app.composeFindings,
  };
}

/**
 * The stack as CrossGuard shows it to a stack policy: a `pulumi:pulumi:Stack` resource whose props are
 * the stack's outputs (the mock engine registers none). Only the outputs the rules read, none secret.
 */
export function stackResource(stack: string, outputs: Record<string, unknown>): PolicyResource {
  const props = Object.fromEntries(["stage", "hosting", "url", "https", "allowPlainHttp", "certificateSource", "appEnvironment"].filter((k) => k in outputs).map((k) => [k, outputs[k]]));
  return { type: STACK, name: `${PROJECT}-${stack}`, props, protect: false };
}

/** A list setting as the CLI hands it (a JSON array string); undefined when unset or not a list. */
export function listSetting(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) && v.length > 0 ? v.map(String) : undefined;
  } catch {
    return undefined;
  }
}

const cache = new Map<string, Promise<PlanResult>>();

/** runPlan once per stack (and region override and settings) per process (tests share it across files). */
export function planFor(stack: string, region?: string, set?: Record<string, string>): Promise<PlanResult> {
  const key = `${stack}@${region ?? ""}@${JSON.stringify(set ?? {})}`;
  let plan = cache.get(key);
  if (!plan) {
    plan = runPlan({ stack, region, set });
    cache.set(key, plan);
  }
  return plan;
}

/** The last line of `npm run plan`, exactly; the cost names what it could not price (see costSummary). */
export function summaryLine(plan: PlanResult): string {
  const minutes = Math.round(plan.criticalPath.typicalSeconds / 60);
  return `plan ${plan.stack}: ${plan.resources.length} resources, critical path ~${minutes} min, ${costSummary(plan.cost)}`;
}
