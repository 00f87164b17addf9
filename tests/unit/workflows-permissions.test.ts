// The GitHub workflows (checked where they cannot be run): least privilege, AWS credentials through OIDC only,
// prod's credentials and secrets only behind the production environment and never where a pull request triggers.
import * as assert from "assert";
import { allJobs, environmentOf, pulumiCommand, releaseOf, stackOf, texts, usesAction, usesAws,
  workflows } from "../support/workflows";

describe("workflows: permissions and credentials", () => {
  it("grant nothing at the top level but contents: read", () => {
    for (const [file, wf] of workflows) {
      assert.ok(wf.permissions !== undefined, `${file}: top-level permissions missing (defaults may be write-all)`);
      const extra = Object.entries(wf.permissions).filter(([scope, level]) =>
        !(scope === "contents" && level === "read")
      );
      assert.deepStrictEqual(extra, [], `${file}: top-level permissions`);
    }
  });

  it("ask for id-token: write exactly in the jobs that assume an AWS role", () => {
    for (const { file, id, job } of allJobs()) {
      const idToken = (job.permissions ?? {})["id-token"] === "write";
      assert.strictEqual(idToken, usesAws(job), `${file} ${id}: id-token write ${idToken}, uses AWS ${usesAws(job)}`);
    }
  });

  it("ask for pull-requests: write only where a job comments on the PR", () => {
    for (const { file, id, job } of allJobs()) {
      const comments = job.steps.some((step) =>
        step.with?.["comment-on-pr"] === true || /createComment|updateComment/.test(String(step.with?.script ?? ""))
      );
      assert.strictEqual((job.permissions ?? {})["pull-requests"] === "write", comments, `${file} ${id}`);
    }
  });

  it("get AWS credentials only through OIDC role assumption, never access keys", () => {
    for (const [file, text] of texts) {
      assert.doesNotMatch(text, /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/,
        file);
    }
    for (const { file, id, job } of allJobs().filter(({ job }) => usesAws(job))) {
      const step = job.steps.find((s) => usesAction(s, "aws-actions/configure-aws-credentials"));
      assert.match(releaseOf(step), /^aws-actions\/configure-aws-credentials@v4\./, `${file} ${id}`);
      assert.match(String(step?.with?.["role-to-assume"]), /^\$\{\{ secrets\.AWS_(PROD_)?ROLE_ARN \}\}$/,
        `${file} ${id}`);
    }
  });

  it("read prod's secrets only in jobs behind the production environment", () => {
    for (const { file, id, job } of allJobs()) {
      const prodSecrets = JSON.stringify(job).match(/secrets\.\w*PROD\w*/g) ?? [];
      if (environmentOf(job) !== "production") assert.deepStrictEqual(prodSecrets, [], `${file} ${id}`);
    }
  });

  it("run prod only with prod's own role, Pulumi token and passphrase, never the shared ones", () => {
    const prodJobs = allJobs().filter(({ job }) => stackOf(job) === "prod");
    assert.ok(prodJobs.length > 0, "no job runs the prod stack");
    for (const { file, id, job } of prodJobs) {
      assert.strictEqual(environmentOf(job), "production", `${file} ${id}`);
      const aws = job.steps.find((s) => usesAction(s, "aws-actions/configure-aws-credentials"));
      const pulumi = job.steps.find((s) => usesAction(s, "pulumi/actions") && s.with?.command);
      assert.strictEqual(aws?.with?.["role-to-assume"], "${{ secrets.AWS_PROD_ROLE_ARN }}", `${file} ${id}`);
      assert.deepStrictEqual(pulumi?.env, {
        PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_PROD_ACCESS_TOKEN }}",
        PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_PROD_CONFIG_PASSPHRASE }}",
      }, `${file} ${id}`);
    }
  });

  it("never run prod or read a prod secret in a workflow a pull request triggers", () => {
    for (const [file, wf] of workflows) {
      if (!("pull_request" in wf.on) && !("pull_request_target" in wf.on)) continue;
      assert.doesNotMatch(texts.get(file) ?? "", /secrets\.\w*PROD|environment:\s*(name:\s*)?production/, file);
      // Named literally: a matrix or expression could expand to prod.
      for (const [id, j] of Object.entries(wf.jobs)) {
        if (pulumiCommand(j)) assert.strictEqual(stackOf(j), "dev", `${file} ${id}`);
      }
    }
  });

  it("keep each AWS session at least as long as its job may run, within STS's 12 h", () => {
    for (const { file, id, job } of allJobs().filter(({ job }) => usesAws(job))) {
      const timeout = job["timeout-minutes"];
      assert.ok(timeout !== undefined, `${file} ${id}: no timeout-minutes (GitHub's default is 6 h)`);
      const step = job.steps.find((s) => usesAction(s, "aws-actions/configure-aws-credentials"));
      // configure-aws-credentials asks for 1 h unless told otherwise.
      const seconds = Number(step?.with?.["role-duration-seconds"] ?? 3600);
      assert.ok(seconds >= timeout * 60 && seconds <= 43200,
        `${file} ${id}: session ${seconds}s, job up to ${timeout * 60}s`);
    }
  });

  it("pass Pulumi tokens and passphrases to steps only, never to npm ci or the whole workflow", () => {
    for (const [file, wf] of workflows) {
      for (const env of [wf.env ?? {}, ...Object.values(wf.jobs).map((j) => j.env ?? {})]) {
        assert.ok(!("PULUMI_ACCESS_TOKEN" in env) && !("PULUMI_CONFIG_PASSPHRASE" in env),
          `${file}: secret in workflow/job env`);
      }
    }
  });
});
