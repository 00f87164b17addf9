import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import * as tar from "tar-stream";
import * as childProcess from "child_process";
import * as crypto from "crypto";
import {
  BUNDLE_WARN_BYTES,
  createAppBundle,
  createBundle,
  HOST_SCRIPTS_DIR,
  listBundleEntries,
  normalisePrefix,
  parseIgnorePatterns,
} from "../../components/bundle";
import { secretContentReason, secretPathReason } from "../../components/bundleRules";
import { GZIP_MEMBER_BYTES, tarHeader } from "../../components/tarGz";

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
    const names = listBundleEntries({ appDir: src }).map((e) => e.name);
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
    fs.cpSync(path.join(repo, HOST_SCRIPTS_DIR), path.join(projectRoot, HOST_SCRIPTS_DIR), { recursive: true });
    const b = createAppBundle(projectRoot, "app", "docker-compose.prod.yml");
    assert.ok(b.files.includes("docker-compose.prod.yml"), "packed although app/.dockerignore may list docker-compose*.yml");
    assert.ok(b.files.includes(".compose-on-ec2/deploy.sh"));
    assert.ok(!b.files.includes(".env"));
    assert.ok(!path.isAbsolute(b.path), "relative path: the same FileAsset path on every machine");
    assert.strictEqual(path.resolve(b.path), path.join(projectRoot, ".pulumi-bundles", `${b.sha256}.tar.gz`));
  });

  describe("files that must never ship", () => {
    const OPENSSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
    const refusal = (files: Record<string, string>, opts: { allowFiles?: string[] } = {}): string => {
      const src = tree({ ...APP, ...files }, EXEC);
      try {
        createBundle({ appDir: src, outDir: outDir(), ...opts });
      } catch (err) {
        return (err as Error).message;
      }
      return "";
    };

    it("refuses .env files at any depth, naming each file and both fixes, but ships .env templates", () => {
      const message = refusal({ "config/.env": "DB=x", "deploy/prod/.env.production": "K=v", ".env.example": "DB=", "config/.env.sample": "" });
      assert.match(message, /config\/\.env: an environment file/);
      assert.match(message, /deploy\/prod\/\.env\.production: an environment file/);
      assert.doesNotMatch(message, /\.env\.example|\.env\.sample/);
      assert.match(message, /\.deployignore/);
      assert.match(message, /appAllowFiles/);
      assert.doesNotMatch(message, /DB=x|K=v/, "never prints a file's content");
    });

    it("refuses private keys by content whatever their name, SSH keys and key stores by name", () => {
      const message = refusal({
        "notes.txt": `see below\n${OPENSSH_KEY}`,
        "keys/id_ed25519": "anything",
        "certs/server.pem": "-----BEGIN CERTIFICATE-----\n",
        "hello/tls.key": "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n",
      });
      assert.match(message, /notes\.txt: a private key \(holds a "-----BEGIN OPENSSH PRIVATE KEY-----" block\)/);
      assert.match(message, /keys\/id_ed25519: an SSH private key/);
      assert.match(message, /certs\/server\.pem: a PEM file/);
      assert.match(message, /hello\/tls\.key: a private key/);
      assert.doesNotMatch(message, /b3BlbnNzaC1rZXktdjEAAAAA|MIIE/, "never prints key material");
    });

    it("refuses credential files and directories and nested git directories", () => {
      const message = refusal({ ".aws/credentials": "x", "tools/.ssh/config": "x", "web/.npmrc": "//r/:_authToken=x", "vendor/lib/.git/config": "x" });
      for (const where of [".aws", "tools/.ssh", "web/.npmrc", "vendor/lib/.git"]) {
        assert.ok(message.includes(`${where}: `), `${where} not named in:\n${message}`);
      }
      assert.doesNotMatch(message, /\.aws\/credentials|\.git\/config/, "a refused directory is named once, not file by file");
    });

    it("keeps refused files out silently when an ignore file lists them", () => {
      const b = createBundle({ appDir: tree({ ...APP, "config/.env": "x", ".deployignore": "**/.env\n" }, EXEC), outDir: outDir() });
      assert.ok(!b.files.includes("config/.env"));
    });

    it("ships a refused file when allowFiles names it or a pattern for it, and only that file", () => {
      const files = { "certs/ca.pem": "-----BEGIN CERTIFICATE-----\n", "certs/other.pem": "x" };
      assert.match(refusal(files, { allowFiles: ["certs/ca.pem"] }), /certs\/other\.pem/);
      const b = createBundle({ appDir: tree({ ...APP, ...files }, EXEC), outDir: outDir(), allowFiles: ["certs/*.pem"] });
      assert.ok(b.files.includes("certs/ca.pem") && b.files.includes("certs/other.pem"));
    });

    it("judges names with pure rules: templates ship, look-alikes ship, keys never", () => {
      assert.strictEqual(secretPathReason(".env.example", false), undefined);
      assert.strictEqual(secretPathReason("environment.py", false), undefined);
      assert.strictEqual(secretPathReason("id_ed25519.pub", false), undefined);
      assert.strictEqual(secretPathReason("a/.github/workflows/x.yml", false), undefined);
      assert.ok(secretPathReason("a/.git", true));
      assert.ok(secretPathReason(".git", false), "a worktree's .git file");
      assert.ok(secretPathReason("tools/.envrc", false));
      assert.strictEqual(secretContentReason(Buffer.from("-----BEGIN PUBLIC KEY-----\n")), undefined);
      assert.ok(secretContentReason(Buffer.from("-----BEGIN ENCRYPTED PRIVATE KEY-----\n")));
      assert.ok(secretContentReason(Buffer.from("PuTTY-User-Key-File-3: ssh-ed25519\n")));
    });
  });

  describe("files from outside the app directory", () => {
    it("refuses an app directory that is itself a symbolic link", () => {
      const real = tree(APP, EXEC);
      const link = path.join(outDir(), "app-link");
      fs.symlinkSync(real, link);
      assert.throws(() => createBundle({ appDir: link, outDir: outDir() }), /app-link is a symbolic link; pack the directory itself/);
    });

    it("refuses an appDir reached through a symbolic link that leads outside the project", () => {
      const projectRoot = outDir();
      const elsewhere = tree(APP, EXEC);
      fs.mkdirSync(path.join(projectRoot, "apps"));
      fs.symlinkSync(path.dirname(elsewhere), path.join(projectRoot, "apps", "shared"));
      const appDir = path.join("apps", "shared", path.basename(elsewhere));
      assert.throws(() => createAppBundle(projectRoot, appDir, "docker-compose.prod.yml"), /leads through a symbolic link to .*outside the project/);
    });

    it("refuses a hard link to a file outside the app directory, and accepts hard links within it", () => {
      const secret = path.join(outDir(), "credentials");
      fs.writeFileSync(secret, "token");
      const src = tree(APP, EXEC);
      fs.linkSync(secret, path.join(src, "notes.txt"));
      assert.throws(() => createBundle({ appDir: src, outDir: outDir() }), /notes\.txt is a hard link to a file with other names outside the bundle.*\.deployignore/);
      const inside = tree(APP, EXEC);
      fs.linkSync(path.join(inside, "manage.py"), path.join(inside, "manage-copy.py"));
      assert.ok(createBundle({ appDir: inside, outDir: outDir() }).files.includes("manage-copy.py"));
    });
  });

  describe("size", () => {
    it("streams a tar larger than one gzip member into an archive gzip -d, GNU tar and Node read back whole", async () => {
      const big = crypto.randomBytes(2 * GZIP_MEMBER_BYTES + 12345); // incompressible: several members
      const src = tree(APP, EXEC);
      fs.writeFileSync(path.join(src, "blob.bin"), big);
      const a = createBundle({ appDir: src, outDir: outDir() });
      const b = createBundle({ appDir: src, outDir: outDir() });
      assert.strictEqual(a.sha256, b.sha256);
      assert.ok(fs.readFileSync(a.path).equals(fs.readFileSync(b.path)));
      assert.ok((await readArchive(a.path)).some((h) => h.name === "blob.bin" && h.size === big.length));
      const unpacked = outDir();
      childProcess.execFileSync("tar", ["-xzf", path.resolve(a.path), "-C", unpacked]);
      assert.ok(fs.readFileSync(path.join(unpacked, "blob.bin")).equals(big));
    });

    it("bundles a 64 MiB file while peak memory grows by less than half its size", function () {
      this.timeout(60_000);
      const size = 64 * 1024 * 1024;
      const dir = outDir();
      fs.mkdirSync(path.join(dir, "app"));
      fs.writeFileSync(path.join(dir, "app", "big.bin"), "");
      fs.truncateSync(path.join(dir, "app", "big.bin"), size); // sparse: no disk used
      // A fresh process, so its peak RSS is this bundle's alone (Buffers live outside the JS heap).
      const script = `
        const { createBundle } = require(${JSON.stringify(path.resolve(__dirname, "..", "..", "components", "bundle"))});
        const before = process.memoryUsage().rss;
        createBundle({ appDir: ${JSON.stringify(path.join(dir, "app"))}, outDir: ${JSON.stringify(path.join(dir, "out"))} });
        process.stdout.write(String(process.resourceUsage().maxRSS * 1024 - before));`;
      const growth = Number(childProcess.execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
        cwd: path.resolve(__dirname, "..", ".."),
        encoding: "utf8",
        timeout: 50_000,
      }));
      assert.ok(Number.isFinite(growth) && growth < size / 2, `peak RSS grew by ${(growth / 1048576).toFixed(1)} MiB for a ${size / 1048576} MiB file`);
    });

    it("warns above the size limit, naming the largest files, and stays quiet below it", () => {
      const src = tree({ ...APP, "data/dump.sql": "x".repeat(5000) }, EXEC);
      assert.deepStrictEqual(createBundle({ appDir: src, outDir: outDir() }).warnings, []);
      assert.ok(BUNDLE_WARN_BYTES >= 50 * 1024 * 1024, "the default limit is for real bundles, not this test tree");
      const warnings = createBundle({ appDir: src, outDir: outDir(), warnBytes: 100 }).warnings;
      assert.strictEqual(warnings.length, 1);
      assert.match(warnings[0], /above the 0\.0 MiB warning size.*Largest files: data\/dump\.sql \(0\.0 MiB\).*\.deployignore/);
    });

    it("hands createAppBundle's warnings to the caller's warn function", () => {
      const projectRoot = outDir();
      fs.cpSync(tree(APP, EXEC), path.join(projectRoot, "app"), { recursive: true });
      fs.mkdirSync(path.join(projectRoot, HOST_SCRIPTS_DIR), { recursive: true });
      const heard: string[] = [];
      const b = createAppBundle(projectRoot, "app", "docker-compose.prod.yml", { warn: (m) => heard.push(m) });
      assert.deepStrictEqual(heard, b.warnings);
    });
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
