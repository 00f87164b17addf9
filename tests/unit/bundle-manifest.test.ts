// The bundle's manifest: one sorted line per entry (content sha256, mode, path), the release id its
// sha256, and names the host could not read back refused before anything is written.
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parseManifest, releaseIdOf } from "../../components/manifest";
import { APP, scratchDirs } from "../support/bundle";

const sha = (text: string) => crypto.createHash("sha256").update(text).digest("hex");

describe("bundle manifest", () => {
  const { bundleOf } = scratchDirs();

  it("lists every entry sorted by path, each file with its content's sha256 and mode, each directory with -", () => {
    const b = bundleOf(APP);
    const text = fs.readFileSync(b.path, "utf8");
    assert.strictEqual(text, [
      `${sha(APP[".deployignore"])} 644 .deployignore`,
      `${sha(APP[".dockerignore"])} 644 .dockerignore`,
      "- 755 bin/",
      `${sha(APP["bin/entrypoint.sh"])} 755 bin/entrypoint.sh`,
      `${sha(APP["docker-compose.prod.yml"])} 644 docker-compose.prod.yml`,
      "- 755 hello/",
      `${sha(APP["hello/__init__.py"])} 644 hello/__init__.py`,
      `${sha(APP["hello/views.py"])} 644 hello/views.py`,
      `${sha(APP["manage.py"])} 644 manage.py`,
      "",
    ].join("\n"));
    assert.strictEqual(releaseIdOf(text), b.sha256);
    assert.deepStrictEqual(parseManifest(text).map((l) => l.name), b.entries.map((e) => e.name));
  });

  it("stores each content once, named by its sha256, mode 0644", () => {
    const b = bundleOf({ ...APP, "copy-of-manage.py": APP["manage.py"] });
    const stored = fs.readdirSync(b.storeDir).sort();
    const contents = [
      ...new Set(
        b.entries.filter((e) => e.type === "file").map((e) => sha(fs.readFileSync(e.source as string, "utf8"))),
      ),
    ].sort();
    assert.deepStrictEqual(stored, contents);
    for (const name of stored) {
      assert.strictEqual(sha(fs.readFileSync(path.join(b.storeDir, name), "utf8")), name);
      assert.strictEqual(fs.statSync(path.join(b.storeDir, name)).mode & 0o777, 0o644);
    }
  });

  it("changes the release id when a file moves, though no content changed", () => {
    const a = bundleOf(APP);
    const { ["manage.py"]: manage, ...rest } = APP;
    const b = bundleOf({ ...rest, "main.py": manage });
    assert.notStrictEqual(a.sha256, b.sha256);
  });

  it("refuses a file whose name holds a newline or ends with a blank, naming it", () => {
    assert.throws(() => bundleOf({ ...APP, "two\nlines.txt": "x" }), /"two\\nlines\.txt" has a control character/);
    assert.throws(() => bundleOf({ ...APP, "trailing.txt ": "x" }), /"trailing\.txt " begins or ends with a blank/);
  });

  it("reads back only well-formed lines", () => {
    assert.throws(() => parseManifest(`${sha("x")} 600 secret.txt\n`), /not an entry line/);
    assert.throws(() => parseManifest("abc 644 short-hash.txt\n"), /not an entry line/);
  });
});
