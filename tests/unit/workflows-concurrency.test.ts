// The GitHub workflows (checked where they cannot be run): one concurrency group per stack, never cancelling
// a running up or destroy.
import * as assert from "assert";
import { allJobs, job, sandboxCommand, touchesStacks, writesStacks } from "../support/workflows";

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
