// Every policy rule has a passing and a failing case over plain resources, the CrossGuard
// adapters report through @pulumi/policy's callbacks, and the dev and prod plans pass every rule.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import type { PolicyResource as CgResource, ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import {
  PolicyResource, RULES, Rule, checkAll, dbAdmitsOnlyWeb, dbNotPublic, encryptedStorage, imdsV2, knownSecrets,
  noSecretOnCommandLine, noStackSecretOnCommandLine, noWorldSshInProd, prodDataProtected, requiredTags, secretOnCommandLine, stackStage,
} from "../../policy/rules";
import { crossGuardPolicies, defaultTagsOf } from "../../policy/crossGuard";
import { planFor, plansBefore } from "../support/fixtures";

const tags = (stage: string) => ({ project: "compose-on-ec2", stack: stage, stage });

/** A small, compliant stack: web SG + host, DB SG admitting only the web SG, RDS, deploy command. */
function goodStack(stage = "prod"): PolicyResource[] {
  return [
    { type: "aws:ec2/securityGroup:SecurityGroup", name: "web-sg", urn: "urn:web-sg", id: "sg-web", protect: false,
      props: { tags: tags(stage), ingress: [
        { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
        { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.0/24"] },
      ] } },
    { type: "aws:ec2/securityGroup:SecurityGroup", name: "db-sg", urn: "urn:db-sg", id: "sg-db", protect: false,
      props: { tags: tags(stage) } },
    { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "db-from-web", urn: "urn:db-from-web", id: "sgr-1", protect: false,
      props: { tags: tags(stage), securityGroupId: "sg-db", referencedSecurityGroupId: "sg-web", ipProtocol: "tcp", fromPort: 5432, toPort: 5432 } },
    { type: "aws:ec2/instance:Instance", name: "host", urn: "urn:host", id: "i-1", protect: false,
      props: { tags: tags(stage), vpcSecurityGroupIds: ["sg-web"], rootBlockDevice: { encrypted: true, volumeSize: 20 }, metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 } } },
    { type: "aws:rds/instance:Instance", name: "db", urn: "urn:db", id: "db-1", protect: stage === "prod",
      props: { tags: tags(stage), vpcSecurityGroupIds: ["sg-db"], publiclyAccessible: false, storageEncrypted: true,
        deletionProtection: stage === "prod", skipFinalSnapshot: stage !== "prod", finalSnapshotIdentifier: stage === "prod" ? "db-final-1" : undefined,
        password: "s3cr3t-Passw0rd-xyz" } },
    { type: "command:remote:Command", name: "deploy", urn: "urn:deploy", protect: false,
      props: { create: "set -e; cat > .env; ./deploy.sh", stdin: "DB_PASSWORD=s3cr3t-Passw0rd-xyz" } },
    // The outputs the stack rules read, as CrossGuard hands them: a prod site over HTTPS from Let's Encrypt.
    { type: "pulumi:pulumi:Stack", name: `compose-on-ec2-${stage}`, urn: "urn:stack", protect: false,
      props: { stage, hosting: "ec2", https: true, allowPlainHttp: false, acmeServer: "https://acme-v02.api.letsencrypt.org/directory", hsts: true } },
  ];
}

function change(resources: PolicyResource[], name: string, edit: (r: PolicyResource) => void): PolicyResource[] {
  const copy = JSON.parse(JSON.stringify(resources)) as PolicyResource[];
  const target = copy.find((r) => r.name === name);
  if (!target) throw new Error(`no ${name}`);
  edit(target);
  return copy;
}

const violationsOf = (rule: Rule, resources: PolicyResource[]) => checkAll(resources, [rule]).map((v) => `${v.resource}: ${v.message}`);

describe("policy rules over plain resources", () => {
  it("a compliant prod stack passes every rule", () => {
    assert.deepStrictEqual(checkAll(goodStack("prod")), []);
  });

  describe("db-not-public (per resource)", () => {
    it("passes a private DB in security groups of its own", () => {
      assert.deepStrictEqual(violationsOf(dbNotPublic, goodStack()), []);
    });
    it("fails when the DB is publicly accessible", () => {
      const bad = change(goodStack(), "db", (r) => { r.props.publiclyAccessible = true; });
      assert.match(violationsOf(dbNotPublic, bad).join("\n"), /publiclyAccessible/);
    });
    it("fails when the DB has no security group (the VPC default group would apply)", () => {
      const bad = change(goodStack(), "db", (r) => { r.props.vpcSecurityGroupIds = []; });
      assert.deepStrictEqual(violationsOf(dbNotPublic, bad), ["db: vpcSecurityGroupIds is empty: the VPC default group would apply"]);
    });
    it("judges the DB alone, as CrossGuard's Analyze hands it over", () => {
      const db = goodStack().find((r) => r.name === "db") as PolicyResource;
      assert.deepStrictEqual(dbNotPublic.checkResource?.({ ...db, props: { ...db.props, publiclyAccessible: true } }), ["publiclyAccessible is true: the database gets a public address"]);
    });
  });

  describe("db-admits-only-web (over the stack)", () => {
    it("passes when the DB SG admits only the web host's SG", () => {
      assert.deepStrictEqual(violationsOf(dbAdmitsOnlyWeb, goodStack()), []);
    });
    it("fails when the DB SG admits a CIDR", () => {
      const bad = change(goodStack(), "db-from-web", (r) => { delete r.props.referencedSecurityGroupId; r.props.cidrIpv4 = "10.0.0.0/8"; });
      assert.match(violationsOf(dbAdmitsOnlyWeb, bad).join("\n"), /admits CIDRs 10\.0\.0\.0\/8/);
    });
    it("fails when the DB SG admits a group other than the web host's", () => {
      const bad = change(goodStack(), "db-from-web", (r) => { r.props.referencedSecurityGroupId = "sg-other"; });
      assert.match(violationsOf(dbAdmitsOnlyWeb, bad).join("\n"), /not the web host's/);
    });
    it("fails when an inline ingress on the DB SG is open to the world", () => {
      const bad = change(goodStack(), "db-sg", (r) => { r.props.ingress = [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/0"] }]; });
      assert.match(violationsOf(dbAdmitsOnlyWeb, bad).join("\n"), /db-sg admits CIDRs 0\.0\.0\.0\/0/);
    });
    it("fails when the DB's groups are none of the stack's, so whom they admit is unknown", () => {
      const bad = change(goodStack(), "db", (r) => { r.props.vpcSecurityGroupIds = ["sg-elsewhere"]; });
      assert.match(violationsOf(dbAdmitsOnlyWeb, bad).join("\n"), /none of its vpcSecurityGroupIds is a security group of this stack/);
    });
    it("resolves groups by property dependency when ids are not known", () => {
      const byDeps = goodStack().map((r) => ({ ...r, id: undefined }));
      const db = byDeps.find((r) => r.name === "db") as PolicyResource;
      db.propertyDependencies = { vpcSecurityGroupIds: ["urn:db-sg"] };
      const rule = byDeps.find((r) => r.name === "db-from-web") as PolicyResource;
      rule.propertyDependencies = { securityGroupId: ["urn:db-sg"], referencedSecurityGroupId: ["urn:web-sg"] };
      const host = byDeps.find((r) => r.name === "host") as PolicyResource;
      host.propertyDependencies = { vpcSecurityGroupIds: ["urn:web-sg"] };
      assert.deepStrictEqual(violationsOf(dbAdmitsOnlyWeb, byDeps), []);
    });
  });

  describe("encrypted-storage", () => {
    it("passes with encrypted RDS storage and root volume", () => {
      assert.deepStrictEqual(violationsOf(encryptedStorage, goodStack()), []);
    });
    it("fails on unencrypted RDS storage, root volume and EBS volume", () => {
      let bad = change(goodStack(), "db", (r) => { r.props.storageEncrypted = false; });
      bad = change(bad, "host", (r) => { r.props.rootBlockDevice = { volumeSize: 20 }; });
      bad.push({ type: "aws:ebs/volume:Volume", name: "data", protect: false, props: { tags: tags("prod"), size: 10 } });
      assert.deepStrictEqual(violationsOf(encryptedStorage, bad), [
        "host: rootBlockDevice.encrypted is not true", "db: storageEncrypted is not true", "data: encrypted is not true",
      ]);
    });
  });

  describe("imdsv2-required", () => {
    it("passes when httpTokens is required", () => {
      assert.deepStrictEqual(violationsOf(imdsV2, goodStack()), []);
    });
    it("fails when metadataOptions are left at the default", () => {
      const bad = change(goodStack(), "host", (r) => { delete r.props.metadataOptions; });
      assert.deepStrictEqual(violationsOf(imdsV2, bad), ['host: metadataOptions.httpTokens is "unset", must be "required"']);
    });
  });

  describe("no-world-ssh-in-prod", () => {
    const worldSsh = (stage: string) => change(goodStack(stage), "web-sg", (r) => {
      (r.props.ingress as Record<string, unknown>[])[1].cidrBlocks = ["0.0.0.0/0"];
    });
    it("passes with SSH from an allowlist in prod", () => {
      assert.deepStrictEqual(violationsOf(noWorldSshInProd, goodStack("prod")), []);
    });
    it("allows SSH from the world in dev", () => {
      assert.deepStrictEqual(violationsOf(noWorldSshInProd, worldSsh("dev")), []);
    });
    it("refuses SSH from 0.0.0.0/0 in prod", () => {
      assert.match(violationsOf(noWorldSshInProd, worldSsh("prod")).join("\n"), /web-sg: port 22 is open to 0\.0\.0\.0\/0/);
    });
    it("refuses ::/0 on a separate all-protocol rule without tags, staged by the stack", () => {
      const bad = goodStack("prod");
      bad.push({ type: "aws:ec2/securityGroupRule:SecurityGroupRule", name: "all-v6", protect: false,
        props: { type: "ingress", protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"], securityGroupId: "sg-web" } });
      assert.match(violationsOf(noWorldSshInProd, bad).join("\n"), /all-v6: port 22 is open to ::\/0/);
    });
  });

  describe("prod-data-protected", () => {
    it("passes for a protected prod DB and ignores dev", () => {
      assert.deepStrictEqual(violationsOf(prodDataProtected, goodStack("prod")), []);
      assert.deepStrictEqual(violationsOf(prodDataProtected, goodStack("dev")), []);
    });
    it("fails for a prod DB without deletion protection, final snapshot or protect", () => {
      const bad = change(goodStack("prod"), "db", (r) => {
        r.protect = false; r.props.deletionProtection = false; r.props.skipFinalSnapshot = true; delete r.props.finalSnapshotIdentifier;
      });
      assert.deepStrictEqual(violationsOf(prodDataProtected, bad), [
        "db: deletionProtection is not true", "db: skipFinalSnapshot is true", "db: finalSnapshotIdentifier is not set",
        "db: the resource option protect is not set",
      ]);
    });
  });

  describe("required-tags", () => {
    it("passes when tags come from the provider's default tags", () => {
      const viaProvider = change(goodStack(), "host", (r) => { delete r.props.tags; r.providerDefaultTags = tags("prod"); });
      assert.deepStrictEqual(violationsOf(requiredTags, viaProvider), []);
    });
    it("reads provider default tags given as an object or JSON-encoded", () => {
      assert.deepStrictEqual(defaultTagsOf({ tags: { stage: "dev" } }), { stage: "dev" });
      assert.deepStrictEqual(defaultTagsOf('{"tags":{"stage":"prod"}}'), { stage: "prod" });
      assert.strictEqual(defaultTagsOf("not json"), undefined);
    });
    it("fails when a taggable resource lacks stack and stage", () => {
      const bad = change(goodStack(), "db-sg", (r) => { r.props.tags = { project: "compose-on-ec2" }; });
      assert.deepStrictEqual(violationsOf(requiredTags, bad), ["db-sg: missing tags: stack, stage"]);
    });
  });

  describe("no-secret-on-command-line", () => {
    it("passes when the secret goes via stdin", () => {
      assert.deepStrictEqual(violationsOf(noSecretOnCommandLine, goodStack()), []);
    });
    it("fails, on the command alone, when its create holds its own connection's password", () => {
      const bad = change(goodStack(), "deploy", (r) => { r.props.connection = { host: "h", password: "conn-pass-1234" }; r.props.create = "sshpass -p conn-pass-1234 ssh h"; });
      const deploy = bad.find((r) => r.name === "deploy") as PolicyResource;
      assert.deepStrictEqual(noSecretOnCommandLine.checkResource?.(deploy), ["create contains a secret value of this stack; pass it on stdin"]);
    });
    it("no-stack-secret-on-command-line: passes with the secret on stdin, fails when another resource's secret is in create", () => {
      assert.deepStrictEqual(violationsOf(noStackSecretOnCommandLine, goodStack()), []);
      const bad = change(goodStack(), "deploy", (r) => { r.props.create = "DB=s3cr3t-Passw0rd-xyz ./deploy.sh"; });
      assert.deepStrictEqual(violationsOf(noStackSecretOnCommandLine, bad), ["deploy: create contains a secret value of this stack; pass it on stdin"]);
      // The resource rule alone cannot know the database's password: that is why this one is a stack rule.
      assert.deepStrictEqual(violationsOf(noSecretOnCommandLine, bad), []);
    });
    it("fails on password-looking literals in update or delete", () => {
      const bad = change(goodStack(), "deploy", (r) => { r.props.delete = "PGPASSWORD=hunter22 psql -c 'drop'"; });
      assert.match(violationsOf(noSecretOnCommandLine, bad).join("\n"), /deploy: delete looks like a literal credential/);
    });
    it("recognises literal credentials but not references to variables", () => {
      assert.ok(secretOnCommandLine("mysql -uroot -pHunter2x db", []));
      assert.ok(secretOnCommandLine("psql postgres://app:pa55word@db:5432/app", []));
      assert.ok(secretOnCommandLine("tool --password s3cret", []));
      assert.strictEqual(secretOnCommandLine('PGPASSWORD="$DB_PASSWORD" psql', []), undefined);
      assert.strictEqual(secretOnCommandLine("grep -q '^DATABASE_URL=' .env && ./deploy.sh", []), undefined);
      assert.strictEqual(secretOnCommandLine("tool --password-stdin < file", []), undefined);
    });
    it("knows the secret values of well-known properties and plan-marked secrets", () => {
      const secrets = knownSecrets([
        { type: "random:index/randomPassword:RandomPassword", name: "pw", protect: false, props: { result: "abcdefgh12345" } },
        { type: "x:y:Z", name: "z", protect: false, props: {}, secretValues: ["marked-secret-1", "short"] },
      ]);
      assert.deepStrictEqual(secrets.sort(), ["abcdefgh12345", "marked-secret-1"]);
    });
  });

  it("derives the stack stage from stage tags, prod winning", () => {
    assert.strictEqual(stackStage([{ props: { tags: { stage: "dev" } } }, { props: {} }]), "dev");
    assert.strictEqual(stackStage([{ props: { tags: { stage: "dev" } } }, { props: { tagsAll: { stage: "prod" } } }]), "prod");
    assert.strictEqual(stackStage([{ props: {} }]), undefined);
  });
});

describe("CrossGuard adapters", () => {
  const policies = crossGuardPolicies();
  const byName = (name: string) => policies.find((p) => p.name === name) as unknown as Record<string, unknown>;

  it("registers every rule as a mandatory policy", () => {
    assert.deepStrictEqual(policies.map((p) => p.name), RULES.map((r) => r.name));
    assert.ok(policies.every((p) => p.enforcementLevel === "mandatory"));
  });

  it("a resource policy reports the rule's messages for the validated resource", async () => {
    const validate = byName("prod-data-protected").validateResource as (a: ResourceValidationArgs, r: ReportViolation) => void;
    const reports: string[] = [];
    const db = goodStack("prod").find((r) => r.name === "db") as PolicyResource;
    const args = { type: db.type, name: db.name, urn: "urn:db", props: { ...db.props, deletionProtection: false }, getConfig: () => ({}),
      opts: { protect: true, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] } };
    await validate(args as unknown as ResourceValidationArgs, (m) => { reports.push(m); });
    assert.deepStrictEqual(reports, ["deletionProtection is not true"]);
  });

  it("a stack policy reads opts.protect, dependencies and reports with the resource's urn", async () => {
    const validate = byName("db-admits-only-web").validateStack as (a: StackValidationArgs, r: ReportViolation) => void;
    const resources = goodStack("prod").map((r) => ({ type: r.type, name: r.name, urn: r.urn ?? r.name, props: { ...r.props, id: r.id },
      opts: { protect: r.protect }, dependencies: [], propertyDependencies: {} }) as unknown as CgResource);
    const dbRule = resources.find((r) => r.name === "db-from-web") as CgResource;
    dbRule.props.cidrIpv4 = "0.0.0.0/0";
    const reports: { message: string; urn?: string }[] = [];
    await validate({ resources } as unknown as StackValidationArgs, (message, urn) => { reports.push({ message, urn }); });
    assert.deepStrictEqual(reports, [{ message: "db: db-sg (rule db-from-web) admits CIDRs 0.0.0.0/0; admit only the web security group", urn: "urn:db" }]);
  });
});

describe("the policy pack served by @pulumi/policy (what the Pulumi CLI talks to)", function () {
  this.timeout(30000);
  let pack: ChildProcess | undefined;
  let client: analyzerrpc.AnalyzerClient;

  before(async () => {
    const policyDir = path.resolve(__dirname, "..", "..", "policy");
    // The CLI starts the pack in its directory and reads the gRPC port from its first stdout line.
    pack = spawn(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), "-e", 'require("./index.ts")'],
      { cwd: policyDir, stdio: ["ignore", "pipe", "pipe"] });
    const port = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("policy pack did not print its port within 20 s")), 20000);
      let err = "";
      pack?.stderr?.on("data", (d) => { err += String(d); });
      pack?.stdout?.once("data", (d) => { clearTimeout(timer); resolve(String(d).trim()); });
      pack?.once("exit", (code) => { clearTimeout(timer); reject(new Error(`policy pack exited ${code}: ${err}`)); });
    });
    client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  after(() => {
    client?.close();
    if (pack?.pid !== undefined && pack.exitCode === null) pack.kill("SIGTERM");
  });

  const toAnalyzerResource = (r: PolicyResource): analyzerpb.AnalyzerResource => {
    const res = new analyzerpb.AnalyzerResource();
    res.setType(r.type);
    res.setName(r.name);
    res.setUrn(r.urn ?? r.name);
    res.setProperties(structproto.Struct.fromJavaScript({ ...r.props, id: r.id ?? null } as Record<string, structproto.JavaScriptValue>));
    const opts = new analyzerpb.AnalyzerResourceOptions();
    opts.setProtect(r.protect);
    res.setOptions(opts);
    return res;
  };

  it("answers AnalyzeStack for a compliant prod stack with no diagnostics", async () => {
    const req = new analyzerpb.AnalyzeStackRequest();
    req.setResourcesList(goodStack("prod").map(toAnalyzerResource));
    const res = await new Promise<analyzerpb.AnalyzeResponse>((resolve, reject) =>
      client.analyzeStack(req, (err, r) => (err ? reject(err) : resolve(r))));
    assert.deepStrictEqual(res.getDiagnosticsList().map((d) => d.getMessage()), []);
  });

  it("reports mandatory violations from Analyze (one resource) and AnalyzeStack", async () => {
    const bad = change(change(goodStack("prod"), "db", (r) => { r.protect = false; }), "web-sg", (r) => {
      (r.props.ingress as Record<string, unknown>[])[1].cidrBlocks = ["0.0.0.0/0"];
    });
    const stackReq = new analyzerpb.AnalyzeStackRequest();
    stackReq.setResourcesList(bad.map(toAnalyzerResource));
    const stackRes = await new Promise<analyzerpb.AnalyzeResponse>((resolve, reject) =>
      client.analyzeStack(stackReq, (err, r) => (err ? reject(err) : resolve(r))));
    // Both broken rules are resource rules now: the stack analysis, which runs after every step, has nothing to add.
    assert.deepStrictEqual(stackRes.getDiagnosticsList().map((d) => d.getPolicyname()), []);

    const analyze = async (r: PolicyResource): Promise<analyzerpb.AnalyzeDiagnostic[]> => {
      const one = toAnalyzerResource(r);
      const req = new analyzerpb.AnalyzeRequest();
      req.setType(one.getType());
      req.setName(one.getName());
      req.setUrn(one.getUrn());
      req.setProperties(one.getProperties());
      req.setOptions(one.getOptions());
      const res = await new Promise<analyzerpb.AnalyzeResponse>((resolve, reject) =>
        client.analyze(req, (err, out) => (err ? reject(err) : resolve(out))));
      return res.getDiagnosticsList();
    };
    // The world on prod's port 22 breaks the world rule and the allowlist rule, judged on the group alone,
    // before it is created (no pack config here: the group's own stage tag says prod).
    const sgDiags = await analyze(bad.find((r) => r.name === "web-sg") as PolicyResource);
    assert.deepStrictEqual(sgDiags.map((d) => [d.getPolicyname(), d.getEnforcementlevel()]), [
      ["no-world-ssh-in-prod", analyzerpb.EnforcementLevel.MANDATORY], ["prod-ssh-within-allowlist", analyzerpb.EnforcementLevel.MANDATORY],
    ]);
    // The server prefixes each message with the policy's description.
    const diags = await analyze(bad.find((r) => r.name === "db") as PolicyResource);
    assert.deepStrictEqual(diags.map((d) => [d.getPolicyname(), d.getEnforcementlevel()]), [["prod-data-protected", analyzerpb.EnforcementLevel.MANDATORY]]);
    assert.match(diags[0].getMessage(), /\nthe resource option protect is not set$/);
  });
});

describe("the offline plans pass every rule", function () {
  this.timeout(60000);
  const plans = plansBefore({ dev: () => planFor("dev"), prod: () => planFor("prod") });

  for (const stack of ["dev", "prod"] as const) {
    it(`${stack}: no violations`, () => {
      assert.deepStrictEqual(plans[stack].violations, []);
    });
  }

  it("prod: the plan's resources trip the rules when the DB loses its protection", () => {
    const resources = plans.prod.policyResources.map((r) =>
      r.type === "aws:rds/instance:Instance" ? { ...r, protect: false, props: { ...r.props, deletionProtection: false } } : r);
    const messages = checkAll(resources).map((v) => v.message);
    assert.ok(messages.includes("deletionProtection is not true"), messages.join("\n"));
    assert.ok(messages.includes("the resource option protect is not set"), messages.join("\n"));
  });
});
