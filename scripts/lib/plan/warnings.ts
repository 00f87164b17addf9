// Choices the plan warns about, with what they cost a month: legal settings that are outsized for
// their stage or quietly useless. Warnings, not refusals: the plan still passes; a reviewer decides.
import type { StackConfig } from "../../../components/config";
import type { CostEstimate } from "./cost";
import type { CostItem } from "./costItems";

export interface Warning {
  /** The setting the warning is about (without the project namespace). */
  setting: string;
  message: string;
  /** The monthly cost of the choice, when the price table has it. */
  monthly?: number;
}

/** Where "outsized" starts, per stage: a choice above these gets a warning (limits are AWS's, not ours). */
export const OUTSIZED = {
  /** Storage (host root volume, database) in GB. */
  storageGb: { dev: 100, sandbox: 100, prod: 2000 },
  /** Largest instance size (host and database) that is not worth a word: see sizeRank. */
  largestSize: { dev: "xlarge", sandbox: "xlarge", prod: "8xlarge" },
} as const;

/** nano < micro < small < medium < large < xlarge < 2xlarge < … < metal. */
export function sizeRank(size: string): number {
  const named = ["nano", "micro", "small", "medium", "large"].indexOf(size);
  if (named >= 0) return named;
  const m = /^(\d*)xlarge$/.exec(size);
  if (m) return 4 + (m[1] === "" ? 1 : Number(m[1]));
  return 1000; // metal, metal-24xl, …: the whole machine
}

const money = (x: number): string => `$${x.toFixed(2)}`;

/** The figure of the first cost item whose description starts with `prefix`, in lines of `type`. */
function figure(cost: CostEstimate, type: string, prefix: string): CostItem | undefined {
  return cost.lines.filter((l) => l.type === type).flatMap((l) => l.items).find((i) => i.what.startsWith(prefix));
}

const costs = (item: CostItem | undefined, region: string): { text: string; monthly?: number } =>
  item?.monthly === undefined
    ? { text: `price not in the table for ${region}` }
    : { text: `~${money(item.monthly)}/month`, monthly: item.monthly };

/** The warnings for a stack's settings and its cost estimate. */
export function planWarnings(config: Pick<StackConfig, "stage" | "host" | "database" | "monitoring" | "hosting">,
  cost: CostEstimate): Warning[] {
  const stage = config.stage;
  const out: Warning[] = [];
  const add = (setting: string, what: string, item: CostItem | undefined, advice: string): void => {
    const c = costs(item, cost.region);
    out.push({ setting, message: `${what} (${c.text}) ${advice}`,
      ...(c.monthly === undefined ? {} : { monthly: c.monthly }) });
  };
  const maxGb = OUTSIZED.storageGb[stage];
  const maxSize = OUTSIZED.largestSize[stage];
  const ec2 = config.hosting.kind === "ec2";
  const db = config.database;

  if (db.allocatedStorageGb > maxGb) {
    add("dbAllocatedStorageGb", `${db.allocatedStorageGb} GB of database storage in ${stage}`,
      figure(cost, "aws:rds/instance:Instance", "storage "),
      `is more than ${maxGb} GB; storage can grow later (dbMaxAllocatedStorageGb) but never shrink`);
  }
  if (ec2 && config.host.rootVolumeGb > maxGb) {
    add("rootVolumeGb", `a ${config.host.rootVolumeGb} GB root volume in ${stage}`,
      figure(cost, "aws:ec2/instance:Instance", "root volume"), `is more than ${maxGb} GB`);
  }
  const hostSize = config.host.instanceType.split(".")[1] ?? "";
  if (ec2 && sizeRank(hostSize) > sizeRank(maxSize)) {
    add("instanceType", `host ${config.host.instanceType} in ${stage}`,
      figure(cost, "aws:ec2/instance:Instance", `${config.host.instanceType} `), `is larger than ${maxSize}`);
  }
  const dbSize = db.instanceClass.split(".")[2] ?? "";
  if (sizeRank(dbSize) > sizeRank(maxSize)) {
    add("dbInstanceClass", `database ${db.instanceClass} in ${stage}`,
      figure(cost, "aws:rds/instance:Instance", `${db.instanceClass} `), `is larger than ${maxSize}`);
  }
  if (db.multiAz && stage !== "prod") {
    add("dbMultiAz", `Multi-AZ database in ${stage}`, figure(cost, "aws:rds/instance:Instance", `${db.instanceClass} `),
      "pays for a standby that only prod needs (about twice the Single-AZ price)");
  }
  if (stage === "prod" && config.monitoring.alertEmail === undefined) {
    out.push({ setting: "alertEmail",
      message:
        "prod has no alertEmail: its alarms publish to an SNS topic nobody subscribes to, so they notify nobody. Set alertEmail (`pulumi config set alertEmail ops@example.com`)" });
  }
  return out;
}
