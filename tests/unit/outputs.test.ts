// The stack outputs' contract (components/outputs.ts): index.ts exports exactly its names, and every
// reader outside TypeScript (the workflows, through pulumi/actions' step outputs) uses only them.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { SECRET_OUTPUTS, STACK_OUTPUT_NAMES } from "../../components/outputs";
import { isSecret } from "../../lib/engine";
import { cachedRun } from "../support/fixtures";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml: { load(text: string): unknown } = require("js-yaml");
const WORKFLOWS = path.resolve(__dirname, "..", "..", ".github", "workflows");

describe("stack outputs: one contract", () => {
  it("index.ts exports every output of the contract and nothing else, on ec2 and on ecs", async function() {
    this.timeout(60000);
    for (const [key, config] of [["outputs-ec2", {}], ["outputs-ecs", { hosting: "ecs", cache: "redis" }]] as [string,
      Record<string, string>][]) {
      const { exports } = await cachedRun(key, () => ({ stack: "dev", config }));
      assert.deepStrictEqual(Object.keys(exports).sort(), [...STACK_OUTPUT_NAMES].sort());
      for (const name of SECRET_OUTPUTS) {
        if (exports[name] !== undefined) assert.ok(await isSecret(exports[name]), `${name} is secret`);
      }
    }
  });

  it("the workflows read only outputs the contract names from their pulumi/actions steps", () => {
    const read: string[] = [];
    for (const file of fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"))) {
      const text = fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
      const doc = yaml.load(text) as { jobs: Record<string, { steps?: { id?: string; uses?: string }[] }> };
      const pulumiSteps = Object.values(doc.jobs).flatMap((j) => j.steps ?? []).filter((s) =>
        s.id && s.uses?.startsWith("pulumi/actions")
      ).map((s) => s.id as string);
      for (const id of pulumiSteps) {
        for (const m of text.matchAll(new RegExp(`steps\\.${id}\\.outputs\\.([A-Za-z0-9_]+)`, "g"))) {
          read.push(`${file}: ${m[1]}`);
        }
      }
    }
    assert.ok(read.length > 0, "some workflow reads a stack output");
    for (const entry of read) {
      assert.ok((STACK_OUTPUT_NAMES as string[]).includes(entry.split(": ")[1]), `${entry} is not a stack output`);
    }
  });
});
