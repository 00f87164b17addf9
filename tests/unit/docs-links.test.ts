// Every relative link in README.md and docs/ points at a file (and an anchor, when it names one)
// that exists, so a moved or renamed document fails here rather than in a reader's browser.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
/** Every Markdown file under dir, at any depth, relative to the project root. */
function markdownUnder(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return markdownUnder(rel);
    return e.name.endsWith(".md") ? [rel] : [];
  });
}

const DOCS = ["README.md", ...markdownUnder("docs")];

/** The relative links of a doc (outside code), as written. */
function relativeLinks(doc: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, doc), "utf8").replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/i.test(t)); // not http:, https:, mailto:
}

/** GitHub's anchor of a heading: lowercase, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");
}

function anchors(file: string): Set<string> {
  const text = fs.readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => anchorOf(m[1])));
}

describe("docs: links", () => {
  it("makes anchors as GitHub does", () => {
    assert.strictEqual(anchorOf("A domain and HTTPS"), "a-domain-and-https");
    assert.strictEqual(anchorOf("Your own app: plan, rehearse, up"), "your-own-app-plan-rehearse-up");
  });
  for (const doc of DOCS) {
    it(`${doc}: every relative link resolves`, () => {
      const broken: string[] = [];
      for (const target of relativeLinks(doc)) {
        const [file, anchor] = target.split("#");
        const resolved = file === "" ? path.join(ROOT, doc) : path.resolve(path.dirname(path.join(ROOT, doc)), file);
        if (!fs.existsSync(resolved)) broken.push(`${target} (no such file)`);
        else if (anchor && resolved.endsWith(".md") && !anchors(resolved).has(anchor)) {
          broken.push(`${target} (no such heading)`);
        }
      }
      assert.deepStrictEqual(broken, []);
    });
  }
  it("covers the docs in subfolders", () => {
    assert.ok(DOCS.some((d) => path.dirname(d) !== "docs" && d.startsWith("docs")),
      `no doc below docs/: ${DOCS.join(", ")}`);
  });
  it("reaches every page under docs/ from README.md's index", () => {
    const linked = new Set(relativeLinks("README.md").map((t) => path.normalize(t.split("#")[0])));
    assert.deepStrictEqual(DOCS.filter((d) => d !== "README.md" && !linked.has(path.normalize(d))), []);
  });
});
