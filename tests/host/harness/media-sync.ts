// The data-move scenario's media half: `ops media sync --from DIR` into the media volume, and with
// --bucket into a bucket of an S3 API on 127.0.0.1 (s3rver, reached through the AWS SDK's
// AWS_ENDPOINT_URL_S3); both sides then match in names, sizes and content, and a second sync sends
// nothing.
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { compareTrees, listDirectory, MediaFile, parseListing } from "../../../scripts/lib/ops/data";
import { filesToUpload, listBucket } from "../../../scripts/lib/ops/mediaBucket";
import { log, tail } from "./commands";
import { Context } from "./context";
import { docker } from "./host";
import { ops } from "./ops";

/** A media export: nested directories, a space and non-ASCII in names, an empty file, sizes up to 2 MB. */
function mediaExport(ctx: Context): string {
  const dir = path.join(ctx.env.workDir, "media-export");
  fs.rmSync(dir, { recursive: true, force: true });
  for (let i = 0; i < 60; i++) {
    const sub = path.join(dir, i % 3 === 0 ? "uploads/2024" : i % 3 === 1 ? "uploads/2025/avatars" : "docs");
    fs.mkdirSync(sub, { recursive: true });
    const name = i === 7 ? "résumé final.pdf" : `file-${i}.bin`;
    fs.writeFileSync(path.join(sub, name), crypto.randomBytes(i === 0 ? 0 : (i * 37_911) % 2_000_000));
  }
  return dir;
}

/** sha256 and path of every file, sorted: here, and in the volume through a container. */
function hashesHere(dir: string, files: MediaFile[]): string {
  return files.map((f) =>
    `${crypto.createHash("sha256").update(fs.readFileSync(path.join(dir, f.path))).digest("hex")}  ${f.path}`
  ).sort().join("\n");
}

/** media sync into the media volume: counts, sizes and content of every file match. */
export async function mediaSync(ctx: Context): Promise<void> {
  const dir = mediaExport(ctx);
  const source = listDirectory(dir);
  const sync = await ops(ctx, ["media", "sync", "--from", dir]);
  log(`  ops media sync: exit ${sync.code} in ${(sync.ms / 1000).toFixed(1)}s: ${sync.stdout.trim()}`);
  const volume = `${ctx.spec.appName}_media`;
  const listed = await docker(ctx, "list the media volume", ["run", "--rm", "-v", `${volume}:/m:ro`, "--entrypoint",
    "find", "python:3.12-slim", "/m", "-type", "f", "-printf", "%s\\t%P\\n"]);
  const there = parseListing(listed);
  const compared = compareTrees(source, there);
  const sums = await docker(ctx, "hash the media volume", ["run", "--rm", "-v", `${volume}:/m:ro`, "-w", "/m",
    "--entrypoint", "sh", "python:3.12-slim", "-c",
    "find . -type f -print0 | xargs -0 sha256sum | sed 's#  \\./#  #' | LC_ALL=C sort"]);
  const inVolume = sums.split("\n").filter(Boolean).sort();
  const here = hashesHere(dir, source).split("\n");
  const contentEqual = inVolume.join("\n") === here.join("\n");
  const firstDiff = inVolume.find((line) => !here.includes(line)) ?? here.find((line) => !inVolume.includes(line));
  const equal = sync.code === 0 && /; equal$/m.test(sync.stdout) && compared.equal && there.length === source.length
    && contentEqual;
  ctx.results.mediaSyncEqual = equal ? 1 : 0;
  ctx.checks.check("ops media sync puts every file into the media volume: counts, sizes and content match", equal,
    `exit ${sync.code}; ${compared.line}; content ${
      contentEqual ? "equal" : `DIFFERS (first: ${JSON.stringify(firstDiff)})`
    }; ${tail(sync, 4)}`);
  const again = await ops(ctx, ["media", "sync", "--from", dir]);
  ctx.checks.check("a second media sync sends nothing and still finds both sides equal",
    again.code === 0 && /0 to send/.test(again.stderr) && /; equal$/m.test(again.stdout), tail(again, 4));
}

const S3RVER = path.resolve(__dirname, "../../integration/media/s3rver.js");
const MEDIA_BUCKET = "e2e-media";
/** What the S3 stand-in accepts (s3rver's README: the S3RVER/S3RVER key pair). */
const S3_ENV = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_REGION: "ap-northeast-2" };

/** s3rver on 127.0.0.1 with one bucket; resolves with its endpoint once it listens (bounded wait) and a stop. */
function startS3(ctx: Context): Promise<{ endpoint: string; stop: () => void }> {
  const dir = path.join(ctx.env.workDir, "s3rver");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, [S3RVER, "--port", "0", "--dir", dir, "--bucket", MEDIA_BUCKET], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error("s3rver did not listen within 20 s"));
    }, 20_000);
    child.stdout.on("data", (d: Buffer) => {
      const m = /ready (\d+)/.exec(d.toString());
      if (m) {
        clearTimeout(timer);
        resolve({ endpoint: `http://127.0.0.1:${m[1]}`, stop: () => child.kill("SIGTERM") });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited (${code})`));
    });
  });
}

/** media sync into a bucket (mediaStorage s3): counts, sizes and content of every object match. */
export async function mediaSyncToBucket(ctx: Context): Promise<boolean> {
  const dir = mediaExport(ctx);
  const source = listDirectory(dir);
  const s3 = await startS3(ctx);
  try {
    const env = { ...S3_ENV, AWS_ENDPOINT_URL_S3: s3.endpoint };
    const sync = await ops(ctx, ["media", "sync", "--from", dir, "--bucket", MEDIA_BUCKET, "--prefix", "media"], [],
      env);
    log(`  ops media sync --bucket: exit ${sync.code} in ${(sync.ms / 1000).toFixed(1)}s: ${sync.stdout.trim()}`);
    const client = new S3Client({ region: S3_ENV.AWS_REGION, endpoint: s3.endpoint,
      credentials: { accessKeyId: S3_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: S3_ENV.AWS_SECRET_ACCESS_KEY } });
    const target = { bucket: MEDIA_BUCKET, prefix: "media" };
    const there = await listBucket(client, target);
    const compared = compareTrees(source, there, filesToUpload);
    const sums: string[] = [];
    for (const f of there) {
      const o = await client.send(new GetObjectCommand({ Bucket: MEDIA_BUCKET, Key: `media/${f.path}` }));
      sums.push(`${crypto.createHash("sha256").update(await o.Body!.transformToByteArray()).digest("hex")}  ${f.path}`);
    }
    const contentEqual = sums.sort().join("\n") === hashesHere(dir, source);
    const equal = sync.code === 0 && /; equal$/m.test(sync.stdout) && compared.equal && there.length === source.length
      && contentEqual;
    ctx.checks.check("ops media sync --bucket puts every file into the bucket: counts, sizes and content match", equal,
      `exit ${sync.code}; ${compared.line}; content ${contentEqual ? "equal" : "DIFFERS"}; ${tail(sync, 4)}`);
    const again = await ops(ctx, ["media", "sync", "--from", dir, "--bucket", MEDIA_BUCKET, "--prefix", "media"], [],
      env);
    ctx.checks.check("a second media sync into the bucket sends nothing and still finds both sides equal",
      again.code === 0 && /0 to send/.test(again.stderr) && /; equal$/m.test(again.stdout), tail(again, 4));
    return equal;
  } finally {
    s3.stop();
  }
}
