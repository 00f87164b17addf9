// The offline plan: price estimates, critical path, tree printing (pure, over hand-made nodes),
// and the real program under the mock engine for dev and prod (once per stack).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { estimateCost, costItems, PriceTable, PRICES } from "../../scripts/lib/plan/cost";
import { criticalPath, creationTime, GraphNode } from "../../scripts/lib/plan/criticalPath";
import { renderTree, keySettings } from "../../scripts/lib/plan/tree";
import { SeenStrings, secretValue, stackConfigOf, unwrapSecrets } from "../../lib/engine";
import { planConfig, planFor, runPlan, summaryLine, PlanResult } from "../../scripts/lib/plan/run";
import { TEST_SSH_PRIVATE_KEY, TEST_SSH_PUBLIC_KEY } from "../support/fixtures";
import { parseArgs, renderJson, renderText } from "../../scripts/plan";

const node = (urn: string, type: string, deps: string[] = [], inputs: Record<string, unknown> = {}, parent?: string): GraphNode =>
  ({ urn, type, name: urn, custom: !type.startsWith("compose-on-ec2:") && !type.startsWith("pulumi:"), dependencies: deps, inputs, parent });

describe("plan: secrets seen in registrations", () => {
  const secret = secretValue;
  it("unwraps secrets; a secret string is a secret, strings of a secret array or object are neither secret nor public", () => {
    const seen: SeenStrings = { secret: [], public: [] };
    const plain = unwrapSecrets({ password: secret("pw-0123456789"), triggers: secret(["sha-public", "hash"]), host: "1.2.3.4" }, seen);
    assert.deepStrictEqual(plain, { password: "pw-0123456789", triggers: ["sha-public", "hash"], host: "1.2.3.4" });
    assert.deepStrictEqual(seen, { secret: ["pw-0123456789"], public: ["1.2.3.4"] });
  });
});

describe("plan: price table", () => {
  it("states its sources and the date it was written", () => {
    assert.match(PRICES.retrieved, /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(PRICES.sources.length >= 4);
    assert.strictEqual(PRICES.hoursPerMonth, 730);
  });
  it("has every default type of the stack in us-east-1", () => {
    const p = PRICES.regions["us-east-1"];
    for (const t of ["t3.small", "t3.medium"]) assert.ok(p.ec2Hourly[t] > 0, t);
    for (const c of ["db.t4g.micro", "db.t4g.small"]) assert.ok(p.rdsHourly.postgres[c] > 0, c);
  });
});

describe("plan: cost estimate", () => {
  const table: PriceTable = {
    retrieved: "2026-11-23", hoursPerMonth: 730, sources: [],
    regions: { "r-1": { ec2Hourly: { "t3.small": 0.02 }, ebsGp3GbMonth: 0.08, rdsHourly: { postgres: { "db.t4g.micro": 0.016 } },
      rdsStorageGbMonth: { gp2: 0.115 }, publicIpv4Hourly: 0.005, secretMonth: 0.4 } },
  };
  const host = { urn: "h", type: "aws:ec2/instance:Instance", name: "host", id: "i-1",
    inputs: { instanceType: "t3.small", rootBlockDevice: { volumeSize: 20, volumeType: "gp3" }, associatePublicIpAddress: true } };

  it("prices an instance: hours x rate, root volume GB x gp3, and its public IPv4", () => {
    const items = costItems(host, [host], "r-1", table);
    assert.deepStrictEqual(items.map((i) => [i.what, i.monthly === undefined ? undefined : Math.round(i.monthly * 100) / 100]), [
      ["t3.small on-demand", 14.6], ["root volume 20 GB gp3", 1.6], ["public IPv4 address", 3.65],
    ]);
  });
  it("does not charge the auto-assigned IPv4 twice when an EIP is attached", () => {
    const eip = { urn: "e", type: "aws:ec2/eip:Eip", name: "eip", inputs: { instance: "i-1", domain: "vpc" } };
    const est = estimateCost([host, eip], "r-1", table);
    assert.strictEqual(est.totalMonthly, 19.85); // 14.60 + 1.60 + 3.65
  });
  it("doubles RDS instance hours and storage for Multi-AZ", () => {
    const db = (multiAz: boolean) => ({ urn: "d", type: "aws:rds/instance:Instance", name: "db",
      inputs: { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20, multiAz } });
    assert.strictEqual(estimateCost([db(false)], "r-1", table).totalMonthly, 13.98); // 11.68 + 2.30
    assert.strictEqual(estimateCost([db(true)], "r-1", table).totalMonthly, 27.96);
  });
  it("says unknown price for a type or region not in the table instead of inventing one", () => {
    const big = { ...host, inputs: { ...host.inputs, instanceType: "x9.huge" } };
    const est = estimateCost([big], "r-1", table);
    assert.strictEqual(est.lines[0].items[0].monthly, undefined);
    assert.ok(est.lines[0].hasUnknown);
    assert.strictEqual(estimateCost([host], "nowhere-1", table).unknownItems, 3);
  });
  it("charges nothing for security groups, IAM, commands and random passwords", () => {
    const free = ["aws:ec2/securityGroup:SecurityGroup", "aws:iam/role:Role", "command:remote:Command", "random:index/randomPassword:RandomPassword"]
      .map((type, i) => ({ urn: String(i), type, name: type, inputs: {} }));
    assert.deepStrictEqual(estimateCost(free, "r-1", table).lines, []);
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
    assert.throws(() => criticalPath([node("a", "aws:iam/role:Role", ["b"]), node("b", "aws:iam/role:Role", ["a"])]), /cycle/);
  });
});

describe("plan: tree", () => {
  it("prints children under their parent with key settings, SG ids shown by name", () => {
    const text = renderTree([
      { urn: "stack", type: "pulumi:pulumi:Stack", name: "p-dev", protect: false, inputs: {} },
      { urn: "fw", type: "compose-on-ec2:firewall:Firewall", name: "app", parent: "stack", protect: false, inputs: {} },
      { urn: "web", type: "aws:ec2/securityGroup:SecurityGroup", name: "app-web", id: "sg-1", parent: "fw", protect: false,
        inputs: { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.0/24"] }] } },
      { urn: "rule", type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "app-db-in", parent: "fw", protect: false,
        inputs: { securityGroupId: "sg-2", referencedSecurityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 5432, toPort: 5432 } },
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
      inputs: { engine: "postgres", instanceClass: "db.t4g.small", allocatedStorage: 20, multiAz: false, deletionProtection: true } });
    assert.deepStrictEqual(s, ["engine=postgres", "instanceClass=db.t4g.small", "allocatedStorage=20", "multiAz=false", "deletionProtection=true", "protect"]);
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
      "compose-on-ec2:sshPrivateKey": { secure: "v1:AAAA" }, "compose-on-ec2:sshCidrs": ["203.0.113.0/24"], "aws:region": "us-east-1",
    } });
    assert.match(config["compose-on-ec2:sshPrivateKey"], /^-----BEGIN OPENSSH PRIVATE KEY-----/);
    assert.strictEqual(config["compose-on-ec2:sshCidrs"], '["203.0.113.0/24"]');
    assert.deepStrictEqual(secureKeys, ["compose-on-ec2:sshPrivateKey"]);
  });
  it("takes --stack NAME, --stack=NAME and --json, and refuses anything else", () => {
    assert.deepStrictEqual(parseArgs(["--stack", "dev"]), { stack: "dev", json: false });
    assert.deepStrictEqual(parseArgs(["--stack=prod", "--json"]), { stack: "prod", json: true });
    assert.throws(() => parseArgs([]), /--stack is required/);
    assert.throws(() => parseArgs(["--stack", "dev", "--yes"]), /unknown argument/);
  });
  it("refuses a stack name that is not a Pulumi stack name", () => {
    assert.throws(() => planConfig("../etc"), /invalid stack name/);
  });
});

describe("plan: the real program under the mock engine", function () {
  this.timeout(60000);
  const plans: Record<string, PlanResult> = {};
  before(async () => {
    plans.dev = await planFor("dev");
    plans.prod = await planFor("prod");
  });

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

  it("dev (us-east-1) has a price for every item, and prod costs more", () => {
    assert.ok(plans.prod.cost.totalMonthly > plans.dev.cost.totalMonthly);
    assert.strictEqual(plans.dev.cost.unknownItems, 0, JSON.stringify(plans.dev.cost.lines));
  });

  it("prod: the RDS instance is protected", () => {
    const db = plans.prod.resources.find((r) => r.type === "aws:rds/instance:Instance");
    assert.strictEqual(db?.protect, true);
  });

  it("ends with the exact summary line", () => {
    const text = renderText(plans.dev).split("\n");
    assert.match(text[text.length - 1], /^plan dev: \d+ resources, critical path ~\d+ min, ~\$\d+\.\d\d\/month$/);
    assert.strictEqual(text[text.length - 1], summaryLine(plans.dev));
  });

  it("--json carries the same plan for machines", () => {
    const json = JSON.parse(renderJson(plans.prod)) as { summary: string; resources: unknown[]; violations: unknown[]; cost: { totalMonthly: number } };
    assert.strictEqual(json.summary, summaryLine(plans.prod));
    assert.strictEqual(json.resources.length, plans.prod.resources.length);
    assert.strictEqual(json.cost.totalMonthly, plans.prod.cost.totalMonthly);
  });
});

describe("plan: judges the config exactly as the real run does", function () {
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
    fs.writeFileSync(file, `${dev}\n  compose-on-ec2:sshPublicKey: ${TEST_SSH_PUBLIC_KEY}\n  compose-on-ec2:sshPrivateKey: ${JSON.stringify(privateKey)}\n`);
    return file;
  }

  it("refuses a private key stored in plain text in the stack file, as the real run does", async () => {
    await assert.rejects(runPlan({ stack: "dev", stackFile: devWithKey(TEST_SSH_PRIVATE_KEY) }), /sshPrivateKey.*plain text/);
  });
  it("plans a private key stored secure:, treating its value as a secret", async () => {
    const plan = await runPlan({ stack: "dev", stackFile: devWithKey({ secure: "v1:AAAAAAAA" }) });
    assert.deepStrictEqual(plan.violations, []);
    const keyPair = plan.resources.find((r) => r.type === "aws:ec2/keyPair:KeyPair");
    assert.strictEqual(keyPair?.inputs.publicKey, TEST_SSH_PUBLIC_KEY);
  });
});
