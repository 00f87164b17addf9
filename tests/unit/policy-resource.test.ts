// Policy that gates before anything changes: which rules judge one resource (CrossGuard's
// validateResource, run before that resource's step) and which truly need several; each rule changed
// or added here with a passing and a failing case on one resource alone; the pack's config from its
// reviewed files (complete, consistent, the stage required); CrossGuard handing that config through.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { POLICY_CONFIG_SCHEMA, PolicyConfig, PolicyResource, RULES, checkAll, stageOf } from "../../policy/rules";
import { crossGuardPolicies } from "../../policy/crossGuard";
import { POLICY_STAGES, policyConfigDocument, policyConfigPath, policyConfigValues,
  readPolicyConfig } from "../../policy/config";

const ROOT = path.resolve(__dirname, "..", "..");
const rule = (name: string) => {
  const found = RULES.find((r) => r.name === name);
  assert.ok(found, `rule ${name} is registered`);
  return found;
};
/** What a resource rule says about one resource given alone, as CrossGuard's Analyze hands it over. */
const alone = (name: string, r: PolicyResource, config?: PolicyConfig): string[] => {
  const found = rule(name);
  assert.strictEqual(found.scope, "resource", `${name} is a resource rule`);
  return found.checkResource?.(r, config) ?? [];
};
const tags = (stage: string) => ({ project: "compose-on-ec2", stack: stage, stage });

describe("policy: judged per resource wherever one resource suffices", () => {
  it("keeps as stack rules exactly those that need several resources or the stack's outputs", () => {
    const stackRules = RULES.filter((r) => r.scope === "stack").map((r) => r.name).sort();
    assert.deepStrictEqual(stackRules, [
      "db-admits-only-web", // the DB's groups, their rules and the web host's group
      "media-bucket-private", // the bucket and its public access block, encryption and versioning resources
      "no-stack-secret-in-container-env", // another resource's secret value
      "no-stack-secret-on-command-line", // another resource's secret value
      "prod-hsts-on",
      "prod-no-acme-staging",
      "prod-secrets-not-in-app-env",
      "prod-serves-https", // the stack's outputs
      "ssm-no-inbound-ssh", // the transport, seen in the deployment's commands
      "tasks-only-through-load-balancer", // the service, its groups and the load balancer's
    ]);
    for (const r of RULES.filter((x) => x.scope === "resource")) assert.ok(r.checkResource, r.name);
  });

  it("a resource rule's verdict on a stack is its verdict on each resource alone", () => {
    const resources: PolicyResource[] = [
      { type: "aws:ec2/securityGroup:SecurityGroup", name: "web-sg", protect: false,
        props: { tags: tags("prod"),
          ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] } },
      { type: "aws:rds/instance:Instance", name: "db", protect: false,
        props: { tags: tags("prod"), publiclyAccessible: true, vpcSecurityGroupIds: [] } },
    ];
    for (const r of RULES.filter((x) => x.scope === "resource")) {
      const together = checkAll(resources, [r], { stage: "prod" }).map((v) => `${v.resource}: ${v.message}`);
      const each = resources.flatMap((res) =>
        (r.checkResource?.(res, { stage: "prod" }) ?? []).map((m) => `${res.name}: ${m}`)
      );
      assert.deepStrictEqual(together, each, r.name);
    }
  });

  it("judges a resource by the pack's stage when the resource alone cannot tell (a command, an aws.ec2 SecurityGroupRule); prod wins", () => {
    assert.strictEqual(stageOf({ props: {} }, { stage: "prod" }), "prod");
    assert.strictEqual(stageOf({ props: { tags: tags("dev") } }, { stage: "prod" }), "prod");
    assert.strictEqual(stageOf({ props: { tags: tags("prod") } }, { stage: "dev" }), "prod");
    assert.strictEqual(stageOf({ props: {} }), undefined);
  });

  describe("no-world-ssh-in-prod, on one untagged rule", () => {
    const rule22 = (cidr: string): PolicyResource => ({ type: "aws:ec2/securityGroupRule:SecurityGroupRule",
      name: "ssh", protect: false,
      props: { type: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: [cidr],
        securityGroupId: "sg-1" } });
    it("passes the world on 22 in dev, and an allowlisted range in prod", () => {
      assert.deepStrictEqual(alone("no-world-ssh-in-prod", rule22("0.0.0.0/0"), { stage: "dev" }), []);
      assert.deepStrictEqual(alone("no-world-ssh-in-prod", rule22("203.0.113.0/24"), { stage: "prod" }), []);
    });
    it("fails the world on 22 when the pack's config says prod", () => {
      assert.deepStrictEqual(alone("no-world-ssh-in-prod", rule22("0.0.0.0/0"), { stage: "prod" }), [
        "port 22 is open to 0.0.0.0/0 in prod; set sshCidrs to your own ranges",
      ]);
    });
  });

  describe("prod-ssh-within-allowlist, on one rule, with the pack's allowlist", () => {
    const vpcRule = (cidr: string): PolicyResource => ({
      type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      name: "ssh",
      protect: false,
      props: { tags: tags("prod"), ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: cidr,
        securityGroupId: "sg-1" },
    });
    it("passes a range within the configured sshCidrs", () => {
      assert.deepStrictEqual(
        alone("prod-ssh-within-allowlist", vpcRule("203.0.113.8/29"), { stage: "prod", sshCidrs: ["203.0.113.0/24"] }),
        [],
      );
    });
    it("fails a range outside the allowlist, and one wider than /16 whatever the allowlist says", () => {
      assert.match(
        alone("prod-ssh-within-allowlist", vpcRule("198.51.100.0/24"), { stage: "prod",
          sshCidrs: ["203.0.113.0/24"] })[0] ?? "",
        /outside the configured allowlist \(sshCidrs: 203\.0\.113\.0\/24\)/,
      );
      assert.match(
        alone("prod-ssh-within-allowlist", vpcRule("10.0.0.0/8"), { stage: "prod", sshCidrs: ["10.0.0.0/8"] })[0] ?? "",
        /wider than \/16/,
      );
      // prod's reviewed file lists no range: any port 22 in prod is refused.
      assert.strictEqual(
        alone("prod-ssh-within-allowlist", vpcRule("203.0.113.0/24"), readPolicyConfig(ROOT, "prod")).length,
        1,
      );
    });
  });

  describe("roles-carry-permissions-boundary", () => {
    const BOUNDARY = "arn:aws:iam::123456789012:policy/compose-on-ec2-boundary";
    const role = (permissionsBoundary?: string): PolicyResource => ({ type: "aws:iam/role:Role", name: "host-role",
      protect: false, props: { tags: tags("dev"), permissionsBoundary } });
    it("passes a role with the configured boundary, and any role when no boundary is configured (separate accounts)", () => {
      assert.deepStrictEqual(
        alone("roles-carry-permissions-boundary", role(BOUNDARY), { stage: "dev", iamPermissionsBoundary: BOUNDARY }),
        [],
      );
      assert.deepStrictEqual(alone("roles-carry-permissions-boundary", role(), { stage: "dev" }), []);
    });
    it("fails a role without it, or with another, naming the setting", () => {
      assert.deepStrictEqual(
        alone("roles-carry-permissions-boundary", role(), { stage: "dev", iamPermissionsBoundary: BOUNDARY }),
        [
          `permissionsBoundary is "unset", not the account's boundary ${BOUNDARY}: set iamPermissionsBoundary: ${BOUNDARY} in the stack settings (every role of the stack then carries it)`,
        ],
      );
      assert.strictEqual(
        alone("roles-carry-permissions-boundary", role("arn:aws:iam::aws:policy/AdministratorAccess"), { stage: "dev",
          iamPermissionsBoundary: BOUNDARY }).length,
        1,
      );
    });
  });

  describe("no-secret-in-container-env on the task definition alone; no-stack-secret-in-container-env over the stack", () => {
    const task = (environment: { name: string; value: string }[]): PolicyResource => ({
      type: "aws:ecs/taskDefinition:TaskDefinition",
      name: "task",
      protect: false,
      props: {
        containerDefinitions: JSON.stringify([{ name: "web", environment,
          secrets: [{ name: "DATABASE_URL",
            valueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/app/DATABASE_URL" }] }]),
      },
    });
    const db: PolicyResource = { type: "aws:rds/instance:Instance", name: "db", protect: false,
      props: { password: "s3cr3t-Passw0rd-xyz" } };
    it("passes plain settings in `environment`", () => {
      assert.deepStrictEqual(alone("no-secret-in-container-env", task([{ name: "DJANGO_DEBUG", value: "0" }])), []);
      assert.deepStrictEqual(
        checkAll([task([{ name: "DJANGO_DEBUG", value: "0" }]), db], [rule("no-stack-secret-in-container-env")]),
        [],
      );
    });
    it("fails a secret-looking name on the task alone, and the database's password value only over the stack", () => {
      assert.deepStrictEqual(alone("no-secret-in-container-env", task([{ name: "API_TOKEN", value: "x" }])), [
        "container web: environment API_TOKEN is named like a secret; pass it through `secrets`",
      ]);
      const leaked = task([{ name: "DB_OPTS", value: "pw=s3cr3t-Passw0rd-xyz" }]);
      assert.deepStrictEqual(alone("no-secret-in-container-env", leaked), []);
      assert.deepStrictEqual(checkAll([leaked, db], [rule("no-stack-secret-in-container-env")]).map((v) => v.message), [
        "container web: environment DB_OPTS holds a secret value of this stack; pass it through `secrets`",
      ]);
    });
  });
});

describe("policy: the pack's config comes from a reviewed file per stage", () => {
  for (const stage of POLICY_STAGES) {
    it(`${policyConfigPath(stage)}: one section per rule that reads the config, all equal, naming the stage ${stage}`, () => {
      const document = JSON.parse(fs.readFileSync(path.join(ROOT, policyConfigPath(stage)), "utf8"));
      const values = policyConfigValues(policyConfigPath(stage), document);
      assert.strictEqual(values.stage, stage);
      assert.deepStrictEqual(document, policyConfigDocument(values, RULES));
    });
  }

  it("refuses a file whose sections disagree, naming the section", () => {
    assert.throws(() => policyConfigValues("policy/config.prod.json", { a: { stage: "prod" }, b: { stage: "dev" } }),
      /section b differs from a/);
    assert.throws(() => policyConfigValues("x.json", {}), /no policy section/);
  });

  it("requires the stage, so the CLI refuses to run the pack without its config file", () => {
    assert.deepStrictEqual(POLICY_CONFIG_SCHEMA.required, ["stage"]);
    const configured = crossGuardPolicies().filter((p) => "configSchema" in p && p.configSchema);
    assert.deepStrictEqual(configured.map((p) => p.name).sort(),
      RULES.filter((r) => r.configSchema).map((r) => r.name).sort());
    assert.ok(configured.length >= 5);
  });

  it("CrossGuard hands a resource rule the pack's config (getConfig), so an untagged resource of prod is judged as prod", async () => {
    const policy = crossGuardPolicies().find((p) => p.name === "no-world-ssh-in-prod") as unknown as {
      validateResource: (a: ResourceValidationArgs, r: ReportViolation) => void;
    };
    const run = async (config: PolicyConfig): Promise<string[]> => {
      const reports: string[] = [];
      const args = { type: "aws:ec2/securityGroupRule:SecurityGroupRule", name: "ssh", urn: "urn:ssh",
        getConfig: () => config,
        props: { type: "ingress", protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"] },
        opts: { protect: false } };
      await policy.validateResource(args as unknown as ResourceValidationArgs, (m) => {
        reports.push(m);
      });
      return reports;
    };
    assert.deepStrictEqual(await run({ stage: "dev" }), []);
    assert.deepStrictEqual(await run(readPolicyConfig(ROOT, "prod")), [
      "port 22 is open to ::/0 in prod; set sshCidrs to your own ranges",
    ]);
  });
});
