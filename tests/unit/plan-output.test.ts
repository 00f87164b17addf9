// What the plan tells a newcomer: made-up values marked as unknown, configuration errors titled as
// such (the YAML file named), rules that do not apply shown n/a, warnings with their monthly figure,
// the critical path by what a step does, the documented --json shape, and the CLIs' shared --help
// and exit codes.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EC2_FAMILIES, parseConfig } from "../../components/config";
import { familyArch } from "../../components/config/aws";
import { describeFailure, EXIT, UsageError, wantsHelp } from "../../scripts/lib/cli";
import { PLAN_JSON_VERSION, parsePlanJson } from "../../scripts/lib/plan/json";
import { PlanResult, planConfig, planFor, runPlan } from "../../scripts/lib/plan/run";
import { markUnknowns } from "../../scripts/lib/plan/unknowns";
import { sizeRank } from "../../scripts/lib/plan/warnings";
import { OUTSIZED_DEV, plansBefore } from "../support/fixtures";
import { failureText, parseArgs, renderJson, renderText } from "../../scripts/plan";

const ROOT = path.resolve(__dirname, "..", "..");
// The same settings as site-https.test.ts's plan without a hosted zone, so the process plans it once.
const NAMES = ["shop.your-company.test", "www.shop.your-company.test"];
const SHOP = { domain: JSON.stringify(NAMES), acmeEmail: "ops@your-company.test", allowPlainHttp: "false" };

describe("plan output: values only AWS can give are marked unknown", function() {
  this.timeout(120000);
  const plans = plansBefore({ dev: () => planFor("dev"), shop: () => planFor("prod", undefined, SHOP) });

  it("marks the address, the AMI and every other made-up value, and prints none of them as a fact", () => {
    const text = renderText(plans.dev);
    assert.match(text, /^Hosting: ec2, served at http:\/\/<host-eip publicIp, known after up>$/m);
    assert.match(text, /host-instance {2}\[instanceType=t3\.small ami=<AMI, looked up at up> /);
    assert.ok(plans.dev.unknowns.size > 10, `only ${plans.dev.unknowns.size} made-up values recorded`);
    for (const value of plans.dev.unknowns.keys()) {
      assert.ok(
        !new RegExp(`(^|[^A-Za-z0-9.-])${value.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}([^A-Za-z0-9-]|$)`).test(text),
        value,
      );
    }
  });

  it("keeps the mock's outputs realistic for the tests: the url output holds an IPv4 address", () => {
    assert.match(String(plans.dev.outputs.url), /^http:\/\/\d+\.\d+\.\d+\.\d+$/);
    assert.ok(plans.dev.unknowns.has(String(plans.dev.outputs.url).slice("http://".length)));
  });

  it("shows a DNS record to create by hand with the marker, never with the stand-in address", () => {
    const ip = String(plans.shop.outputs.publicIp);
    assert.deepStrictEqual(plans.shop.outputs.dnsRecordsToCreate, NAMES.map((n) => `${n} A ${ip}`));
    const text = renderText(plans.shop);
    assert.match(text,
      /^ {2}Create this DNS record yourself: shop\.your-company\.test A <host-eip publicIp, known after up>$/m);
    assert.ok(!text.includes(ip), "the stand-in address is not printed");
  });

  it("replaces whole tokens only, longest first", () => {
    const unknowns = new Map([["3.141.33.5", "a"], ["3.141.33.51", "b"], ["ami-0123abcd", "AMI"]]);
    assert.strictEqual(
      markUnknowns("http://3.141.33.5 3.141.33.51 13.141.33.5 3.141.33.5.x ami-0123abcd-2 ami-0123abcd", unknowns),
      "http://<a> <b> 13.141.33.5 3.141.33.5.x ami-0123abcd-2 <AMI>",
    );
  });

  it("--json parses as the documented PlanJson, with the same markers and each rule's verdict", () => {
    const doc = parsePlanJson(renderJson(plans.dev));
    assert.strictEqual(doc.version, PLAN_JSON_VERSION);
    assert.strictEqual(doc.stack, "dev");
    assert.strictEqual(doc.url, "http://<host-eip publicIp, known after up>");
    assert.strictEqual(doc.resources.length, plans.dev.resources.length);
    assert.ok(doc.resources.some((r) => r.settings.includes("ami=<AMI, looked up at up>")));
    assert.strictEqual(doc.cost.totalMonthly, plans.dev.cost.totalMonthly);
    assert.deepStrictEqual(doc.warnings, []);
    assert.deepStrictEqual(doc.violations, []);
    assert.strictEqual(doc.policy.find((p) => p.rule === "tasks-only-through-load-balancer")?.status, "n/a");
    assert.strictEqual(doc.policy.find((p) => p.rule === "db-not-public")?.status, "pass");
    assert.throws(() => parsePlanJson(JSON.stringify({ stack: "dev" })), /not a plan of version/);
  });
});

describe("plan output: policy rules that do not apply", function() {
  this.timeout(120000);
  it("shows the ECS and prod rules as n/a on a dev ec2 stack, and the ECS rules as pass on an ecs stack", async () => {
    const lines = (plan: PlanResult) => renderText(plan).split("\n").filter((l) => /^ {2}(pass|n\/a|FAIL)/.test(l));
    const ec2 = lines(await planFor("dev"));
    for (const rule of ["tasks-only-through-load-balancer", "no-secret-in-container-env", "media-bucket-private",
      "prod-serves-https", "ssm-no-inbound-ssh"]) {
      assert.ok(ec2.includes(`  n/a  ${rule}`), `${rule}:\n${ec2.join("\n")}`);
    }
    assert.ok(ec2.includes("  pass db-not-public"));
    const ecs = lines(await planFor("dev", undefined, { hosting: "ecs", cache: "redis" }));
    assert.ok(ecs.includes("  pass tasks-only-through-load-balancer"), ecs.join("\n"));
    assert.ok(ecs.includes("  n/a  imdsv2-required"), ecs.join("\n"));
  });
});

describe("plan output: warnings with the monthly figure", function() {
  this.timeout(120000);
  it("warns of 65,536 GB of storage, Multi-AZ and a 4xlarge host in dev with what they cost, and still passes", async () => {
    const plan = await planFor("dev", undefined, OUTSIZED_DEV);
    const storage = plan.cost.lines.find((l) => l.type === "aws:rds/instance:Instance")?.items.find((i) =>
      i.what.startsWith("storage ")
    );
    const storageWarning = plan.warnings.find((w) => w.setting === "dbAllocatedStorageGb");
    assert.ok(storage?.monthly !== undefined && storage.monthly > 7000, JSON.stringify(storage));
    assert.strictEqual(storageWarning?.monthly, storage.monthly);
    assert.match(storageWarning.message, new RegExp(`~\\$${storage.monthly.toFixed(2)}/month`));
    assert.ok(plan.warnings.some((w) => w.setting === "dbMultiAz" && w.monthly !== undefined));
    const host = plan.warnings.find((x) => x.setting === "instanceType");
    assert.match(String(host?.message),
      /host m7i\.4xlarge in dev \((~\$\d+\.\d\d\/month|price not in the table for us-east-1)\) is larger than xlarge/);
    assert.deepStrictEqual(plan.violations, []);
    assert.match(renderText(plan),
      /^Warnings \(choices that cost or hurt; the plan still passes\):\n {2}- dbAllocatedStorageGb: 65536 GB/m);
    assert.ok(
      sizeRank("metal") > sizeRank("48xlarge") && sizeRank("2xlarge") > sizeRank("xlarge")
        && sizeRank("xlarge") > sizeRank("large"),
    );
  });

  it("warns that prod without alertEmail notifies nobody; dev as committed gets no warning", async () => {
    const prod = await planFor("prod");
    assert.deepStrictEqual(prod.warnings.map((w) => w.setting), ["alertEmail"]);
    assert.match(prod.warnings[0].message, /notify nobody/);
    assert.deepStrictEqual((await planFor("dev")).warnings, []);
  });
});

describe("plan output: instance families from AWS's list", () => {
  it("accepts x2iedn and the other families AWS publishes, with Graviton families as arm64", () => {
    const parse = (instanceType: string) =>
      parseConfig({ instanceType }, { project: "compose-on-ec2", stack: "dev", region: "us-east-1" });
    assert.strictEqual(parse("x2iedn.xlarge").host.arch, "x86_64");
    assert.strictEqual(parse("c7gn.large").host.arch, "arm64");
    assert.throws(() => parse("x2iedn.small"), /size "small" that family x2iedn does not offer/);
    for (const [family, arch] of [["t4g", "arm64"], ["a1", "arm64"], ["im4gn", "arm64"], ["is4gen", "arm64"], ["m7i",
      "x86_64"], ["g4dn", "x86_64"], ["g5g", "arm64"], ["t3", "x86_64"]]) {
      assert.strictEqual(familyArch(family), arch, family);
    }
    assert.ok(Object.keys(EC2_FAMILIES).length > 150, "the whole list, not a hand-picked few");
  });
});

describe("plan output: the critical path prices a step by what it does, not by its transport", function() {
  this.timeout(120000);
  it("gives the ssm deploy (a local command) the same estimate as the ssh deploy (a remote command)", async () => {
    const stepOf = (plan: PlanResult) => plan.criticalPath.steps.find((s) => s.name === "app-deploy");
    const ssh = stepOf(await planFor("dev"));
    const ssm = stepOf(await planFor("dev", undefined, { transport: "ssm" }));
    assert.strictEqual(ssm?.type, "command:local:Command");
    assert.strictEqual(ssh?.type, "command:remote:Command");
    assert.deepStrictEqual(ssm?.duration, ssh?.duration);
    assert.match(String(ssm?.duration.basis), /compose up/);
  });
});

describe("plan output: configuration errors", function() {
  this.timeout(60000);
  let dir = "";
  before(() => {
    dir = fs.mkdtempSync(path.join(ROOT, ".plan-output-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("names the stack file of a YAML error and titles it a configuration error", async () => {
    const file = path.join(path.relative(ROOT, dir), "Pulumi.broken.yaml");
    fs.writeFileSync(path.join(ROOT, file), "config:\n  aws:region: us-east-1\n  aws:region: us-east-2\n");
    assert.throws(() => planConfig("broken", file),
      (e: Error) => e.message.startsWith(`${file} is not valid YAML: duplicated mapping key (3:3)`));
    const failure = await runPlan({ stack: "broken", stackFile: file }).then(() => undefined, (e: unknown) => e);
    assert.match(failureText("broken", failure),
      new RegExp(
        `^plan broken: configuration error \\(nothing was planned\\):\\n${
          file.replace(/[.]/g, "\\.")
        } is not valid YAML`,
      ));
  });

  it("titles a refused setting a configuration error, not a failure of the mock engine", async () => {
    const failure = await runPlan({ stack: "dev", set: { instanceType: "t5.small" } }).then(() => undefined,
      (e: unknown) => e);
    const text = failureText("dev", failure);
    assert.match(text,
      /^plan dev: configuration error \(nothing was planned\):\nInvalid stack configuration \(1 problem\)/);
    assert.doesNotMatch(text, /mock engine/);
  });
});

describe("CLIs: one --help and one set of exit codes", function() {
  this.timeout(120000);
  const run = (script: string, args: string[]) =>
    spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts", script), ...args],
      { cwd: ROOT, encoding: "utf8", timeout: 60000 });

  it("treats --help/-h before any -- as a request for help, and tells bad usage (2) from failure (1)", () => {
    assert.ok(wantsHelp(["--stack", "dev", "--help"]) && wantsHelp(["-h"]));
    assert.ok(!wantsHelp(["exec", "web", "--", "manage.py", "--help"]));
    assert.strictEqual(describeFailure("x", new UsageError("bad")).code, EXIT.usage);
    assert.strictEqual(describeFailure("x", new Error("broke")).code, EXIT.failed);
    assert.deepStrictEqual(EXIT, { ok: 0, failed: 1, usage: 2 });
  });

  it("plan --help prints the usage and the exit codes (0); an unknown argument is bad usage (2)", () => {
    const help = run("plan.ts", ["--help"]);
    assert.strictEqual(help.status, 0, help.stderr);
    assert.match(help.stdout, /^usage: npm run plan -- --stack/);
    assert.match(help.stdout, /exit codes: 0 ok, 1 failed \(the reason on stderr\), 2 bad usage/);
    let refusal: unknown;
    try {
      parseArgs(["--stack", "dev", "--yes"]);
    } catch (e) {
      refusal = e;
    }
    const bad = describeFailure("plan", refusal);
    assert.strictEqual(bad.code, EXIT.usage);
    assert.match(bad.text, /^plan: unknown argument "--yes"/);
  });

  it("ops refuses a --key file that does not exist as bad usage (2), before any ssh", () => {
    const r = run("ops.ts", ["status", "--host", "127.0.0.1", "--key", path.join(os.tmpdir(), "no-such-key-file")]);
    assert.strictEqual(r.status, 2, r.stderr);
    assert.match(r.stderr, /^ops: --key .*no-such-key-file: no such file/);
  });

  it("sandbox: no command is bad usage (2), as in ops and plan", () => {
    const r = run("sandbox.ts", []);
    assert.strictEqual(r.status, 2);
    assert.match(r.stderr, /^sandbox: name a command/);
  });
});
