// The bundle as an archive: sorted entries, and tar and gzip headers that carry nothing of the
// machine that packed it.
import * as assert from "assert";
import * as fs from "fs";
import * as tar from "tar-stream";
import { createBundle } from "../../components/bundle";
import { tarHeader } from "../../components/tarGz";
import { APP, EXEC, readArchive, scratchDirs } from "../support/bundle";

describe("bundle", () => {
  const { tree, outDir } = scratchDirs();

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
});
