// Runs the real program (index.ts) for a stack under the engine's AWS mock and turns what the engine
// saw into a plan: tree, critical path, cost, policy violations. No credentials, no Pulumi CLI.
import { type ServiceFate, withEcsFates } from "../../../components/compose/serviceFates";
import * as fs from "fs";
import * as path from "path";
import {
  AwsDbSnapshot,
  AwsMock,
  ConfigEntry,
  PROJECT,
  PROJECT_ROOT,
  Registration,
  StackConfigValues,
  configFor,
  namespacedKey,
  projectConfigTypes,
  readYaml,
  runProgram,
  setEntry,
  stackEntriesOf,
  toConfigValues,
} from "../../../lib/engine";
import { PolicyResource, Violation, checkAll } from "../../../policy/rules";
import { defaultTagsOf } from "../../../policy/crossGuard";
import { readPolicyConfig } from "../../../policy/config";
import { STACK } from "../../../policy/httpsRules";
import { DbEngine, ENGINES, defaultFor, parseConfig } from "../../../components/config";
import { RDS_STORAGE_GB } from "../../../components/config/engines";
import type { StackOutputName } from "../../../components/outputs";
import { DEFAULT_TTL, expiresAt, parseTtl, sandboxConfig } from "../sandbox/rules";
import { CostEstimate, costSummary, estimateCost } from "./cost";
import { CriticalPath, criticalPath } from "./criticalPath";
import { renderTree } from "./tree";
import { Unknowns } from "./unknowns";
import { Warning, planWarnings } from "./warnings";
import { driverWarnings } from "./driverWarnings";

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
  /** Every service of the compose file and what each hosting does with it (components/compose/serviceFates.ts). */
  serviceFates: ServiceFate[];
  /** Values the mock made up in AWS's place → what they stand for; the output marks them (unknowns.ts). */
  unknowns: Unknowns;
  /** Choices that cost or hurt (not refusals): outsized sizes, Multi-AZ outside prod, alarms that notify nobody. */
  warnings: Warning[];
  /** The data sources (function tokens) the program invoked, sorted. */
  calls: string[];
}

/** A configuration the program refuses or cannot read: a stack file that is not YAML, a bad setting, a bad compose file. */
export class PlanConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanConfigError";
  }
}

/** True for the errors that are the configuration's fault (the program's ConfigError and ComposeError, and ours). */
export function isConfigError(e: unknown): boolean {
  return e instanceof Error && ["PlanConfigError", "ConfigError", "ComposeError", "CliConfigError"].includes(e.name);
}

/** Shorter "secret" strings (ports, user names, "true") are no evidence of a leak on a command line. */
const MIN_SECRET_LENGTH = 12;

/**
 * The config the plan runs a stack with: Pulumi.<stack>.yaml, or for a NAME without a file the
 * sandbox `npm run sandbox` would create (dev's settings + the sandbox overrides of
 * scripts/lib/sandbox/rules.ts).
 */
export function planConfig(stack: string, stackFile = `Pulumi.${stack}.yaml`): StackConfigValues & { sandbox: boolean;
  entries: Map<string, ConfigEntry> } {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(stack)) throw new Error(`invalid stack name "${stack}" (letters, digits, _ . -)`);
  const read = (file: string): { config?: Record<string, unknown> } | undefined => {
    if (!fs.existsSync(path.resolve(PROJECT_ROOT, file))) return undefined;
    try {
      return readYaml(file) as { config?: Record<string, unknown> } | undefined;
    } catch (e) {
      // js-yaml names the line and column but not the file.
      throw new PlanConfigError(`${file} is not valid YAML: ${(e as Error).message}`);
    }
  };
  const own = read(stackFile);
  if (own) {
    const entries = stackEntriesOf(own);
    return { ...toConfigValues(entries), sandbox: false, entries };
  }
  const dev = read("Pulumi.dev.yaml")?.config ?? { "aws:region": "us-east-1" };
  const { config } = sandboxConfig(dev, {
    project: PROJECT,
    owner: "offline-plan",
    expiresAt: expiresAt(new Date(), parseTtl(DEFAULT_TTL)),
  });
  const entries = stackEntriesOf({ config });
  return { ...toConfigValues(entries), sandbox: true, entries };
}

/**
 * Offline there is no DescribeDBSnapshots: a stack that starts from a snapshot is planned as if the
 * snapshot fitted its settings (the plan says so; the real lookup runs at pulumi preview).
 */
export function assumedSnapshots(config: Record<string, string>, region: string): AwsDbSnapshot[] {
  const id = config[`${PROJECT}:dbSnapshotIdentifier`]?.trim();
  if (!id) return [];
  const setting = (key: string): string | undefined => config[`${PROJECT}:${key}`]?.trim() || undefined;
  const engine = (setting("dbEngine") ?? String(defaultFor("dbEngine", "dev"))) as DbEngine;
  const arn = id.startsWith("arn:") ? id : `arn:aws:rds:${region}:${new AwsMock().accountId}:snapshot:${id}`;
  return [{
    DBSnapshotIdentifier: arn.split(":").slice(6).join(":"),
    DBSnapshotArn: arn,
    DBInstanceIdentifier: "offline-plan",
    SnapshotCreateTime: "1970-01-01T00:00:00Z",
    Engine: engine,
    EngineVersion: setting("dbEngineVersion") ?? String(defaultFor("dbEngineVersion", "dev", engine)),
    AllocatedStorage: RDS_STORAGE_GB.min,
    Status: "available",
    Port: ENGINES[engine].port,
    SnapshotType: "manual",
    StorageType: "gp3",
    Encrypted: true,
  }];
}

/** The plan's resources as the policy rules see them (inputs, protect, dependencies, secrets). */
export function toPolicyResources(resources: Registration[]): PolicyResource[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  // A secret Output marks its whole property secret (e.g. a command's `connection` because of its
  // private key): values that also appear in the clear elsewhere (host, user) are not secrets.
  const publicValues = new Set(resources.flatMap((r) => r.publicValues));
  return resources.map((r) => ({
    type: r.type,
    name: r.name,
    urn: r.urn,
    id: r.id,
    props: r.inputs,
    protect: r.protect,
    propertyDependencies: r.propertyDependencies,
    secretValues: r.secretValues.filter((v) => !publicValues.has(v) && v.length >= MIN_SECRET_LENGTH),
    // A provider reference is `<urn>::<id>`.
    providerDefaultTags: defaultTagsOf(
      r.provider ? byUrn.get(r.provider.split("::").slice(0, -1).join("::"))?.inputs.defaultTags : undefined,
    ),
  }));
}

/**
 * Runs the program for `stack` and builds the plan. Rejects with the program's/config's error. The
 * program gets the config exactly as the CLI would hand it: a value is secret only where the stack
 * file stores it `secure:`. `stackFile` (default Pulumi.<stack>.yaml) is relative to the project root;
 * `region`, when given, replaces the stack's aws:region (as `pulumi config set aws:region` would).
 */
export async function runPlan(
  opts: { stack: string; stackFile?: string; region?: string; set?: Record<string, string>; projectDefaults?: boolean },
): Promise<PlanResult> {
  const { stack } = opts;
  const { entries, sandbox } = planConfig(stack, opts.stackFile);
  const declared = projectConfigTypes();
  // --region and --set as `pulumi config set` would store them in the stack file.
  if (opts.region !== undefined) entries.set("aws:region", setEntry("aws:region", opts.region, false, declared));
  for (const [key, value] of Object.entries(opts.set ?? {})) {
    entries.set(namespacedKey(key), setEntry(namespacedKey(key), value, false, declared));
  }
  const run = { stack, entries, projectDefaults: opts.projectDefaults };
  // What the program gets: the stack's entries, then Pulumi.yaml's defaults, as the CLI applies them.
  const { config, secretKeys: secureKeys } = configFor(run);
  const region = config["aws:region"] ?? "us-east-1";
  const rdsSnapshots = assumedSnapshots(config, region);
  const { outputs, registrations: resources, mock } = await runProgram({ ...run,
    mock: new AwsMock({ region, rdsSnapshots }) });
  if (rdsSnapshots.length > 0) {
    outputs.databaseSource = `${
      String(outputs.databaseSource)
    }; offline, the snapshot is assumed to fit: pulumi preview checks its engine, version, storage and encryption`;
  }
  // The values behind `secure:` config are secrets too, whether or not the program marks them.
  const configSecrets: PolicyResource = {
    type: "pulumi:config:Secure",
    name: "config",
    props: {},
    protect: false,
    secretValues: secureKeys.map((k) => config[k]),
  };
  const policyResources = [...toPolicyResources(resources), stackResource(stack, outputs)];
  // The program has accepted this config, so parsing it again cannot fail; it hands back what config
  // found in the compose file, which no resource records.
  const settings = Object.fromEntries(
    Object.entries(config).filter(([k]) => k.startsWith(`${PROJECT}:`)).map((
      [k, v],
    ) => [k.slice(PROJECT.length + 1), v]),
  );
  const { app, ...parsed } = parseConfig(settings, { project: PROJECT, stack, region });
  const cost = estimateCost(resources, region);
  // A value the config gives is a fact, even if the mock would have made up the same string.
  const unknowns = new Map([...mock.invented].filter(([value]) => !Object.values(config).some((c) => c === value)));
  return {
    stack,
    region,
    sandbox,
    resources,
    policyResources,
    // Judged with the reviewed config CI hands CrossGuard (policy/config.<stage>.json): its stage and
    // SSH allowlist, not the stack's own settings, so both verdicts read the same values.
    violations: checkAll([...policyResources, configSecrets], undefined, readPolicyConfig(PROJECT_ROOT, parsed.stage)),
    criticalPath: criticalPath(resources),
    cost,
    tree: renderTree(resources, `pulumi:pulumi:Stack ${PROJECT}-${stack}`),
    outputs,
    composeFindings: app.composeFindings,
    serviceFates: parsed.hosting.ecs ? withEcsFates(app.serviceFates, parsed.hosting.ecs.fates) : app.serviceFates,
    unknowns,
    warnings: [...planWarnings(parsed, cost),
      ...driverWarnings(parsed.database.engine, path.join(PROJECT_ROOT, app.dir), app.dir)],
    calls: [...new Set(mock.calls.map((c) => c.token))].sort(),
  };
}

/**
 * The stack as CrossGuard shows it to a stack policy: a `pulumi:pulumi:Stack` resource whose props are
 * the stack's outputs (the mock engine registers none). Only the outputs the rules read, none secret.
 */
export function stackResource(stack: string, outputs: Record<string, unknown>): PolicyResource {
  const read: StackOutputName[] = ["stage", "hosting", "url", "https", "allowPlainHttp", "certificateSource",
    "appEnvironment", "acmeServer", "hsts"];
  const props = Object.fromEntries(read.filter((k) => k in outputs).map((k) => [k, outputs[k]]));
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

/** The last line of `npm run plan`, exactly; the cost names what it could not price (see costSummary). */
export function summaryLine(plan: PlanResult): string {
  const minutes = Math.round(plan.criticalPath.typicalSeconds / 60);
  return `plan ${plan.stack}: ${plan.resources.length} resources, critical path ~${minutes} min, ${
    costSummary(plan.cost)
  }`;
}

const cachedPlans = new Map<string, Promise<PlanResult>>();

/** runPlan once per stack (and region override and settings) per process (tests share it across files). */
export function planFor(stack: string, region?: string, set?: Record<string, string>): Promise<PlanResult> {
  const key = `${stack}@${region ?? ""}@${JSON.stringify(set ?? {})}`;
  let plan = cachedPlans.get(key);
  if (!plan) {
    plan = runPlan({ stack, region, set });
    cachedPlans.set(key, plan);
  }
  return plan;
}
