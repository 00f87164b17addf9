// `npm run plan -- --stack <dev|prod|NAME> [--region REGION] [--set KEY=VALUE]... [--json]`
// The offline plan: runs the real program under the mock engine (no AWS credentials, no Pulumi CLI)
// and prints the resource tree, the critical path of a first `pulumi up`, a monthly cost estimate,
// warnings and the policy pack's verdict. Exit codes: scripts/lib/cli.ts (0 ok, 1 a rule failed or
// the config/program failed, 2 bad usage).
import { APP_DB_USER } from "../components/config";
import * as fs from "fs";
import { describeServiceFates } from "../components/compose/serviceFates";
import { summariseManifest } from "../components/manifest";
import { RULES, verdicts } from "../policy/rules";
import { EXIT, EXIT_CODES_HELP, UsageError, runCli } from "./lib/cli";
import { PRICES, costSummary } from "./lib/plan/cost";
import { PLAN_JSON_VERSION, PlanJson } from "./lib/plan/json";
import { PlanResult, isConfigError, runPlan, summaryLine } from "./lib/plan/run";
import { keySettings } from "./lib/plan/tree";
import { markUnknowns } from "./lib/plan/unknowns";

const USAGE = "usage: npm run plan -- --stack <dev|prod|NAME> [--region REGION] [--set KEY=VALUE]... [--json]";

export const HELP = `${USAGE}

The offline plan: runs the program (index.ts) for a stack under a mock of AWS. No AWS account, no
Pulumi CLI, no state. Prints how the site is served, the resource tree, the critical path of a
first \`pulumi up\`, the monthly cost, warnings about costly choices, and the policy verdict.
Values only AWS can give (addresses, ids, AMIs) are shown as <what, known after up>.

options:
  --stack, -s NAME     dev, prod, or any NAME (no Pulumi.NAME.yaml: the sandbox npm run sandbox would create)
  --region REGION      plan as if aws:region were REGION (e.g. ap-northeast-2)
  --set KEY=VALUE      plan with a setting changed, as \`pulumi config set KEY VALUE\` would (repeatable)
  --json               one JSON document on stdout instead of the text (shape: PlanJson in
                       scripts/lib/plan/json.ts, described in docs/reference/plan.md)
  --help, -h           this text

${EXIT_CODES_HELP}; 1 also when a policy rule fails or the configuration is refused`;

export interface PlanArgs {
  stack: string;
  json: boolean;
  /** Replaces the stack's aws:region for this plan. */
  region?: string;
  /** Settings set over the stack file for this plan (key without namespace → value). */
  set?: Record<string, string>;
}

export function parseArgs(argv: string[]): PlanArgs {
  let stack: string | undefined;
  let region: string | undefined;
  let json = false;
  const set: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") json = true;
    else if (arg === "--set" || arg.startsWith("--set=")) {
      const pair = arg === "--set" ? argv[++i] ?? "" : arg.slice("--set=".length);
      const m = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/s.exec(pair);
      if (!m) throw new UsageError(`--set "${pair}" is not KEY=VALUE (e.g. --set hosting=ecs)\n${USAGE}`);
      set[m[1]] = m[2];
    } else if (arg === "--stack" || arg === "-s") stack = argv[++i];
    else if (arg.startsWith("--stack=")) stack = arg.slice("--stack=".length);
    else if (arg === "--region") region = argv[++i];
    else if (arg.startsWith("--region=")) region = arg.slice("--region=".length);
    else throw new UsageError(`unknown argument "${arg}"\n${USAGE}`);
  }
  if (!stack) throw new UsageError(`--stack is required\n${USAGE}`);
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new UsageError(`--region "${region}" is not an AWS region name (e.g. ap-northeast-2)\n${USAGE}`);
  }
  return { stack, json, ...(region === undefined ? {} : { region }), ...(Object.keys(set).length > 0 ? { set } : {}) };
}

const mmss = (s: number): string => `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
const money = (x: number | undefined): string => (x === undefined ? "unknown price" : `$${x.toFixed(2)}`);

/** The plan as text; every value the mock made up is shown as unknown (unknowns.ts). */
export function renderText(plan: PlanResult): string {
  return markUnknowns(renderFacts(plan), plan.unknowns);
}

function renderFacts(plan: PlanResult): string {
  const out: string[] = [];
  out.push(
    `Offline plan for stack "${plan.stack}" in ${plan.region}${
      plan.sandbox ? " (sandbox: dev settings, stage sandbox)" : ""
    }`,
  );
  out.push(...renderHosting(plan));
  if (plan.outputs.hosting !== "ecs") {
    out.push("", "Compose file (what the deploy found in it):", ...plan.composeFindings.map((l) => `  ${l}`));
  }
  out.push("", ...serviceLines(plan));
  out.push("", ...environmentLines(plan));
  out.push("", "Resources (component hierarchy):", plan.tree);

  const cp = plan.criticalPath;
  out.push("",
    `Critical path of a first \`pulumi up\` (typical ~${Math.round(cp.typicalSeconds / 60)} min, range ${
      mmss(cp.lowSeconds)
    }–${mmss(cp.highSeconds)}; estimates):`);
  for (const step of cp.steps) {
    out.push(
      `  ${mmss(step.finishSeconds).padStart(7)}  ${step.type} ${step.name}  (${mmss(step.duration.lowSeconds)}–${
        mmss(step.duration.highSeconds)
      }: ${step.duration.basis})`,
    );
  }

  out.push("", ...renderCost(plan));

  if (plan.warnings.length > 0) {
    out.push("", "Warnings (choices that cost or hurt; the plan still passes):");
    for (const w of plan.warnings) out.push(`  - ${w.setting}: ${w.message}`);
  }

  out.push("", "Policy (policy/rules.ts, all mandatory; n/a: nothing in this stack that the rule judges):");
  for (const v of verdicts(plan.policyResources, plan.violations, RULES)) {
    if (v.status !== "fail") out.push(`  ${v.status === "pass" ? "pass" : "n/a "} ${v.rule}`);
    for (const f of v.violations) out.push(`  FAIL ${v.rule}: ${f.resource}: ${f.message}`);
  }

  out.push("", summaryLine(plan));
  return out.join("\n");
}

/** Every service of the compose file and what a deploy does with it: none is left unsaid. */
export function serviceLines(plan: PlanResult): string[] {
  return [`Services (what a deploy does with each of the ${plan.serviceFates.length}):`,
    ...describeServiceFates(plan.serviceFates).map((l) => `  ${l}`)];
}

/** Every variable the app receives and its source (the stack output appEnvironment); never a value. */
export function environmentLines(plan: PlanResult): string[] {
  const env = (plan.outputs.appEnvironment ?? {}) as Record<string, string>;
  const names = Object.keys(env);
  const width = Math.max(0, ...names.map((n) => n.length));
  return [`App environment (${names.length} variables; values never shown):`,
    ...names.map((n) => `  ${n.padEnd(width)}  ${env[n]}`)];
}

/** What the site is served as: the hosting, the URL, where its certificate comes from, and its DNS records. */
function renderHosting(plan: PlanResult): string[] {
  const o = plan.outputs;
  const lines = [`Hosting: ${String(o.hosting ?? "ec2")}, served at ${String(o.url ?? "")}`,
    `  Certificate: ${String(o.certificateSource ?? "unknown")}`];
  if (o.transport !== undefined) lines.push(transportLine(plan));
  const upload = uploadLine(plan);
  if (upload !== undefined) lines.push(upload);
  lines.push(`  Database: ${String(o.databaseSource ?? "unknown")}`,
    o.hosting === "ecs"
      ? `  Database login: the app connects as ${APP_DB_USER} (made by each task's db-login container), certificate verified`
      : `  Database login: the app connects as ${APP_DB_USER} (made by the deploy's db-user step), certificate verified`);
  lines.push(...dnsLines(plan));
  return lines;
}

/** The site's DNS records: those the stack creates in the hosted zone, and those to create by hand. */
export function dnsLines(plan: PlanResult): string[] {
  const created = plan.resources
    .filter((r) =>
      r.type === "aws:route53/record:Record" && Array.isArray(r.inputs.records)
      && (r.inputs.type === "A" || r.inputs.type === "AAAA")
    )
    .map((r) =>
      `  DNS record the stack creates in ${String(r.inputs.zoneId)}: ${String(r.inputs.name)} ${
        String(r.inputs.type)
      } ${(r.inputs.records as unknown[]).join(" ")} (TTL ${String(r.inputs.ttl)})`
    );
  const aliases = plan.resources
    .filter((r) =>
      r.type === "aws:route53/record:Record" && Array.isArray(r.inputs.aliases) && r.inputs.aliases.length > 0
    )
    .map((r) =>
      `  DNS record the stack creates in ${String(r.inputs.zoneId)}: ${String(r.inputs.name)} ${
        String(r.inputs.type)
      } alias to the load balancer`
    );
  const manual = Array.isArray(plan.outputs.dnsRecordsToCreate) ? (plan.outputs.dnsRecordsToCreate as string[]) : [];
  return [...created, ...aliases, ...manual.map((r) => `  Create this DNS record yourself: ${r}`)];
}

/** How the deployment reaches the host, and what that opens: port 22 to its CIDRs, or nothing. */
export function transportLine(plan: PlanResult): string {
  const ssh = plan.resources
    .filter((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.inputs.fromPort === 22)
    .map((r) => String(r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6));
  if (plan.outputs.transport === "ssm") {
    return `Transport: ssm (OpenSSH through Session Manager, AWS-StartSSHSession); inbound port 22: ${
      ssh.length ? `OPEN to ${ssh.join(", ")}` : "closed"
    }`;
  }
  return `Transport: ssh (pulumi-command and, for the upload, OpenSSH straight to the host); inbound port 22 from ${
    ssh.join(", ") || "nowhere"
  }`;
}

/**
 * What the upload step sends (scripts/runner/upload.sh): the release's files and their size, all of
 * it on a host's first deploy (its store then holds that much), then only what changed plus the
 * manifest. Read from the manifest and the local store the program wrote; undefined without an upload.
 */
export function uploadLine(plan: PlanResult): string | undefined {
  const env = plan.resources.find((r) => r.type === "command:local:Command" && r.name.endsWith("-upload"))?.inputs
    .environment as Record<string, unknown> | undefined;
  if (typeof env?.UPLOAD_MANIFEST !== "string" || typeof env.UPLOAD_STORE !== "string"
    || !fs.existsSync(env.UPLOAD_MANIFEST)) return undefined;
  const m = summariseManifest(env.UPLOAD_MANIFEST, env.UPLOAD_STORE);
  const mib = (m.contentBytes / 1048576).toFixed(1);
  return `  Upload: ${m.entries} entries, ${m.contents} distinct contents, ${mib} MiB: a host's first deploy sends all of it (gzip) and its store `
    + `then holds ${mib} MiB; a later deploy sends only the contents that changed plus the manifest (${m.manifestGzipBytes} bytes gzip)`;
}

function renderCost(plan: PlanResult): string[] {
  const cost = plan.cost;
  const out = [
    `Monthly cost in ${plan.region} (on-demand, ${PRICES.hoursPerMonth} h/month, table in scripts/prices.json):`,
  ];
  for (const line of cost.lines) {
    out.push(`  ${money(line.monthly).padStart(9)}${line.hasUnknown ? "+?" : "  "} ${line.type} ${line.name}`);
    for (const item of line.items) {
      out.push(`             ${item.what}: ${money(item.monthly)}${item.note ? ` (${item.note})` : ""}`);
    }
  }
  out.push(`  ${costSummary(cost)}; data transfer and usage-based charges not included`);
  if (!cost.complete) {
    out.push(`  Not a total: no price for ${plan.region} in the table for these items (left out of the sum):`);
    for (const unknown of cost.unknownList) out.push(`    - ${unknown}`);
  }
  out.push("  Prices from:");
  for (const key of cost.sources) {
    const s = PRICES.sources[key];
    out.push(`    ${key} (${s.date}): ${s.url}`);
  }
  return out;
}

/** The plan as one JSON document (PlanJson), with the same unknown markers as the text. */
export function renderJson(plan: PlanResult): string {
  const doc: PlanJson = {
    version: PLAN_JSON_VERSION,
    stack: plan.stack,
    region: plan.region,
    sandbox: plan.sandbox,
    ...(typeof plan.outputs.url === "string" ? { url: plan.outputs.url } : {}),
    dnsRecordsToCreate: Array.isArray(plan.outputs.dnsRecordsToCreate)
      ? (plan.outputs.dnsRecordsToCreate as unknown[]).map(String)
      : [],
    resources: plan.resources.map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      ...(r.parent ? { parent: r.parent } : {}),
      protect: r.protect,
      dependencies: r.dependencies,
      settings: keySettings(r),
    })),
    services: plan.serviceFates,
    criticalPath: plan.criticalPath,
    cost: plan.cost,
    warnings: plan.warnings,
    policy: verdicts(plan.policyResources, plan.violations, RULES),
    violations: plan.violations,
    summary: summaryLine(plan),
  };
  // Markers hold no quote or backslash, so marking the serialised text keeps it valid JSON.
  return markUnknowns(JSON.stringify(doc, null, 2), plan.unknowns);
}

/** How a failed run is titled: the configuration's fault, or the program's under the mock. */
export function failureText(stack: string, e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return isConfigError(e)
    ? `plan ${stack}: configuration error (nothing was planned):\n${message}`
    : `plan ${stack}: the program failed under the mock engine:\n${message}`;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  // A resource the mock rejects fails inside the Pulumi runtime, outside any await of ours.
  process.on("unhandledRejection", (e) => {
    process.stderr.write(`${failureText(args.stack, e)}\n`, () => process.exit(EXIT.failed));
  });
  let plan: PlanResult;
  try {
    plan = await runPlan({ stack: args.stack, region: args.region, set: args.set });
  } catch (e) {
    process.stderr.write(`${failureText(args.stack, e)}\n`);
    return EXIT.failed;
  }
  process.stdout.write(`${args.json ? renderJson(plan) : renderText(plan)}\n`);
  return plan.violations.length > 0 ? EXIT.failed : EXIT.ok;
}

if (require.main === module) runCli({ name: "plan", help: HELP, main });
