// The plan's monthly cost: the price table (every figure sourced and dated) and the estimate over
// hand-made resources, including the monitoring and ECS resources the program does not create yet.
import * as assert from "assert";
import { PriceTable, costSummary, estimateCost } from "../../scripts/lib/plan/cost";
import { ASSUMPTIONS, CostNode, costItems } from "../../scripts/lib/plan/costItems";
import { PRICES, figuresOf } from "../../scripts/lib/plan/prices";
import { USER_REGIONS } from "../support/fixtures";
import { alarmSpecs } from "../../components/alarms";
import { DISK_METRIC, HOST_METRICS_NAMESPACE } from "../../components/hostMonitoring";
import { monitoringDefaults } from "../../components/config";

const fig = (usd: number) => ({ usd, source: "s1" });
const near = (a: number | undefined, b: number) => assert.ok(a !== undefined && Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);

/** A small table with one region, so expected sums follow from the figures written here. */
const table: PriceTable = {
  currency: "USD",
  hoursPerMonth: 730,
  notes: [],
  sources: { s1: { what: "test figures", url: "https://example.com/prices", date: "2026-01-01" } },
  regions: {
    "r-1": {
      ec2Hourly: { "t3.small": fig(0.02) },
      ebsGp3GbMonth: fig(0.08),
      publicIpv4Hourly: fig(0.005),
      rdsHourly: {
        postgres: { "db.t4g.micro": { singleAz: fig(0.016), multiAz: fig(0.033) },
          "db.t4g.small": { singleAz: fig(0.032) } },
      },
      rdsStorageGbMonth: { gp3: { singleAz: fig(0.115), multiAz: fig(0.23) } },
      secretMonth: fig(0.4),
      cloudwatch: { alarmStandardMonth: fig(0.1), customMetricMonth: fig(0.3), apiRequestsPer1000: fig(0.01),
        logsIngestionGb: fig(0.5), logsStorageGbMonth: fig(0.03) },
      sns: { emailPer100k: fig(2) },
      fargate: { x86: { vcpuHour: fig(0.04), gbHour: fig(0.004) }, arm: { vcpuHour: fig(0.032), gbHour: fig(0.0035) } },
      alb: { hour: fig(0.0225), lcuHour: fig(0.008) },
      natGateway: { hour: fig(0.045), gbProcessed: fig(0.045) },
    },
  },
};
const node = (type: string, inputs: Record<string, unknown>, name = type.split(":").pop()!): CostNode => ({
  urn: `urn:${name}`,
  type,
  name,
  inputs,
});
const host: CostNode = { urn: "h", type: "aws:ec2/instance:Instance", name: "host", id: "i-1",
  inputs: { instanceType: "t3.small", rootBlockDevice: { volumeSize: 20, volumeType: "gp3" },
    associatePublicIpAddress: true } };
const db = (cls: string, multiAz: boolean): CostNode =>
  node("aws:rds/instance:Instance", { engine: "postgres", instanceClass: cls, allocatedStorage: 20, storageType: "gp3",
    multiAz }, "db");

describe("cost: the price table", () => {
  it("gives every figure a source with a URL or document and a date", () => {
    for (const [region, prices] of Object.entries(PRICES.regions)) {
      for (const { path, figure } of figuresOf(prices)) {
        const source = PRICES.sources[figure.source];
        assert.ok(source, `${region} ${path}: source "${figure.source}" is not in sources`);
        assert.ok(figure.usd >= 0 && Number.isFinite(figure.usd), `${region} ${path}: ${figure.usd}`);
      }
    }
    for (const [key, s] of Object.entries(PRICES.sources)) {
      assert.match(s.date, /^\d{4}-\d{2}-\d{2}$/, key);
      assert.ok(s.what.length > 0 && s.url.length > 0, key);
    }
    assert.strictEqual(PRICES.hoursPerMonth, 730);
  });

  it("lists every region where our users deploy, and uses every source it lists", () => {
    for (const r of USER_REGIONS) assert.ok(PRICES.regions[r], r);
    const used = new Set(Object.values(PRICES.regions).flatMap((p) => figuresOf(p).map((f) => f.figure.source)));
    assert.deepStrictEqual(Object.keys(PRICES.sources).filter((k) => !used.has(k)), []);
  });

  it("has, in each region where our users deploy, a figure for every dimension it prices in any region", () => {
    const paths = (region: string) => new Set(figuresOf(PRICES.regions[region]).map((f) => f.path));
    const everywhere = new Set(Object.keys(PRICES.regions).flatMap((r) => [...paths(r)]));
    for (const r of USER_REGIONS) assert.deepStrictEqual([...everywhere].filter((p) => !paths(r).has(p)), [], r);
    assert.ok(
      everywhere.has("rdsHourly.mysql.db.t4g.small.multiAz") && everywhere.has("alb.lcuHour")
        && everywhere.has("cloudwatch.apiRequestsPer1000"),
    );
  });

  it("prices the stack's default sizes in us-east-1 and ap-northeast-2", () => {
    for (const region of ["us-east-1", "ap-northeast-2"]) {
      const p = PRICES.regions[region];
      for (const t of ["t3.small", "t3.medium"]) assert.ok(p.ec2Hourly?.[t], `${region} ${t}`);
      assert.ok(p.rdsHourly?.postgres?.["db.t4g.micro"]?.singleAz, `${region} db.t4g.micro`);
      assert.ok(p.rdsStorageGbMonth?.gp3?.singleAz && p.ebsGp3GbMonth && p.publicIpv4Hourly, region);
    }
  });

  it("prices the ecs hosting's x86 tasks, the media bucket and the database's default class in every listed region from that region's own figures", () => {
    for (const region of USER_REGIONS) {
      const p = PRICES.regions[region];
      const figures = [p.fargate?.x86?.vcpuHour, p.fargate?.x86?.gbHour, p.s3StandardGbMonth,
        p.rdsHourly?.postgres?.["db.t4g.micro"]?.singleAz];
      figures.forEach((f, i) => assert.ok(f, `${region}: figure ${i}`));
      for (const f of figures) {
        assert.ok(!/us-east-1/.test(f!.source) || region === "us-east-1", `${region}: ${f!.source}`);
      }
    }
  });
});

describe("cost: estimate over resources", () => {
  it("prices an instance: hours x rate, root volume GB x gp3, and its public IPv4", () => {
    const items = costItems(host, [host], "r-1", table);
    assert.deepStrictEqual(
      items.map((i) => [i.what, i.monthly === undefined ? undefined : Math.round(i.monthly * 100) / 100]),
      [
        ["t3.small on-demand", 14.6],
        ["root volume 20 GB gp3", 1.6],
        ["public IPv4 address", 3.65],
      ],
    );
    assert.deepStrictEqual(items[0].sources, ["s1"]);
  });

  it("does not charge the auto-assigned IPv4 twice when an EIP is attached", () => {
    const eip = node("aws:ec2/eip:Eip", { instance: "i-1", domain: "vpc" });
    assert.strictEqual(estimateCost([host, eip], "r-1", table).totalMonthly, 19.85); // 14.60 + 1.60 + 3.65
  });

  it("prices RDS with AWS's own Multi-AZ rates for the instance and its storage", () => {
    assert.strictEqual(estimateCost([db("db.t4g.micro", false)], "r-1", table).totalMonthly, 13.98); // 0.016 x 730 + 20 x 0.115
    assert.strictEqual(estimateCost([db("db.t4g.micro", true)], "r-1", table).totalMonthly, 28.69); // 0.033 x 730 + 20 x 0.23
  });

  it("leaves a Multi-AZ rate the table lacks unknown instead of doubling the Single-AZ one", () => {
    const est = estimateCost([db("db.t4g.small", true)], "r-1", table);
    assert.strictEqual(est.lines[0].items[0].monthly, undefined);
    assert.strictEqual(est.complete, false);
  });

  it("says which resources it could not price, and never calls the known part a total", () => {
    const big = { ...host, name: "big", inputs: { ...host.inputs, instanceType: "x9.huge" } };
    const est = estimateCost([host, big, db("db.t4g.micro", false)], "r-1", table);
    assert.deepStrictEqual(est.unknownResources, ["aws:ec2/instance:Instance big"]);
    assert.deepStrictEqual(est.unknownList, ["aws:ec2/instance:Instance big: x9.huge on-demand"]);
    assert.strictEqual(costSummary(est),
      `partial ~$${est.totalMonthly.toFixed(2)}/month (1 item of unknown price left out)`);
    const nowhere = estimateCost([host, db("db.t4g.micro", false)], "nowhere-1", table);
    assert.strictEqual(nowhere.totalMonthly, 0);
    assert.ok(nowhere.unknownList.includes("aws:rds/instance:Instance db: db.t4g.micro postgres Single-AZ"),
      nowhere.unknownList.join("\n"));
    assert.strictEqual(costSummary(nowhere),
      `partial ~$0.00/month (${nowhere.unknownList.length} items of unknown price left out)`);
    assert.strictEqual(costSummary(estimateCost([host], "r-1", table)), "~$19.85/month");
  });

  it("charges nothing for security groups, IAM, commands, random passwords and SNS topics", () => {
    const free = ["aws:ec2/securityGroup:SecurityGroup", "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy",
      "command:remote:Command", "random:index/randomPassword:RandomPassword", "aws:sns/topic:Topic"].map((type) =>
        node(type, {})
      );
    assert.deepStrictEqual(estimateCost(free, "r-1", table).lines, []);
  });
});

describe("cost: monitoring resources", () => {
  /** The monitoring resources as the Monitoring component registers them for a stage. */
  const monitoringNodes = (stage: "dev" | "prod", email?: string): CostNode[] => {
    const settings = monitoringDefaults(stage);
    return [
      node("aws:cloudwatch/logGroup:LogGroup", { retentionInDays: settings.logRetentionDays }, "logs"),
      node("aws:sns/topic:Topic", {}, "alerts"),
      ...(email
        ? [node("aws:sns/topicSubscription:TopicSubscription", { protocol: "email", endpoint: email }, "alert-email")]
        : []),
      ...alarmSpecs(settings).map((a) =>
        node("aws:cloudwatch/metricAlarm:MetricAlarm", { namespace: a.namespace, metricName: a.metricName,
          period: a.periodSeconds }, a.role)
      ),
    ];
  };

  it("prices every alarm per alarm-month, the log group's ingestion and its retained storage", () => {
    const est = estimateCost(monitoringNodes("prod"), "r-1", table);
    const items = est.lines.flatMap((l) => l.items);
    const sum = (re: RegExp) => items.filter((i) => re.test(i.what)).reduce((s, i) => s + i.monthly!, 0);
    assert.strictEqual(items.filter((i) => i.what === "standard-resolution alarm").length,
      alarmSpecs(monitoringDefaults("prod")).length);
    near(sum(/^standard-resolution alarm$/), alarmSpecs(monitoringDefaults("prod")).length * 0.1);
    near(sum(/^log ingestion/), ASSUMPTIONS.logGbPerMonth * 0.5);
    const days = monitoringDefaults("prod").logRetentionDays;
    near(sum(new RegExp(`^log storage, ${days} d`)), ASSUMPTIONS.logGbPerMonth * (days / 30.4) * 0.03);
    assert.ok(est.complete);
  });

  it("charges the host's own disk metric and one PutMetricData call per alarm period", () => {
    const disk = alarmSpecs(monitoringDefaults("dev")).find((a) => a.namespace === HOST_METRICS_NAMESPACE)!;
    const items = costItems(
      node("aws:cloudwatch/metricAlarm:MetricAlarm", { namespace: disk.namespace, metricName: disk.metricName,
        period: disk.periodSeconds }),
      [],
      "r-1",
      table,
    );
    const puts = (730 * 60) / DISK_METRIC.everyMinutes;
    assert.strictEqual(items[1].what, `custom metric ${DISK_METRIC.name} and ${puts} PutMetricData calls`);
    near(items[1].monthly, 0.3 + (puts / 1000) * 0.01);
    const ec2Alarm = costItems(node("aws:cloudwatch/metricAlarm:MetricAlarm", { namespace: "AWS/EC2", period: 60 }), [],
      "r-1", table);
    assert.deepStrictEqual(ec2Alarm.map((i) => i.what), ["standard-resolution alarm"]);
  });

  it("prices alert e-mails at the stated assumption, and a log group that never expires as unknown", () => {
    const sub = costItems(node("aws:sns/topicSubscription:TopicSubscription", { protocol: "email" }), [], "r-1", table);
    near(sub[0].monthly, (ASSUMPTIONS.alertEmailsPerMonth / 100000) * 2);
    const forever = costItems(node("aws:cloudwatch/logGroup:LogGroup", {}), [], "r-1", table);
    assert.ok(forever.some((i) => i.monthly === undefined && /never expiring/.test(i.what)));
  });

  it("in a region without CloudWatch prices, names every monitoring resource as unknown", () => {
    const est = estimateCost(monitoringNodes("dev", "ops@example.com"), "nowhere-1", table);
    assert.strictEqual(est.totalMonthly, 0);
    assert.strictEqual(est.unknownResources.length, est.lines.length);
  });
});

describe("cost: ECS hosting resources", () => {
  const task = (arch?: "ARM64"): CostNode => ({ urn: "td", type: "aws:ecs/taskDefinition:TaskDefinition",
    name: "web-task", id: "web",
    inputs: { family: "web", cpu: "512", memory: "1024",
      ...(arch ? { runtimePlatform: { cpuArchitecture: arch } } : {}) } });
  const service = node("aws:ecs/service:Service", { taskDefinition: "web", desiredCount: 2, launchType: "FARGATE" },
    "web");

  it("prices Fargate vCPU-hours and GB-hours at the task count, per architecture", () => {
    const x86 = costItems(service, [service, task()], "r-1", table);
    near(x86[0].monthly, 2 * 730 * (0.5 * 0.04 + 1 * 0.004));
    const arm = costItems(service, [service, task("ARM64")], "r-1", table);
    near(arm[0].monthly, 2 * 730 * (0.5 * 0.032 + 1 * 0.0035));
    assert.strictEqual(costItems(service, [service], "r-1", table)[0].monthly, undefined);
  });

  it("prices the load balancer's hours plus the stated LCU assumption, and a NAT gateway's hours plus data", () => {
    const alb = costItems(node("aws:lb/loadBalancer:LoadBalancer", { loadBalancerType: "application" }), [], "r-1",
      table);
    near(alb[0].monthly, 730 * 0.0225 + ASSUMPTIONS.albLcu * 730 * 0.008);
    assert.match(alb[0].note ?? "", /assumption/);
    const nat = costItems(node("aws:ec2/natGateway:NatGateway", {}), [], "r-1", table);
    near(nat[0].monthly, 730 * 0.045 + ASSUMPTIONS.natGbPerMonth * 0.045);
  });
});
