// The project's modules form no import cycle: shared types and helpers live in leaf modules
// (components/config/acme.ts, lib/engine/awsModel.ts, policy/core.ts) and hubs only register.
import * as assert from "assert";
import { importCycles, importGraph } from "../support/imports";

describe("imports", () => {
  it("the program, the engine, the policy and the scripts import each other without a cycle", () => {
    const graph = importGraph();
    assert.ok(graph.size > 50, `read the import graph (${graph.size} files)`);
    assert.deepStrictEqual(importCycles(graph).map((c) => c.join(" -> ")), []);
  });
  it("finds a cycle when there is one", () => {
    const graph = new Map([["a.ts", ["b.ts"]], ["b.ts", ["c.ts"]], ["c.ts", ["a.ts"]], ["d.ts", ["a.ts"]]]);
    assert.deepStrictEqual(importCycles(graph), [["a.ts", "b.ts", "c.ts", "a.ts"]]);
  });
});
