// A release as a manifest of its files, and those files' contents in a store keyed by sha256.
// Pure Node (no Pulumi). The manifest is one line per entry, sorted by path (bundle.ts sorts them):
//   <sha256 of the content> <mode> <path>      a file, mode 644 or 755
//   -                       755    <path>/     a directory (so empty ones survive)
// The release id is the sha256 of the manifest's bytes: the same files, modes and paths give the
// same id on every machine, whatever the mtimes, owners or file system order. The host keeps one
// store of contents (<baseDir>/store/<sha256>) and assembles each release from it with hard links
// (host/bootstrap/deploy.sh), so an upload sends only the contents the host lacks
// (scripts/runner/upload.sh, host/bootstrap/upload.sh). The runner keeps a store of its own next to
// the manifests: the upload's tar names each content by its sha256, straight from there.

import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";

/** One entry of a release: a file (with its source on this machine) or a directory. */
export interface ManifestEntry {
  /** Path in the release, "/"-separated; directories end with "/". */
  name: string;
  type: "file" | "dir";
  /** 0o644 or 0o755: only the executable bit of the source survives. */
  mode: number;
  /** Absolute or working-directory-relative source path (files only). */
  source?: string;
}

/** A manifest entry with its content's hash (files) and size. */
export interface HashedEntry extends ManifestEntry {
  sha256?: string;
  size: number;
}

/** What a directory line carries where a file line has its content's sha256. */
export const DIR_HASH = "-";

/** The store's directory inside the runner's bundle directory (the host's comes from layout.ts). */
export const LOCAL_STORE_DIR = "store";

const CHUNK = 1024 * 1024;

/**
 * A path the manifest can carry on one line and the host reads back with `read -r`: no control
 * characters (a newline would start another entry), no leading or trailing blank.
 */
export function manifestNameProblem(name: string): string | undefined {
  if (/[\u0000-\u001f\u007f]/.test(name)) return "has a control character (a newline or a tab) in its name";
  if (name !== name.trim()) return "begins or ends with a blank";
  return undefined;
}

/** sha256 (hex) and size of a file, read in chunks (memory stays flat). */
export function fileSha256(file: string): { sha256: string; size: number } {
  const hash = crypto.createHash("sha256");
  const buf = Buffer.alloc(CHUNK);
  const fd = fs.openSync(file, "r");
  let size = 0;
  try {
    for (let n = fs.readSync(fd, buf, 0, CHUNK, null); n > 0; n = fs.readSync(fd, buf, 0, CHUNK, null)) {
      hash.update(buf.subarray(0, n));
      size += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { sha256: hash.digest("hex"), size };
}

/** Every entry with its content's hash: files are read once each. */
export function hashEntries(entries: ManifestEntry[]): HashedEntry[] {
  return entries.map((e) => {
    const problem = manifestNameProblem(e.name);
    if (problem) {
      throw new Error(`bundle: ${JSON.stringify(e.name)} ${problem}; rename it, or list it in .deployignore.`);
    }
    if (e.type === "dir") return { ...e, size: 0 };
    return { ...e, ...fileSha256(e.source as string) };
  });
}

/** The manifest's text: one line per entry, in the order given (bundle.ts sorts them by path). */
export function renderManifest(entries: HashedEntry[]): string {
  return entries.map((e) => `${e.type === "dir" ? DIR_HASH : e.sha256} ${e.mode.toString(8)} ${e.name}\n`).join("");
}

/** The release id: the sha256 (hex) of the manifest's bytes. */
export function releaseIdOf(manifest: string): string {
  return crypto.createHash("sha256").update(manifest, "utf8").digest("hex");
}

/** One line of a manifest, read back. */
export interface ManifestLine {
  sha256: string;
  mode: number;
  name: string;
}

/** A manifest's lines, read back (what the host scripts read, for tests and tools). */
export function parseManifest(text: string): ManifestLine[] {
  return text.split("\n").filter((l) => l !== "").map((line) => {
    const m = /^([0-9a-f]{64}|-) (644|755) (.+)$/.exec(line);
    if (!m) throw new Error(`manifest: not an entry line: ${JSON.stringify(line)}`);
    return { sha256: m[1], mode: parseInt(m[2], 8), name: m[3] };
  });
}

/**
 * Puts a file's content into the store as <storeDir>/<sha256> unless it is there: copied through a
 * temporary file that is hashed again and renamed into place (a content is whole or absent, and
 * a file that changed since it was hashed is refused). Returns whether it was copied.
 */
export function storeContent(storeDir: string, source: string, sha256: string): boolean {
  const target = path.join(storeDir, sha256);
  if (fs.existsSync(target)) return false;
  fs.mkdirSync(storeDir, { recursive: true });
  const partial = path.join(storeDir, `.partial-${process.pid}-${crypto.randomBytes(6).toString("hex")}`);
  try {
    fs.copyFileSync(source, partial);
    if (fileSha256(partial).sha256 !== sha256) {
      throw new Error(`bundle: ${source} changed while it was being packed; run again`);
    }
    fs.chmodSync(partial, 0o644);
    fs.renameSync(partial, target);
  } finally {
    fs.rmSync(partial, { force: true });
  }
  return true;
}

/** Writes `text` to `file` through a temporary file in the same directory (whole or absent). */
export function writeAtomically(file: string, text: string): void {
  const partial = `${file}.partial-${process.pid}-${crypto.randomBytes(6).toString("hex")}`;
  try {
    fs.writeFileSync(partial, text, { mode: 0o644 });
    fs.renameSync(partial, file);
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

/** What a release's upload weighs: its entries, distinct contents and their bytes, the manifest compressed. */
export interface ManifestSummary {
  entries: number;
  contents: number;
  /** The distinct contents' bytes: what a host's first deploy sends (before compression) and its store then holds. */
  contentBytes: number;
  /** The manifest gzip-compressed, as the upload sends it on every deploy. */
  manifestGzipBytes: number;
}

/** Reads a manifest and the sizes of its contents in the local store. */
export function summariseManifest(manifestPath: string, storeDir: string): ManifestSummary {
  const text = fs.readFileSync(manifestPath, "utf8");
  const contents = [...new Set(parseManifest(text).filter((l) => l.sha256 !== DIR_HASH).map((l) => l.sha256))];
  return {
    entries: parseManifest(text).length,
    contents: contents.length,
    contentBytes: contents.reduce((sum, sha) => sum + fs.statSync(path.join(storeDir, sha)).size, 0),
    manifestGzipBytes: zlib.gzipSync(text, { level: 9 }).length,
  };
}
