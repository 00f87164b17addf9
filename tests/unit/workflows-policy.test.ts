// The GitHub workflows (checked where they cannot be run): the policy verdict before anything changes. The
// offline plan judges every rule, and every pulumi/actions step that runs the pack passes its reviewed config.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { allJobs, job, type Job, type Step, usesAction, WORKFLOW_DIR } from "../support/workflows";

describe("workflows: the policy verdict before anything changes", () => {
  /** The index of the first step matching, or -1. */
  const stepIndex = (j: Job, match: (s: Step) => boolean): number => j.steps.findIndex(match);
  const planStep = (stack: RegExp) => (s: Step): boolean =>
    new RegExp(`^npm run --silent plan -- --stack ${stack.source}$`).test((s.run ?? "").trim());
  for (const [file, id, stack] of [["deploy.yml", "dev", /dev/], ["deploy.yml", "prod", /prod/], ["sandbox.yml", "up",
    /"pr-\$PR_NUMBER"/]] as const) {
    it(`${file} ${id}: the offline plan judges every rule with every value known, before any credential and before up`, () => {
      const j = job(file, id);
      const plan = stepIndex(j, planStep(stack));
      const credentials = stepIndex(j, (s) => usesAction(s, "aws-actions/configure-aws-credentials"));
      const up = stepIndex(j, (s) =>
        (usesAction(s, "pulumi/actions") && s.with?.command === "up")
        || /npm run --silent sandbox -- up /.test(s.run ?? ""));
      assert.ok(plan >= 0 && plan < credentials && credentials < up,
        `plan ${plan}, credentials ${credentials}, up ${up}`);
      // A failed verdict stops the job: the step may not be allowed to fail.
      assert.strictEqual((j.steps[plan] as Step & { "continue-on-error"?: boolean })["continue-on-error"], undefined);
    });
  }

  it("every pulumi/actions step that runs the pack passes its reviewed config file, which exists", () => {
    const withPack = allJobs().flatMap(({ file, id, job: j }) =>
      j.steps.filter((s) => usesAction(s, "pulumi/actions") && s.with?.policyPacks).map((s) => ({
        where: `${file} ${id}`,
        s,
      }))
    );
    assert.ok(withPack.length >= 3, withPack.map((w) => w.where).join(", "));
    for (const { where, s } of withPack) {
      const stage = s.with?.["stack-name"] === "prod" ? "prod" : "dev";
      assert.deepStrictEqual([s.with?.policyPacks, s.with?.policyPackConfigs], ["policy",
        `policy/config.${stage}.json`], where);
      assert.ok(fs.existsSync(path.join(WORKFLOW_DIR, "..", "..", String(s.with?.policyPackConfigs))), where);
    }
  });
});
