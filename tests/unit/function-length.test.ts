// No function of the project's own TypeScript or shell runs past 80 lines: a longer one is split into
// named steps. How a function is counted is written in tests/support/functionLength.ts.
import * as assert from "assert";
import { projectFunctions, shellFunctions, typeScriptFunctions } from "../support/functionLength";

const LIMIT = 80;

describe("function length", () => {
  it(`finds no function over ${LIMIT} lines in the project's TypeScript and shell`, () => {
    const all = projectFunctions();
    assert.ok(all.some((f) => f.file.endsWith(".sh")) && all.some((f) => f.file === "index.ts"),
      "reads both the shell and the TypeScript");
    const long = all.filter((f) => f.lines > LIMIT).map((f) => `${f.file}:${f.line} ${f.name}: ${f.lines} lines`);
    assert.deepStrictEqual(long, [], `split these into named steps:\n${long.join("\n")}`);
  });

  it("counts a TypeScript function from its signature to its closing brace, nested ones too, and not describe() callbacks in tests", () => {
    const text = ["/** doc */", "export function outer(): number {", "  const inner = () => {", "    return 1;", "  };",
      "  return inner();", "}", ""].join("\n");
    assert.deepStrictEqual(typeScriptFunctions("a.ts", text).map((f) => [f.name, f.line, f.lines]), [["outer", 2, 6], [
      "inner",
      3,
      3,
    ]]);
    const test = ['describe("x", () => {', '  it("y", () => {', "    f();", "  });", "});", ""].join("\n");
    assert.deepStrictEqual(typeScriptFunctions("a.test.ts", test).map((f) => [f.name, f.lines]), [["(callback of it)",
      3]]);
  });

  it("counts a shell function from `name() {` to the `}` at column 0, and refuses one it cannot close", () => {
    const text = ["#!/usr/bin/env bash", "step() {", "  if true; then", "    echo {", "  fi", "}",
      "short() { echo hi; }", "main() {", "  step", "}", ""].join("\n");
    assert.deepStrictEqual(shellFunctions("a.sh", text).map((f) => [f.name, f.line, f.lines]), [["step", 2, 5], [
      "short",
      7,
      1,
    ], ["main", 8, 3]]);
    assert.throws(() => shellFunctions("b.sh", "open() {\n  echo\nnext() {\n}\n"),
      /b\.sh:1: open\(\) has no closing \}/);
  });
});
