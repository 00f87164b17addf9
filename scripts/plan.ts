// `npm run plan -- --stack <dev|prod|NAME> [--region REGION] [--set KEY=VALUE]... [--json]`
// The offline plan: runs the real program under the mock engine (no AWS credentials, no Pulumi CLI)
// and prints the resource tree, the critical path of a first `pulumi up`, a monthly cost estimate
// and the policy pack's verdict. --region plans the stack as if its aws:region were REGION; --set
// plans it with a setting changed, as `pulumi config set KEY VALUE` would (e.g. --set hosting=ecs). Exits 1 when a (mandatory) policy fails, 2 on a usage/program error.
import { RULES } from "../policy/rules";
import { PRICES, costSummary } from "./lib/plan/cost";
import { PlanResult, runPlan, summaryLine } from "./lib/plan/run";
import { keySettings } from "./lib/plan/tree";

const USAGE = "usage: npm run plan -- --stack <dev|prod|NAME> [--region REGION] [--set KEY=VALUE]... [--json]";

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
      if (!m) throw new Error(`--set "${pair}" is not KEY=VALUE (e.g. --set hosting=ecs)\n${USAGE}`);
      set[m[1]] = m[2];
    }
    else if (arg === "--stack" || arg === "-s") stack = argv[++i];
    else if (arg.startsWith("--stack=")) stack = arg.slice("--stack=".length);
    else if (arg === "--region") region = argv[++i];
    else if (arg.startsWith("--region=")) region = arg.slice("--region=".length);
    else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
  }
  if (!stack) throw new Error(`--stack is required\n${USAGE}`);
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new Error(`--region "${region}" is not an AWS region name (e.g. ap-northeast-2)\n${USAGE}`);
  return { stack, json, ...(region === undefined ? {} : { region }), ...(Object.keys(set).length > 0 ? { set } : {}) };
}

const mmss = (s: number): string => `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
const money = (x: number | undefined): string => (x === undefined ? "unknown price" : `$${x.toFixed(2)}`);

export function renderText(plan: PlanResult): string {
  const out: string[] = [];
  out.push(`Offline plan for stack "${plan.stack}" in ${plan.region}${plan.sandbox ? " (sandbox: dev settings, stage sandbox)" : ""}`);
  out.push(...renderHosting(plan));
  if (plan.outputs.hosting !== "ecs") out.push("", "Compose file (what the deploy found in it):", ...plan.composeFindings.map((l) => `  ${l}`));
  out.push("", ...environmentLines(plan));
  out.push("", "Resources (component hierarchy):", plan.tree);

  const cp = plan.criticalPath;
  out.push("", `Critical path of a first \`pulumi up\` (typical ~${Math.round(cp.typicalSeconds / 60)} min, range ${mmss(cp.lowSeconds)}–${mmss(cp.highSeconds)}; estimates):`);
  for (const step of cp.steps) {
    out.push(`  ${mmss(step.finishSeconds).padStart(7)}  ${step.type} ${step.name}  (${mmss(step.duration.lowSeconds)}–${mmss(step.duration.highSeconds)}: ${step.duration.basis})`);
  }

  out.push("", ...renderCost(plan));

  out.push("", "Policy (policy/rules.ts, all mandatory):");
  for (const rule of RULES) {
    const failed = plan.violations.filter((v) => v.policy === rule.name);
    if (failed.length === 0) out.push(`  pass ${rule.name}`);
    for (const v of failed) out.push(`  FAIL ${rule.name}: ${v.resource}: ${v.message}`);
  }

  out.push("", summaryLine(plan));
  return out.join("\n");
}

/** Every variable the app receives and its source (the stack output appEnvironment); never a value. */
export function environmentLines(plan: PlanResult): string[] {
  const env = (plan.outputs.appEnvironment ?? {}) as Record<string, string>;
  const names = Object.keys(env);
  const width = Math.max(0, ...names.map((n) => n.length));
  return [`App environment (${names.length} variables; values never shown):`, ...names.map((n) => `  ${n.padEnd(width)}  ${env[n]}`)];
}

/** What the site is served as: the hosting, the URL, where its certificate comes from, and its DNS records. */
function renderHosting(plan: PlanResult): string[] {
  const o = plan.outputs;
  const lines = [`Hosting: ${String(o.hosting ?? "ec2")}, served at ${String(o.url ?? "")}`, `  Certificate: ${String(o.certificateSource ?? "unknown")}`];
  if (o.transport !== undefined) lines.push(transportLine(plan));
  lines.push(...dnsLines(plan));
  return lines;
}

/** The site's DNS records: those the stack creates in the hosted zone, and those to create by hand. */
export function dnsLines(plan: PlanResult): string[] {
  const created = plan.resources
    .filter((r) => r.type === "aws:route53/record:Record" && Array.isArray(r.inputs.records) && (r.inputs.type === "A" || r.inputs.type === "AAAA"))
    .map((r) => `  DNS record the stack creates in ${String(r.inputs.zoneId)}: ${String(r.inputs.name)} ${String(r.inputs.type)} ${(r.inputs.records as unknown[]).join(" ")} (TTL ${String(r.inputs.ttl)})`);
  const aliases = plan.resources
    .filter((r) => r.type === "aws:route53/record:Record" && Array.isArray(r.inputs.aliases) && r.inputs.aliases.length > 0)
    .map((r) => `  DNS record the stack creates in ${String(r.inputs.zoneId)}: ${String(r.inputs.name)} ${String(r.inputs.type)} alias to the load balancer`);
  const manual = Array.isArray(plan.outputs.dnsRecordsToCreate) ? (plan.outputs.dnsRecordsToCreate as string[]) : [];
  return [...created, ...aliases, ...manual.map((r) => `  Create this DNS record yourself: ${r}`)];
}

/** How the deployment reaches the host, and what that opens: port 22 to its CIDRs, or nothing. */
export function transportLine(plan: PlanResult): string {
  const ssh = plan.resources
    .filter((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.inputs.fromPort === 22)
    .map((r) => String(r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6));
  if (plan.outputs.transport === "ssm") {
    return `Transport: ssm (OpenSSH through Session Manager, AWS-StartSSHSession); inbound port 22: ${ssh.length ? `OPEN to ${ssh.join(", ")}` : "closed"}`;
  }
  return `Transport: ssh (pulumi-command straight to the host); inbound port 22 from ${ssh.join(", ") || "nowhere"}`;
}

function renderCost(plan: PlanResult): string[] {
  const cost = plan.cost;
  const out = [`Monthly cost in ${plan.region} (on-demand, ${PRICES.hoursPerMonth} h/month, table in scripts/prices.json):`];
  for (const line of cost.lines) {
    out.push(`  ${money(line.monthly).padStart(9)}${line.hasUnknown ? "+?" : "  "} ${line.type} ${line.name}`);
    for (const item of line.items) out.push(`             ${item.what}: ${money(item.monthly)}${item.note ? ` (${item.note})` : ""}`);
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

export function renderJson(plan: PlanResult): string {
  return JSON.stringify({
    stack: plan.stack,
    region: plan.region,
    sandbox: plan.sandbox,
    resources: plan.resources.map((r) => ({
      urn: r.urn, type: r.type, name: r.name, parent: r.parent, protect: r.protect, dependencies: r.dependencies, settings: keySettings(r),
    })),
    criticalPath: plan.criticalPath,
    cost: plan.cost,
    violations: plan.violations,
    summary: summaryLine(plan),
  }, null, 2);
}

/** Writes `text` and exits once stdout has flushed (process.exit alone can cut a piped output). */
function finish(text: string, code: number): void {
  process.stdout.write(`${text}\n`, () => process.exit(code));
}

async function main(): Promise<void> {
  let args: PlanArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return process.exit(2);
  }
  // A resource the mock rejects fails inside the Pulumi runtime, outside any await of ours.
  process.on("unhandledRejection", (e) => {
    console.error(`plan ${args.stack}: the program failed under the mock engine:\n${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  });
  let plan: PlanResult;
  try {
    plan = await runPlan({ stack: args.stack, region: args.region, set: args.set });
  } catch (e) {
    console.error(`plan ${args.stack}: the program failed under the mock engine:\n${(e as Error).message}`);
    return process.exit(2);
  }
  finish(args.json ? renderJson(plan) : renderText(plan), plan.violations.length > 0 ? 1 : 0);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(2);
  });
}
