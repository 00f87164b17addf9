// Large bundles: hashed and stored in chunks with bounded memory, and a warning above the size limit.
import * as assert from "assert";
import * as childProcess from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { BUNDLE_WARN_BYTES, createAppBundle, createBundle, HOST_SCRIPTS_DIR } from "../../components/bundle";
import { parseManifest } from "../../components/manifest";
import { APP, EXEC, scratchDirs } from "../support/bundle";

describe("bundle", () => {
  const { tree, outDir } = scratchDirs();

  describe("size", () => {
    it("puts a large file's content in the store whole, named by its sha256, and copies it only once", () => {
      const big = crypto.randomBytes(3 * 1024 * 1024 + 12345); // more than one read chunk
      const src = tree(APP, EXEC);
      fs.writeFileSync(path.join(src, "blob.bin"), big);
      const out = outDir();
      const a = createBundle({ appDir: src, outDir: out });
      const sha = crypto.createHash("sha256").update(big).digest("hex");
      const line = parseManifest(fs.readFileSync(a.path, "utf8")).find((l) => l.name === "blob.bin");
      assert.strictEqual(line?.sha256, sha);
      const stored = path.join(a.storeDir, sha);
      assert.ok(fs.readFileSync(stored).equals(big));
      const before = fs.statSync(stored).ino;
      const b = createBundle({ appDir: src, outDir: out });
      assert.strictEqual(b.sha256, a.sha256);
      assert.strictEqual(fs.statSync(stored).ino, before, "an existing content is not copied again");
    });

    it("bundles a 64 MiB file while peak memory grows by less than half its size", function() {
      this.timeout(60_000);
      const size = 64 * 1024 * 1024;
      const dir = outDir();
      fs.mkdirSync(path.join(dir, "app"));
      fs.writeFileSync(path.join(dir, "app", "big.bin"), "");
      fs.truncateSync(path.join(dir, "app", "big.bin"), size); // sparse: no disk used
      // A fresh process, so its peak RSS is this bundle's alone (Buffers live outside the JS heap).
      const script = `
        const { createBundle } = require(${
          JSON.stringify(path.resolve(__dirname, "..", "..", "components", "bundle"))
        });
        const before = process.memoryUsage().rss;
        createBundle({ appDir: ${JSON.stringify(path.join(dir, "app"))}, outDir: ${
          JSON.stringify(path.join(dir, "out"))
        } });
        process.stdout.write(String(process.resourceUsage().maxRSS * 1024 - before));`;
      const growth = Number(
        childProcess.execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
          cwd: path.resolve(__dirname, "..", ".."),
          encoding: "utf8",
          timeout: 50_000,
        }),
      );
      assert.ok(Number.isFinite(growth) && growth < size / 2,
        `peak RSS grew by ${(growth / 1048576).toFixed(1)} MiB for a ${size / 1048576} MiB file`);
    });

    it("warns above the size limit, naming the largest files, and stays quiet below it", () => {
      const src = tree({ ...APP, "data/dump.sql": "x".repeat(5000) }, EXEC);
      assert.deepStrictEqual(createBundle({ appDir: src, outDir: outDir() }).warnings, []);
      assert.ok(BUNDLE_WARN_BYTES >= 50 * 1024 * 1024, "the default limit is for real bundles, not this test tree");
      const warnings = createBundle({ appDir: src, outDir: outDir(), warnBytes: 100 }).warnings;
      assert.strictEqual(warnings.length, 1);
      assert.match(warnings[0],
        /above the 0\.0 MiB warning size.*Largest files: data\/dump\.sql \(0\.0 MiB\).*\.deployignore/);
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
});
