// The HTTPS settings: what a domain on ec2 needs (an ACME contact, a directory per stage, HSTS in
// prod), what each refusal names, and the plain-HTTP opt-out. Pure: parseConfig only.
import * as assert from "assert";
import { ACME_DIRECTORIES, acmeEmailProblem, acmeServerProblem, parseConfig,
  StackConfig } from "../../components/config";
import { problemsOfParse } from "./configProblems";

const ctx = { project: "compose-on-ec2", region: "us-east-1" };
const parse = (raw: Record<string, unknown>, stack = "dev"): StackConfig => parseConfig(raw, { ...ctx, stack });
const refused = (raw: Record<string, unknown>, stack = "dev") =>
  problemsOfParse(() => parse(raw, stack), JSON.stringify(raw));
const SITE = { domain: '["app.example.net.test","www.shop.test"]', acmeEmail: "ops@shop.test" };
const ZONE = "Z0123456789ABCDEFGHIJ";

describe("HTTPS settings on ec2", () => {
  it("gives the host a certificate for every name, from Let's Encrypt staging in dev and production in prod", () => {
    const dev = parse(SITE).site;
    assert.deepStrictEqual(dev, {
      tls: { domains: ["app.example.net.test", "www.shop.test"], acmeEmail: "ops@shop.test",
        acmeServer: ACME_DIRECTORIES.letsEncryptStaging, hsts: false },
      https: true,
      allowPlainHttp: false,
    });
    const prod = parse(SITE, "prod").site.tls;
    assert.deepStrictEqual([prod?.acmeServer, prod?.hsts], [ACME_DIRECTORIES.letsEncrypt, true]);
    assert.strictEqual(parse(SITE, "sandbox-ana").site.tls?.acmeServer, ACME_DIRECTORIES.letsEncryptStaging);
  });

  it("takes an own ACME directory and HSTS choice over the stage defaults", () => {
    const tls = parse({ ...SITE, acmeServer: "https://127.0.0.1:14000/dir", hsts: "true" }).site.tls;
    assert.deepStrictEqual([tls?.acmeServer, tls?.hsts], ["https://127.0.0.1:14000/dir", true]);
    assert.strictEqual(parse({ ...SITE, hsts: "false" }, "prod").site.tls?.hsts, false);
  });

  it("serves plain HTTP without a domain, with no certificate settings", () => {
    assert.deepStrictEqual(parse({}).site, { tls: undefined, https: false, allowPlainHttp: false });
    assert.deepStrictEqual(parse({ allowPlainHttp: "true" }, "prod").site, { tls: undefined, https: false,
      allowPlainHttp: true });
  });

  it("requires acmeEmail with a domain, naming the setting and the command that sets it", () => {
    assert.deepStrictEqual(refused({ domain: '["app.shop.test"]' }), [
      "compose-on-ec2:acmeEmail is not set, and a domain on hosting ec2 needs it for the ACME account. Fix: pulumi config set acmeEmail you@your-company.com",
    ]);
  });

  for (const [email, why] of [
    ["ops.shop.test", "must have exactly one @ (it has 0)"],
    ["ops@team@shop.test", "must have exactly one @ (it has 2)"],
    ["@shop.test", "has nothing before the @"],
    ["ops@localhost", 'has no dot in its domain part ("localhost"), or an empty label'],
    ["ops@shop..test", 'has no dot in its domain part ("shop..test"), or an empty label'],
    ["ops @shop.test", "has spaces or control characters"],
    ["ops@example.com", "is at example.com, a reserved example domain Let's Encrypt refuses as a contact"],
  ]) {
    it(`refuses the contact ${JSON.stringify(email)}: ${why}`, () => {
      assert.deepStrictEqual(refused({ ...SITE, acmeEmail: email }), [
        `compose-on-ec2:acmeEmail = ${
          JSON.stringify(email)
        }: ${why}. Fix: use an address that receives mail, e.g. ops@your-company.com`,
      ]);
    });
  }

  it("lets another ACME server (e.g. a test CA) take a contact at an example domain", () => {
    assert.strictEqual(acmeEmailProblem("ops@example.com", "https://127.0.0.1:14000/dir"), undefined);
  });

  it("refuses an ACME directory that is not an https URL", () => {
    assert.match(acmeServerProblem("http://acme.shop.test/dir") ?? "",
      /uses http: ACME directories are served over https/);
    assert.match(acmeServerProblem("acme.shop.test/dir") ?? "", /is not a URL/);
    assert.match(acmeServerProblem("https://user:pw@acme.shop.test/dir") ?? "", /credentials/);
    const [problem] = refused({ ...SITE, acmeServer: "http://acme.shop.test/dir" });
    assert.strictEqual(problem,
      `compose-on-ec2:acmeServer = "http://acme.shop.test/dir": uses http: ACME directories are served over https. Fix: use the https URL of the ACME directory, e.g. ${ACME_DIRECTORIES.letsEncrypt}, or remove acmeServer for the stage's default`);
  });

  it("refuses hsts other than true or false", () => {
    assert.match(refused({ ...SITE, hsts: "yes" })[0], /^compose-on-ec2:hsts = "yes": must be one of true, false/);
  });

  it("refuses a wildcard, which HTTP-01 cannot certify, even with a hosted zone, and says to list the names", () => {
    assert.deepStrictEqual(refused({ ...SITE, domain: '["*.shop.test"]', hostedZoneId: ZONE }), [
      'compose-on-ec2:domain = "*.shop.test": is a wildcard, which HTTP-01 validation cannot certify. '
      + "Fix: list each name instead (e.g. www.example.com): the host's certificate is validated over HTTP-01, which cannot certify a wildcard",
    ]);
  });

  it("refuses names with a scheme, a path or a port, with the bare name as the fix", () => {
    assert.deepStrictEqual(
      refused({ ...SITE, domain: '["https://app.shop.test","app.shop.test/x","app.shop.test:443"]' }).map((p) =>
        p.replace(/^.*Fix: /, "")
      ),
      [
        "use app.shop.test",
        "use app.shop.test",
        "use app.shop.test",
      ],
    );
  });

  it("refuses certificate settings without a domain, where no certificate is made", () => {
    assert.deepStrictEqual(refused({ acmeEmail: "ops@shop.test", hsts: "true" }), [
      'compose-on-ec2:acmeEmail = "ops@shop.test": is set without domain: without a name there is no certificate. Fix: also set domain, or remove acmeEmail',
      'compose-on-ec2:hsts = "true": is set without domain: without a name there is no certificate. Fix: also set domain, or remove hsts',
    ]);
  });

  it("serves HTTPS once a domain is set, even where allowPlainHttp is still true", () => {
    const site = parse({ ...SITE, allowPlainHttp: true }, "prod").site;
    assert.deepStrictEqual([site.https, site.tls?.domains], [true, ["app.example.net.test", "www.shop.test"]]);
  });
});

describe("HTTPS settings on ecs", () => {
  it("keeps wildcards with a hosted zone (ACM validates them through DNS) and needs no ACME settings", () => {
    const config = parse({ hosting: "ecs", cache: "redis", domain: '["*.shop.test","shop.test"]', hostedZoneId: ZONE });
    assert.deepStrictEqual(config.site, { tls: undefined, https: true, allowPlainHttp: false });
  });

  it("refuses the host's ACME settings, which ecs does not use", () => {
    assert.deepStrictEqual(
      refused({ hosting: "ecs", cache: "redis", domain: '["app.shop.test"]', hostedZoneId: ZONE,
        acmeEmail: "ops@shop.test" }),
      [
        'compose-on-ec2:acmeEmail = "ops@shop.test": applies to hosting ec2 only: on ecs the load balancer\'s certificate comes from ACM. Fix: remove acmeEmail',
      ],
    );
  });

  it("counts a domain without a hosted zone as plain HTTP, which prod may opt into", () => {
    assert.deepStrictEqual(
      parse({ hosting: "ecs", cache: "redis", domain: '["app.shop.test"]', allowPlainHttp: "true" }, "prod").site,
      { tls: undefined, https: false, allowPlainHttp: true },
    );
  });
});
