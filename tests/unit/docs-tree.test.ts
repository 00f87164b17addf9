// The architecture page draws host/release as it is: every file and folder there is named in the
// tree, and every script the tree names there exists, so a split or a rename shows up in the docs.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const ARCHITECTURE = path.join(ROOT, "docs", "explanation", "architecture.md");

/** The lines of the layout tree that sit under `  release/`, up to the next entry at its depth. */
function releaseBlock(doc: string): string {
  const lines = doc.split("\n");
  const start = lines.findIndex((l) => /^ {2}release\/\s/.test(l));
  assert.ok(start >= 0, "architecture.md's layout has no `  release/` entry");
  const end = lines.findIndex((l, i) => i > start && /^ {0,2}\S/.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

describe("docs: the architecture's host/release tree", () => {
  const block = releaseBlock(fs.readFileSync(ARCHITECTURE, "utf8"));
  const named = new Set([...block.matchAll(/^ {4}(\S.*?)(?: {2,}|$)/gm)].flatMap((m) => m[1].split(/\s+/)));

  it("names every file and folder of host/release", () => {
    const entries = fs.readdirSync(path.join(ROOT, "host", "release"), { withFileTypes: true }).map((
      e,
    ) => (e.isDirectory() ? `${e.name}/` : e.name));
    assert.deepStrictEqual(entries.filter((e) => !named.has(e)).sort(), []);
  });

  it("names no script that host/release lacks", () => {
    assert.deepStrictEqual([...named].filter((n) => !fs.existsSync(path.join(ROOT, "host", "release", n))).sort(), []);
  });
});
