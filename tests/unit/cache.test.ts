// The managed cache (cache: redis): the setting, the replication group per stage, its security group,
// REDIS_URL in the app's environment on both hostings, the output, the AWS mock's ElastiCache rules and
// the plan's price in every region the price table covers.
import * as assert from "assert";
import { parseConfig, StackConfig } from "../../components/config";
import { cacheIdentifier, redisUrl, replicationGroupShape, MAX_CACHE_ID_LENGTH } from "../../components/cache";
import { AwsMock, MockResource } from "../../lib/engine";
import { computeAws } from "../../lib/engine/awsResources";
import { PRICES } from "../../scripts/lib/plan/cost";
import { costItems } from "../../scripts/lib/plan/costItems";
import { problemsOfParse } from "./configProblems";
import { cachedRun, planFor, stackRun } from "../support/fixtures";

const ctx = { project: "compose-on-ec2", stack: "dev", region: "us-east-1" };
const parse = (raw: Record<string, unknown>, stack = "dev"): StackConfig => parseConfig(raw, { ...ctx, stack });
const refused = (raw: Record<string, unknown>, stack = "dev") =>
  problemsOfParse(() => parse(raw, stack), JSON.stringify(raw));
const GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
const SUBNETS = "aws:elasticache/subnetGroup:SubnetGroup";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const of = (resources: MockResource[], type: string) => resources.filter((r) => r.type === type);
const ZONE = "Z0123456789ABCDEFGHIJ";

const cacheRun = (stack: "dev" | "prod", hosting: "ec2" | "ecs") =>
  cachedRun(`cache-${hosting}-${stack}`, () => ({
    stack,
    mock: new AwsMock(),
    config: hosting === "ecs"
      ? { cache: "redis", hosting, ...(stack === "prod" ? { domain: '["app.example.com"]', hostedZoneId: ZONE } : {}) }
      : { cache: "redis" },
  }));

describe("managed cache settings", () => {
  it("default to no cache; redis takes a node type per stage and two nodes in prod only", () => {
    assert.strictEqual(parse({}).cache.kind, "none");
    assert.deepStrictEqual(parse({ cache: "redis" }).cache, { kind: "redis", nodeType: "cache.t4g.micro", nodes: 1 });
    assert.deepStrictEqual(parse({ cache: "redis" }, "prod").cache, { kind: "redis", nodeType: "cache.t4g.small",
      nodes: 2 });
    assert.deepStrictEqual(parse({ cache: "redis" }, "sandbox-a").cache, { kind: "redis", nodeType: "cache.t4g.micro",
      nodes: 1 });
    assert.strictEqual(parse({ cache: "redis", cacheNodeType: "cache.t4g.medium" }).cache.nodeType, "cache.t4g.medium");
  });

  it("refuse a cache kind it does not know, a node type not of the form cache.family.size, and a node type without a cache", () => {
    assert.deepStrictEqual(refused({ cache: "redis", cacheNodeType: "t4g.micro" }), [
      'compose-on-ec2:cacheNodeType = "t4g.micro": is not an ElastiCache node type (cache.family.size). Fix: e.g. cache.t4g.micro (did you mean "cache.t4g.micro"?)',
    ]);
    assert.deepStrictEqual(refused({ cacheNodeType: "cache.t4g.small" }), [
      'compose-on-ec2:cacheNodeType = "cache.t4g.small": is set but cache is none. Fix: remove cacheNodeType, or set cache: redis',
    ]);
    assert.deepStrictEqual(refused({ cache: "memcached" }), [
      'compose-on-ec2:cache = "memcached": must be one of none, redis. Fix: pulumi config set cache none',
    ]);
  });
});

describe("managed cache pieces", () => {
  it("replicate with automatic failover across AZs in prod only, and snapshot prod daily for a week", () => {
    assert.deepStrictEqual(replicationGroupShape({ kind: "redis", nodeType: "cache.t4g.micro", nodes: 1 }, "dev"), {
      nodeType: "cache.t4g.micro",
      numCacheClusters: 1,
      automaticFailoverEnabled: false,
      multiAzEnabled: false,
      snapshotRetentionLimit: 0,
    });
    assert.deepStrictEqual(replicationGroupShape({ kind: "redis", nodeType: "cache.t4g.small", nodes: 2 }, "prod"), {
      nodeType: "cache.t4g.small",
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      snapshotRetentionLimit: 7,
    });
  });

  it("name the replication group within ElastiCache's 40 characters, stable per stack", () => {
    assert.strictEqual(cacheIdentifier("compose-on-ec2", "dev"), "compose-on-ec2-dev");
    const long = cacheIdentifier("compose-on-ec2", "sandbox-with-a-very-long-feature-branch-name");
    assert.ok(long.length <= MAX_CACHE_ID_LENGTH && /^[a-z][a-z0-9-]*[a-z0-9]$/.test(long) && !long.includes("--"),
      long);
    assert.strictEqual(long, cacheIdentifier("compose-on-ec2", "sandbox-with-a-very-long-feature-branch-name"));
    assert.notStrictEqual(long, cacheIdentifier("compose-on-ec2", "sandbox-with-a-very-long-feature-branch-name2"));
  });

  it("hand the app a TLS URL (rediss) to the primary endpoint", () => {
    assert.strictEqual(redisUrl("master.x.abc123.use1.cache.amazonaws.com", 6379),
      "rediss://master.x.abc123.use1.cache.amazonaws.com:6379/0");
  });
});

for (const hosting of ["ec2", "ecs"] as const) {
  for (const stack of ["dev", "prod"] as const) {
    describe(`managed cache on ${hosting} (${stack})`, function() {
      this.timeout(90000);

      it("creates a Valkey replication group encrypted in transit (TLS only) and at rest, in the DB subnets", async () => {
        const { mock } = await cacheRun(stack, hosting);
        const group = mock.one(GROUP);
        const prod = stack === "prod";
        assert.deepStrictEqual(
          [group.inputs.engine, group.inputs.transitEncryptionEnabled, group.inputs.transitEncryptionMode,
            group.inputs.atRestEncryptionEnabled, group.inputs.numCacheClusters, group.inputs.automaticFailoverEnabled,
            group.inputs.multiAzEnabled, group.inputs.nodeType],
          ["valkey", true, "required", true, prod ? 2 : 1, prod, prod, prod ? "cache.t4g.small" : "cache.t4g.micro"],
        );
        const subnets = mock.one(SUBNETS);
        assert.strictEqual(group.inputs.subnetGroupName, subnets.state.name);
        assert.deepStrictEqual([...subnets.inputs.subnetIds].sort(),
          [...mock.one("aws:rds/subnetGroup:SubnetGroup").inputs.subnetIds].sort(),
          "the cache lives where the database does");
      });

      it("admits only the cache port, only from the group the web service runs in", async () => {
        const { mock } = await cacheRun(stack, hosting);
        const group = mock.one(GROUP);
        assert.strictEqual(group.inputs.securityGroupIds.length, 1);
        const cacheSg = of(mock.resources, SG).find((g) =>
          g.state.id === group.inputs.securityGroupIds[0] || g.id === group.inputs.securityGroupIds[0]
        );
        assert.ok(cacheSg, "the group's security group exists");
        assert.strictEqual(cacheSg.name, "fw-cache");
        const rules = of(mock.resources, INGRESS).filter((r) =>
          r.inputs.securityGroupId === group.inputs.securityGroupIds[0]
        );
        const web = of(mock.resources, SG).find((g) => g.name === (hosting === "ecs" ? "fw-tasks" : "fw-web"))!;
        assert.deepStrictEqual(
          rules.map((
            r,
          ) => [r.inputs.fromPort, r.inputs.toPort, r.inputs.referencedSecurityGroupId, r.inputs.cidrIpv4,
            r.inputs.cidrIpv6]
          ),
          [[6379, 6379, web.id, undefined, undefined]],
        );
        assert.strictEqual(
          of(mock.resources, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((r) =>
            r.inputs.securityGroupId === cacheSg.id
          ).length,
          0,
          "no egress from the cache",
        );
      });

      it("puts REDIS_URL (rediss, the primary endpoint) in the app's environment and names the endpoint in the outputs", async () => {
        const { mock, outputs } = await cacheRun(stack, hosting);
        const primary = mock.one(GROUP).state.primaryEndpointAddress as string;
        const url = `rediss://${primary}:6379/0`;
        if (hosting === "ec2") {
          const deploy = [...of(mock.resources, "command:remote:Command"),
            ...of(mock.resources, "command:local:Command")].find((c) =>
              typeof c.inputs.stdin === "string" && c.inputs.stdin.includes("DATABASE_URL=")
            );
          assert.ok(deploy, "a command carries the .env on stdin");
          assert.match(deploy.inputs.stdin as string, new RegExp(`^REDIS_URL='${url.replace(/[.]/g, "\\.")}'$`, "m"));
        } else {
          const task = of(mock.resources, "aws:ecs/taskDefinition:TaskDefinition").find((t) => t.name === "app-task")!;
          const web =
            (JSON.parse(task.inputs.containerDefinitions) as { name: string;
              environment: { name: string; value: string }[] }[]).find((c) => c.name === "web")!;
          assert.deepStrictEqual(web.environment.filter((e) => e.name === "REDIS_URL"), [{ name: "REDIS_URL",
            value: url }]);
        }
        assert.strictEqual(outputs.cacheEndpoint, `${primary}:6379`);
        assert.strictEqual((outputs.appEnvironment as Record<string, string>).REDIS_URL, "deployment");
      });
    });
  }
}

describe("no managed cache (the default)", function() {
  this.timeout(90000);
  it("creates no cache, no cache group and no REDIS_URL", async () => {
    const { mock, outputs } = await stackRun("dev");
    assert.deepStrictEqual([of(mock.resources, GROUP).length, of(mock.resources, SUBNETS).length,
      of(mock.resources, SG).filter((g) => g.name === "fw-cache").length], [0, 0, 0]);
    assert.strictEqual(outputs.cacheEndpoint, undefined);
    assert.strictEqual("REDIS_URL" in (outputs.appEnvironment as Record<string, string>), false);
  });
});

describe("the AWS mock's ElastiCache rules", () => {
  const mock = new AwsMock();
  const fail = (m: string) => new Error(m);
  const refusal = (inputs: Record<string, unknown>): string => {
    try {
      computeAws(mock, GROUP, "x", { replicationGroupId: "shop-dev", description: "d", engine: "valkey",
        engineVersion: "8.1", nodeType: "cache.t4g.micro", ...inputs }, fail);
    } catch (e) {
      return (e as Error).message;
    }
    return "accepted";
  };
  it("refuse what CreateReplicationGroup refuses", () => {
    assert.strictEqual(refusal({}), "accepted");
    assert.match(refusal({ replicationGroupId: "a".repeat(41) }), /replication group id/);
    assert.match(refusal({ replicationGroupId: "shop--dev" }), /replication group id/);
    assert.match(refusal({ replicationGroupId: "1shop" }), /replication group id/);
    assert.match(refusal({ automaticFailoverEnabled: true, numCacheClusters: 1 }),
      /automatic failover needs at least 2/);
    assert.match(refusal({ multiAzEnabled: true, numCacheClusters: 2 }), /Multi-AZ needs automatic failover/);
    assert.match(refusal({ transitEncryptionMode: "required" }), /needs transit encryption/);
    assert.match(refusal({ authToken: "x".repeat(16) }), /AUTH token needs transit encryption/);
    assert.match(refusal({ engineVersion: "6.2" }), /valkey has no version 6\.2/);
    assert.match(refusal({ engine: "memcached" }), /engine memcached/);
    assert.match(refusal({ subnetGroupName: "nope" }), /CacheSubnetGroupNotFoundFault/);
    assert.match(refusal({ securityGroupIds: ["sg-0123456789abcdef0"] }),
      /security group sg-0123456789abcdef0 does not exist/);
  });
});

describe("the cache in the plan's price", function() {
  this.timeout(120000);
  it("prices every node in each of the seven regions, each figure with its source", () => {
    const node = { urn: "u", type: GROUP, name: "cache-group",
      inputs: { engine: "valkey", nodeType: "cache.t4g.small", numCacheClusters: 2 } };
    const regions = Object.keys(PRICES.regions);
    assert.deepStrictEqual(regions.sort(), ["ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "eu-central-1",
      "eu-west-1", "us-east-1", "us-west-2"]);
    for (const region of regions) {
      for (const nodeType of ["cache.t4g.micro", "cache.t4g.small", "cache.t4g.medium"]) {
        for (const engine of ["valkey", "redis"]) {
          const [item] = costItems({ ...node, inputs: { ...node.inputs, engine, nodeType } }, [], region);
          const figure = PRICES.regions[region].elasticacheHourly?.[engine]?.[nodeType];
          assert.ok(figure && item.monthly !== undefined, `${region} ${engine} ${nodeType} has a price`);
          assert.strictEqual(item.monthly, figure.usd * 2 * PRICES.hoursPerMonth);
          assert.ok(PRICES.sources[figure.source]?.url.startsWith("https://"), `${figure.source} is a cited source`);
        }
      }
    }
    // Valkey's node costs less than Redis OSS's in every region: the reason the cache runs Valkey.
    for (const region of regions) {
      assert.ok(
        PRICES.regions[region].elasticacheHourly!.valkey["cache.t4g.micro"].usd
          < PRICES.regions[region].elasticacheHourly!.redis["cache.t4g.micro"].usd,
        region,
      );
    }
  });

  it("adds the replication group's nodes to the plan's total, with the source listed", async () => {
    const plan = await planFor("prod", "ap-northeast-2", { cache: "redis" });
    const line = plan.cost.lines.find((l) => l.type === GROUP);
    assert.ok(line, plan.cost.lines.map((l) => l.type).join("\n"));
    assert.strictEqual(line.items[0].what, "cache.t4g.small valkey x2 nodes");
    assert.strictEqual(line.monthly, Math.round(0.0376 * 2 * 730 * 100) / 100);
    assert.ok(plan.cost.sources.includes("watcher-elasticache-2025-06"));
    assert.ok(!plan.cost.unknownResources.some((r) => r.includes("elasticache")),
      plan.cost.unknownResources.join("\n"));
  });
});
