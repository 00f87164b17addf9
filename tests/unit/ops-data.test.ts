// scripts/lib/ops/data.ts: what the data verbs send where. A database URL never becomes an argument;
// media sync sends only what is missing and compares counts and sizes.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { OpsUsageError, parseOpsArgs } from "../../scripts/lib/ops/args";
import { compareTrees, dbSession, filesToSend, listDirectory, mediaArgs, parseListing,
  readDatabaseUrl } from "../../scripts/lib/ops/data";
import { remoteLine } from "../../scripts/lib/ops/ssh";

const URL = "postgres://old_admin:s3cret-Passw0rd@old-db.internal:5432/shop";

describe("ops data verbs", () => {
  it("reads the other database's URL from an environment variable and sends it on stdin, not in the remote line", () => {
    const command = parseOpsArgs(["db", "copy", "--from", "env:OLD_DATABASE_URL", "--force", "--stack", "prod"]);
    const session = dbSession(command.verbArgs, { OLD_DATABASE_URL: URL });
    assert.deepStrictEqual(session.remoteArgs, ["copy", "--force"]);
    assert.strictEqual(session.stdinText, `${URL}\n`);
    const line = remoteLine({ ...command, verbArgs: session.remoteArgs }, "/home/ec2-user/compose-on-ec2", false)!;
    assert.ok(!line.includes("s3cret"), line);
    assert.match(line, /ops\/db\.sh' '--base-dir' '\/home\/ec2-user\/compose-on-ec2' 'copy' '--force'$/);
  });
  it("reads it from the first line of a file", () => {
    assert.strictEqual(readDatabaseUrl("file:/x", {}, () => `${URL}\nignored\n`), URL);
  });
  it("refuses a URL given on the command line, with the fix", () => {
    assert.throws(() => dbSession(["copy", "--from", URL], {}),
      (e: Error) =>
        e instanceof OpsUsageError && /shell history/.test(e.message) && /--from env:OLD_DATABASE_URL/.test(e.message)
        && !e.message.includes("s3cret"));
  });
  it("refuses an unset variable and a value that is no database URL, without showing the value", () => {
    assert.throws(() => dbSession(["verify", "--from", "env:NOPE"], {}), /NOPE is not set/);
    assert.throws(() => dbSession(["verify", "--from", "env:X"], { X: "hunter2-not-a-url" }),
      (e: Error) => /value is not shown/.test(e.message) && !e.message.includes("hunter2"));
  });
  it("needs --from for copy and verify only, --out for dump only, --in for restore only", () => {
    assert.throws(() => dbSession(["copy"], {}), /needs --from/);
    assert.throws(() => dbSession(["dump", "--from", "env:X"], { X: URL }), /--from is for db copy and db verify/);
    assert.throws(() => dbSession(["restore", "--out", "f"], {}), /--out is for db dump/);
    assert.throws(() => dbSession(["erase"], {}), /dump, restore, copy or verify/);
    assert.deepStrictEqual(dbSession(["dump", "--out", "shop.dump"], {}), { remoteArgs: ["dump"],
      stdoutFile: "shop.dump" });
    assert.deepStrictEqual(dbSession(["restore", "--in", "shop.dump", "--force"], {}), {
      remoteArgs: ["restore", "--force"],
      stdinFile: "shop.dump",
    });
    assert.deepStrictEqual(dbSession(["restore"], {}).stdinFile, "inherit");
  });
  it("tells a local directory from the old host's HOST:PATH", () => {
    assert.deepStrictEqual(mediaArgs(["sync", "--from", "old-box:/srv/media"]).remote, { spec: "old-box:/srv/media" });
    assert.strictEqual(mediaArgs(["sync", "--from", "./media"]).remote, undefined);
    assert.strictEqual(mediaArgs(["sync", "--from", "/srv/a:b"]).remote, undefined);
    assert.deepStrictEqual(mediaArgs(["sync", "--from", "m", "--volume", "uploads"]).volumeArgs, ["--volume",
      "uploads"]);
    assert.throws(() => mediaArgs(["sync"]), /needs --from/);
  });
  it("sends only files missing on the target or cut short there, and compares counts and bytes", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "media-"));
    try {
      fs.mkdirSync(path.join(dir, "photos", "2019"), { recursive: true });
      fs.writeFileSync(path.join(dir, "photos", "2019", "a.jpg"), Buffer.alloc(1000, 1));
      fs.writeFileSync(path.join(dir, "b.pdf"), Buffer.alloc(20, 2));
      fs.writeFileSync(path.join(dir, "c.txt"), "hello");
      const source = listDirectory(dir);
      assert.deepStrictEqual(source.map((f) => `${f.path}:${f.size}`), ["b.pdf:20", "c.txt:5",
        "photos/2019/a.jpg:1000"]);
      const target = parseListing("20\tb.pdf\n400\tphotos/2019/a.jpg\n");
      assert.deepStrictEqual(filesToSend(source, target).map((f) => f.path), ["c.txt", "photos/2019/a.jpg"]);
      assert.deepStrictEqual(compareTrees(source, target), { equal: false,
        line: "source 3 files 1025 bytes; target 2 files 420 bytes; missing or different 2" });
      assert.strictEqual(compareTrees(source, parseListing("20\tb.pdf\n5\tc.txt\n1000\tphotos/2019/a.jpg\n")).equal,
        true);
      // media.sh lists the time too: a file changed in place at the same size is sent again.
      const t = (f: string) => source.find((s) => s.path === f)?.mtime ?? 0;
      const timed = parseListing(
        `20\t${t("b.pdf")}.25\tb.pdf\n5\t${t("c.txt") - 60}\tc.txt\n1000\t${
          t("photos/2019/a.jpg")
        }\tphotos/2019/a.jpg\n`,
      );
      assert.deepStrictEqual(filesToSend(source, timed).map((f) => f.path), ["c.txt"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
