// The deployment's upload step, for real: scripts/runner/upload.sh (the text the upload's
// local.Command runs, inputs in the environment) over OpenSSH with the pinned host key, straight to
// the test sshd (ssh transport) or through the stand-in Session Manager ProxyCommand (ssm). What it
// sent comes from its own count of the bytes on the stream ("sent N bytes: …").
import * as fs from "fs";
import * as path from "path";
import * as remote from "../../../components/remote";
import { CommandResult } from "./commands";
import { Context, Release } from "./context";
import { hostPublicKey } from "./host";
import { STANDIN_INSTANCE, standInEnv } from "./ssm";

/** What one upload sent, as upload.sh counted it. */
export interface UploadSent {
  /** Every byte both sessions sent: the manifest (gzip) and the contents' tar.gz. */
  total: number;
  manifest: number;
  entries: number;
  /** Contents the host lacked, of those the release names. */
  missing: number;
  contents: number;
  /** Bytes of the contents' stream. */
  contentBytes: number;
}

export interface UploadOptions {
  transport?: "ssh" | "ssm";
  /** The host key to pin; default: the test sshd's own. */
  hostKey?: string;
  /** Where the app lives on the host; default: the context's. */
  spec?: remote.RemoteSpec;
}

/** The numbers of upload.sh's last line, or undefined when it printed none. */
export function uploadSent(r: CommandResult): UploadSent | undefined {
  const m = /\[upload\] sent (\d+) bytes: manifest (\d+) \((\d+) entries\), (\d+) of (\d+) contents (\d+)/.exec(
    r.stdout,
  );
  if (!m) return undefined;
  const [total, manifest, entries, missing, contents, contentBytes] = m.slice(1).map(Number);
  return { total, manifest, entries, missing, contents, contentBytes };
}

/** One upload.sh run for a release, as the deployment's upload step runs it. */
export function runUpload(ctx: Context, release: Release, opts: UploadOptions = {}): Promise<CommandResult> {
  const ssm = opts.transport === "ssm";
  if (!release.storeDir) throw new Error(`release ${release.label} has no local store: it was not bundled here`);
  const env = remote.uploadEnvironment(
    {
      host: ssm ? STANDIN_INSTANCE : "127.0.0.1",
      port: Number(ctx.env.sshPort),
      user: ctx.env.sshUser,
      privateKey: fs.readFileSync(ctx.env.sshKey, "utf8").trim(),
      hostKey: opts.hostKey ?? hostPublicKey(ctx),
      proxyCommand: ssm ? remote.SSM_PROXY_COMMAND : undefined,
    },
    opts.spec ?? ctx.spec,
    { sha256: release.sha256, manifest: path.resolve(release.localPath), store: path.resolve(release.storeDir) },
  );
  return ctx.commands.run(`upload ${release.label}${ssm ? " (ssm)" : ""}`, "bash", ["-c",
    remote.runnerScript("upload")], {
    env: { ...env, ...(ssm ? standInEnv(ctx) : {}) },
    timeoutMs: 600_000,
  });
}
