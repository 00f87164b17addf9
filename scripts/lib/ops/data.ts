// The data verbs of `npm run ops`: db (dump | restore | copy | verify) and media sync. What runs on the
// host is host/release/ops/db.sh and media.sh; this side decides what the SSH session's stdin and stdout
// carry. A database URL (it holds a password) is read from an environment variable or a file and sent
// on stdin: never on a command line, here or on the host. Pure parts tested in tests/unit/ops-data.test.ts.
import * as fs from "fs";
import * as path from "path";
import { OpsUsageError } from "./args";

/** What one SSH session of a data verb does with its streams, and the host script's arguments. */
export interface DataSession {
  remoteArgs: string[];
  /** Text sent first on stdin (the other database's URL, one line). */
  stdinText?: string;
  /** A file streamed on stdin (restore --in). "inherit": the caller's stdin. */
  stdinFile?: string | "inherit";
  /** Where stdout goes (dump --out); undefined: the caller's stdout. */
  stdoutFile?: string;
}

/** A URL whose password would show in shell history and `ps`: refused; the fix says where to put it. */
export function readDatabaseUrl(source: string, env: NodeJS.ProcessEnv,
  readFile: (p: string) => string = (p) => fs.readFileSync(p, "utf8")): string {
  let url: string | undefined;
  if (source.startsWith("env:")) {
    url = env[source.slice(4)];
    if (!url) {
      throw new OpsUsageError(
        `--from ${source}: the environment variable ${source.slice(4)} is not set (export it, e.g. read -rs ${
          source.slice(4)
        }; export ${source.slice(4)})`,
      );
    }
  } else if (source.startsWith("file:")) {
    url = readFile(source.slice(5)).split("\n")[0];
  } else if (/^[a-z0-9+]+:\/\//.test(source)) {
    throw new OpsUsageError(
      "--from takes env:NAME or file:PATH, not the URL itself: its password would sit in your shell history and in every process list. "
        + "Fix: read -rs OLD_DATABASE_URL && export OLD_DATABASE_URL, then --from env:OLD_DATABASE_URL",
    );
  } else {
    throw new OpsUsageError(`--from '${source}' is neither env:NAME nor file:PATH (where the other database's URL is)`);
  }
  url = url.trim();
  if (!/^(postgres|postgresql|mysql|mysql2|mariadb):\/\/[^@/]*@[^/]+\/.+/.test(url)) {
    throw new OpsUsageError(
      `--from ${source} does not hold a postgres:// or mysql:// URL with user@host/database (its value is not shown)`,
    );
  }
  return url;
}

/** Takes `--name VALUE` out of args; returns the value and the rest. */
function takeFlag(args: string[], name: string): { value?: string; rest: string[] } {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return { rest: args };
  const inline = args[i].includes("=") ? args[i].slice(name.length + 1) : undefined;
  const value = inline ?? args[i + 1];
  if (!value || (inline === undefined && value.startsWith("--"))) throw new OpsUsageError(`${name} needs a value`);
  return { value, rest: [...args.slice(0, i), ...args.slice(i + (inline === undefined ? 2 : 1))] };
}

/** `db ACTION …` → the session: the host script's arguments and what stdin/stdout carry. */
export function dbSession(verbArgs: string[], env: NodeJS.ProcessEnv, readFile?: (p: string) => string): DataSession {
  const [action, ...args] = verbArgs;
  if (!["dump", "restore", "copy", "verify"].includes(action ?? "")) {
    throw new OpsUsageError("db needs an action: dump, restore, copy or verify");
  }
  const from = takeFlag(args, "--from");
  const out = takeFlag(from.rest, "--out");
  const input = takeFlag(out.rest, "--in");
  const rest = input.rest;
  const needsFrom = action === "copy" || action === "verify";
  if (needsFrom && !from.value) {
    throw new OpsUsageError(`db ${action} needs --from env:NAME (or file:PATH): where the other database's URL is`);
  }
  if (!needsFrom && from.value) throw new OpsUsageError(`--from is for db copy and db verify`);
  if (out.value && action !== "dump") throw new OpsUsageError("--out is for db dump");
  if (input.value && action !== "restore") throw new OpsUsageError("--in is for db restore");
  const session: DataSession = { remoteArgs: [action, ...rest] };
  if (from.value) session.stdinText = `${readDatabaseUrl(from.value, env, readFile)}\n`;
  if (action === "restore") session.stdinFile = input.value ?? "inherit";
  if (out.value) session.stdoutFile = out.value;
  return session;
}

/** One file of a media tree: its path relative to the root (forward slashes), size and, when known, mtime (whole seconds). */
export interface MediaFile {
  path: string;
  size: number;
  mtime?: number;
}

/** Files in path order (code-unit order, as every listing is compared), sorted in place. */
export function sortByPath(files: MediaFile[]): MediaFile[] {
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The files of `source` missing on the other side, of another size there, or, where both sides know
 * it, with an mtime `changed` calls changed: what a sync still has to send.
 */
export function filesMissingOrChanged(source: MediaFile[], other: MediaFile[],
  changed: (here: number, there: number) => boolean): MediaFile[] {
  const there = new Map(other.map((f) => [f.path, f]));
  return source.filter((f) => {
    const t = there.get(f.path);
    return t === undefined || t.size !== f.size
      || (f.mtime !== undefined && t.mtime !== undefined && changed(f.mtime, t.mtime));
  });
}

/** `<size>\t<mtime>\t<path>` (media.sh list) or `<size>\t<path>` lines → files. */
export function parseListing(text: string): MediaFile[] {
  return text.split("\n").filter((l) => l.includes("\t")).map((l) => {
    const [size, second, ...rest] = l.split("\t");
    if (rest.length > 0 && /^\d+(\.\d+)?$/.test(second)) {
      return { size: Number(size), mtime: Math.floor(Number(second)), path: rest.join("\t") };
    }
    return { size: Number(size), path: [second, ...rest].join("\t") };
  });
}

/** Every regular file under dir (symbolic links and other kinds are skipped), sorted by path. */
export function listDirectory(dir: string): MediaFile[] {
  const files: MediaFile[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) {
        const stat = fs.statSync(path.join(dir, child));
        files.push({ path: child, size: stat.size, mtime: Math.floor(stat.mtimeMs / 1000) });
      }
    }
  };
  walk("");
  return sortByPath(files);
}

/**
 * What a sync still has to send: files missing on the target, of another size there (a cut transfer
 * leaves a short file), or, where both sides know it, of another mtime (changed in place, same size).
 */
export function filesToSend(source: MediaFile[], target: MediaFile[]): MediaFile[] {
  return filesMissingOrChanged(source, target, (here, there) => here !== there);
}

/** Source and target compared: counts and bytes, and whether every source file is there with its size. */
export function compareTrees(source: MediaFile[], target: MediaFile[],
  toSend = filesToSend): { equal: boolean; line: string } {
  const bytes = (fs: MediaFile[]) => fs.reduce((n, f) => n + f.size, 0);
  const missing = toSend(source, target).length;
  return {
    equal: missing === 0,
    line: `source ${source.length} files ${bytes(source)} bytes; target ${target.length} files ${
      bytes(target)
    } bytes; missing or different ${missing}`,
  };
}

/** Where media sync puts the files: the host's media volume (ec2), or a bucket (mediaStorage s3). */
export interface MediaArgs {
  from: string;
  remote?: { spec: string };
  volumeArgs: string[];
  /** --bucket NAME (else the stack's mediaBucket output, when it has one). */
  bucket?: string;
  /** --prefix P: the key prefix in the bucket (django-storages' AWS_LOCATION; "" by default, as there). */
  prefix?: string;
}

/** `media sync --from X [--volume NAME | --bucket NAME [--prefix P]]`: X a local directory, or HOST:PATH (copied to a local staging directory with rsync first). */
export function mediaArgs(verbArgs: string[]): MediaArgs {
  const [action, ...args] = verbArgs;
  if (action !== "sync") throw new OpsUsageError("media needs an action: sync --from DIR|HOST:PATH");
  const from = takeFlag(args, "--from");
  const volume = takeFlag(from.rest, "--volume");
  const bucket = takeFlag(volume.rest, "--bucket");
  const prefix = takeFlag(bucket.rest, "--prefix");
  if (prefix.rest.length > 0) throw new OpsUsageError(`media sync: unknown argument '${prefix.rest[0]}'`);
  if (!from.value) {
    throw new OpsUsageError(
      "media sync needs --from DIR (a directory here) or --from HOST:PATH (the old host, over your ssh config)",
    );
  }
  if (volume.value && bucket.value) {
    throw new OpsUsageError("media sync: give --volume (the host's media volume) or --bucket (media on S3), not both");
  }
  const volumeArgs = volume.value ? ["--volume", volume.value] : [];
  const remote = /^[^/.][^:/]*:/.test(from.value) ? { spec: from.value } : undefined;
  return { from: from.value, ...(remote ? { remote } : {}), volumeArgs,
    ...(bucket.value ? { bucket: bucket.value } : {}),
    ...(prefix.value !== undefined ? { prefix: prefix.value } : {}) };
}
