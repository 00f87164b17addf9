import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import * as tar from "tar-stream";
import {
  createAppBundle,
  createBundle,
  listBundleEntries,
  normalisePrefix,
  parseIgnorePatterns,
  tarHeader,
} from "../../components/bundle";

/** Write `files` (relative path → content) under a fresh temp dir; returns the dir. */
function makeTree(files: Record<string, string>, modes: Record<string, number> = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-src-"));
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
    fs.chmodSync(abs, modes[rel] ?? 0o644);
  }
  return root;
}

/** Header fields of every entry of a .tar.gz, read back with tar-stream (an independent reader). */
async function readArchive(file: string): Promise<tar.Header[]> {
  const extract = tar.extract();
  const headers: tar.Header[] = [];
  const done = new Promise<void>((resolve, reject) => {
    extract.on("entry", (header, stream, next) => {
      headers.push(header);
      stream.on("end", next);
      stream.resume();
    });
    extract.on("finish", resolve);
    extract.on("error", reject);
  });
  extract.end(zlib.gunzipSync(fs.readFileSync(file)));
  await done;
  return headers;
}

const APP = {
  "docker-compose.prod.yml": "services: {}\n",
  "manage.py": "print('hi')\n",
  "hello/views.py": "x = 1\n",
  "hello/__init__.py": "",
  "bin/entrypoint.sh": "#!/bin/sh\nexec \"$@\"\n",
  ".dockerignore": "*.log\nnode_modules\n",
  ".deployignore": "local-notes.txt\n",
};
const EXEC = { "bin/entrypoint.sh": 0o755 };

describe("bundle", () => {
  const temps: string[] = [];
  const tree = (files: Record<string, string>, modes: Record<string, number> = {}) => {
    const dir = makeTree(files, modes);
    temps.push(dir);
    return dir;
  };
  const outDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-out-"));
    temps.push(dir);
    return dir;
  };
  after(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it("gives the same bytes and hash for the same tree packed twice", () => {
    const src = tree(APP, EXEC);
    const a = createBundle({ appDir: src, outDir: outDir() });
    const b = createBundle({ appDir: src, outDir: outDir() });
    assert.strictEqual(a.sha256, b.sha256);
    assert.ok(fs.readFileSync(a.path).equals(fs.readFileSync(b.path)));
    assert.strictEqual(path.basename(a.path), `${a.sha256}.tar.gz`);
    assert.strictEqual(a.bytes, fs.statSync(a.path).size);
  });

  it("ignores mtimes, permission bits other than x, and creation order of a copied tree", () => {
    const a = createBundle({ appDir: tree(APP, EXEC), outDir: outDir() });
    // Same content, files written in reverse order, 0600 instead of 0644, other mtimes.
    const reversed = Object.fromEntries(Object.entries(APP).reverse());
    const modes: Record<string, number> = Object.fromEntries(Object.keys(APP).map((k) => [k, 0o600]));
    modes["bin/entrypoint.sh"] = 0o700;
    const copy = tree(reversed, modes);
    for (const rel of Object.keys(APP)) fs.utimesSync(path.join(copy, rel), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const b = createBundle({ appDir: copy, outDir: outDir() });
    assert.strictEqual(b.sha256, a.sha256);
  });

  it("changes the hash when a file's content changes", () => {
    const a = createBundle({ appDir: tree(APP, EXEC), outDir: outDir() });
    const b = createBundle({ appDir: tree({ ...APP, "manage.py": "print('bye')\n" }, EXEC), outDir: outDir() });
    assert.notStrictEqual(a.sha256, b.sha256);
  });

  it("changes the hash when a file becomes executable", () => {
    const a = createBundle({ appDir: tree(APP, EXEC), outDir: outDir() });
    const b = createBundle({ appDir: tree(APP, { ...EXEC, "manage.py": 0o755 }), outDir: outDir() });
    assert.notStrictEqual(a.sha256, b.sha256);
  });

  it("keeps the hash when a file ignored by .dockerignore is added", () => {
    const a = createBundle({ appDir: tree(APP, EXEC), outDir: outDir() });
    const b = createBundle({
      appDir: tree({ ...APP, "debug.log": "noise", "node_modules/x/index.js": "1" }, EXEC),
      outDir: outDir(),
    });
    assert.strictEqual(b.sha256, a.sha256);
    assert.ok(!b.files.some((f) => f.endsWith(".log") || f.startsWith("node_modules")));
  });

  it("keeps the hash when a file ignored by .deployignore is added", () => {
    const a = createBundle({ appDir: tree(APP, EXEC), outDir: outDir() });
    const b = createBundle({ appDir: tree({ ...APP, "local-notes.txt": "todo" }, EXEC), outDir: outDir() });
    assert.strictEqual(b.sha256, a.sha256);
  });

  it("includes the ignore files themselves unless they are ignored", () => {
    const a = createBundle({ appDir: tree(APP, EXEC), outDir: outDir() });
    assert.ok(a.files.includes(".dockerignore") && a.files.includes(".deployignore"));
    const b = createBundle({ appDir: tree({ ...APP, ".deployignore": ".deployignore\n.dockerignore\n" }, EXEC), outDir: outDir() });
    assert.ok(!b.files.includes(".dockerignore") && !b.files.includes(".deployignore"));
  });

  it("re-includes a file inside an ignored directory when a ! pattern names it", () => {
    const b = createBundle({
      appDir: tree({ ...APP, "static/a.css": "a", "static/keep.css": "k", ".deployignore": "static\n!static/keep.css\n" }, EXEC),
      outDir: outDir(),
    });
    assert.ok(b.files.includes("static/keep.css"));
    assert.ok(!b.files.includes("static/a.css"));
  });

  it("lets a ! pattern in .deployignore re-include what .dockerignore leaves out", () => {
    const files = { ...APP, ".dockerignore": "docker-compose*.yml\n" };
    const without = createBundle({ appDir: tree(files, EXEC), outDir: outDir() });
    assert.ok(!without.files.includes("docker-compose.prod.yml"));
    const withNegation = createBundle({
      appDir: tree({ ...files, ".deployignore": "!docker-compose.prod.yml\n" }, EXEC),
      outDir: outDir(),
    });
    assert.ok(withNegation.files.includes("docker-compose.prod.yml"));
  });

  it("always packs alwaysInclude files (the compose file) even when an ignore file matches them", () => {
    const files = { ...APP, ".dockerignore": "docker-compose*.yml\nhello/\n", "hello/compose.yml": "x" };
    const b = createBundle({ appDir: tree(files, EXEC), outDir: outDir(), alwaysInclude: ["docker-compose.prod.yml", "hello/compose.yml"] });
    assert.ok(b.files.includes("docker-compose.prod.yml"));
    assert.ok(b.files.includes("hello/compose.yml"));
    assert.ok(!b.files.includes("hello/views.py"));
    assert.throws(() => createBundle({ appDir: tree(APP, EXEC), outDir: outDir(), alwaysInclude: ["missing.yml"] }), /must exist/);
  });

  it("packs extraDirs under their prefix, unfiltered by the app's ignore files", async () => {
    const scripts = tree({ "deploy.sh": "#!/bin/bash\n", "lib/common.log": "kept" }, { "deploy.sh": 0o755 });
    const b = createBundle({ appDir: tree(APP, EXEC), outDir: outDir(), extraDirs: [{ dir: scripts, prefix: ".compose-on-ec2/" }] });
    assert.ok(b.files.includes(".compose-on-ec2/deploy.sh"));
    assert.ok(b.files.includes(".compose-on-ec2/lib/common.log"), "*.log from .dockerignore must not filter extraDirs");
    const headers = await readArchive(b.path);
    const deploy = headers.find((h) => h.name === ".compose-on-ec2/deploy.sh");
    assert.strictEqual(deploy?.mode, 0o755);
    assert.ok(headers.some((h) => h.name === ".compose-on-ec2/" && h.type === "directory"));
  });

  it("refuses an extraDirs prefix that collides with an app file", () => {
    const scripts = tree({ "manage.py": "x" });
    assert.throws(
      () => createBundle({ appDir: tree(APP, EXEC), outDir: outDir(), extraDirs: [{ dir: scripts, prefix: "./" }] }),
      /prefix/,
    );
    const other = tree({ "views.py": "x" });
    assert.throws(
      () => createBundle({ appDir: tree(APP, EXEC), outDir: outDir(), extraDirs: [{ dir: other, prefix: "hello" }] }),
      /appears twice/,
    );
  });

  it("writes sorted entries with normalised owner, mode and mtime and no pax headers", async () => {
    const b = createBundle({ appDir: tree(APP, EXEC), outDir: outDir() });
    const headers = await readArchive(b.path);
    const names = headers.map((h) => h.name);
    const sorted = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepStrictEqual(names, sorted);
    assert.deepStrictEqual(names, [
      ".deployignore",
      ".dockerignore",
      "bin/",
      "bin/entrypoint.sh",
      "docker-compose.prod.yml",
      "hello/",
      "hello/__init__.py",
      "hello/views.py",
      "manage.py",
    ]);
    for (const h of headers) {
      assert.strictEqual(h.uid, 0);
      assert.strictEqual(h.gid, 0);
      assert.strictEqual(h.uname, "");
      assert.strictEqual(h.gname, "");
      assert.strictEqual(h.mtime?.getTime(), 0);
      assert.ok(h.type === "file" || h.type === "directory", `unexpected ${h.type} (pax?) for ${h.name}`);
      assert.strictEqual(h.pax, null);
    }
    const mode = (n: string) => headers.find((h) => h.name === n)?.mode;
    assert.strictEqual(mode("manage.py"), 0o644);
    assert.strictEqual(mode("bin/entrypoint.sh"), 0o755);
    assert.strictEqual(mode("hello/"), 0o755);
  });

  it("writes a gzip header without name or mtime and with the Unix OS byte", () => {
    const b = createBundle({ appDir: tree(APP, EXEC), outDir: outDir() });
    const gz = fs.readFileSync(b.path);
    assert.deepStrictEqual([...gz.subarray(0, 3)], [0x1f, 0x8b, 8]);
    assert.strictEqual(gz[3], 0, "FLG: no FNAME/FCOMMENT/FHCRC");
    assert.deepStrictEqual([...gz.subarray(4, 8)], [0, 0, 0, 0], "MTIME must be 0");
    assert.strictEqual(gz[9], 3, "OS byte pinned to Unix");
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
    const names = listBundleEntries(src).map((e) => e.name);
    assert.ok(names.includes("media/"));
  });

  it("splits long paths into the ustar prefix field instead of writing pax headers", async () => {
    const long = `${"d".repeat(80)}/${"e".repeat(60)}/file.txt`;
    const header = tarHeader({ name: long, type: "file", mode: 0o644 }, 0);
    const extract = tar.extract();
    const names: string[] = [];
    const done = new Promise<void>((resolve) => {
      extract.on("entry", (h, stream, next) => {
        names.push(h.name);
        assert.strictEqual(h.pax, null);
        stream.on("end", next);
        stream.resume();
      });
      extract.on("finish", resolve);
    });
    extract.end(Buffer.concat([header, Buffer.alloc(1024)]));
    await done;
    assert.deepStrictEqual(names, [long]);
    assert.throws(() => tarHeader({ name: "x".repeat(120), type: "file", mode: 0o644 }, 1), /too long/);
  });

  it("packs this project's app with its compose file and the host scripts under .compose-on-ec2/", () => {
    // A copy of app/ and host/release in a scratch project root, so nothing is written to the repo.
    const projectRoot = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-project-"));
    temps.push(projectRoot);
    const repo = path.resolve(__dirname, "..", "..");
    fs.cpSync(path.join(repo, "app"), path.join(projectRoot, "app"), { recursive: true });
    fs.cpSync(path.join(repo, "host", "release"), path.join(projectRoot, "host", "release"), { recursive: true });
    const b = createAppBundle(projectRoot, "app", "docker-compose.prod.yml");
    assert.ok(b.files.includes("docker-compose.prod.yml"), "packed although app/.dockerignore may list docker-compose*.yml");
    assert.ok(b.files.includes(".compose-on-ec2/deploy.sh"));
    assert.ok(!b.files.includes(".env"));
    assert.ok(!path.isAbsolute(b.path), "relative path: the same FileAsset path on every machine");
    assert.strictEqual(path.resolve(b.path), path.join(projectRoot, ".pulumi-bundles", `${b.sha256}.tar.gz`));
  });

  it("parses ignore files like Docker: trims, drops comments and blank lines", () => {
    assert.deepStrictEqual(parseIgnorePatterns("# c\n\n  *.log  \r\n!keep.log\n"), ["*.log", "!keep.log"]);
  });

  it("normalises prefixes and refuses unsafe ones", () => {
    assert.strictEqual(normalisePrefix("./.compose-on-ec2"), ".compose-on-ec2/");
    assert.strictEqual(normalisePrefix(".compose-on-ec2/"), ".compose-on-ec2/");
    assert.throws(() => normalisePrefix("../x"), /relative/);
    assert.throws(() => normalisePrefix("/abs"), /relative/);
  });
});
