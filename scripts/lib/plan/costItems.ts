// The priced items of one resource from the price table (scripts/prices.json, see prices.ts): what
// each resource type AWS bills for costs a month, with the usage it assumes where AWS bills by use. A
// price the table does not have is an item of unknown price, never a guess.
import { DeploymentFigures, Figure, PRICES, PriceTable, RegionPrices } from "./prices";

/** What the estimate needs to know about a resource. */
export interface CostNode {
  urn: string;
  type: string;
  name: string;
  id?: string;
  inputs: Record<string, unknown>;
  /** What the provider returned (ARNs that other resources reference), when known. */
  outputs?: Record<string, unknown>;
}

/** One priced component of a resource; monthly undefined = unknown price. */
export interface CostItem {
  what: string;
  monthly?: number;
  note?: string;
  /** Keys (in the table's sources) of the figures this item was computed from. */
  sources?: string[];
}
/** What the estimate assumes where AWS bills by usage the program cannot know. */
export const ASSUMPTIONS = {
  /** Container log volume a small web app writes into its log group. */
  logGbPerMonth: 1,
  /** Alert e-mails a month (alarms and recoveries). */
  alertEmailsPerMonth: 100,
  /** Load balancer capacity units an idle-to-small site uses on average. */
  albLcu: 1,
  /** Data a NAT gateway processes (image pulls, outbound API calls). */
  natGbPerMonth: 10,
  /** ECR image storage kept after lifecycle pruning. */
  ecrGb: 1,
  /** Uploaded media a small site keeps in S3 (versions included). */
  mediaGb: 5,
};

/** Days per month the log retention math uses (365/12). */
const DAYS_PER_MONTH = 30.4;

/** Types that AWS does not charge for by themselves (or that are local to Pulumi). */
const FREE_TYPES = [
  /^pulumi:/,
  /^random:/,
  /^tls:/,
  /^command:/,
  /^docker:/,
  /^compose-on-ec2:/,
  /^aws:iam\//,
  /^aws:ec2\/securityGroup/,
  /^aws:vpc\/securityGroup(In|E)gressRule/,
  /^aws:ec2\/keyPair:/,
  /^aws:ec2\/eipAssociation:/,
  /^aws:rds\/(subnetGroup|parameterGroup):/,
  /^aws:elasticache\/subnetGroup:/,
  /^aws:ecr\/lifecyclePolicy:/,
  /^aws:secretsmanager\/secretVersion:/,
  /^aws:ec2\/(vpc|subnet|routeTable|routeTableAssociation|route|internetGateway):/,
  /^aws:ssm\/parameter:/,
  /^aws:sns\/topic:/,
  /^aws:ecs\/(cluster|taskDefinition):/,
  /^aws:lb\/(targetGroup|listener):/,
  /^aws:appautoscaling\//,
  /^aws:acm\//,
  /^aws:route53\/record:/,
  /^aws:s3\/bucket(PublicAccessBlock|OwnershipControls|ServerSideEncryptionConfiguration|Versioning|Policy):/,
];

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
export const round2 = (x: number): number => Math.round(x * 100) / 100;

/** An item whose monthly price is `quantity × figure` for every figure, unknown when one is missing. */
function item(what: string, parts: [Figure | undefined, number][], note?: string): CostItem {
  const known = parts.every(([f]) => f !== undefined);
  return {
    what,
    monthly: known ? parts.reduce((sum, [f, q]) => sum + f!.usd * q, 0) : undefined,
    ...(note ? { note } : {}),
    ...(known ? { sources: [...new Set(parts.map(([f]) => f!.source))] } : {}),
  };
}

const deployment = (d: DeploymentFigures | undefined, multiAz: boolean): Figure
  | undefined => (multiAz ? d?.multiAz : d?.singleAz);

function ec2Items(node: CostNode, all: CostNode[], p: RegionPrices | undefined, hours: number): CostItem[] {
  const type = str(node.inputs.instanceType) ?? "?";
  const items = [item(`${type} on-demand`, [[p?.ec2Hourly?.[type], hours]])];
  const root = (node.inputs.rootBlockDevice ?? {}) as Record<string, unknown>;
  const gb = num(root.volumeSize);
  const volumeType = str(root.volumeType) ?? "gp3";
  items.push(gb === undefined
    ? { what: "root volume (size from the AMI)", note: "size not set: unknown price" }
    : item(`root volume ${gb} GB ${volumeType}`, [[volumeType === "gp3" ? p?.ebsGp3GbMonth : undefined, gb]]));
  // A public IPv4 address costs the same whether auto-assigned or elastic; an associated EIP
  // replaces the auto-assigned one, and the EIP is priced on its own line.
  const hasEip = all.some((r) =>
    r.type.startsWith("aws:ec2/eip") && node.id !== undefined
    && (r.inputs.instance === node.id || r.inputs.instanceId === node.id)
  );
  if (node.inputs.associatePublicIpAddress === true && !hasEip) {
    items.push(item("public IPv4 address", [[p?.publicIpv4Hourly, hours]]));
  }
  return items;
}

function rdsItems(node: CostNode, p: RegionPrices | undefined, hours: number): CostItem[] {
  const engine = str(node.inputs.engine) ?? "?";
  const cls = str(node.inputs.instanceClass) ?? "?";
  const multiAz = node.inputs.multiAz === true;
  const gb = num(node.inputs.allocatedStorage) ?? 0;
  const storageType = str(node.inputs.storageType) ?? "gp2";
  const items = [
    item(`${cls} ${engine} ${multiAz ? "Multi-AZ" : "Single-AZ"}`, [[deployment(p?.rdsHourly?.[engine]?.[cls], multiAz),
      hours]]),
    item(`storage ${gb} GB ${storageType}${multiAz ? " (Multi-AZ)" : ""}`, [[
      deployment(p?.rdsStorageGbMonth?.[storageType], multiAz),
      gb,
    ]]),
  ];
  const retention = num(node.inputs.backupRetentionPeriod) ?? 0;
  if (retention > 0) {
    const beyond = p?.rdsBackupGbMonth ? `$${p.rdsBackupGbMonth.usd}/GB-month` : "an unknown price";
    items.push({ what: `automated backups (${retention} d)`, monthly: 0,
      note: `free up to the provisioned storage; beyond that ${beyond}` });
  }
  const max = num(node.inputs.maxAllocatedStorage);
  if (max !== undefined) {
    items.push({ what: `storage autoscaling up to ${max} GB`, monthly: 0, note: "billed only when it grows" });
  }
  return items;
}

/**
 * A metric alarm: standard resolution (period ≥ 60 s) or high resolution. An alarm on a custom
 * namespace watches a metric the stack publishes itself: that metric and one PutMetricData call per
 * alarm period are charged too.
 */
function alarmItems(node: CostNode, p: RegionPrices | undefined, hours: number): CostItem[] {
  const cw = p?.cloudwatch;
  const period = num(node.inputs.period) ?? 60;
  const items = [period < 60
    ? item("high-resolution alarm", [[cw?.alarmHighResolutionMonth, 1]])
    : item("standard-resolution alarm", [[cw?.alarmStandardMonth, 1]])];
  const namespace = str(node.inputs.namespace);
  if (namespace !== undefined && !namespace.startsWith("AWS/")) {
    const puts = Math.round((hours * 3600) / period);
    items.push(
      item(`custom metric ${str(node.inputs.metricName) ?? "?"} and ${puts} PutMetricData calls`, [[
        cw?.customMetricMonth,
        1,
      ], [cw?.apiRequestsPer1000, puts / 1000]]),
    );
  }
  return items;
}

/** Ingestion at the assumed volume, and storage at the retention's steady state (uncompressed: an upper bound). */
function logGroupItems(node: CostNode, p: RegionPrices | undefined): CostItem[] {
  const gb = ASSUMPTIONS.logGbPerMonth;
  const days = num(node.inputs.retentionInDays);
  const storedGb = days !== undefined && days > 0 ? gb * (days / DAYS_PER_MONTH) : undefined;
  return [
    item(`log ingestion, assumed ${gb} GB/month`, [[p?.cloudwatch?.logsIngestionGb, gb]],
      "assumption: depends on the app's log volume"),
    storedGb === undefined
      ? { what: "log storage, never expiring", note: "grows without bound: unknown price" }
      : item(`log storage, ${days} d retention (≤ ${round2(storedGb)} GB)`, [[p?.cloudwatch?.logsStorageGbMonth,
        storedGb]]),
  ];
}

/** The task definition a service runs: referenced by ARN (the provider's id is the family). */
function taskDefinitionOf(node: CostNode, all: CostNode[]): CostNode | undefined {
  const ref = str(node.inputs.taskDefinition);
  return all.find((r) =>
    r.type === "aws:ecs/taskDefinition:TaskDefinition" && ref !== undefined
    && (r.outputs?.arn === ref || r.id === ref || r.inputs.family === ref)
  );
}

/** The most tasks an autoscaling target lets the service run, when one targets it. */
function maxTasksOf(node: CostNode, all: CostNode[]): number | undefined {
  const name = str(node.outputs?.name);
  const target = all.find((r) =>
    r.type === "aws:appautoscaling/target:Target" && name !== undefined
    && String(r.inputs.resourceId ?? "").endsWith(`/${name}`)
  );
  return num(target?.inputs.maxCapacity);
}

/** A Fargate service: its task definition's vCPU and memory per running task, and each task's public IPv4 address. */
function fargateItems(node: CostNode, all: CostNode[], p: RegionPrices | undefined, hours: number): CostItem[] {
  const task = taskDefinitionOf(node, all);
  const tasks = num(node.inputs.desiredCount) ?? 1;
  const vcpu = Number(task?.inputs.cpu) / 1024;
  const gb = Number(task?.inputs.memory) / 1024;
  if (!task || !(vcpu > 0) || !(gb > 0)) {
    return [{ what: `Fargate tasks x${tasks}`, note: "task definition size not known: unknown price" }];
  }
  const platform = (task.inputs.runtimePlatform ?? {}) as Record<string, unknown>;
  const arch = platform.cpuArchitecture === "ARM64" ? "arm" : "x86";
  const f = p?.fargate?.[arch];
  const max = maxTasksOf(node, all);
  const perTask = f?.vcpuHour && f?.gbHour ? (f.vcpuHour.usd * vcpu + f.gbHour.usd * gb) * hours : undefined;
  const note = max !== undefined && max > tasks && perTask !== undefined
    ? `autoscaling may run up to ${max} tasks: up to $${(perTask * max).toFixed(2)}`
    : undefined;
  const items = [
    item(`Fargate ${arch} ${tasks} task(s) x ${vcpu} vCPU / ${gb} GB`, [[f?.vcpuHour, vcpu * tasks * hours], [f?.gbHour,
      gb * tasks * hours]], note),
  ];
  const network = (node.inputs.networkConfiguration ?? {}) as Record<string, unknown>;
  if (network.assignPublicIp === true) {
    items.push(item(`public IPv4 address per task x${tasks}`, [[p?.publicIpv4Hourly, tasks * hours]]));
  }
  return items;
}

/** An internet-facing ALB: its hours, the assumed LCUs and one public IPv4 address per subnet (AZ). */
function albItems(node: CostNode, p: RegionPrices | undefined, hours: number): CostItem[] {
  if ((str(node.inputs.loadBalancerType) ?? "application") !== "application") {
    return [{ what: `${String(node.inputs.loadBalancerType)} load balancer`,
      note: "not in the price table: unknown price" }];
  }
  const items = [
    item(`application load balancer, assumed ${ASSUMPTIONS.albLcu} LCU`, [[p?.alb?.hour, hours], [p?.alb?.lcuHour,
      ASSUMPTIONS.albLcu * hours]], "assumption: LCUs depend on traffic"),
  ];
  const subnets = Array.isArray(node.inputs.subnets) ? node.inputs.subnets.length : 0;
  if (node.inputs.internal !== true && subnets > 0) {
    items.push(item(`public IPv4 addresses, one per AZ x${subnets}`, [[p?.publicIpv4Hourly, subnets * hours]]));
  }
  return items;
}

/**
 * An ElastiCache replication group: each node (primary and replicas) billed per node-hour at its
 * engine's rate. Backup storage up to the group's size is free, and prod keeps a week of snapshots of
 * a cache far smaller than that: not priced.
 */
function cacheItems(node: CostNode, p: RegionPrices | undefined, hours: number): CostItem[] {
  const engine = str(node.inputs.engine) ?? "redis";
  const type = str(node.inputs.nodeType) ?? "?";
  const nodes = num(node.inputs.numCacheClusters) ?? 1;
  return [
    item(`${type} ${engine} x${nodes} node${nodes === 1 ? "" : "s"}`, [[p?.elasticacheHourly?.[engine]?.[type],
      nodes * hours]]),
  ];
}

/** Priced items of one resource, or [] when AWS does not charge for it. */
export function costItems(node: CostNode, all: CostNode[], region: string, table: PriceTable = PRICES): CostItem[] {
  const p = table.regions[region];
  const hours = table.hoursPerMonth;
  switch (node.type) {
    case "aws:ec2/instance:Instance":
      return ec2Items(node, all, p, hours);
    case "aws:ec2/eip:Eip":
      return [item("elastic IPv4 address", [[p?.publicIpv4Hourly, hours]])];
    case "aws:rds/instance:Instance":
      return rdsItems(node, p, hours);
    case "aws:ebs/volume:Volume": {
      const gb = num(node.inputs.size) ?? 0;
      const type = str(node.inputs.type) ?? "gp3";
      return [item(`EBS ${gb} GB ${type}`, [[type === "gp3" ? p?.ebsGp3GbMonth : undefined, gb]])];
    }
    case "aws:ecr/repository:Repository":
      return [
        item(`image storage (assumed ${ASSUMPTIONS.ecrGb} GB)`, [[p?.ecrGbMonth, ASSUMPTIONS.ecrGb]],
          `assumption: ~${ASSUMPTIONS.ecrGb} GB of images kept`),
      ];
    case "aws:secretsmanager/secret:Secret":
      return [item("secret", [[p?.secretMonth, 1]])];
    case "aws:kms/key:Key":
      return [
        item("customer-managed key", [[p?.kmsKeyMonth, 1]],
          "each yearly rotation adds $1/month; requests beyond the free 20,000 a month not included"),
      ];
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return alarmItems(node, p, hours);
    case "aws:cloudwatch/logGroup:LogGroup":
      return logGroupItems(node, p);
    case "aws:sns/topicSubscription:TopicSubscription":
      return String(node.inputs.protocol).startsWith("email")
        ? [
          item(`alert e-mails (assumed ${ASSUMPTIONS.alertEmailsPerMonth}/month)`, [[p?.sns?.emailPer100k,
            ASSUMPTIONS.alertEmailsPerMonth / 100000]], "list price, before the monthly free e-mails"),
        ]
        : [{ what: `${String(node.inputs.protocol)} notifications`, note: "not in the price table: unknown price" }];
    case "aws:ecs/service:Service":
      return fargateItems(node, all, p, hours);
    case "aws:lb/loadBalancer:LoadBalancer":
      return albItems(node, p, hours);
    case "aws:s3/bucket:Bucket":
      return [
        item(`S3 Standard storage, assumed ${ASSUMPTIONS.mediaGb} GB of media`, [[p?.s3StandardGbMonth,
          ASSUMPTIONS.mediaGb]], "assumption: depends on uploads; requests and transfer out not included"),
      ];
    case "aws:elasticache/replicationGroup:ReplicationGroup":
      return cacheItems(node, p, hours);
    case "aws:ec2/natGateway:NatGateway":
      return [
        item(`NAT gateway, assumed ${ASSUMPTIONS.natGbPerMonth} GB processed`, [[p?.natGateway?.hour, hours], [
          p?.natGateway?.gbProcessed,
          ASSUMPTIONS.natGbPerMonth,
        ]], "assumption: data processed depends on traffic"),
      ];
    default:
      if (FREE_TYPES.some((re) => re.test(node.type))) return [];
      return [{ what: node.type, note: "not in the price table: unknown price" }];
  }
}
