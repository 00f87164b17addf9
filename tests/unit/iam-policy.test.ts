// The CI roles' IAM policies (scripts/lib/iam): generated from the offline plans, complete for every
// type a plan creates, scoped where IAM allows, and shown whole in docs/reference/iam-policies.md.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CI_ROLES, FEATURES, STAGES_OF_ROLE, allPolicies, ciPolicy, missingTokens, planUse, renderPolicyDoc,
  withPolicyDoc, DOC_BEGIN, DOC_END, POLICY_DOC } from "../../scripts/lib/iam/policy";
import { planFor } from "../../scripts/lib/plan/run";
import { PROJECT } from "../../lib/engine";

const statement = (policy: ReturnType<typeof ciPolicy>, sid: string) => policy.Statement.find((s) => s.Sid === sid);

describe("CI role IAM policies, generated from the plans", function() {
  this.timeout(300000);

  for (const { stage, hosting } of CI_ROLES) {
    it(`${stage}/${hosting}: every resource type and data source of the plan has IAM actions in the table`, async () => {
      const use = await planUse(stage, hosting);
      assert.ok(use.resourceTypes.length > 10, `the plan registered its resources: ${use.resourceTypes.join(", ")}`);
      assert.deepStrictEqual(missingTokens(use), [],
        "add the missing tokens to scripts/lib/iam/hostActions.ts, serviceActions.ts (resource types) or actions.ts (data sources)");
    });
  }

  it("refuses to generate a policy for a plan with a type the table lacks", () => {
    assert.throws(() => ciPolicy("dev", { resourceTypes: ["aws:ec2/natGateway:NatGateway"], calls: [] }),
      /no IAM actions known for aws:ec2\/natGateway:NatGateway/);
  });

  it("passes only the stack's own roles, each only to the service that uses it", async () => {
    for (const { stage, hosting } of CI_ROLES) {
      const policy = ciPolicy(stage, await planUse(stage, hosting));
      const pass = statement(policy, "PassOwnRoles");
      assert.ok(pass, `${stage}/${hosting} passes roles`);
      assert.deepStrictEqual(pass.Resource, STAGES_OF_ROLE[stage].map((s) => `arn:aws:iam::*:role/${PROJECT}/${s}/*`));
      assert.deepStrictEqual(pass.Condition, {
        StringEquals: { "iam:PassedToService": [hosting === "ec2" ? "ec2.amazonaws.com" : "ecs-tasks.amazonaws.com"] },
      });
      assert.ok(!policy.Statement.some((s) => s.Sid !== "PassOwnRoles" && s.Action.includes("iam:PassRole")),
        "PassRole nowhere else");
      assert.ok(
        !policy.Statement.some((s) =>
          s.Effect === "Allow" && s.Resource === "*" && s.Action.some((a) => a.startsWith("iam:"))
        ),
        "no IAM action allowed on *",
      );
      // The roles the plan creates are where the statement points.
      const plan = await planFor(stage, undefined, FEATURES[hosting]);
      const roles = plan.resources.filter((r) => r.type === "aws:iam/role:Role");
      assert.ok(roles.length > 0);
      for (const r of roles) {
        assert.match(String(r.inputs.path), new RegExp(`^/${PROJECT}/${stage}/${stage}/$`), r.name);
      }
    }
  });

  it("lets AWS create exactly the service-linked roles of the services the stack uses", async () => {
    const expected = {
      ec2: ["elasticache.amazonaws.com", "events.amazonaws.com", "rds.amazonaws.com"],
      ecs: ["ecs.amazonaws.com", "ecs.application-autoscaling.amazonaws.com", "elasticache.amazonaws.com",
        "elasticloadbalancing.amazonaws.com", "rds.amazonaws.com"],
    };
    for (const { stage, hosting } of CI_ROLES) {
      const slr = statement(ciPolicy(stage, await planUse(stage, hosting)), "ServiceLinkedRoles");
      assert.deepStrictEqual(slr?.Action, ["iam:CreateServiceLinkedRole"]);
      assert.deepStrictEqual(slr?.Condition, { StringEquals: { "iam:AWSServiceName": expected[hosting] } },
        `${stage}/${hosting}`);
    }
  });

  it("opens Session Manager only where the transport is ssm (prod on ec2), to the stage's hosts", async () => {
    for (const { stage, hosting } of CI_ROLES) {
      const policy = ciPolicy(stage, await planUse(stage, hosting));
      const session = statement(policy, "SessionToOwnHost");
      if (stage === "prod" && hosting === "ec2") {
        assert.deepStrictEqual(session?.Condition, { StringEquals: { "ssm:resourceTag/stage": ["prod"] } });
      } else assert.strictEqual(session, undefined, `${stage}/${hosting}`);
    }
  });

  describe("one account for several stages: the permissions boundary", () => {
    const BOUNDARY = "arn:aws:iam::123456789012:policy/compose-on-ec2-boundary";
    for (const { stage, hosting } of CI_ROLES) {
      it(`${stage}/${hosting}: every role carries it, the CI role may create and change roles only with it, never remove or swap it`, async () => {
        const use = await planUse(stage, hosting, BOUNDARY);
        assert.strictEqual(use.permissionsBoundary, BOUNDARY, "every role of the plan carries the boundary");
        const plan = await planFor(stage, undefined, { ...FEATURES[hosting], iamPermissionsBoundary: BOUNDARY });
        for (const r of plan.resources.filter((x) => x.type === "aws:iam/role:Role")) {
          assert.strictEqual(r.inputs.permissionsBoundary, BOUNDARY, r.name);
        }

        const policy = ciPolicy(stage, use);
        const allowed = statement(policy, "OwnRolesOnlyWithBoundary");
        assert.deepStrictEqual(allowed?.Condition, { StringEquals: { "iam:PermissionsBoundary": BOUNDARY } });
        for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"]) {
          assert.ok(allowed?.Action.includes(action), action);
        }
        // No other statement allows them, so the condition cannot be sidestepped.
        const unconditioned = policy.Statement.filter((s) =>
          s.Effect === "Allow" && s.Sid !== "OwnRolesOnlyWithBoundary"
          && s.Action.some((a) =>
            ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"].includes(
              a,
            )
          )
        );
        assert.deepStrictEqual(unconditioned, []);
        const deny = statement(policy, "NoRoleWithoutTheBoundary");
        assert.strictEqual(deny?.Effect, "Deny");
        assert.deepStrictEqual(deny?.Condition, { StringNotEquals: { "iam:PermissionsBoundary": BOUNDARY } });
        assert.ok(deny?.Action.includes("iam:CreateRole") && deny.Action.includes("iam:PutRolePermissionsBoundary"));
        assert.deepStrictEqual(statement(policy, "NoBoundaryRemoval"), { Sid: "NoBoundaryRemoval", Effect: "Deny",
          Action: ["iam:DeleteRolePermissionsBoundary"], Resource: "*" });
        assert.strictEqual(statement(policy, "NoBoundaryPolicyEdit")?.Resource, BOUNDARY);
      });
    }
    it("without a boundary (separate accounts), the policy neither requires nor mentions one", async () => {
      const policy = ciPolicy("prod", await planUse("prod", "ec2"));
      assert.ok(!JSON.stringify(policy).includes("PermissionsBoundary"));
    });
  });

  it("is shown whole in its reference page, exactly as generated (npm run iam-policy -- --write-docs)", async () => {
    const file = path.resolve(__dirname, "..", "..", POLICY_DOC);
    const doc = fs.readFileSync(file, "utf8");
    const generated = renderPolicyDoc(await allPolicies());
    assert.ok(doc.includes(DOC_BEGIN) && doc.includes(DOC_END));
    assert.strictEqual(withPolicyDoc(doc, generated), doc,
      `${POLICY_DOC} drifted: run npm run iam-policy -- --write-docs`);
  });
});
