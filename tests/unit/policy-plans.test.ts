// The offline plans of dev and prod pass every policy rule, and trip them when prod's DB loses its protection.
import * as assert from "assert";
import { checkAll } from "../../policy/rules";
import { planFor, plansBefore } from "../support/fixtures";

describe("the offline plans pass every rule", function() {
  this.timeout(60000);
  const plans = plansBefore({ dev: () => planFor("dev"), prod: () => planFor("prod") });

  for (const stack of ["dev", "prod"] as const) {
    it(`${stack}: no violations`, () => {
      assert.deepStrictEqual(plans[stack].violations, []);
    });
  }

  it("prod: the plan's resources trip the rules when the DB loses its protection", () => {
    const resources = plans.prod.policyResources.map((r) =>
      r.type === "aws:rds/instance:Instance"
        ? { ...r, protect: false, props: { ...r.props, deletionProtection: false } }
        : r
    );
    const messages = checkAll(resources).map((v) => v.message);
    assert.ok(messages.includes("deletionProtection is not true"), messages.join("\n"));
    assert.ok(messages.includes("the resource option protect is not set"), messages.join("\n"));
  });
});
