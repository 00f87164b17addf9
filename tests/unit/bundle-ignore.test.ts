// The app's ignore files (.dockerignore, then .deployignore) decide what a bundle leaves out.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { createBundle, listBundleEntries, parseIgnorePatterns } from "../../components/bundle";
import { APP, EXEC, scratchDirs } from "../support/bundle";

describe("bundle", () => {
  const { tree, outDir, bundleOf } = scratchDirs();

  it("keeps the hash when a file ignored by .dockerignore is added", () => {
    const a = bundleOf(APP);
    const b = bundleOf({ ...APP, "debug.log": "noise", "node_modules/x/index.js": "1" });
    assert.strictEqual(b.sha256, a.sha256);
    assert.ok(!b.files.some((f) => f.endsWith(".log") || f.startsWith("node_modules")));
  });

  it("keeps the hash when a file ignored by .deployignore is added", () => {
    const a = bundleOf(APP);
    const b = bundleOf({ ...APP, "local-notes.txt": "todo" });
    assert.strictEqual(b.sha256, a.sha256);
  });

  it("includes the ignore files themselves unless they are ignored", () => {
    const a = bundleOf(APP);
    assert.ok(a.files.includes(".dockerignore") && a.files.includes(".deployignore"));
    const b = bundleOf({ ...APP, ".deployignore": ".deployignore\n.dockerignore\n" });
    assert.ok(!b.files.includes(".dockerignore") && !b.files.includes(".deployignore"));
  });

  it("re-includes a file inside an ignored directory when a ! pattern names it", () => {
    const b = bundleOf({ ...APP, "static/a.css": "a", "static/keep.css": "k",
      ".deployignore": "static\n!static/keep.css\n" });
    assert.ok(b.files.includes("static/keep.css"));
    assert.ok(!b.files.includes("static/a.css"));
  });

  it("lets a ! pattern in .deployignore re-include what .dockerignore leaves out", () => {
    const files = { ...APP, ".dockerignore": "docker-compose*.yml\n" };
    const without = bundleOf(files);
    assert.ok(!without.files.includes("docker-compose.prod.yml"));
    const withNegation = bundleOf({ ...files, ".deployignore": "!docker-compose.prod.yml\n" });
    assert.ok(withNegation.files.includes("docker-compose.prod.yml"));
  });

  it("rejects a symbolic link with a clear error, unless it is ignored", () => {
    const src = tree(APP, EXEC);
    fs.symlinkSync("/etc/passwd", path.join(src, "link"));
    assert.throws(() => createBundle({ appDir: src, outDir: outDir() }), /link.*symbolic link.*\.deployignore/);
    fs.writeFileSync(path.join(src, ".deployignore"), "link\n");
    assert.doesNotThrow(() => createBundle({ appDir: src, outDir: outDir() }));
  });

  it("keeps empty directories that are not ignored", () => {
    const src = tree(APP, EXEC);
    fs.mkdirSync(path.join(src, "media"));
    const names = listBundleEntries({ appDir: src }).map((e) => e.name);
    assert.ok(names.includes("media/"));
  });

  it("parses ignore files like Docker: trims, drops comments and blank lines", () => {
    assert.deepStrictEqual(parseIgnorePatterns("# c\n\n  *.log  \r\n!keep.log\n"), ["*.log", "!keep.log"]);
  });
});
