// `ops media sync` into the stack's media bucket (mediaStorage s3): straight from this machine to S3
// with the AWS SDK, under the caller's own AWS credentials (the default provider chain: environment,
// profile, SSO), never through the host. Resumable: only what the bucket lacks is sent, then both
// sides are listed and compared. An S3-compatible server stands in through the SDK's own
// AWS_ENDPOINT_URL_S3 setting (docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import * as fs from "fs";
import { lookup } from "mime-types";
import * as path from "path";
import { filesMissingOrChanged, MediaFile, sortByPath } from "./data";

/** Uploads in flight at once (each a multipart upload of its own when large: lib-storage's Upload). */
const PARALLEL_UPLOADS = 4;
/** Seconds between progress lines on stderr. */
const PROGRESS_EVERY_MS = 5000;

export interface BucketTarget {
  bucket: string;
  /** Key prefix without leading or trailing slash ("" for the bucket's root). */
  prefix: string;
  region?: string;
}

/** The object key of a media file. */
export function objectKey(target: BucketTarget, file: string): string {
  return target.prefix ? `${target.prefix}/${file}` : file;
}

/** `--prefix` as given ("media", "/media/", "") → "media"; refuses what S3 keys cannot hold. */
export function normalizePrefix(prefix: string | undefined): string {
  const p = (prefix ?? "").replace(/^\/+|\/+$/g, "");
  if (p.split("/").some((part) => part === "." || part === "..")) {
    throw new Error(`media sync: --prefix '${prefix}' may not contain . or .. segments`);
  }
  return p;
}

export function s3Client(target: BucketTarget): S3Client {
  return new S3Client({ ...(target.region ? { region: target.region } : {}) });
}

/**
 * Every object under the prefix as a media file: its key less the prefix, its size, and as mtime
 * the time S3 stored it (ListObjectsV2 returns LastModified, the object's creation time; S3 keeps
 * no file mtime). Paginated with the continuation token (docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html).
 */
export async function listBucket(client: S3Client, target: BucketTarget): Promise<MediaFile[]> {
  const files: MediaFile[] = [];
  const start = target.prefix ? `${target.prefix}/` : "";
  let token: string | undefined;
  for (let page = 0; page < 100_000; page++) {
    const r = await client.send(
      new ListObjectsV2Command({ Bucket: target.bucket, Prefix: start || undefined, ContinuationToken: token }),
    );
    for (const o of r.Contents ?? []) {
      if (!o.Key || o.Key.endsWith("/")) continue;
      files.push({ path: o.Key.slice(start.length), size: o.Size ?? 0,
        mtime: o.LastModified ? Math.floor(o.LastModified.getTime() / 1000) : undefined });
    }
    if (!r.IsTruncated) break;
    token = r.NextContinuationToken;
  }
  return sortByPath(files);
}

/**
 * What still has to go to the bucket: files missing there, of another size (an upload that never
 * completed leaves no object, a changed file another size), or changed here after the object was
 * stored (local mtime newer than the object's LastModified: changed in place at the same size).
 */
export function filesToUpload(source: MediaFile[], bucket: MediaFile[]): MediaFile[] {
  return filesMissingOrChanged(source, bucket, (here, there) => here > there);
}

/** Uploads `send` from dir, PARALLEL_UPLOADS at a time, with progress on stderr; throws on the first failure. */
export async function uploadFiles(client: S3Client, target: BucketTarget, dir: string, send: MediaFile[],
  progress = process.stderr): Promise<void> {
  let bytes = 0;
  const total = send.reduce((n, f) => n + f.size, 0);
  const report = () =>
    progress.write(
      `ops: media: ${(bytes / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB sent to s3://${target.bucket}\n`,
    );
  const ticker = setInterval(report, PROGRESS_EVERY_MS);
  const queue = [...send];
  const worker = async () => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
      const upload = new Upload({
        client,
        params: {
          Bucket: target.bucket,
          Key: objectKey(target, f.path),
          Body: fs.createReadStream(path.join(dir, f.path)),
          ContentType: lookup(f.path) || "application/octet-stream",
        },
      });
      await upload.done();
      bytes += f.size;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(PARALLEL_UPLOADS, queue.length) }, worker));
  } finally {
    clearInterval(ticker);
    report();
  }
}
