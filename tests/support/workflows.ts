// Shared by the workflow tests (tests/unit/workflows-*.test.ts): the GitHub workflows in .github/workflows,
// read once as text and as YAML, and what their jobs and steps do.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

// js-yaml ships with @pulumi/pulumi (and mocha) but without type declarations; we only need load().
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as { load(text: string): unknown };

export const WORKFLOW_DIR = path.join(__dirname, "..", "..", ".github", "workflows");

/** A YAML mapping whose keys a test reads (a workflow's `on:`, a trigger's settings). */
export type YamlMap = Record<string, unknown>;
export interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string | boolean>;
  env?: Record<string, string>;
}
export interface Job {
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
export interface Workflow {
  on: YamlMap;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  jobs: Record<string, Job>;
}

/** The workflow files, sorted; their text and their parsed YAML, by file name. */
export const files = fs.readdirSync(WORKFLOW_DIR).filter((file) => /\.ya?ml$/.test(file)).sort();
export const texts = new Map<string, string>(
  files.map((file) => [file, fs.readFileSync(path.join(WORKFLOW_DIR, file), "utf8")]),
);
export const workflows = new Map<string, Workflow>(
  files.map((file) => [file, yaml.load(texts.get(file) ?? "") as Workflow]),
);
// A job that calls a reusable workflow has no steps of its own.
for (const wf of workflows.values()) for (const j of Object.values(wf.jobs)) j.steps ??= [];

/** Every job of every workflow, with its file and id. */
export function allJobs(): { file: string; id: string; job: Job }[] {
  return [...workflows].flatMap(([file, wf]) => Object.entries(wf.jobs).map(([id, job]) => ({ file, id, job })));
}
/** The release tag each pinned commit's comment names (`uses: owner/repo@<sha> # v1.2.3`), by `owner/repo@<sha>`. */
const releaseTags = new Map<string, string>(
  [...texts.values()].flatMap((text) =>
    [...text.matchAll(/uses:\s+(\S+@[0-9a-f]{40}) # (v[\d.]+)/g)].map((m): [string, string] => [m[1], m[2]])
  ),
);
/** `owner/repo@<release tag>` of a step pinned by commit, e.g. "pulumi/actions@v6.6.1". */
export const releaseOf = (step: Step | undefined): string =>
  `${(step?.uses ?? "").split("@")[0]}@${releaseTags.get(step?.uses ?? "") ?? "(no release comment)"}`;
export const usesAction = (step: Step, action: string): boolean => (step.uses ?? "").split("@")[0] === action;
export const usesAws = (job: Job): boolean =>
  job.steps.some((step) => usesAction(step, "aws-actions/configure-aws-credentials"));
export const pulumiCommand = (job: Job): string | undefined =>
  job.steps.find((step) => usesAction(step, "pulumi/actions") && step.with?.command)?.with?.command as string
    | undefined;
/** The stack a job's pulumi/actions command runs on, if any. */
export const stackOf = (job: Job): string | undefined =>
  job.steps.find((step) => usesAction(step, "pulumi/actions") && step.with?.command)?.with?.["stack-name"] as string
    | undefined;
export const environmentOf = (
  job: Job,
): string | undefined => (typeof job.environment === "string" ? job.environment : job.environment?.name);
export const sandboxCommand = (job: Job): string | undefined =>
  job.steps.map((step) => /npm run (?:--silent )?sandbox -- (up|destroy|reap)\b/.exec(step.run ?? "")?.[1]).find(
    Boolean,
  );
/** Jobs that change or read a stack: a pulumi/actions command or the sandbox script. */
export const touchesStacks = (job: Job): boolean =>
  pulumiCommand(job) !== undefined || sandboxCommand(job) !== undefined;
/** Jobs that change a stack (cancelling them half-way leaves the stack locked and half-updated). */
export const writesStacks = (job: Job): boolean =>
  ["up", "destroy"].includes(pulumiCommand(job) ?? "") || sandboxCommand(job) !== undefined;
/** The job `id` of `file`; fails the test when there is none. */
export const job = (file: string, id: string): Job => {
  const found = workflows.get(file)?.jobs[id];
  assert.ok(found, `${file} has no job ${id}`);
  return found;
};
/** The triggers (`on:`) of `file`; fails the test when there are none. */
export const triggers = (file: string): YamlMap => {
  const on = workflows.get(file)?.on;
  assert.ok(on, `${file} has no triggers`);
  return on;
};
