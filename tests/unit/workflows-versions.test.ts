// The GitHub workflows (checked where they cannot be run): one pinned Pulumi CLI version, every action pinned
// to one commit with its release tag, Node and npm ci set up alike.
import * as assert from "assert";
import { PINNED_PULUMI_VERSION } from "../../scripts/lib/sandbox/environment";
import { allJobs, releaseOf, texts, usesAction, workflows } from "../support/workflows";

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
    const uses = [...texts].flatMap(([file, text]) =>
      text.split("\n").map((line, i) => ({ where: `${file}:${i + 1}`, line })).filter(({ line }) =>
        /^\s*(-\s+)?uses:/.test(line)
      )
    );
    assert.ok(uses.length >= 20, `found only ${uses.length} uses: lines`);
    const unpinned = uses.filter(({ line }) =>
      !/uses:\s+\.\//.test(line) && !/uses:\s+[\w.-]+\/[\w.\/-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+\s*$/.test(line)
    );
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
      assert.deepStrictEqual([releaseOf(node).replace(/\.[\d.]+$/, ""), node?.with?.["node-version"],
        node?.with?.cache], ["actions/setup-node@v4", 20, "npm"], `${file} ${id}`);
      assert.ok(job.steps.some((s) => s.run === "npm ci"), `${file} ${id}: npm ci`);
    }
  });
});
