// The app directory as ONE deterministic tar.gz, named by its sha256.
// Pure Node (no Pulumi): the same tree gives the same bytes whatever the file system order, umask,
// mtimes or owners, so an unchanged app means an unchanged release id and a no-op `pulumi up`.
// The tar is written here by hand (plain ustar, no pax headers) because tar-stream only packs
// asynchronously; tests read it back with tar-stream as an independent check.

import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import ignore from "@balena/dockerignore";

/** Options of createBundle. */
export interface BundleOptions {
  /** Directory to pack; its .dockerignore and .deployignore patterns both apply. */
  appDir: string;
  /** Where `<sha256>.tar.gz` is written (created if missing). */
  outDir: string;
  /** Extra trees packed under a prefix (e.g. host/release under `.compose-on-ec2/`); ignore files do not apply to them. */
  extraDirs?: { dir: string; prefix: string }[];
  /** App-relative files packed even when an ignore file matches them (the compose file: `.dockerignore` often lists `docker-compose*.yml`). */
  alwaysInclude?: string[];
}

/** A written bundle. */
export interface Bundle {
  /** Path of the archive: outDir joined with `<sha256>.tar.gz` (relative if outDir is relative). */
  path: string;
  /** sha256 (hex) of the .tar.gz bytes; the release id. */
  sha256: string;
  /** Size of the .tar.gz in bytes. */
  bytes: number;
  /** Regular files in the archive, sorted, as archive paths (e.g. "manage.py", ".compose-on-ec2/deploy.sh"). */
  files: string[];
}

/** One archive entry before encoding. */
export interface BundleEntry {
  /** Archive path, "/"-separated; directories end with "/". */
  name: string;
  type: "file" | "dir";
  /** 0o644 or 0o755: only the executable bit of the source survives. */
  mode: number;
  /** Absolute source path (files only). */
  source?: string;
}

/** The ignore files read from the root of appDir. */
export const IGNORE_FILES = [".dockerignore", ".deployignore"] as const;

/** Prefix under which the host scripts travel in every bundle. */
export const HOST_SCRIPTS_PREFIX = ".compose-on-ec2/";

/** Default bundle directory, relative to the project root (git-ignored). */
export const DEFAULT_BUNDLE_DIR = ".pulumi-bundles";

const FILE_MODE = 0o644;
const EXEC_MODE = 0o755;
const DIR_MODE = 0o755;
/** Normalised mtime of every entry: the epoch, so nothing depends on when files were touched. */
const FIXED_MTIME = 0;
const BLOCK = 512;
/** gzip header OS byte: 3 = Unix. zlib writes its build platform's code; we pin it. */
const GZIP_OS_UNIX = 3;

/** Patterns of an ignore file's text: trimmed lines, comments and blanks dropped (Docker's rules). */
export function parseIgnorePatterns(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** Normalise a prefix like "./.compose-on-ec2" or ".compose-on-ec2/" to ".compose-on-ec2/"; rejects unsafe ones. */
export function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\.\//, "").replace(/\/+$/, "");
  const parts = trimmed.split("/");
  if (trimmed === "" || path.posix.isAbsolute(prefix) || parts.some((p) => p === "" || p === "." || p === "..")) {
    throw new Error(`bundle: extraDirs prefix "${prefix}" must be a relative path without "." or ".." parts, e.g. ".compose-on-ec2/"`);
  }
  return `${trimmed}/`;
}

/** Walk `root`, returning entries with archive names under `prefix`; `isIgnored` sees paths relative to root. */
function walk(
  root: string,
  prefix: string,
  isIgnored: (rel: string) => boolean,
  mayReinclude: boolean,
): BundleEntry[] {
  const entries: BundleEntry[] = [];
  // Returns whether anything under `rel` was included, so an ignored directory still gets an entry
  // when a `!pattern` re-includes something inside it.
  const visit = (rel: string): boolean => {
    const abs = rel === "" ? root : path.join(root, ...rel.split("/"));
    let included = false;
    for (const dirent of fs.readdirSync(abs, { withFileTypes: true })) {
      const childRel = rel === "" ? dirent.name : `${rel}/${dirent.name}`;
      const ignored = isIgnored(childRel);
      const childAbs = path.join(abs, dirent.name);
      const stat = fs.lstatSync(childAbs);
      if (stat.isDirectory()) {
        // Docker only descends into an ignored directory when a negation could re-include something.
        if (ignored && !mayReinclude) continue;
        const hasContent = visit(childRel);
        if (!ignored || hasContent) {
          entries.push({ name: `${prefix}${childRel}/`, type: "dir", mode: DIR_MODE });
          included = true;
        }
        continue;
      }
      if (ignored) continue;
      if (stat.isSymbolicLink()) {
        throw new Error(
          `bundle: ${childAbs} is a symbolic link; bundles hold regular files only (a link could point outside the app). ` +
            `Replace it with a copy, or list it in .deployignore.`,
        );
      }
      if (!stat.isFile()) {
        throw new Error(`bundle: ${childAbs} is not a regular file or directory; list it in .deployignore.`);
      }
      const executable = (stat.mode & 0o111) !== 0;
      entries.push({ name: `${prefix}${childRel}`, type: "file", mode: executable ? EXEC_MODE : FILE_MODE, source: childAbs });
      included = true;
    }
    return included;
  };
  if (!fs.statSync(root).isDirectory()) {
    throw new Error(`bundle: ${root} is not a directory`);
  }
  visit("");
  return entries;
}

/** Every entry of the bundle, sorted by archive path (parents sort before their children). */
export function listBundleEntries(
  appDir: string,
  extraDirs: { dir: string; prefix: string }[] = [],
  alwaysInclude: string[] = [],
): BundleEntry[] {
  const root = path.resolve(appDir);
  const forced = new Set(alwaysInclude.map((f) => path.posix.normalize(f.split(path.sep).join("/"))));
  for (const f of forced) {
    if (!fs.existsSync(path.join(root, f))) throw new Error(`bundle: ${path.join(root, f)} must exist (it is always packed)`);
  }
  const patterns: string[] = [];
  for (const file of IGNORE_FILES) {
    const p = path.join(root, file);
    if (fs.existsSync(p)) patterns.push(...parseIgnorePatterns(fs.readFileSync(p, "utf8")));
  }
  // One list, .dockerignore first: a later `!pattern` in .deployignore can re-include a file.
  const rules = ignore().add(patterns);
  const mayReinclude = forced.size > 0 || patterns.some((p) => p.startsWith("!"));
  const entries = walk(root, "", (rel) => !forced.has(rel) && rules.ignores(rel), mayReinclude);

  for (const extra of extraDirs) {
    const prefix = normalisePrefix(extra.prefix);
    // The prefix's own directories, then the tree, never filtered by the app's ignore files.
    const parts = prefix.slice(0, -1).split("/");
    for (let i = 1; i <= parts.length; i++) {
      entries.push({ name: `${parts.slice(0, i).join("/")}/`, type: "dir", mode: DIR_MODE });
    }
    entries.push(...walk(path.resolve(extra.dir), prefix, () => false, false));
  }

  // Dedupe shared directory entries; a file colliding with anything is an error.
  const byName = new Map<string, BundleEntry>();
  for (const entry of entries) {
    const existing = byName.get(entry.name);
    if (existing && (existing.type === "file" || entry.type === "file")) {
      throw new Error(`bundle: "${entry.name}" appears twice (app directory and an extraDirs prefix collide)`);
    }
    byName.set(entry.name, entry);
  }
  return [...byName.values()].sort((a, b) => compareNames(a.name, b.name));
}

/** Byte-wise order of UTF-8 names: the same on every machine and locale. */
function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Write `value` as zero-padded octal of `width - 1` digits plus NUL. */
function writeOctal(header: Buffer, offset: number, width: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`bundle: value ${value} does not fit a ${width}-byte tar field`);
  header.write(digits.padStart(width - 1, "0"), offset, "ascii");
  header[offset + width - 1] = 0;
}

/** Split a long name into ustar prefix (≤155 bytes) and name (≤100 bytes) at a "/"; no pax headers. */
function splitUstarName(name: string): { prefix: string; name: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: "", name };
  for (let i = name.indexOf("/"); i !== -1; i = name.indexOf("/", i + 1)) {
    const head = name.slice(0, i);
    const tail = name.slice(i + 1);
    if (Buffer.byteLength(head) <= 155 && Buffer.byteLength(tail) <= 100 && tail !== "") return { prefix: head, name: tail };
  }
  throw new Error(`bundle: path "${name}" is too long for a ustar header (name ≤100 bytes after a ≤155-byte directory prefix)`);
}

/** The 512-byte ustar header of an entry: uid/gid 0, empty uname/gname, fixed mtime. */
export function tarHeader(entry: { name: string; type: "file" | "dir"; mode: number }, size: number): Buffer {
  const header = Buffer.alloc(BLOCK, 0);
  const { prefix, name } = splitUstarName(entry.name);
  header.write(name, 0, 100, "utf8");
  writeOctal(header, 100, 8, entry.mode);
  writeOctal(header, 108, 8, 0); // uid
  writeOctal(header, 116, 8, 0); // gid
  writeOctal(header, 124, 12, entry.type === "file" ? size : 0);
  writeOctal(header, 136, 12, FIXED_MTIME);
  header.write("        ", 148, 8, "ascii"); // checksum placeholder: spaces while summing
  header.write(entry.type === "file" ? "0" : "5", 156, 1, "ascii");
  header.write("ustar\0", 257, 6, "ascii");
  header.write("00", 263, 2, "ascii");
  // uname (265) and gname (297) stay empty; devmajor/devminor are written as octal zeros like GNU tar.
  writeOctal(header, 329, 8, 0);
  writeOctal(header, 337, 8, 0);
  header.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(sum.toString(8).padStart(6, "0"), 148, 6, "ascii");
  header[154] = 0;
  header[155] = 0x20;
  return header;
}

/** The uncompressed tar of `entries` (in the given order), ending with two zero blocks. */
export function buildTar(entries: BundleEntry[]): Buffer {
  const chunks: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.type === "file" ? fs.readFileSync(entry.source as string) : Buffer.alloc(0);
    chunks.push(tarHeader(entry, data.length), data);
    const padding = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (padding > 0) chunks.push(Buffer.alloc(padding, 0));
  }
  chunks.push(Buffer.alloc(2 * BLOCK, 0));
  return Buffer.concat(chunks);
}

/** gzip with a fixed header: no name, MTIME 0, OS byte pinned to Unix; level 9. */
export function gzipDeterministic(data: Buffer): Buffer {
  const gz = zlib.gzipSync(data, { level: 9 });
  // The OS byte is not covered by any checksum (zlib sets no FHCRC), so pinning it is safe.
  gz[9] = GZIP_OS_UNIX;
  return gz;
}

/** Pack appDir (+ extraDirs) into `<outDir>/<sha256>.tar.gz`; writes atomically, skips an identical existing file. */
export function createBundle(opts: BundleOptions): Bundle {
  const entries = listBundleEntries(opts.appDir, opts.extraDirs ?? [], opts.alwaysInclude ?? []);
  const gz = gzipDeterministic(buildTar(entries));
  const sha256 = crypto.createHash("sha256").update(gz).digest("hex");
  fs.mkdirSync(opts.outDir, { recursive: true });
  const target = path.join(opts.outDir, `${sha256}.tar.gz`);
  if (!fs.existsSync(target) || fs.statSync(target).size !== gz.length) {
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, gz, { mode: 0o644 });
    fs.renameSync(tmp, target);
  }
  return {
    path: target,
    sha256,
    bytes: gz.length,
    files: entries.filter((e) => e.type === "file").map((e) => e.name),
  };
}

/**
 * The bundle a deployment ships: `appDir` (with `composeFile` always packed) plus `host/release`
 * under `.compose-on-ec2/`, written to `.pulumi-bundles/`. Paths are made relative to the working
 * directory (Pulumi runs the program in the project root), so the FileAsset path recorded in state
 * is the same on every machine.
 */
export function createAppBundle(projectRoot: string, appDir: string, composeFile: string): Bundle {
  const rel = (p: string) => path.relative(process.cwd(), path.resolve(projectRoot, p)) || ".";
  return createBundle({
    appDir: rel(appDir),
    outDir: rel(DEFAULT_BUNDLE_DIR),
    extraDirs: [{ dir: rel(path.join("host", "release")), prefix: HOST_SCRIPTS_PREFIX }],
    alwaysInclude: [composeFile],
  });
}
