// Runs the data verbs (data.ts decides what the streams carry): one SSH session per host-script call,
// the dump/restore streamed through it (never held whole in memory), media sent as a tar stream of the
// files still missing, with progress on stderr.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tar from "tar-stream";
import { OpsCommand, OpsUsageError } from "./args";
import { tracked } from "./lifetime";
import { compareTrees, dbSession, filesToSend, listDirectory, mediaArgs, MediaArgs, MediaFile,
  parseListing } from "./data";
import { BucketTarget, filesToUpload, listBucket, normalizePrefix, s3Client, uploadFiles } from "./mediaBucket";
import { remoteLine, sshArgs, SshFiles } from "./ssh";
import { OpsTarget } from "./target";

/** Longest a data session may run (a large database or media tree takes hours, not days). */
const SESSION_LIMIT_MS = 12 * 3600_000;

interface Session {
  args: string[];
  stdin?: (stream: NodeJS.WritableStream) => Promise<void>;
  stdout?: NodeJS.WritableStream | "capture";
}

/** One ssh session running `verb args` on the host; resolves with its exit code and captured stdout. */
function runSession(target: OpsTarget, files: SshFiles, verb: OpsCommand["verb"],
  s: Session): Promise<{ code: number; stdout: string }> {
  const line = remoteLine({ verb, verbArgs: s.args, target: {} }, target.baseDir, false);
  return new Promise((resolve) => {
    const child = tracked(
      spawn("ssh", sshArgs(target, files, false, line), { stdio: [s.stdin ? "pipe" : "ignore", "pipe", "inherit"] }),
    );
    const timer = setTimeout(() => child.kill("SIGTERM"), SESSION_LIMIT_MS);
    let captured = "";
    if (s.stdout === "capture") child.stdout!.on("data", (d: Buffer) => (captured += d.toString("utf8")));
    else child.stdout!.pipe(s.stdout ?? process.stdout, { end: false });
    if (s.stdin && child.stdin) {
      child.stdin.on("error", () => undefined); // the host may stop reading first; its exit code tells why
      s.stdin(child.stdin).then(() => child.stdin?.end(), (err: Error) => {
        process.stderr.write(`ops: ${err.message}\n`);
        child.kill("SIGTERM");
      });
    }
    child.on("error", (err) => {
      clearTimeout(timer);
      process.stderr.write(`ops: could not start ssh: ${err.message}\n`);
      resolve({ code: 127, stdout: captured });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout: captured });
    });
  });
}

/** Pipes a readable into the session's stdin, reporting bytes on stderr every few seconds. */
function streamWithProgress(source: NodeJS.ReadableStream,
  what: string): (stdin: NodeJS.WritableStream) => Promise<void> {
  return (stdin) => new Promise((resolve, reject) => {
    let bytes = 0;
    const report = () => process.stderr.write(`ops: ${what}: ${(bytes / 1e6).toFixed(1)} MB sent\n`);
    const ticker = setInterval(report, 5000);
    source.on("data", (d: Buffer) => (bytes += d.length));
    source.on("error", (e) => {
      clearInterval(ticker);
      reject(e);
    });
    source.on("end", () => {
      clearInterval(ticker);
      report();
      resolve();
    });
    source.pipe(stdin, { end: false });
  });
}

async function runDb(command: OpsCommand, target: OpsTarget, files: SshFiles): Promise<number> {
  const session = dbSession(command.verbArgs, process.env);
  let stdin: Session["stdin"];
  if (session.stdinText !== undefined) {
    const text = session.stdinText;
    stdin = async (s) => void s.write(text);
  } else if (session.stdinFile !== undefined) {
    const source = session.stdinFile === "inherit" ? process.stdin : fs.createReadStream(session.stdinFile);
    stdin = streamWithProgress(source, "restore");
  }
  const out = session.stdoutFile ? fs.createWriteStream(session.stdoutFile, { mode: 0o600 }) : undefined;
  const { code } = await runSession(target, files, "db", { args: session.remoteArgs, stdin, stdout: out });
  if (out) await new Promise<void>((resolve) => out.end(resolve));
  return code;
}

/** The old host's tree copied into a local staging directory with rsync (resumable: --partial, only what changed). */
function stageRemote(spec: string): string {
  const staging = path.join(os.homedir(), ".cache", "compose-on-ec2", "media", spec.replace(/[^A-Za-z0-9_.-]+/g, "_"));
  fs.mkdirSync(staging, { recursive: true });
  process.stderr.write(`ops: media: rsync ${spec} → ${staging} (resumable)\n`);
  const r = spawnSync("rsync", ["-a", "--partial", "--info=progress2", `${spec.replace(/\/?$/, "/")}`, `${staging}/`], {
    stdio: "inherit",
    timeout: SESSION_LIMIT_MS,
  });
  if (r.status !== 0) {
    throw new Error(
      `rsync from ${spec} failed (exit ${r.status ?? r.error?.message}); run the same command again to resume`,
    );
  }
  return staging;
}

/** A tar stream of `send` under dir, packed as it is read. */
function packFiles(dir: string, send: MediaFile[]): (stdin: NodeJS.WritableStream) => Promise<void> {
  return async (stdin) => {
    const pack = tar.pack();
    const done = streamWithProgress(pack as unknown as NodeJS.ReadableStream, "media")(stdin);
    for (const f of send) {
      await new Promise<void>((resolve, reject) => {
        const entry = pack.entry({ name: f.path, size: f.size, mode: 0o644,
          ...(f.mtime !== undefined ? { mtime: new Date(f.mtime * 1000) } : {}) },
          (err) => (err ? reject(err) : resolve()));
        fs.createReadStream(path.join(dir, f.path)).on("error", reject).pipe(entry);
      });
    }
    pack.finalize();
    await done;
  };
}

/** The directory media sync reads: --from DIR, or the old host's tree staged here. */
function mediaSource(args: MediaArgs): string {
  const dir = args.remote ? stageRemote(args.remote.spec) : path.resolve(args.from);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`media sync: ${dir} is not a directory`);
  }
  return dir;
}

/** The summary line and exit code of a sync, from both sides listed after it. */
function syncVerdict(result: { equal: boolean; line: string }): number {
  process.stdout.write(`media sync: ${result.line}; ${result.equal ? "equal" : "NOT equal (run again to resume)"}\n`);
  return result.equal ? 0 : 1;
}

/** Into the host's media volume: a tar stream of what the volume lacks, through one SSH session. */
async function syncToVolume(args: MediaArgs, dir: string, target: OpsTarget, files: SshFiles): Promise<number> {
  const list = async () => {
    const r = await runSession(target, files, "media", { args: ["list", ...args.volumeArgs], stdout: "capture" });
    if (r.code !== 0) throw new Error(`media list on the host failed (exit ${r.code})`);
    return parseListing(r.stdout);
  };
  const source = listDirectory(dir);
  const send = filesToSend(source, await list());
  process.stderr.write(
    `ops: media: ${source.length} files here, ${send.length} to send (${send.reduce((n, f) => n + f.size, 0)} bytes)\n`,
  );
  if (send.length > 0) {
    const r = await runSession(target, files, "media", { args: ["receive", ...args.volumeArgs],
      stdin: packFiles(dir, send) });
    if (r.code !== 0) return r.code;
  }
  return syncVerdict(compareTrees(source, await list()));
}

/** Into the media bucket (mediaStorage s3): uploads of what the bucket lacks, from here. */
async function syncToBucket(args: MediaArgs, dir: string,
  target: Pick<OpsTarget, "mediaBucket" | "region">): Promise<number> {
  const bucket: BucketTarget = { bucket: (args.bucket ?? target.mediaBucket) as string,
    prefix: normalizePrefix(args.prefix), region: target.region };
  const client = s3Client(bucket);
  const source = listDirectory(dir);
  const send = filesToUpload(source, await listBucket(client, bucket));
  process.stderr.write(
    `ops: media: ${source.length} files here, ${send.length} to send to s3://${bucket.bucket}/${bucket.prefix} (${
      send.reduce((n, f) => n + f.size, 0)
    } bytes)\n`,
  );
  await uploadFiles(client, bucket, dir, send);
  return syncVerdict(compareTrees(source, await listBucket(client, bucket), filesToUpload));
}

async function runMedia(command: OpsCommand, target: OpsTarget, files: SshFiles): Promise<number> {
  const args = mediaArgs(command.verbArgs);
  const toBucket = args.bucket !== undefined || (target.mediaBucket !== undefined && args.volumeArgs.length === 0);
  if (args.prefix !== undefined && !toBucket) {
    throw new OpsUsageError("media sync: --prefix applies to a bucket (--bucket, or a stack with mediaStorage s3)");
  }
  const dir = mediaSource(args);
  return toBucket ? syncToBucket(args, dir, target) : syncToVolume(args, dir, target, files);
}

/** `media sync --bucket NAME` without a stack or host: the bucket is all it needs (region: AWS_REGION or the profile's). */
export function mediaToBucketOnly(command: OpsCommand): boolean {
  return command.verb === "media" && !command.target.stack && !command.target.host
    && mediaArgs(command.verbArgs).bucket !== undefined;
}

export function runMediaToBucket(command: OpsCommand, region?: string): Promise<number> {
  const args = mediaArgs(command.verbArgs);
  return syncToBucket(args, mediaSource(args), { region });
}

/** db and media: the verbs whose sessions carry data. */
export function runDataVerb(command: OpsCommand, target: OpsTarget, files: SshFiles): Promise<number> {
  return command.verb === "db" ? runDb(command, target, files) : runMedia(command, target, files);
}
