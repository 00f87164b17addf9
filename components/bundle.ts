// The app directory as ONE deterministic manifest (path, sha256, mode per entry), named by its own
// sha256 (the release id), with the files' contents in a store keyed by sha256 (manifest.ts).
// Pure Node (no Pulumi): the same tree gives the same manifest whatever the file system order, umask,
// mtimes or owners, so an unchanged app means an unchanged release id and a no-op `pulumi up`.
// What ships: the app directory minus its ignore files' patterns, minus what must never ship
// (bundleRules.ts) unless allowed on purpose; regular files and directories only, every name of
// every file inside the project. Files are hashed in chunks and only new contents are copied into
// the store, so memory stays flat and the work of a change grows with the change.

import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import ignore from "@balena/dockerignore";
import { Refusal, refusalMessage, secretStreamReason, secretPathReason } from "./bundleRules";
import { HashedEntry, hashEntries, LOCAL_STORE_DIR, ManifestEntry, releaseIdOf, renderManifest, storeContent,
  writeAtomically } from "./manifest";
import { HOST_LAYOUT } from "./layout";

/** Options of createBundle. */
export interface BundleOptions {
  /** Directory to pack; its .dockerignore and .deployignore patterns both apply. */
  appDir: string;
  /** Where `<release id>.manifest` and the store of contents (`store/<sha256>`) are written (created if missing). */
  outDir: string;
  /** Extra trees packed under a prefix (e.g. the host scripts under `.compose-on-ec2/`); ignore files and never-ship rules do not apply to them. */
  extraDirs?: { dir: string; prefix: string }[];
  /** App-relative files packed even when an ignore file matches them (the compose file: `.dockerignore` often lists `docker-compose*.yml`). */
  alwaysInclude?: string[];
  /** App-relative patterns (.dockerignore syntax) of files the never-ship rules refuse but that ship on purpose. */
  allowFiles?: string[];
  /** A bundle above this many bytes (its files' sizes) gets a warning; default BUNDLE_WARN_BYTES. */
  warnBytes?: number;
}

/** A written bundle. */
export interface Bundle {
  /** Path of the manifest: outDir joined with `<sha256>.manifest` (relative if outDir is relative). */
  path: string;
  /** sha256 (hex) of the manifest's bytes; the release id. */
  sha256: string;
  /** The files' sizes added up (what a first deploy sends, before compression). */
  bytes: number;
  /** The store the upload sends contents from: outDir joined with `store` (`store/<sha256>`). */
  storeDir: string;
  /** Regular files in the archive, sorted, as archive paths (e.g. "manage.py", ".compose-on-ec2/deploy.sh"). */
  files: string[];
  /** Things the user should hear about (a bundle above the size limit); empty when all is well. */
  warnings: string[];
  /** Every entry packed, with its source file: what buildContext copies for the images. */
  entries: BundleEntry[];
}

/** One entry of the bundle: a file with its source, or a directory. */
export type BundleEntry = ManifestEntry;

/** The ignore files read from the root of appDir. */
export const IGNORE_FILES = [".dockerignore", ".deployignore"] as const;

/** Prefix under which the host scripts travel in every bundle. */
export const HOST_SCRIPTS_PREFIX = `${HOST_LAYOUT.releaseScripts}/`;

/** Where the host scripts live, relative to the project root. */
export const HOST_SCRIPTS_DIR = path.join("host", "release");

/** Default bundle directory, relative to the project root (git-ignored). */
export const DEFAULT_BUNDLE_DIR = ".pulumi-bundles";

/** Above this size a bundle gets a warning: a host's first deploy uploads all of it, every image build reads it. */
export const BUNDLE_WARN_BYTES = 100 * 1024 * 1024;

const FILE_MODE = 0o644;
const EXEC_MODE = 0o755;
const DIR_MODE = 0o755;

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
    throw new Error(
      `bundle: extraDirs prefix "${prefix}" must be a relative path without "." or ".." parts, e.g. ".compose-on-ec2/"`,
    );
  }
  return `${trimmed}/`;
}

/** How one tree is walked. */
interface TreeRules {
  /** Paths relative to the tree's root that ignore files leave out. */
  isIgnored: (rel: string) => boolean;
  /** Whether a `!pattern` could re-include something inside an ignored directory. */
  mayReinclude: boolean;
  /** Why an entry that is not ignored must never ship, or undefined (app directory only). */
  refuse?: (rel: string, stat: fs.Stats, abs: string) => string | undefined;
}

/** What a walk found besides its entries: refused paths, and files with more than one name. */
interface WalkFindings {
  refusals: Refusal[];
  /** "dev:ino" → the names seen in the bundle's trees and the file's link count. */
  linked: Map<string, { paths: string[]; nlink: number }>;
}

/** Walk `root`, returning entries with archive names under `prefix`. */
function walk(root: string, prefix: string, rules: TreeRules, findings: WalkFindings): BundleEntry[] {
  const entries: BundleEntry[] = [];
  // Returns whether anything under `rel` was included, so an ignored directory still gets an entry
  // when a `!pattern` re-includes something inside it.
  const visit = (rel: string): boolean => {
    const abs = rel === "" ? root : path.join(root, ...rel.split("/"));
    let included = false;
    for (const dirent of fs.readdirSync(abs, { withFileTypes: true })) {
      const childRel = rel === "" ? dirent.name : `${rel}/${dirent.name}`;
      const ignored = rules.isIgnored(childRel);
      const childAbs = path.join(abs, dirent.name);
      const stat = fs.lstatSync(childAbs);
      const refused = ignored ? undefined : rules.refuse?.(childRel, stat, childAbs);
      if (refused !== undefined) {
        findings.refusals.push({ path: path.join(root, childRel), reason: refused });
        continue;
      }
      if (stat.isDirectory()) {
        // Docker only descends into an ignored directory when a negation could re-include something.
        if (ignored && !rules.mayReinclude) continue;
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
          `bundle: ${childAbs} is a symbolic link; bundles hold regular files only (a link could point outside the app). `
            + `Replace it with a copy, or list it in .deployignore.`,
        );
      }
      if (!stat.isFile()) {
        throw new Error(`bundle: ${childAbs} is not a regular file or directory; list it in .deployignore.`);
      }
      if (stat.nlink > 1) {
        const key = `${stat.dev}:${stat.ino}`;
        const seen = findings.linked.get(key) ?? { paths: [], nlink: stat.nlink };
        seen.paths.push(childAbs);
        findings.linked.set(key, seen);
      }
      const executable = (stat.mode & 0o111) !== 0;
      entries.push({ name: `${prefix}${childRel}`, type: "file", mode: executable ? EXEC_MODE : FILE_MODE,
        source: childAbs });
      included = true;
    }
    return included;
  };
  const rootStat = fs.lstatSync(root);
  if (rootStat.isSymbolicLink()) {
    throw new Error(
      `bundle: ${root} is a symbolic link; pack the directory itself (a link could bring in files from outside the project).`,
    );
  }
  if (!rootStat.isDirectory()) throw new Error(`bundle: ${root} is not a directory`);
  visit("");
  return entries;
}

/** Why a file's content must never ship (a private key anywhere in it), read as a stream. */
function contentReason(file: string): string | undefined {
  const fd = fs.openSync(file, "r");
  try {
    // Sequential reads from the current position: each call continues where the last one stopped.
    return secretStreamReason((buf) => fs.readSync(fd, buf, 0, buf.length, null));
  } finally {
    fs.closeSync(fd);
  }
}

/** The never-ship rules of an app directory, minus what `allowFiles` lets through. */
function neverShip(allowFiles: string[]): TreeRules["refuse"] {
  const allowed = ignore().add(allowFiles);
  return (rel, stat, abs) => {
    if (allowFiles.length > 0 && allowed.ignores(rel)) return undefined;
    return secretPathReason(rel, stat.isDirectory()) ?? (stat.isFile() ? contentReason(abs) : undefined);
  };
}

/** Refuse a file with a name outside the bundle's trees: a hard link that brings in a file from elsewhere. */
function checkHardLinks(linked: WalkFindings["linked"]): void {
  const outside = [...linked.values()].filter((l) => l.paths.length < l.nlink).map((l) => l.paths[0]);
  if (outside.length === 0) return;
  const named = outside.length <= 10
    ? outside.join(", ")
    : `${outside.slice(0, 10).join(", ")} and ${outside.length - 10} more`;
  throw new Error(
    `bundle: ${named} ${
      outside.length === 1 ? "is a hard link" : "are hard links"
    } to a file with other names outside the bundle `
      + `(or in an ignored directory): the bundle would ship a file that lives elsewhere. `
      + `Give each its own copy (cp FILE FILE.copy && mv FILE.copy FILE), or list it in .deployignore.`,
  );
}

/** Every entry of the bundle, sorted by archive path (parents sort before their children). */
export function listBundleEntries(opts: Omit<BundleOptions, "outDir" | "warnBytes">): BundleEntry[] {
  const root = path.resolve(opts.appDir);
  const forced = new Set((opts.alwaysInclude ?? []).map((f) => path.posix.normalize(f.split(path.sep).join("/"))));
  for (const f of forced) {
    if (!fs.existsSync(path.join(root, f))) {
      throw new Error(`bundle: ${path.join(root, f)} must exist (it is always packed)`);
    }
  }
  const patterns: string[] = [];
  for (const file of IGNORE_FILES) {
    const p = path.join(root, file);
    if (fs.existsSync(p)) patterns.push(...parseIgnorePatterns(fs.readFileSync(p, "utf8")));
  }
  // One list, .dockerignore first: a later `!pattern` in .deployignore can re-include a file.
  const ignores = ignore().add(patterns);
  const findings: WalkFindings = { refusals: [], linked: new Map() };
  const entries = walk(root, "", {
    isIgnored: (rel) => !forced.has(rel) && ignores.ignores(rel),
    mayReinclude: forced.size > 0 || patterns.some((p) => p.startsWith("!")),
    refuse: neverShip(opts.allowFiles ?? []),
  }, findings);
  if (findings.refusals.length > 0) throw new Error(refusalMessage(opts.appDir, findings.refusals));

  for (const extra of opts.extraDirs ?? []) {
    const prefix = normalisePrefix(extra.prefix);
    // The prefix's own directories, then the tree, never filtered by the app's ignore files.
    const parts = prefix.slice(0, -1).split("/");
    for (let i = 1; i <= parts.length; i++) {
      entries.push({ name: `${parts.slice(0, i).join("/")}/`, type: "dir", mode: DIR_MODE });
    }
    entries.push(...walk(path.resolve(extra.dir), prefix, { isIgnored: () => false, mayReinclude: false }, findings));
  }
  checkHardLinks(findings.linked);

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

const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/** The warning for a bundle above `limit` bytes, naming its largest files; undefined below it. */
function sizeWarning(appDir: string, entries: HashedEntry[], bytes: number, limit: number): string | undefined {
  if (bytes <= limit) return undefined;
  const largest = entries
    .filter((e) => e.type === "file")
    .sort((a, b) => b.size - a.size)
    .slice(0, 3)
    .map((f) => `${f.name} (${mib(f.size)})`);
  return (
    `bundle: ${mib(bytes)} of files, above the ${mib(limit)} warning size: a host's first deploy uploads all of it `
    + `(later deploys only what changed), and every image build reads it. `
    + `Largest files: ${largest.join(", ")}. Keep what the image does not need out with ${appDir}/.deployignore.`
  );
}

/**
 * Writes appDir (+ extraDirs) as `<outDir>/<release id>.manifest` with every content in
 * `<outDir>/store/<sha256>` (only new contents are copied); each file appears atomically.
 */
export function createBundle(opts: BundleOptions): Bundle {
  const entries = hashEntries(listBundleEntries(opts));
  const storeDir = path.join(opts.outDir, LOCAL_STORE_DIR);
  fs.mkdirSync(storeDir, { recursive: true });
  for (const e of entries) if (e.type === "file") storeContent(storeDir, e.source as string, e.sha256 as string);
  const manifest = renderManifest(entries);
  const sha256 = releaseIdOf(manifest);
  const target = path.join(opts.outDir, `${sha256}.manifest`);
  if (!fs.existsSync(target)) writeAtomically(target, manifest);
  const bytes = entries.reduce((sum, e) => sum + e.size, 0);
  const warning = sizeWarning(opts.appDir, entries, bytes, opts.warnBytes ?? BUNDLE_WARN_BYTES);
  return {
    path: target,
    sha256,
    bytes,
    storeDir,
    files: entries.filter((e) => e.type === "file").map((e) => e.name),
    warnings: warning === undefined ? [] : [warning],
    entries: entries.map(({ name, type, mode, source }) => ({ name, type, mode,
      ...(source === undefined ? {} : { source }) })
    ),
  };
}

/**
 * The directory images are built from (registry mode, ecs): the bundle's app files, exactly what the
 * host gets, so `.deployignore`, `.dockerignore` and the never-ship rules hold for images too (a raw
 * app directory would hand `docker build` a `.env` listed only in `.deployignore`). The host scripts
 * under HOST_SCRIPTS_PREFIX stay out. Written once per release next to the archive, as
 * `<sha256>.context/`, and appears atomically; an existing one is reused.
 */
export function buildContext(bundle: Pick<Bundle, "path" | "sha256" | "entries">): string {
  const target = path.join(path.dirname(bundle.path), `${bundle.sha256}.context`);
  if (fs.existsSync(target)) return target;
  const partial = path.join(path.dirname(bundle.path),
    `.partial-${process.pid}-${crypto.randomBytes(6).toString("hex")}.context`);
  try {
    fs.mkdirSync(partial);
    for (const entry of bundle.entries) {
      if (entry.name.startsWith(HOST_SCRIPTS_PREFIX) || entry.name === HOST_SCRIPTS_PREFIX) continue;
      const dest = path.join(partial, ...entry.name.split("/").filter((p) => p !== ""));
      if (entry.type === "dir") {
        fs.mkdirSync(dest, { recursive: true, mode: entry.mode });
        continue;
      }
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(entry.source as string, dest);
      fs.chmodSync(dest, entry.mode);
    }
    fs.renameSync(partial, target);
  } catch (err) {
    fs.rmSync(partial, { recursive: true, force: true });
    if (fs.existsSync(target)) return target; // another process wrote the same release first
    throw err;
  }
  return target;
}

/** Options of createAppBundle. */
export interface AppBundleOptions {
  /** App-relative patterns (.dockerignore syntax) of files the never-ship rules refuse but that ship on purpose. */
  allowFiles?: string[];
  /** Where warnings go (e.g. pulumi.log.warn); default console.warn. */
  warn?: (message: string) => void;
}

/**
 * The bundle a deployment ships: `appDir` (with `composeFile` always packed) plus the host scripts
 * under `.compose-on-ec2/`, written to `.pulumi-bundles/`. Paths are made relative to the working
 * directory (Pulumi runs the program in the project root), so the FileAsset path recorded in state
 * is the same on every machine. The app directory must really be inside the project: not a symbolic
 * link, and not reached through one that leads elsewhere.
 */
export function createAppBundle(projectRoot: string, appDir: string, composeFile: string,
  options: AppBundleOptions = {}): Bundle {
  const rel = (p: string) => path.relative(process.cwd(), path.resolve(projectRoot, p)) || ".";
  const absApp = path.resolve(projectRoot, appDir);
  if (!fs.existsSync(absApp)) throw new Error(`bundle: appDir "${appDir}" does not exist (looked for ${absApp})`);
  const realRoot = fs.realpathSync(projectRoot);
  const realApp = fs.realpathSync(absApp);
  if (realApp !== realRoot && !realApp.startsWith(realRoot + path.sep)) {
    throw new Error(
      `bundle: appDir "${appDir}" leads through a symbolic link to ${realApp}, outside the project ${realRoot}; `
        + `move or copy the app into the project and set appDir to it.`,
    );
  }
  const bundle = createBundle({
    appDir: rel(appDir),
    outDir: rel(DEFAULT_BUNDLE_DIR),
    extraDirs: [{ dir: rel(HOST_SCRIPTS_DIR), prefix: HOST_SCRIPTS_PREFIX }],
    alwaysInclude: [composeFile],
    allowFiles: options.allowFiles,
  });
  bundle.warnings.forEach(options.warn ?? ((message) => console.warn(message)));
  return bundle;
}
