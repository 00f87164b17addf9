// HTTPS on an ec2 stack outside the host: the names pointed at the Elastic IP (Route 53 records, or
// the records to create by hand), the outputs and the plan that say where the certificate comes
// from, what the deployment hands the host and the app, the AWS mock's Route 53 refusals and the
// policy that a prod stack serves HTTPS unless it opts out.
import * as assert from "assert";
import type { ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { ACME_DIRECTORIES, certificateSource, parseConfig } from "../../components/config";
import { deploymentEnv, remoteSpecFor } from "../../components/deployment";
import { manualDnsRecords } from "../../components/loadBalancer";
import { SITE_RECORD_TTL_SECONDS, siteRecord } from "../../components/siteDns";
import { AwsMock, MockResource } from "../../lib/engine";
import { computeAws } from "../../lib/engine/awsResources";
import { crossGuardPolicies } from "../../policy/crossGuard";
import { plainHttpReason } from "../../policy/httpsRules";
import { checkAll, PolicyResource, RULES } from "../../policy/rules";
import { dnsLines, renderText } from "../../scripts/plan";
import { testAppSettings, cachedRun, planFor } from "../support/fixtures";

const ZONE = "Z0123456789ABCDEFGHIJ";
const NAMES = ["shop.your-company.test", "www.shop.your-company.test"];
const SITE = { domain: JSON.stringify(NAMES), acmeEmail: "ops@your-company.test" };
const of = (resources: MockResource[], type: string) => resources.filter((r) => r.type === type);
const parse = (raw: Record<string, unknown>, stack = "dev") =>
  parseConfig(raw, { project: "compose-on-ec2", stack, region: "us-east-1" });

describe("site DNS and certificate source (pure)", () => {
  it("points each name at the address with one A record of a five-minute TTL", () => {
    assert.deepStrictEqual(siteRecord("shop.your-company.test", ZONE, { address: "203.0.113.10" }), { zoneId: ZONE,
      name: "shop.your-company.test", type: "A", ttl: 300, records: ["203.0.113.10"] });
    assert.strictEqual(SITE_RECORD_TTL_SECONDS, 300);
  });

  it("lists the records to create by hand in the load balancer's format: A to the host, CNAME to the load balancer", () => {
    assert.deepStrictEqual(manualDnsRecords(NAMES, "203.0.113.10", "A"), ["shop.your-company.test A 203.0.113.10",
      "www.shop.your-company.test A 203.0.113.10"]);
    assert.deepStrictEqual(manualDnsRecords(["a.shop.test"], "lb.elb.amazonaws.com"), [
      "a.shop.test CNAME lb.elb.amazonaws.com",
    ]);
  });

  it("names the certificate source for each way a stack is served", () => {
    const source = (raw: Record<string, unknown>, stack = "dev") => {
      const c = parse(raw, stack);
      return certificateSource(c.hosting, c.site);
    };
    assert.strictEqual(source(SITE), "Let's Encrypt staging via HTTP-01 on the host");
    assert.strictEqual(source(SITE, "prod"), "Let's Encrypt via HTTP-01 on the host");
    assert.strictEqual(source({ ...SITE, acmeServer: "https://127.0.0.1:14000/dir" }),
      "the ACME server https://127.0.0.1:14000/dir via HTTP-01 on the host");
    assert.strictEqual(source({}), "none: plain HTTP (no domain)");
    assert.strictEqual(source({ allowPlainHttp: true }, "prod"), "none: plain HTTP (no domain; allowPlainHttp)");
    assert.strictEqual(source({ hosting: "ecs", cache: "redis", domain: '["a.shop.test"]', hostedZoneId: ZONE }),
      "ACM, validated through the Route 53 hosted zone");
    assert.strictEqual(source({ hosting: "ecs", cache: "redis", domain: '["a.shop.test"]' }),
      "none: plain HTTP (no hostedZoneId, which ACM needs)");
  });

  it("hands the host its TLS settings in the remote spec, and none without a domain", () => {
    const tls = { domains: NAMES, acmeEmail: "ops@your-company.test", acmeServer: ACME_DIRECTORIES.letsEncrypt,
      hsts: true };
    assert.deepStrictEqual(remoteSpecFor("shop", "/srv/x", testAppSettings(), {}, tls).tls, tls);
    assert.ok(!("tls" in remoteSpecFor("shop", "/srv/x", testAppSettings())));
  });

  it("tells the app its names and that it is reached over https, and nothing without a domain", () => {
    const base = { appEnv: {}, databaseUrl: "postgres://u:p@h:5432/app", secretKey: "k".repeat(64), releaseId: "r",
      allowedHosts: [...NAMES, "203.0.113.10"] };
    const env = deploymentEnv({ ...base, tls: { domains: NAMES } });
    assert.deepStrictEqual([env.SITE_DOMAINS, env.HTTPS, env.ALLOWED_HOSTS], [NAMES.join(","), "on",
      `${NAMES.join(",")},203.0.113.10`]);
    const plain = deploymentEnv(base);
    assert.deepStrictEqual([plain.SITE_DOMAINS, plain.HTTPS], [undefined, undefined]);
    assert.throws(() => deploymentEnv({ ...base, appEnv: { HTTPS: "off" }, tls: { domains: NAMES } }),
      /may not set HTTPS/);
  });
});

describe("AWS mock: what Route 53 refuses", () => {
  const mock = new AwsMock({ hostedZones: { [ZONE]: "your-company.test." } });
  const record = (inputs: Record<string, unknown>): string => {
    try {
      computeAws(mock, "aws:route53/record:Record", "r", inputs, (m) => new Error(m));
    } catch (e) {
      return (e as Error).message;
    }
    return "accepted";
  };
  const a = { zoneId: ZONE, name: "shop.your-company.test", type: "A", ttl: 300, records: ["203.0.113.10"] };

  it("accepts an A record inside the zone, in any case and with or without the final dot", () => {
    assert.strictEqual(record(a), "accepted");
    assert.strictEqual(record({ ...a, name: "Your-Company.test." }), "accepted");
  });
  it("refuses a name outside the zone, naming both", () => {
    assert.strictEqual(record({ ...a, name: "shop.elsewhere.test" }),
      "InvalidChangeBatch: RRSet with DNS name shop.elsewhere.test. is not permitted in zone your-company.test.");
    assert.match(record({ ...a, name: "notyour-company.test" }), /not permitted in zone/);
  });
  it("refuses a TTL outside 0..2147483647, a type Route 53 does not know, and values of the wrong family", () => {
    assert.match(record({ ...a, ttl: -1 }), /TTL -1 is outside 0\.\.2147483647/);
    assert.match(record({ ...a, ttl: 2147483648 }), /TTL/);
    assert.match(record({ ...a, type: "ALIAS" }), /record type ALIAS/);
    assert.match(record({ ...a, records: ["shop.your-company.test"] }), /must be an IPv4 address/);
    assert.match(record({ ...a, type: "AAAA", records: ["203.0.113.10"] }), /must be an IPv6 address/);
  });
});

/** dev with two names in a hosted zone the mock knows, once per test process. */
const zoneRun = () =>
  cachedRun("site-https-zone",
    () => ({ stack: "dev", config: { ...SITE, hostedZoneId: ZONE },
      mock: new AwsMock({ hostedZones: { [ZONE]: "your-company.test" } }) }));

describe("HTTPS on an ec2 stack under the AWS mock", function() {
  this.timeout(60000);

  it("with a hosted zone, points every name at the Elastic IP with A records and no AAAA (the host has no IPv6)", async () => {
    const { mock, outputs } = await zoneRun();
    const records = of(mock.resources, "aws:route53/record:Record").map((r) => r.inputs);
    const eip = mock.one("aws:ec2/eip:Eip").state.publicIp;
    assert.deepStrictEqual(records.map((r) => [r.name, r.type, r.records, r.ttl, r.zoneId]),
      NAMES.map((n) => [n, "A", [eip], 300, ZONE]));
    assert.deepStrictEqual([outputs.url, outputs.dnsRecordsToCreate, outputs.https, outputs.certificateSource], [
      `https://${NAMES[0]}`,
      [],
      true,
      "Let's Encrypt staging via HTTP-01 on the host",
    ]);
  });

  it("runs the deploy (which asks for the certificate through HTTP-01) only once every name's record exists", async () => {
    const { mock } = await zoneRun();
    const deploy = of(mock.resources, "command:remote:Command").find((r) => r.name === "app-deploy")!;
    const records = of(mock.resources, "aws:route53/record:Record");
    assert.strictEqual(records.length, NAMES.length);
    for (const r of records) {
      assert.ok(deploy.options.dependencies.includes(r.urn!),
        `app-deploy waits for ${r.name}:\n${deploy.options.dependencies.join("\n")}`);
    }
  });

  it("hands the deploy the names as allowed hosts and the app HTTPS in the .env it writes", async () => {
    const { mock } = await zoneRun();
    const deploy = of(mock.resources, "command:remote:Command").find((r) => r.name === "app-deploy");
    const env = String(deploy?.inputs.stdin ?? "");
    assert.match(env, new RegExp(`^SITE_DOMAINS='${NAMES.join(",")}'$`, "m"));
    assert.match(env, /^HTTPS='on'$/m);
    assert.match(env, new RegExp(`^ALLOWED_HOSTS='${NAMES.join(",")},`, "m"));
  });

  it("without a hosted zone, creates no record and prints the exact records in the output and the plan; prod then passes policy", async () => {
    const plan = await planFor("prod", undefined, { ...SITE, allowPlainHttp: "false" });
    const ip = String(plan.outputs.publicIp);
    assert.strictEqual(plan.resources.filter((r) => r.type === "aws:route53/record:Record").length, 0);
    assert.deepStrictEqual(plan.outputs.dnsRecordsToCreate, NAMES.map((n) => `${n} A ${ip}`));
    assert.deepStrictEqual(dnsLines(plan), NAMES.map((n) => `  Create this DNS record yourself: ${n} A ${ip}`));
    const text = renderText(plan);
    assert.match(text,
      /^Hosting: ec2, served at https:\/\/shop\.your-company\.test\n {2}Certificate: Let's Encrypt via HTTP-01 on the host$/m);
    assert.deepStrictEqual(plan.violations, []);
  });

  it("the committed prod stack serves plain HTTP on purpose, and the plan and policy say so", async () => {
    const plan = await planFor("prod");
    assert.strictEqual(plan.outputs.allowPlainHttp, true);
    assert.match(renderText(plan), /Certificate: none: plain HTTP \(no domain; allowPlainHttp\)/);
    assert.ok(!plan.violations.some((v) => v.policy === "prod-serves-https"));
  });
});

describe("policy: a prod stack serves HTTPS unless it opts out", () => {
  const stack = (props: Record<string, unknown>): PolicyResource => ({ type: "pulumi:pulumi:Stack",
    name: "compose-on-ec2-prod", props, protect: false });
  const rule = RULES.filter((r) => r.name === "prod-serves-https");
  const plainEc2 = { stage: "prod", https: false, allowPlainHttp: false,
    certificateSource: "none: plain HTTP (no domain)" };

  it("refuses prod ec2 without a domain, naming the settings that fix it", () => {
    assert.deepStrictEqual(checkAll([stack(plainEc2)], rule).map((v) => v.message), [
      "prod serves plain HTTP: no certificate: no domain. Set domain (and acmeEmail on ec2; hostedZoneId on ecs) to serve HTTPS, or set allowPlainHttp: true to serve plain HTTP on purpose",
    ]);
  });
  it("refuses prod ecs whose load balancer has no HTTPS listener, whatever the outputs claim", () => {
    const listener: PolicyResource = { type: "aws:lb/listener:Listener", name: "app-lb-http",
      props: { port: 80, protocol: "HTTP" }, protect: false };
    assert.strictEqual(checkAll([stack({ ...plainEc2, https: true }), listener], rule).length, 1);
    assert.strictEqual(plainHttpReason({ https: true }, [{ protocol: "HTTP" }]),
      "the load balancer has no HTTPS listener");
  });
  it("accepts prod with HTTPS, prod that opts out, and every other stage", () => {
    assert.deepStrictEqual(checkAll([stack({ ...plainEc2, https: true })], rule), []);
    assert.deepStrictEqual(checkAll([stack({ ...plainEc2, allowPlainHttp: true })], rule), []);
    assert.deepStrictEqual(checkAll([stack({ ...plainEc2, stage: "dev" })], rule), []);
  });
  it("reports through CrossGuard from the stack resource's outputs", () => {
    const policy = crossGuardPolicies(rule)[0] as {
      validateStack: (args: StackValidationArgs, report: ReportViolation) => void;
    };
    const reports: string[] = [];
    const args = {
      resources: [{ type: "pulumi:pulumi:Stack", name: "compose-on-ec2-prod", urn: "urn:stack", props: plainEc2,
        opts: {}, dependencies: [], propertyDependencies: {} }],
      getConfig: () => ({}),
    };
    policy.validateStack(args as unknown as StackValidationArgs, (m) => reports.push(m));
    assert.deepStrictEqual(reports.map((r) => r.split(":")[0]), ["compose-on-ec2-prod"]);
  });
});
