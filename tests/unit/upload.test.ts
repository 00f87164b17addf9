// The host's half of the content-addressed upload (host/bootstrap/upload.sh) and the release it
// assembles (host/bootstrap/deploy.sh), run for real against a scratch base directory with the lines
// of components/remote.ts: only what the store lacks is asked for, a cut or corrupted upload stores
// nothing, and a release's files are hard links to the store's contents.
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { createBundle } from "../../components/bundle";
import * as remote from "../../components/remote";
import { APP, EXEC, scratchDirs } from "../support/bundle";
import { testRemoteSpec } from "../support/fixtures";
import { contentsTarGz, runSh, sendManifest, uploadBundle } from "../support/upload";

/** A deploy.sh that only says it ran, so the deploy line can be run here for real. */
const FAKE_DEPLOY = { ".compose-on-ec2/deploy.sh": "echo fake-deploy-ran\n" };

describe("content-addressed upload (host side)", () => {
  const { tree, outDir, tempDir, bundleOf } = scratchDirs();
  const specFor = (base: string) => testRemoteSpec({ baseDir: base });
  const stored = (
    base: string,
  ) => (fs.existsSync(path.join(base, "store"))
    ? fs.readdirSync(path.join(base, "store")).filter((n) => !n.startsWith(".")).sort()
    : []);

  it("asks for every content on a first upload, for none on a repeat, and for just the changed one after a one-line change", () => {
    const base = tempDir("upload-base-");
    const out = outDir();
    const first = createBundle({ appDir: tree({ ...APP, ...FAKE_DEPLOY }, EXEC), outDir: out });
    const contents = new Set(fs.readdirSync(first.storeDir));
    assert.strictEqual(uploadBundle(specFor(base), first).missing.length, contents.size);
    assert.deepStrictEqual(stored(base), [...contents].sort());
    assert.deepStrictEqual(uploadBundle(specFor(base), first).missing, []);
    const changed = createBundle({ appDir: tree({ ...APP, ...FAKE_DEPLOY, "hello/views.py": "x = 2\n" }, EXEC),
      outDir: out });
    const sha = crypto.createHash("sha256").update("x = 2\n").digest("hex");
    assert.deepStrictEqual(uploadBundle(specFor(base), changed).missing, [sha]);
    assert.ok(fs.existsSync(remote.manifestRemotePath(specFor(base), changed.sha256)),
      "the manifest is kept under its release id");
  });

  it("refuses a content whose bytes do not match its sha256 and stores nothing from that stream", () => {
    const base = tempDir("upload-base-");
    const b = bundleOf({ ...APP, ...FAKE_DEPLOY });
    const { missing } = sendManifest(specFor(base), b);
    const forged = tempDir("upload-forged-");
    for (const name of missing) fs.copyFileSync(path.join(b.storeDir, name), path.join(forged, name));
    fs.appendFileSync(path.join(forged, missing[0]), "tampered");
    const r = runSh(remote.uploadCommand(specFor(base), b.sha256, "receive"), {
      input: contentsTarGz(forged, missing),
    });
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr,
      new RegExp(`contents that do not match their sha256 \\(cut or corrupted upload\\): ${missing[0]}`));
    assert.deepStrictEqual(stored(base), [], "neither the corrupted content nor the good ones beside it");
    assert.deepStrictEqual(fs.readdirSync(path.join(base, "store")), [], "no temporary directory left behind");
  });

  it("refuses a content stream cut part-way and stores nothing", () => {
    const base = tempDir("upload-base-");
    const src = tree({ ...APP, ...FAKE_DEPLOY }, EXEC);
    fs.writeFileSync(path.join(src, "blob.bin"), crypto.randomBytes(256 * 1024));
    const b = createBundle({ appDir: src, outDir: outDir() });
    const { missing } = sendManifest(specFor(base), b);
    const whole = contentsTarGz(b.storeDir, missing);
    const r = runSh(remote.uploadCommand(specFor(base), b.sha256, "receive"), {
      input: whole.subarray(0, Math.floor(whole.length / 2)),
    });
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr, /arrived cut or corrupted: nothing was stored/);
    assert.deepStrictEqual(stored(base), []);
  });

  it("refuses a manifest that is not the release's and keeps none", () => {
    const base = tempDir("upload-base-");
    const b = bundleOf({ ...APP, ...FAKE_DEPLOY });
    const other = Buffer.concat([fs.readFileSync(b.path), Buffer.from(`${"0".repeat(64)} 644 extra.txt\n`)]);
    const { run } = sendManifest(specFor(base), b, other);
    assert.strictEqual(run.status, 1);
    assert.match(run.stderr, /does not match release id/);
    assert.deepStrictEqual(fs.readdirSync(path.join(base, "uploads")), []);
    const cut = runSh(remote.uploadCommand(specFor(base), b.sha256, "missing"), {
      input: zlib.gzipSync(fs.readFileSync(b.path)).subarray(0, 20),
    });
    assert.strictEqual(cut.status, 1);
    assert.match(cut.stderr, /arrived cut or corrupted/);
  });

  it("assembles a release of hard links to the store (executables as 0755 copies), sharing unchanged files with the last one", () => {
    const base = tempDir("upload-base-");
    const spec = specFor(base);
    const out = outDir();
    const a = createBundle({ appDir: tree({ ...APP, ...FAKE_DEPLOY }, EXEC), outDir: out });
    const b = createBundle({ appDir: tree({ ...APP, ...FAKE_DEPLOY, "hello/views.py": "x = 2\n" }, EXEC),
      outDir: out });
    for (const release of [a, b]) {
      uploadBundle(spec, release);
      const r = runSh(remote.deployCommand(spec, release.sha256));
      assert.strictEqual(r.status, 0, r.stderr);
      assert.match(r.stdout, /fake-deploy-ran/);
    }
    const file = (release: { sha256: string }, name: string) =>
      fs.statSync(path.join(remote.releaseDir(spec, release.sha256), name));
    const manage = crypto.createHash("sha256").update(APP["manage.py"]).digest("hex");
    assert.strictEqual(file(a, "manage.py").ino, fs.statSync(path.join(base, "store", manage)).ino);
    assert.strictEqual(file(a, "manage.py").ino, file(b, "manage.py").ino, "an unchanged file takes no new disk");
    assert.notStrictEqual(file(a, "hello/views.py").ino, file(b, "hello/views.py").ino);
    assert.strictEqual(fs.readFileSync(path.join(remote.releaseDir(spec, b.sha256), "hello/views.py"), "utf8"),
      "x = 2\n");
    assert.strictEqual(file(b, "bin/entrypoint.sh").mode & 0o777, 0o755);
    assert.strictEqual(file(b, "bin/entrypoint.sh").nlink, 1,
      "an executable is a copy: a link would share the store's 0644");
  });
});
