// The host's half of an upload run for real on this machine, with the very lines of
// components/remote.ts (sh -c, as the host's login shell runs them): the manifest (gzip) to
// `upload.sh missing`, then a tar.gz of the contents it names to `upload.sh receive`. What
// scripts/runner/upload.sh does over SSH, minus the SSH.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as zlib from "zlib";
import * as remote from "../../components/remote";

export interface ShResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command line the way the host's login shell would (sh -c), with optional stdin. */
export function runSh(command: string, opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): ShResult {
  const result = spawnSync("sh", ["-c", command], { input: opts.input ?? "", env: opts.env ?? process.env,
    encoding: "utf8", timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A tar.gz of the named contents of a local store, each under its sha256 (what upload.sh streams). */
export function contentsTarGz(store: string, names: string[]): Buffer {
  const tar = spawnSync("tar", ["-czf", "-", "-C", store, "--no-recursion", ...names], { maxBuffer: 1 << 30 });
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr.toString()}`);
  return tar.stdout;
}

/** Sends the manifest; returns the host's answer (the sha256s its store lacks) and the run. */
export function sendManifest(spec: remote.RemoteSpec, bundle: { sha256: string; path: string },
  manifest?: Buffer): { missing: string[]; run: ShResult } {
  const run = runSh(remote.uploadCommand(spec, bundle.sha256, "missing"), {
    input: zlib.gzipSync(manifest ?? fs.readFileSync(bundle.path)),
  });
  return { missing: run.stdout.split("\n").filter(Boolean), run };
}

/** Uploads a bundle as scripts/runner/upload.sh does; throws when a step fails. */
export function uploadBundle(spec: remote.RemoteSpec,
  bundle: { sha256: string; path: string; storeDir: string }): { missing: string[] } {
  const { missing, run } = sendManifest(spec, bundle);
  if (run.status !== 0) throw new Error(`upload.sh missing failed: ${run.stderr}`);
  if (missing.length > 0) {
    const received = runSh(remote.uploadCommand(spec, bundle.sha256, "receive"), {
      input: contentsTarGz(bundle.storeDir, missing),
    });
    if (received.status !== 0) throw new Error(`upload.sh receive failed: ${received.stderr}`);
  }
  return { missing };
}
