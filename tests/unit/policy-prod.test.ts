// The prod rules of the host's exposure (policy/prodRules.ts), the tightened SSH allowlist, and the
// stack rules failing closed when an output they read is missing: each with a passing and a failing case.
import * as assert from "assert";
import { checkAll, PolicyResource, RULES, Rule } from "../../policy/rules";

const rule = (name: string): Rule[] => {
  const found = RULES.filter((r) => r.name === name);
  assert.strictEqual(found.length, 1, `rule ${name} is registered`);
  return found;
};
const messages = (name: string, resources: PolicyResource[]) =>
  checkAll(resources, rule(name)).map((v) => `${v.resource}: ${v.message}`);
const LE = "https://acme-v02.api.letsencrypt.org/directory";
const LE_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";
const prodOutputs = { stage: "prod", hosting: "ec2", https: true, allowPlainHttp: false, acmeServer: LE, hsts: true };
const stack = (props: Record<string, unknown>): PolicyResource => ({ type: "pulumi:pulumi:Stack",
  name: "compose-on-ec2-prod", urn: "urn:stack", props, protect: false });
const host = (stage: string, metadataOptions: Record<string, unknown>): PolicyResource => ({
  type: "aws:ec2/instance:Instance",
  name: "host",
  urn: "urn:host",
  protect: false,
  props: { tags: { project: "p", stack: stage, stage }, metadataOptions },
});

describe("policy: prod's IMDS hop limit is 1", () => {
  it("passes a prod host with hop limit 1, and a dev host with 2", () => {
    assert.deepStrictEqual(
      messages("prod-imds-hop-limit-1", [host("prod", { httpTokens: "required", httpPutResponseHopLimit: 1 })]),
      [],
    );
    assert.deepStrictEqual(
      messages("prod-imds-hop-limit-1", [host("dev", { httpTokens: "required", httpPutResponseHopLimit: 2 })]),
      [],
    );
  });
  it("fails a prod host with hop limit 2 (containers reach the role), and one that leaves it unset", () => {
    assert.match(
      messages("prod-imds-hop-limit-1", [host("prod", { httpTokens: "required", httpPutResponseHopLimit: 2 })])[0]
        ?? "",
      /^host: metadataOptions\.httpPutResponseHopLimit is 2: in prod it must be 1/,
    );
    assert.match(messages("prod-imds-hop-limit-1", [host("prod", { httpTokens: "required" })])[0] ?? "",
      /is "unset": in prod it must be 1/);
  });
});

describe("policy: prod takes no certificate from an ACME staging directory", () => {
  it("passes prod on Let's Encrypt, a dev stack on staging, and prod on ecs (ACM)", () => {
    assert.deepStrictEqual(messages("prod-no-acme-staging", [stack(prodOutputs)]), []);
    assert.deepStrictEqual(
      messages("prod-no-acme-staging", [stack({ ...prodOutputs, stage: "dev", acmeServer: LE_STAGING })]),
      [],
    );
    assert.deepStrictEqual(
      messages("prod-no-acme-staging", [stack({ ...prodOutputs, hosting: "ecs", acmeServer: undefined })]),
      [],
    );
  });
  it("fails prod on Let's Encrypt's staging directory, naming the fix", () => {
    assert.deepStrictEqual(messages("prod-no-acme-staging", [stack({ ...prodOutputs, acmeServer: LE_STAGING })]), [
      `compose-on-ec2-prod: prod takes its certificate from ${LE_STAGING}, Let's Encrypt's staging directory, whose certificates browsers do not trust; remove acmeServer (prod's default is Let's Encrypt) or set it to a production directory`,
    ]);
  });
  it("fails closed when prod serves HTTPS on ec2 but the acmeServer output is missing", () => {
    assert.match(messages("prod-no-acme-staging", [stack({ ...prodOutputs, acmeServer: undefined })])[0] ?? "",
      /the stack output `acmeServer` is missing, so this rule cannot judge the stack and fails closed/);
  });
});

describe("policy: prod over HTTPS sends HSTS", () => {
  it("passes prod with hsts, and prod serving plain HTTP on purpose (nothing to pin)", () => {
    assert.deepStrictEqual(messages("prod-hsts-on", [stack(prodOutputs)]), []);
    assert.deepStrictEqual(
      messages("prod-hsts-on", [stack({ ...prodOutputs, https: false, allowPlainHttp: true, hsts: false })]),
      [],
    );
  });
  it("fails prod over HTTPS with hsts off, and fails closed without the hsts output", () => {
    assert.match(messages("prod-hsts-on", [stack({ ...prodOutputs, hsts: false })])[0] ?? "",
      /prod serves HTTPS without Strict-Transport-Security/);
    assert.match(messages("prod-hsts-on", [stack({ ...prodOutputs, hsts: undefined })])[0] ?? "",
      /the stack output `hsts` is missing/);
  });
});

describe("policy: stack rules fail closed on a missing output", () => {
  for (const name of ["prod-serves-https", "prod-no-acme-staging", "prod-hsts-on"]) {
    it(`${name} fails, rather than passes, when no stack outputs reach the policy`, () => {
      const found = messages(name, [host("prod", { httpTokens: "required", httpPutResponseHopLimit: 1 })]);
      assert.ok(
        found.length > 0
          && found.every((m) =>
            /^stack: the stack output `\w+` is missing \(no stack resource with outputs was given to the policy\)/.test(
              m,
            )
          ),
        found.join("\n"),
      );
    });
  }
  it("prod-serves-https fails on a stack resource without `stage`, and passes once it has it", () => {
    assert.deepStrictEqual(messages("prod-serves-https", [stack({ https: true })]).map((m) => m.split(",")[0]), [
      "compose-on-ec2-prod: the stack output `stage` is missing",
    ]);
    assert.deepStrictEqual(messages("prod-serves-https", [stack({ stage: "prod", https: true })]), []);
  });
});
