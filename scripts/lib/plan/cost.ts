// Monthly cost estimate per resource from the price table in scripts/prices.json (with its
// sources and date). A price the table does not have is reported as unknown, never guessed.
import priceTable from "../../prices.json";

/** Prices of one region; every map may miss entries (→ unknown price). */
export interface RegionPrices {
  ec2Hourly: Record<string, number>;
  ebsGp3GbMonth?: number;
  rdsHourly: Record<string, Record<string, number>>;
  rdsStorageGbMonth: Record<string, number>;
  rdsBackupGbMonth?: number;
  publicIpv4Hourly?: number;
  ecrGbMonth?: number;
  secretMonth?: number;
}

export interface PriceTable {
  retrieved: string;
  hoursPerMonth: number;
  sources: string[];
  regions: Record<string, RegionPrices>;
}

export const PRICES: PriceTable = priceTable as PriceTable;

/** What the estimate needs to know about a resource. */
export interface CostNode {
  urn: string;
  type: string;
  name: string;
  id?: string;
  inputs: Record<string, unknown>;
}

/** One priced component of a resource; monthly undefined = unknown price. */
export interface CostItem {
  what: string;
  monthly?: number;
  note?: string;
}

export interface CostLine {
  urn: string;
  type: string;
  name: string;
  items: CostItem[];
  /** Sum of the known items. */
  monthly: number;
  /** True when at least one item has no price. */
  hasUnknown: boolean;
}

export interface CostEstimate {
  region: string;
  lines: CostLine[];
  /** Sum of all known prices. */
  totalMonthly: number;
  /** Items without a price (the total leaves them out). */
  unknownItems: number;
  retrieved: string;
}

/** Types that AWS does not charge for by themselves (or that are local to Pulumi). */
const FREE_TYPES = [
  /^pulumi:/, /^random:/, /^tls:/, /^command:/, /^compose-on-ec2:/,
  /^aws:iam\//, /^aws:ec2\/securityGroup/, /^aws:vpc\/securityGroup(In|E)gressRule/, /^aws:ec2\/keyPair:/,
  /^aws:ec2\/eipAssociation:/, /^aws:rds\/(subnetGroup|parameterGroup):/, /^aws:ecr\/lifecyclePolicy:/,
  /^aws:secretsmanager\/secretVersion:/, /^aws:ec2\/(vpc|subnet|routeTable|routeTableAssociation|route|internetGateway):/,
  /^aws:ssm\/parameter:/,
];

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const round2 = (x: number): number => Math.round(x * 100) / 100;

function monthlyFromHourly(hourly: number | undefined, hours: number, count = 1): number | undefined {
  return hourly === undefined ? undefined : hourly * hours * count;
}

function ec2Items(node: CostNode, all: CostNode[], p: RegionPrices | undefined, hours: number): CostItem[] {
  const type = str(node.inputs.instanceType) ?? "?";
  const items: CostItem[] = [{ what: `${type} on-demand`, monthly: monthlyFromHourly(p?.ec2Hourly[type], hours) }];
  const root = (node.inputs.rootBlockDevice ?? {}) as Record<string, unknown>;
  const gb = num(root.volumeSize);
  const volumeType = str(root.volumeType) ?? "gp3";
  const perGb = volumeType === "gp3" ? p?.ebsGp3GbMonth : undefined;
  items.push(gb === undefined
    ? { what: "root volume (size from the AMI)", note: "size not set: unknown price" }
    : { what: `root volume ${gb} GB ${volumeType}`, monthly: perGb === undefined ? undefined : gb * perGb });
  // A public IPv4 address costs the same whether auto-assigned or elastic; an associated EIP
  // replaces the auto-assigned one, and the EIP is priced on its own line.
  const hasEip = all.some((r) => r.type.startsWith("aws:ec2/eip") && node.id !== undefined &&
    (r.inputs.instance === node.id || r.inputs.instanceId === node.id));
  if (node.inputs.associatePublicIpAddress === true && !hasEip) {
    items.push({ what: "public IPv4 address", monthly: monthlyFromHourly(p?.publicIpv4Hourly, hours) });
  }
  return items;
}

function rdsItems(node: CostNode, p: RegionPrices | undefined, hours: number, retrieved: string): CostItem[] {
  const engine = str(node.inputs.engine) ?? "?";
  const cls = str(node.inputs.instanceClass) ?? "?";
  const multiAz = node.inputs.multiAz === true;
  const copies = multiAz ? 2 : 1; // Multi-AZ: a standby instance and its storage are billed too
  const gb = num(node.inputs.allocatedStorage) ?? 0;
  const storageType = str(node.inputs.storageType) ?? "gp2";
  const perGb = p?.rdsStorageGbMonth[storageType];
  const items: CostItem[] = [
    { what: `${cls} ${engine} ${multiAz ? "Multi-AZ" : "Single-AZ"}`, monthly: monthlyFromHourly(p?.rdsHourly[engine]?.[cls], hours, copies) },
    { what: `storage ${gb} GB ${storageType}${multiAz ? " x2 (Multi-AZ)" : ""}`, monthly: perGb === undefined ? undefined : gb * perGb * copies },
  ];
  const retention = num(node.inputs.backupRetentionPeriod) ?? 0;
  if (retention > 0) {
    items.push({
      what: `automated backups (${retention} d)`,
      monthly: 0,
      note: `free up to the provisioned storage; beyond that $${p?.rdsBackupGbMonth ?? "?"}/GB-month (prices ${retrieved})`,
    });
  }
  const max = num(node.inputs.maxAllocatedStorage);
  if (max !== undefined) items.push({ what: `storage autoscaling up to ${max} GB`, monthly: 0, note: "billed only when it grows" });
  return items;
}

/** Priced items of one resource, or [] when AWS does not charge for it. */
export function costItems(node: CostNode, all: CostNode[], region: string, table: PriceTable = PRICES): CostItem[] {
  const p = table.regions[region];
  const hours = table.hoursPerMonth;
  switch (node.type) {
    case "aws:ec2/instance:Instance":
      return ec2Items(node, all, p, hours);
    case "aws:ec2/eip:Eip":
      return [{ what: "elastic IPv4 address", monthly: monthlyFromHourly(p?.publicIpv4Hourly, hours) }];
    case "aws:rds/instance:Instance":
      return rdsItems(node, p, hours, table.retrieved);
    case "aws:ebs/volume:Volume": {
      const gb = num(node.inputs.size) ?? 0;
      const type = str(node.inputs.type) ?? "gp3";
      return [{ what: `EBS ${gb} GB ${type}`, monthly: type === "gp3" && p?.ebsGp3GbMonth !== undefined ? gb * p.ebsGp3GbMonth : undefined }];
    }
    case "aws:ecr/repository:Repository":
      return [{ what: "image storage (assumed 1 GB)", monthly: p?.ecrGbMonth, note: "assumption: ~1 GB of images kept" }];
    case "aws:secretsmanager/secret:Secret":
      return [{ what: "secret", monthly: p?.secretMonth }];
    default:
      if (FREE_TYPES.some((re) => re.test(node.type))) return [];
      return [{ what: node.type, note: "not in the price table: unknown price" }];
  }
}

/** Monthly cost per resource and in total for a region. */
export function estimateCost(nodes: CostNode[], region: string, table: PriceTable = PRICES): CostEstimate {
  const lines: CostLine[] = [];
  for (const node of nodes) {
    const items = costItems(node, nodes, region, table);
    if (items.length === 0) continue;
    const known = items.filter((i) => i.monthly !== undefined);
    lines.push({
      urn: node.urn, type: node.type, name: node.name, items,
      monthly: round2(known.reduce((sum, i) => sum + (i.monthly ?? 0), 0)),
      hasUnknown: known.length < items.length,
    });
  }
  return {
    region,
    lines,
    totalMonthly: round2(lines.reduce((sum, l) => sum + l.monthly, 0)),
    unknownItems: lines.reduce((n, l) => n + l.items.filter((i) => i.monthly === undefined).length, 0),
    retrieved: table.retrieved,
  };
}
