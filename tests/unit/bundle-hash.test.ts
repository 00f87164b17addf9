// A bundle's release id (the sha256 of its manifest): the same for the same content and executable
// bits, whatever the copy's mtimes, permissions or creation order; different when either changes.
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { createBundle } from "../../components/bundle";
import { APP, EXEC, scratchDirs } from "../support/bundle";

describe("bundle", () => {
  const { tree, outDir, bundleOf } = scratchDirs();

  it("gives the same manifest and release id for the same tree packed twice, the id being the manifest's sha256", () => {
    const src = tree(APP, EXEC);
    const a = createBundle({ appDir: src, outDir: outDir() });
    const b = createBundle({ appDir: src, outDir: outDir() });
    assert.strictEqual(a.sha256, b.sha256);
    assert.ok(fs.readFileSync(a.path).equals(fs.readFileSync(b.path)));
    assert.strictEqual(path.basename(a.path), `${a.sha256}.manifest`);
    assert.strictEqual(crypto.createHash("sha256").update(fs.readFileSync(a.path)).digest("hex"), a.sha256);
    assert.strictEqual(a.bytes, Object.values(APP).reduce((n, text) => n + Buffer.byteLength(text), 0));
  });

  it("ignores mtimes, permission bits other than x, and creation order of a copied tree", () => {
    const a = bundleOf(APP);
    // Same content, files written in reverse order, 0600 instead of 0644, other mtimes.
    const reversed = Object.fromEntries(Object.entries(APP).reverse());
    const modes: Record<string, number> = Object.fromEntries(Object.keys(APP).map((k) => [k, 0o600]));
    modes["bin/entrypoint.sh"] = 0o700;
    const copy = tree(reversed, modes);
    for (const rel of Object.keys(APP)) fs.utimesSync(path.join(copy, rel), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const b = createBundle({ appDir: copy, outDir: outDir() });
    assert.strictEqual(b.sha256, a.sha256);
  });

  // The app changed one way each: its files, and their modes.
  const changes: [string, Record<string, string>, Record<string, number>][] = [
    ["a file's content changes", { ...APP, "manage.py": "print('bye')\n" }, EXEC],
    ["a file becomes executable", APP, { ...EXEC, "manage.py": 0o755 }],
  ];
  for (const [what, files, modes] of changes) {
    it(`changes the hash when ${what}`, () => {
      assert.notStrictEqual(bundleOf(files, modes).sha256, bundleOf(APP).sha256);
    });
  }
});
