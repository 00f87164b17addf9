// Shared pieces of the bundle tests: a small app tree, and scratch directories removed after each suite.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Bundle, BundleOptions, createBundle } from "../../components/bundle";

export const APP = {
  "docker-compose.prod.yml": "services: {}\n",
  "manage.py": "print('hi')\n",
  "hello/views.py": "x = 1\n",
  "hello/__init__.py": "",
  "bin/entrypoint.sh": '#!/bin/sh\nexec "$@"\n',
  ".dockerignore": "*.log\nnode_modules\n",
  ".deployignore": "local-notes.txt\n",
};
export const EXEC = { "bin/entrypoint.sh": 0o755 };

/** Write `files` (relative path → content) under a fresh temp dir; returns the dir. */
function makeTree(files: Record<string, string>, modes: Record<string, number> = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-src-"));
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
    fs.chmodSync(abs, modes[rel] ?? 0o644);
  }
  return root;
}

/**
 * Scratch directories for one suite (call it inside `describe`): `tree` writes files, `outDir` and
 * `tempDir` make empty ones, `bundleOf` bundles a tree into a fresh outDir (with `opts` added); all of
 * them are removed after the suite.
 */
export function scratchDirs(): {
  tree: (files: Record<string, string>, modes?: Record<string, number>) => string;
  outDir: () => string;
  tempDir: (prefix: string) => string;
  bundleOf: (files: Record<string, string>, modes?: Record<string, number>,
    opts?: Omit<BundleOptions, "appDir" | "outDir">) => Bundle;
} {
  const temps: string[] = [];
  const tempDir = (prefix: string): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    temps.push(dir);
    return dir;
  };
  const tree = (files: Record<string, string>, modes: Record<string, number> = {}): string => {
    const dir = makeTree(files, modes);
    temps.push(dir);
    return dir;
  };
  after(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const outDir = (): string => tempDir("bundle-out-");
  const bundleOf = (files: Record<string, string>, modes: Record<string, number> = EXEC,
    opts: Omit<BundleOptions, "appDir" | "outDir"> = {}): Bundle =>
    createBundle({ appDir: tree(files, modes), outDir: outDir(), ...opts });
  return { tree, outDir, tempDir, bundleOf };
}
