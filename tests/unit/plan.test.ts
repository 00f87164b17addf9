// The offline plan: critical path, tree printing (pure, over hand-made nodes), and the real program
// under the mock engine for dev and prod (once per stack). Prices: cost.test.ts.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { criticalPath, creationTime, GraphNode } from "../../scripts/lib/plan/criticalPath";
import { renderTree, keySettings } from "../../scripts/lib/plan/tree";
import { SeenStrings, secretValue, stackConfigOf, unwrapSecrets } from "../../lib/engine";
import { planConfig, runPlan, summaryLine } from "../../scripts/lib/plan/run";
import { TEST_SSH_PRIVATE_KEY, TEST_SSH_PUBLIC_KEY, USER_REGIONS, planFor, plansBefore } from "../support/fixtures";
import { parseArgs, renderJson, renderText } from "../../scripts/plan";
import { estimateCost, PRICES } from "../../scripts/lib/plan/cost";

/** dev and prod of each hosting, as planFor takes them. */
const BOTH_HOSTINGS: { stack: string; set?: Record<string, string> }[] = [{ stack: "dev" }, { stack: "dev",
  set: { hosting: "ecs", cache: "redis" } }, { stack: "prod" }, { stack: "prod",
  set: { hosting: "ecs", cache: "redis" } }];

const node = (urn: string, type: string, deps: string[] = [], inputs: Record<string, unknown> = {},
  parent?: string): GraphNode => ({ urn, type, name: urn,
    custom: !type.startsWith("compose-on-ec2:") && !type.startsWith("pulumi:"), dependencies: deps, inputs, parent });

describe("plan: secrets seen in registrations", () => {
  const secret = secretValue;
  it("unwraps secrets; a secret string is a secret, strings of a secret array or object are neither secret nor public", () => {
    const seen: SeenStrings = { secret: [], public: [] };
    const plain = unwrapSecrets({ password: secret("pw-0123456789"), triggers: secret(["sha-public", "hash"]),
      host: "1.2.3.4" }, seen);
    assert.deepStrictEqual(plain, { password: "pw-0123456789", triggers: ["sha-public", "hash"], host: "1.2.3.4" });
    assert.deepStrictEqual(seen, { secret: ["pw-0123456789"], public: ["1.2.3.4"] });
  });
});

describe("plan: critical path", () => {
  it("follows the longest chain of creation times through dependencies", () => {
    const nodes = [
      node("sg", "aws:ec2/securityGroup:SecurityGroup"),
      node("host", "aws:ec2/instance:Instance", ["sg"]),
      node("db", "aws:rds/instance:Instance", ["sg"]),
      node("wait", "command:remote:Command", ["host"], { create: "cloud-init status --wait" }),
      node("deploy", "command:remote:Command", ["wait", "db"], { create: "./deploy.sh" }),
    ];
    const path = criticalPath(nodes);
    // db (11.5 min typical) beats host + wait-ready (45 s + 3 min).
    assert.deepStrictEqual(path.steps.map((s) => s.urn), ["sg", "db", "deploy"]);
    assert.strictEqual(path.typicalSeconds, 6 + 690 + 120);
  });
  it("makes children wait for a custom parent but not for a component", () => {
    const nodes = [
      node("comp", "compose-on-ec2:host:Host"),
      node("host", "aws:ec2/instance:Instance", [], {}, "comp"),
      node("ready", "command:remote:Command", [], { create: "cloud-init status --wait" }, "host"),
      node("teardown", "command:remote:Command", ["ready"], { delete: "docker compose down" }),
    ];
    // teardown has no create: it costs nothing on `up` and is dropped from the printed path.
    assert.deepStrictEqual(criticalPath(nodes).steps.map((s) => s.urn), ["host", "ready"]);
  });
  it("prices Multi-AZ RDS longer than Single-AZ", () => {
    const single = creationTime(node("a", "aws:rds/instance:Instance", [], { multiAz: false }));
    const multi = creationTime(node("b", "aws:rds/instance:Instance", [], { multiAz: true }));
    assert.ok(multi.lowSeconds > single.lowSeconds && multi.highSeconds > single.highSeconds);
    assert.match(single.basis, /estimate/);
  });
  it("refuses a dependency cycle", () => {
    assert.throws(() => criticalPath([node("a", "aws:iam/role:Role", ["b"]), node("b", "aws:iam/role:Role", ["a"])]),
      /cycle/);
  });
});

describe("plan: tree", () => {
  it("prints children under their parent with key settings, SG ids shown by name", () => {
    const text = renderTree([
      { urn: "stack", type: "pulumi:pulumi:Stack", name: "p-dev", protect: false, inputs: {} },
      { urn: "fw", type: "compose-on-ec2:firewall:Firewall", name: "app", parent: "stack", protect: false, inputs: {} },
      { urn: "web", type: "aws:ec2/securityGroup:SecurityGroup", name: "app-web", id: "sg-1", parent: "fw",
        protect: false,
        inputs: { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.0/24"] }] } },
      { urn: "rule", type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "app-db-in", parent: "fw",
        protect: false,
        inputs: { securityGroupId: "sg-2", referencedSecurityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 5432,
          toPort: 5432 } },
    ]);
    assert.strictEqual(text, [
      "pulumi:pulumi:Stack p-dev",
      "└─ compose-on-ec2:firewall:Firewall app",
      "   ├─ aws:ec2/securityGroup:SecurityGroup app-web  [in tcp/22 203.0.113.0/24]",
      "   └─ aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule app-db-in  [in tcp/5432 sg:app-web → sg:sg-2]",
    ].join("\n"));
  });
  it("shows the RDS settings a reviewer checks and the protect option", () => {
    const s = keySettings({ urn: "d", type: "aws:rds/instance:Instance", name: "db", protect: true,
      inputs: { engine: "postgres", instanceClass: "db.t4g.small", allocatedStorage: 20, multiAz: false,
        deletionProtection: true } });
    assert.deepStrictEqual(s, ["engine=postgres", "instanceClass=db.t4g.small", "allocatedStorage=20", "multiAz=false",
      "deletionProtection=true", "protect"]);
  });
});

describe("plan: stack settings", () => {
  it("a stack without a file gets dev settings plus the sandbox overrides", () => {
    const dev = planConfig("dev");
    const sandbox = planConfig("pr-42");
    assert.strictEqual(dev.sandbox, false);
    assert.strictEqual(sandbox.sandbox, true);
    assert.strictEqual(sandbox.config["compose-on-ec2:stage"], "sandbox");
    assert.match(sandbox.config["compose-on-ec2:instanceType"], /^t(3|4g)\.micro$/);
    assert.strictEqual(sandbox.config["aws:region"], dev.config["aws:region"]);
  });
  it("replaces secure values by placeholders and remembers which keys were secret", () => {
    const { config, secureKeys } = stackConfigOf({ config: {
      "compose-on-ec2:sshPrivateKey": { secure: "v1:AAAA" },
      "compose-on-ec2:sshCidrs": ["203.0.113.0/24"],
      "aws:region": "us-east-1",
    } });
    assert.match(config["compose-on-ec2:sshPrivateKey"], /^-----BEGIN OPENSSH PRIVATE KEY-----/);
    assert.strictEqual(config["compose-on-ec2:sshCidrs"], '["203.0.113.0/24"]');
    assert.deepStrictEqual(secureKeys, ["compose-on-ec2:sshPrivateKey"]);
  });
  it("takes --stack NAME, --stack=NAME and --json, and refuses anything else", () => {
    assert.deepStrictEqual(parseArgs(["--stack", "dev"]), { stack: "dev", json: false });
    assert.deepStrictEqual(parseArgs(["--stack=prod", "--json"]), { stack: "prod", json: true });
    assert.deepStrictEqual(parseArgs(["--stack", "dev", "--region", "ap-northeast-2"]), { stack: "dev", json: false,
      region: "ap-northeast-2" });
    assert.throws(() => parseArgs(["--stack", "dev", "--region", "seoul"]),
      /--region "seoul" is not an AWS region name/);
    assert.throws(() => parseArgs([]), /--stack is required/);
    assert.throws(() => parseArgs(["--stack", "dev", "--yes"]), /unknown argument/);
  });
  it("refuses a stack name that is not a Pulumi stack name", () => {
    assert.throws(() => planConfig("../etc"), /invalid stack name/);
  });
});

describe("plan: the real program under the mock engine", function() {
  this.timeout(60000);
  const plans = plansBefore({ dev: () => planFor("dev"), prod: () => planFor("prod") });

  it("dev: records a tree rooted at the stack with the host and the database", () => {
    const text = plans.dev.tree;
    assert.match(text.split("\n")[0], /^pulumi:pulumi:Stack /);
    assert.match(text, /aws:ec2\/instance:Instance .*instanceType=t3\.small/);
    assert.match(text, /aws:rds\/instance:Instance .*instanceClass=db\.t4g\.micro/);
  });

  it("dev: the critical path runs through the database and ends with the deploy command when there is one", () => {
    const steps = plans.dev.criticalPath.steps;
    assert.ok(steps.some((s) => s.type === "aws:rds/instance:Instance"), steps.map((s) => s.name).join(" → "));
    assert.ok(plans.dev.criticalPath.typicalSeconds > 8 * 60, String(plans.dev.criticalPath.typicalSeconds));
    const deploy = plans.dev.resources.find((r) => r.type === "command:remote:Command" && /deploy$/.test(r.name));
    if (deploy) assert.strictEqual(steps[steps.length - 1].name, deploy.name);
  });

  it("dependencies come from the engine: the RDS instance waits for its security group", () => {
    const db = plans.dev.resources.find((r) => r.type === "aws:rds/instance:Instance");
    assert.ok(db, "no RDS instance");
    const depTypes = db.dependencies.map((u) => plans.dev.resources.find((r) => r.urn === u)?.type);
    assert.ok(depTypes.includes("aws:ec2/securityGroup:SecurityGroup"), depTypes.join(", "));
  });

  it("dev and prod (us-east-1) have a price for every item, and prod costs more", () => {
    for (const stack of ["dev", "prod"] as const) {
      const unknown = plans[stack].cost.lines.flatMap((l) =>
        l.items.filter((i) => i.monthly === undefined).map((i) => `${l.name}: ${i.what}`)
      );
      assert.deepStrictEqual(unknown, [], stack);
      assert.strictEqual(plans[stack].cost.complete, true, stack);
      const priced = plans[stack].cost.lines.filter((l) =>
        l.name.startsWith("monitoring-") || l.name === "logs-containers"
      ).flatMap((l) => l.items).filter((i) => i.monthly !== undefined);
      assert.ok(
        priced.some((i) => /log ingestion/.test(i.what))
          && priced.filter((i) => i.what === "standard-resolution alarm").length === 6,
        stack,
      );
      assert.ok(priced.some((i) => /PutMetricData calls/.test(i.what)), stack);
    }
    assert.ok(plans.prod.cost.totalMonthly > plans.dev.cost.totalMonthly);
  });

  it("dev and prod of both hostings in ap-northeast-2 are priced from Seoul's own figures and print a complete total", async () => {
    for (const c of BOTH_HOSTINGS) {
      const label = `${c.stack} ${c.set?.hosting ?? "ec2"}`;
      const seoul = await planFor(c.stack, "ap-northeast-2", c.set);
      assert.strictEqual(seoul.region, "ap-northeast-2");
      assert.ok(seoul.cost.sources.every((k) => !k.includes("us-east-1")),
        `${label}: ${seoul.cost.sources.join(", ")}`);
      assert.deepStrictEqual(seoul.cost.unknownList, [], label);
      const sum = seoul.cost.lines.reduce((t, l) => t + l.monthly, 0);
      assert.ok(Math.abs(sum - seoul.cost.totalMonthly) < 0.01, label);
      const last = renderText(seoul).split("\n").pop()!;
      assert.match(last, new RegExp(`, ~\\$${seoul.cost.totalMonthly.toFixed(2).replace(".", "\\.")}/month$`), label);
    }
  });

  it("prices every item of both hostings' dev and prod in each region where our users are, from that region's own figures", async () => {
    // The program's priced inputs (instance type, DB class, Multi-AZ, storage, retention, task sizes)
    // do not depend on the region, so the us-east-1 plans are re-priced with each region's figures.
    // The last case adds the optional priced resources: alert e-mails and, on ec2, the media bucket.
    const optional = { alertEmail: "ops@example.com", mediaStorage: "s3" };
    for (const c of [...BOTH_HOSTINGS, { stack: "prod", set: optional }]) {
      const plan = await planFor(c.stack, undefined, c.set);
      for (const region of USER_REGIONS) {
        const cost = estimateCost(plan.resources, region);
        const label = `${c.stack} ${JSON.stringify(c.set ?? {})} ${region}`;
        assert.deepStrictEqual(cost.unknownList, [], label);
        if (c.set === optional) {
          assert.ok(
            cost.lines.some((l) => l.type === "aws:sns/topicSubscription:TopicSubscription")
              && cost.lines.some((l) => /S3 Standard/.test(l.items[0]?.what ?? "")),
            label,
          );
        }
        assert.ok(cost.totalMonthly > 0 && cost.complete, label);
        for (const key of cost.sources) {
          assert.match(PRICES.sources[key].date, /^\d{4}-\d{2}-\d{2}$/, `${label}: ${key}`);
        }
      }
    }
  });

  it("a region without prices prints the known part as partial and lists every item it could not price", async () => {
    const saoPaulo = await planFor("dev", "sa-east-1");
    assert.strictEqual(saoPaulo.cost.complete, false);
    const text = renderText(saoPaulo).split("\n");
    assert.match(text[text.length - 1],
      new RegExp(`partial ~\\$0\\.00/month \\(${saoPaulo.cost.unknownItems} items of unknown price left out\\)$`));
    const at = text.indexOf(
      "  Not a total: no price for sa-east-1 in the table for these items (left out of the sum):",
    );
    assert.ok(at > 0, "the listing is announced");
    assert.deepStrictEqual(text.slice(at + 1, at + 1 + saoPaulo.cost.unknownItems),
      saoPaulo.cost.unknownList.map((u) => `    - ${u}`));
    assert.ok(saoPaulo.cost.unknownList.some((u) => u.startsWith("aws:ec2/instance:Instance host-instance: t3.small")),
      saoPaulo.cost.unknownList.join("\n"));
  });

  it("prod: the RDS instance is protected", () => {
    const db = plans.prod.resources.find((r) => r.type === "aws:rds/instance:Instance");
    assert.strictEqual(db?.protect, true);
  });

  it("shows what it found in the compose file: services, the proxied service, the health source", () => {
    const text = renderText(plans.dev).split("\n");
    const at = text.indexOf("Compose file (what the deploy found in it):");
    assert.ok(at > 0, text.slice(0, 12).join("\n"));
    assert.deepStrictEqual(text.slice(at + 1, at + 5), [
      "  compose file app/docker-compose.prod.yml: services web, nginx, worker, redis",
      "  proxied service: web (port 8000) behind nginx",
      "  health: the compose healthcheck",
      "  environment written to .env",
    ]);
  });

  it("ends with the exact summary line", () => {
    const text = renderText(plans.dev).split("\n");
    assert.match(text[text.length - 1], /^plan dev: \d+ resources, critical path ~\d+ min, ~\$\d+\.\d\d\/month$/);
    assert.strictEqual(text[text.length - 1], summaryLine(plans.dev));
  });

  it("--json carries the same plan for machines", () => {
    const json = JSON.parse(renderJson(plans.prod)) as { summary: string; resources: unknown[]; violations: unknown[];
      cost: { totalMonthly: number } };
    assert.strictEqual(json.summary, summaryLine(plans.prod));
    assert.strictEqual(json.resources.length, plans.prod.resources.length);
    assert.strictEqual(json.cost.totalMonthly, plans.prod.cost.totalMonthly);
  });
});

describe("plan: judges the config exactly as the real run does", function() {
  this.timeout(60000);
  let dir = "";
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-stack-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A copy of Pulumi.dev.yaml plus an own key pair, the private key stored as given. */
  function devWithKey(privateKey: unknown): string {
    const file = path.join(dir, `Pulumi.dev-${Math.random().toString(36).slice(2)}.yaml`);
    const dev = fs.readFileSync("Pulumi.dev.yaml", "utf8").trimEnd();
    fs.writeFileSync(file,
      `${dev}\n  compose-on-ec2:sshPublicKey: ${TEST_SSH_PUBLIC_KEY}\n  compose-on-ec2:sshPrivateKey: ${
        JSON.stringify(privateKey)
      }\n`);
    return file;
  }

  it("refuses a private key stored in plain text in the stack file, as the real run does", async () => {
    await assert.rejects(runPlan({ stack: "dev", stackFile: devWithKey(TEST_SSH_PRIVATE_KEY) }),
      /sshPrivateKey.*plain text/);
  });
  it("plans a private key stored secure:, treating its value as a secret", async () => {
    const plan = await runPlan({ stack: "dev", stackFile: devWithKey({ secure: "v1:AAAAAAAA" }) });
    assert.deepStrictEqual(plan.violations, []);
    const keyPair = plan.resources.find((r) => r.type === "aws:ec2/keyPair:KeyPair");
    assert.strictEqual(keyPair?.inputs.publicKey, TEST_SSH_PUBLIC_KEY);
  });
});
