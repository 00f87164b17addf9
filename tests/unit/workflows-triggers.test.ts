// The GitHub workflows (checked where they cannot be run): what runs when. Previews and offline plans on PRs,
// deploys after the tests, prod only from main, sandboxes per PR, the pinned Session Manager plugin, first runs
// that create their stack.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { allJobs, job, pulumiCommand, sandboxCommand, type Step, texts, touchesStacks, triggers, usesAction,
  WORKFLOW_DIR, workflows, type YamlMap } from "../support/workflows";

describe("workflows: what runs when", () => {
  it("preview only dev with credentials, on trusted PRs, with the policy pack and one edited comment", () => {
    const preview = job("preview.yml", "preview");
    const step = preview.steps.find((s) => usesAction(s, "pulumi/actions"));
    assert.deepStrictEqual(
      [step?.with?.command, step?.with?.["stack-name"], step?.with?.policyPacks, step?.with?.["comment-on-pr"],
        step?.with?.["edit-pr-comment"]],
      ["preview", "dev", "policy", true, true],
    );
    assert.match(preview.if ?? "", /head\.repo\.full_name == github\.repository/);
  });

  it("show every PR the offline plan of dev and prod and its change from the base commit, without secrets", () => {
    const plan = job("preview.yml", "offline-plan");
    assert.strictEqual(plan.if, undefined, "every PR, forks included");
    assert.deepStrictEqual(plan.permissions, { contents: "read" });
    assert.doesNotMatch(JSON.stringify(plan), /secrets\./);
    assert.match(JSON.stringify(plan), /"stack":\["dev","prod"\]/);
    const base = plan.steps.find((s) =>
      usesAction(s, "actions/checkout") && s.with?.ref === "${{ github.event.pull_request.base.sha }}"
    );
    assert.ok(base?.with?.path, "the base commit is checked out beside the PR");
    const run = plan.steps.find((s) => /offline-plan\.sh/.test(s.run ?? ""))?.run ?? "";
    assert.strictEqual(run, `bash .github/workflows/offline-plan.sh "$STACK" ${base.with.path}`);
    const script = fs.readFileSync(path.join(WORKFLOW_DIR, "offline-plan.sh"), "utf8");
    assert.match(script, /npm run --silent plan -- --stack "\$stack"/);
    assert.match(script, /diff -u/);
    assert.match(script, /GITHUB_STEP_SUMMARY/);
  });

  it("update dev on pushes to main and prod on v* tags or dispatch, behind the production environment", () => {
    const on = triggers("deploy.yml");
    assert.deepStrictEqual(on.push, { branches: ["main"], tags: ["v*"] });
    assert.ok("workflow_dispatch" in on);
    const dev = job("deploy.yml", "dev");
    const prod = job("deploy.yml", "prod");
    assert.deepStrictEqual([pulumiCommand(dev), dev.environment], ["up", undefined]);
    assert.match(dev.if ?? "", /github\.ref == 'refs\/heads\/main'/);
    assert.strictEqual(pulumiCommand(prod), "up");
    assert.deepStrictEqual(prod.environment, { name: "production", url: "${{ steps.up.outputs.url }}" });
    assert.match(prod.if ?? "", /refs\/tags\/v/);
    assert.match(prod.if ?? "", /workflow_dispatch/);
  });

  it("refuse, in prod, a commit that is not on main, with full history, before any credential", () => {
    const prod = job("deploy.yml", "prod");
    const checkout = prod.steps.findIndex((st) => usesAction(st, "actions/checkout"));
    const onMain = prod.steps.findIndex((st) => /^bash scripts\/runner\/require-on-main\.sh$/.test(st.run ?? ""));
    const credentials = prod.steps.findIndex((st) => usesAction(st, "aws-actions/configure-aws-credentials"));
    assert.ok(checkout >= 0 && checkout < onMain && onMain < credentials,
      `checkout ${checkout}, on-main check ${onMain}, credentials ${credentials}`);
    assert.strictEqual(prod.steps[checkout].with?.["fetch-depth"], 0);
  });

  const installsPlugin = (s: Step): boolean =>
    (s.run ?? "").trim() === "bash scripts/runner/install-session-manager-plugin.sh";
  for (const [file, id, what] of [["deploy.yml", "prod", "pulumi up (prod's transport is ssm)"], ["sandbox.yml",
    "destroy", "the sandbox destroy"], ["reaper.yml", "reap", "the reaper's destroys"]] as const) {
    it(`install the pinned Session Manager plugin before ${what}, after the AWS credentials`, () => {
      const j = job(file, id);
      const install = j.steps.findIndex(installsPlugin);
      const stack = j.steps.findIndex((s) =>
        (usesAction(s, "pulumi/actions") && s.with?.command !== undefined)
        || /npm run (?:--silent )?sandbox -- /.test(s.run ?? "")
      );
      const aws = j.steps.findIndex((s) => usesAction(s, "aws-actions/configure-aws-credentials"));
      assert.ok(install >= 0 && aws < install && install < stack,
        `${file} ${id}: steps aws ${aws}, install ${install}, stack ${stack}`);
      assert.ok(!("SESSION_MANAGER_PLUGIN_VERSION" in { ...j.env, ...j.steps[install].env }),
        "no version beside the script's own pin");
    });
  }

  it("pin the Session Manager plugin once, in the install script: a fixed version and a sha256 slot it refuses to run without", () => {
    const script = fs.readFileSync(
      path.join(__dirname, "..", "..", "scripts", "runner", "install-session-manager-plugin.sh"),
      "utf8",
    );
    assert.match(script, /^readonly SESSION_MANAGER_PLUGIN_VERSION="\d+\.\d+\.\d+\.\d+"$/m,
      "a pinned version, never latest");
    assert.match(script, /^readonly SESSION_MANAGER_PLUGIN_SHA256="([0-9a-f]{64})?"$/m,
      "a pinned checksum (or the empty slot the install refuses)");
    for (const text of texts.values()) {
      assert.doesNotMatch(text, /SESSION_MANAGER_PLUGIN_(VERSION|SHA256)/, "no second pin in a workflow");
    }
  });

  it("the plugin install refuses to run while its sha256 is not pinned, naming where to pin it", function() {
    const script = path.join(__dirname, "..", "..", "scripts", "runner", "install-session-manager-plugin.sh");
    if (/^readonly SESSION_MANAGER_PLUGIN_SHA256="[0-9a-f]{64}"$/m.test(fs.readFileSync(script, "utf8"))) this.skip();
    const r = spawnSync("bash", [script], { encoding: "utf8", env: { ...process.env, PATH: "/usr/bin:/bin" } });
    assert.notStrictEqual(r.status, 0);
    assert.match(r.stderr,
      /no sha256 pinned for .*session-manager-plugin\.deb.*SESSION_MANAGER_PLUGIN_SHA256 in scripts\/runner\/install-session-manager-plugin\.sh/);
  });

  it("create the stack on a first run: every pulumi/actions command upserts with the backend's secrets provider", () => {
    const steps = allJobs().flatMap(({ file, id, job }) =>
      job.steps.filter((s) => usesAction(s, "pulumi/actions") && s.with?.command).map((s) => ({ where: `${file} ${id}`,
        step: s })
      )
    );
    assert.ok(steps.length >= 3);
    for (const { where, step } of steps) {
      assert.strictEqual(step.with?.upsert, true, where);
      assert.strictEqual(
        step.with?.["secrets-provider"],
        "${{ startsWith(env.PULUMI_BACKEND_URL, 'https://') && 'default' || 'passphrase' }}",
        `${where}: Pulumi Cloud's provider, or a passphrase on a self-managed backend`,
      );
    }
  });

  it("restore a self-managed stack's passphrase salt from its state in every workflow that touches stacks", () => {
    for (const [file, wf] of workflows) {
      if (!Object.values(wf.jobs).some(touchesStacks)) continue;
      assert.strictEqual(wf.env?.PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER, "true", file);
    }
  });

  it("set up QEMU for arm64 and buildx before every job that may build images (up)", () => {
    const builders = allJobs().filter(({ job }) => pulumiCommand(job) === "up" || sandboxCommand(job) === "up");
    assert.ok(builders.length >= 3);
    for (const { file, id, job } of builders) {
      const at = (action: string) => job.steps.findIndex((s) => usesAction(s, action));
      const build = job.steps.findIndex((s) =>
        usesAction(s, "pulumi/actions") && s.with?.command || sandboxCommand({ steps: [s] }) === "up"
      );
      const qemu = job.steps[at("docker/setup-qemu-action")];
      assert.match(String(qemu?.with?.platforms ?? ""), /arm64/, `${file} ${id}`);
      // Its binfmt image at a release tag and pinned by digest, never the action's default `latest`.
      assert.match(String(qemu?.with?.image ?? ""),
        /^docker\.io\/tonistiigi\/binfmt:qemu-v\d+\.\d+\.\d+-\d+@sha256:[0-9a-f]{64}$/, `${file} ${id}`);
      assert.ok(
        at("docker/setup-qemu-action") < build && at("docker/setup-buildx-action") >= 0
          && at("docker/setup-buildx-action") < build,
        `${file} ${id}`,
      );
    }
  });

  it("deploy only after the tests of the same commit pass", () => {
    assert.ok("workflow_call" in triggers("test.yml"));
    assert.ok(job("test.yml", "test").steps.some((s) => s.run === "npm test"));
    const testJobs = Object.entries(workflows.get("deploy.yml")?.jobs ?? {})
      .filter(([, j]) => j.uses === "./.github/workflows/test.yml").map(([id]) => id);
    assert.strictEqual(testJobs.length, 1);
    for (const id of ["dev", "prod"]) {
      const needs = ([] as string[]).concat(job("deploy.yml", id).needs ?? []);
      assert.ok(needs.includes(testJobs[0]), `deploy.yml ${id} needs ${needs}`);
    }
  });

  it("create/update sandbox pr-<n> on PR activity and destroy it on close, never for forks", () => {
    assert.deepStrictEqual((triggers("sandbox.yml").pull_request as YamlMap).types, ["opened", "synchronize",
      "reopened", "closed"]);
    const up = job("sandbox.yml", "up");
    const destroy = job("sandbox.yml", "destroy");
    assert.ok(up.steps.some((s) => /sandbox -- up "pr-\$PR_NUMBER" --ttl/.test(s.run ?? "")));
    assert.ok(destroy.steps.some((s) => /sandbox -- destroy "pr-\$PR_NUMBER"/.test(s.run ?? "")));
    assert.match(up.if ?? "", /github\.event\.action != 'closed'/);
    assert.match(destroy.if ?? "", /github\.event\.action == 'closed'/);
    for (const j of [up, destroy]) assert.match(j.if ?? "", /head\.repo\.full_name == github\.repository/);
  });

  it("release the sandbox's lock when its up is cancelled or times out, right after the up step", () => {
    const steps = job("sandbox.yml", "up").steps;
    const upAt = steps.findIndex((s) => /sandbox -- up "pr-\$PR_NUMBER"/.test(s.run ?? ""));
    const unlock = steps[upAt + 1];
    assert.match(unlock?.run ?? "", /sandbox -- unlock "pr-\$PR_NUMBER"/);
    assert.strictEqual((unlock as { if?: string }).if, "cancelled()");
  });

  it("reap expired sandboxes on a schedule", () => {
    const schedule = triggers("reaper.yml").schedule as { cron: string }[];
    assert.strictEqual(schedule.length, 1);
    assert.match(schedule[0].cron, /^\S+ \S+ \S+ \S+ \S+$/);
    assert.strictEqual(sandboxCommand(job("reaper.yml", "reap")), "reap");
  });

  it("never interpolate PR-controlled text straight into a shell line", () => {
    for (const { file, id, job } of allJobs()) {
      for (const step of job.steps) assert.doesNotMatch(step.run ?? "", /\$\{\{[^}]*github\.event\./, `${file} ${id}`);
    }
  });
});
