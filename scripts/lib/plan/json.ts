// The shape of `npm run plan -- --json`: the one machine-readable output of the plan, for tools (CI,
// dashboards, the cost delta of a pull request). Documented in docs/reference/plan.md. Values the
// offline plan cannot know (addresses, ids, AMIs) appear as `<what, known after up>` markers, as in
// the text output.
import type { ServiceFate } from "../../../components/compose/serviceFates";
import type { Violation } from "../../../policy/rules";
import type { CostEstimate } from "./cost";
import type { CriticalPath } from "./criticalPath";
import type { Warning } from "./warnings";

/** Bumped when a field changes meaning or goes away (adding a field does not bump it). */
export const PLAN_JSON_VERSION = 1;

export interface PlanJsonResource {
  urn: string;
  /** Pulumi type token, e.g. `aws:ec2/instance:Instance`. */
  type: string;
  name: string;
  parent?: string;
  protect: boolean;
  /** URNs this resource waits for. */
  dependencies: string[];
  /** The settings the tree shows, as `key=value` strings. */
  settings: string[];
}

export interface PlanJsonRule {
  rule: string;
  /** `n/a`: the stack has nothing this rule judges. */
  status: "pass" | "fail" | "n/a";
  violations: Violation[];
}

export interface PlanJson {
  version: typeof PLAN_JSON_VERSION;
  stack: string;
  region: string;
  /** True when the stack has no Pulumi.<stack>.yaml: dev settings + sandbox overrides. */
  sandbox: boolean;
  /** The stack's `url` output (with a marker where the address is known only after `up`). */
  url?: string;
  /** DNS records the stack does not create: create them by hand (markers where the value is unknown). */
  dnsRecordsToCreate: string[];
  resources: PlanJsonResource[];
  /** Every service of the compose file, in file order, with what each hosting does with it. */
  services: ServiceFate[];
  criticalPath: CriticalPath;
  /** Monthly cost: `cost.totalMonthly` is the whole bill only when `cost.complete`. */
  cost: CostEstimate;
  /** Choices that cost or hurt; never a reason to fail. */
  warnings: Warning[];
  /** Every rule of policy/rules.ts with its verdict. */
  policy: PlanJsonRule[];
  /** The failed rules' violations (also in `policy`); non-empty exactly when the plan exits 1. */
  violations: Violation[];
  /** The text plan's last line. */
  summary: string;
}

/** Parses `npm run plan -- --json` output, checking the version; throws on anything else. */
export function parsePlanJson(text: string): PlanJson {
  const doc = JSON.parse(text) as Partial<PlanJson>;
  if (doc.version !== PLAN_JSON_VERSION) {
    throw new Error(`not a plan of version ${PLAN_JSON_VERSION} (got ${String(doc.version)})`);
  }
  return doc as PlanJson;
}
