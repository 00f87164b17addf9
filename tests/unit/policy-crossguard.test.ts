// The CrossGuard adapters: every rule a mandatory policy, reporting through @pulumi/policy's callbacks.
import * as assert from "assert";
import type { PolicyResource as CgResource, ReportViolation, ResourceValidationArgs,
  StackValidationArgs } from "@pulumi/policy";
import { PolicyResource, RULES } from "../../policy/rules";
import { crossGuardPolicies } from "../../policy/crossGuard";
import { goodStack } from "../support/policy";

describe("CrossGuard adapters", () => {
  const policies = crossGuardPolicies();
  const byName = (name: string) => policies.find((p) => p.name === name) as unknown as Record<string, unknown>;

  it("registers every rule as a mandatory policy", () => {
    assert.deepStrictEqual(policies.map((p) => p.name), RULES.map((r) => r.name));
    assert.ok(policies.every((p) => p.enforcementLevel === "mandatory"));
  });

  it("a resource policy reports the rule's messages for the validated resource", async () => {
    const validate = byName("prod-data-protected").validateResource as (a: ResourceValidationArgs,
      r: ReportViolation) => void;
    const reports: string[] = [];
    const db = goodStack("prod").find((r) => r.name === "db") as PolicyResource;
    const args = { type: db.type, name: db.name, urn: "urn:db", props: { ...db.props, deletionProtection: false },
      getConfig: () => ({}),
      opts: { protect: true, ignoreChanges: [], aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] } };
    await validate(args as unknown as ResourceValidationArgs, (m) => {
      reports.push(m);
    });
    assert.deepStrictEqual(reports, ["deletionProtection is not true"]);
  });

  it("a stack policy reads opts.protect, dependencies and reports with the resource's urn", async () => {
    const validate = byName("db-admits-only-web").validateStack as (a: StackValidationArgs, r: ReportViolation) => void;
    const resources = goodStack("prod").map((r) =>
      ({ type: r.type, name: r.name, urn: r.urn ?? r.name, props: { ...r.props, id: r.id },
        opts: { protect: r.protect }, dependencies: [], propertyDependencies: {} }) as unknown as CgResource
    );
    const dbRule = resources.find((r) => r.name === "db-from-web") as CgResource;
    dbRule.props.cidrIpv4 = "0.0.0.0/0";
    const reports: { message: string; urn?: string }[] = [];
    await validate({ resources } as unknown as StackValidationArgs, (message, urn) => {
      reports.push({ message, urn });
    });
    assert.deepStrictEqual(reports, [{
      message: "db: db-sg (rule db-from-web) admits CIDRs 0.0.0.0/0; admit only the web security group",
      urn: "urn:db",
    }]);
  });
});
