// `ops media sync` into a media bucket, for real against an S3 API: s3rver (an S3-compatible server
// from npm) on 127.0.0.1, reached through the AWS SDK's own AWS_ENDPOINT_URL_S3 setting, as the
// command reaches AWS. Only missing or changed files go; both sides are listed and compared after.
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseOpsArgs } from "../../scripts/lib/ops/args";
import { mediaArgs } from "../../scripts/lib/ops/data";
import { mediaToBucketOnly, runMediaToBucket } from "../../scripts/lib/ops/dataRun";
import { filesToUpload, normalizePrefix } from "../../scripts/lib/ops/mediaBucket";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver");

const BUCKET = "shop-media";
const ENV_KEYS = ["AWS_ENDPOINT_URL_S3", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"] as const;

/** A media export: nested directories, a space and non-ASCII in a name, an empty file, a 6 MB file (multipart). */
function mediaExport(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "media-export-"));
  const put = (rel: string, data: Buffer | string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), data);
  };
  put("avatars/a.png", Buffer.alloc(2048, 1));
  put("avatars/b c.jpg", Buffer.alloc(4096, 2));
  put("docs/요약.txt", "hello\n");
  put("empty.bin", "");
  put("big/video.mp4", Buffer.alloc(6 * 1024 * 1024, 3));
  return dir;
}

/** Runs `ops media sync` with these arguments; its exit code and stdout. */
async function sync(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = parseOpsArgs(["media", "sync", ...args]);
  assert.ok(mediaToBucketOnly(command), "a --bucket sync without a stack or host needs neither");
  const out: string[] = [];
  const err: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
  try {
    const code = await runMediaToBucket(command, process.env.AWS_REGION);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
}

describe("ops media sync into a bucket (an S3 API on 127.0.0.1)", function() {
  this.timeout(60_000);
  let server: { run(): Promise<{ port: number }>; close(): Promise<void> };
  let client: S3Client;
  const saved: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};

  before(async () => {
    server = new S3rver({ address: "127.0.0.1", port: 0, silent: true,
      directory: fs.mkdtempSync(path.join(os.tmpdir(), "s3rver-")), configureBuckets: [{ name: BUCKET }] });
    const { port } = await server.run();
    for (const k of ENV_KEYS) saved[k] = process.env[k];
    // s3rver accepts its documented default key pair (s3rver README: S3RVER/S3RVER).
    Object.assign(process.env, { AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_REGION: "ap-northeast-2" });
    client = new S3Client({ region: "ap-northeast-2" });
  });

  after(async () => {
    for (const k of ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await server.close();
  });

  it("puts every file under the prefix with its content and type, then finds both sides equal", async () => {
    const dir = mediaExport();
    const r = await sync(["--from", dir, "--bucket", BUCKET, "--prefix", "media"]);
    assert.strictEqual(r.code, 0, r.stdout + r.stderr);
    // 6 MiB + 2048 + 4096 + "hello\n" (6 bytes) + the empty file
    assert.match(r.stdout, /source 5 files 6297606 bytes; target 5 files 6297606 bytes; missing or different 0; equal/);
    for (const rel of ["avatars/a.png", "avatars/b c.jpg", "docs/요약.txt", "empty.bin", "big/video.mp4"]) {
      const o = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `media/${rel}` }));
      const body = Buffer.from(await o.Body!.transformToByteArray());
      assert.ok(body.equals(fs.readFileSync(path.join(dir, rel))), `media/${rel} holds the file's bytes`);
    }
    const png = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "media/avatars/a.png" }));
    assert.strictEqual(png.ContentType, "image/png");
  });

  it("sends nothing the second time, and only a file changed in place at the same size after that", async () => {
    const dir = mediaExport();
    assert.strictEqual((await sync(["--from", dir, "--bucket", BUCKET, "--prefix", "again"])).code, 0);
    const second = await sync(["--from", dir, "--bucket", BUCKET, "--prefix", "again"]);
    assert.match(second.stderr, /5 files here, 0 to send/);
    fs.writeFileSync(path.join(dir, "avatars/a.png"), Buffer.alloc(2048, 9));
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(dir, "avatars/a.png"), later, later);
    const third = await sync(["--from", dir, "--bucket", BUCKET, "--prefix", "again"]);
    assert.match(third.stderr, /5 files here, 1 to send .*\(2048 bytes\)/);
    const o = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "again/avatars/a.png" }));
    assert.strictEqual(Buffer.from(await o.Body!.transformToByteArray())[0], 9);
  });

  it("fails, naming the bucket's error, when the bucket does not exist", async () => {
    const dir = mediaExport();
    await assert.rejects(sync(["--from", dir, "--bucket", "no-such-bucket"]), /bucket does not exist/i);
  });
});

describe("ops media sync: arguments for a bucket", () => {
  it("refuses --volume with --bucket, and . or .. in a prefix", () => {
    assert.throws(() => mediaArgs(["sync", "--from", "d", "--volume", "v", "--bucket", "b"]),
      /--volume .* or --bucket .*, not both/);
    assert.throws(() => normalizePrefix("media/../x"), /--prefix 'media\/..\/x' may not contain/);
    assert.strictEqual(normalizePrefix("/media/"), "media");
  });

  it("sends what the bucket lacks, has at another size, or holds older than the file here", () => {
    const here = [{ path: "a", size: 1, mtime: 100 }, { path: "b", size: 2, mtime: 100 }, { path: "c", size: 3,
      mtime: 200 }, { path: "d", size: 4, mtime: 100 }];
    const bucket = [{ path: "b", size: 5, mtime: 150 }, { path: "c", size: 3, mtime: 150 }, { path: "d", size: 4,
      mtime: 150 }];
    assert.deepStrictEqual(filesToUpload(here, bucket).map((f) => f.path), ["a", "b", "c"]);
  });
});
