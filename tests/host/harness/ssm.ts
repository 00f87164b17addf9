// The ssm transport's runner side on this machine: scripts/runner/ssm-session.sh (the script the
// deployment's local.Command steps run) with Session Manager stood in for by
// tests/host/lib/aws-ssm-standin.sh, installed as `aws` first in PATH: OpenSSH's ProxyCommand
// (remote.SSM_PROXY_COMMAND, unchanged) starts it and it relays to the test sshd on 127.0.0.1.
import * as fs from "fs";
import * as path from "path";
import * as remote from "../../../components/remote";
import { CommandResult } from "./commands";
import { Context } from "./context";
import { hostPublicKey } from "./host";

/** The instance id the stand-in answers for; any other id is "not connected". */
export const STANDIN_INSTANCE = "i-0e2e5e55100000001";
const STANDIN_SCRIPT = path.resolve(__dirname, "../lib/aws-ssm-standin.sh");

/** The stand-in's directory (holding `aws`) and the log of the sessions it relayed. */
export function ssmStandIn(ctx: Context): { binDir: string; log: string } {
  const binDir = path.join(ctx.env.workDir, "ssm-standin", "bin");
  fs.mkdirSync(binDir, { recursive: true });
  fs.copyFileSync(STANDIN_SCRIPT, path.join(binDir, "aws"));
  fs.chmodSync(path.join(binDir, "aws"), 0o755);
  return { binDir, log: path.join(ctx.env.workDir, "ssm-standin", "sessions.log") };
}

/** The environment the stand-in reads, with `aws` first in PATH. */
export function standInEnv(ctx: Context): Record<string, string> {
  const standIn = ssmStandIn(ctx);
  return { PATH: `${standIn.binDir}:${process.env.PATH ?? ""}`, SSM_STANDIN_LOG: standIn.log,
    SSM_STANDIN_TARGET: STANDIN_INSTANCE, AWS_REGION: "us-east-1" };
}

export interface SessionOptions {
  /** stdin (the deploy's .env). */
  input?: string;
  /** The host key to pin; default: the test sshd's own. */
  hostKey?: string;
  /** The instance to reach; default: the one the stand-in answers for. */
  instanceId?: string;
  retries?: number;
  timeoutMs?: number;
  /** More of the stand-in's environment (SSM_STANDIN_FAULT…). */
  env?: Record<string, string>;
}

/** One ssm-session.sh run, exactly as a deployment step runs it (text via bash -c, inputs in the environment). */
export function ssmSession(ctx: Context, label: string, step: remote.SessionAction,
  opts: SessionOptions = {}): Promise<CommandResult> {
  const env = remote.sessionEnvironment(
    {
      instanceId: opts.instanceId ?? STANDIN_INSTANCE,
      port: Number(ctx.env.sshPort),
      user: ctx.env.sshUser,
      privateKey: fs.readFileSync(ctx.env.sshKey, "utf8").trim(),
      hostKey: opts.hostKey ?? hostPublicKey(ctx),
      proxyCommand: remote.SSM_PROXY_COMMAND,
      retries: opts.retries ?? 0,
      retryPauseSeconds: 0,
    },
    step,
  );
  return ctx.commands.run(label, "bash", ["-c", remote.runnerScript("ssm-session")], {
    env: { ...env, ...standInEnv(ctx), ...opts.env },
    input: opts.input,
    timeoutMs: opts.timeoutMs ?? 900_000,
  });
}
