// Where the host is and how to reach it: from explicit flags, or from a stack's outputs (index.ts
// exports publicIp, sshUser, sshPrivateKey, instanceId, region, hosting; transport and sshHostKey
// when the stack has them). Pure: tested in tests/unit/ops.test.ts.
import { hostBaseDir } from "../../../components/layout";
import { OpsUsageError, TargetFlags } from "./args";

/** The host's SSH port unless --port says otherwise. */
export const DEFAULT_SSH_PORT = 22;

export interface OpsTarget {
  /** Address (ssh) or instance id (ssm). */
  host: string;
  port: number;
  user: string;
  baseDir: string;
  transport: "ssh" | "ssm";
  /** ssm: the instance and its region for `aws ssm start-session`. */
  instanceId?: string;
  region?: string;
  /** The key: a file given with --key, or the stack's key (secret; written to a 0600 temp file). */
  keyFile?: string;
  privateKey?: string;
  /** A known_hosts file (--known-hosts), or the stack's pinned host public key. */
  knownHostsFile?: string;
  hostPublicKey?: string;
}

function port(value: string | undefined): number {
  if (value === undefined) return DEFAULT_SSH_PORT;
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < 1 || n > 65535) throw new OpsUsageError(`--port must be a whole number from 1 to 65535 (got '${value}')`);
  return n;
}

/** A host without Pulumi state: --host, --key required; --user defaults to ec2-user (the AMI's login). */
export function targetFromFlags(flags: TargetFlags): OpsTarget {
  if (!flags.host) throw new OpsUsageError("--host ADDRESS is required without --stack");
  if (!flags.key) throw new OpsUsageError("--key FILE (the SSH private key) is required with --host");
  const user = flags.user ?? "ec2-user";
  return {
    host: flags.host,
    port: port(flags.port),
    user,
    baseDir: flags.baseDir ?? hostBaseDir(user),
    transport: "ssh",
    keyFile: flags.key,
    knownHostsFile: flags.knownHosts,
  };
}

function text(outputs: Record<string, unknown>, name: string): string | undefined {
  const value = outputs[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The target a stack's outputs describe; flags (--port, --user, --key, --base-dir, --known-hosts) override. */
export function targetFromOutputs(stack: string, outputs: Record<string, unknown>, flags: TargetFlags = {}): OpsTarget {
  if (text(outputs, "hosting") === "ecs") {
    throw new OpsUsageError(`stack ${stack} runs on ECS (hosting: ecs): use aws ecs execute-command with its ecsCluster and ecsService outputs`);
  }
  const transport = text(outputs, "transport") ?? "ssh";
  if (transport !== "ssh" && transport !== "ssm") throw new OpsUsageError(`stack ${stack}: transport output '${transport}' is neither ssh nor ssm`);
  const instanceId = text(outputs, "instanceId");
  const address = transport === "ssm" ? instanceId : text(outputs, "publicIp");
  const user = flags.user ?? text(outputs, "sshUser");
  const missing = [
    address ? "" : transport === "ssm" ? "instanceId" : "publicIp",
    user ? "" : "sshUser",
    flags.key || text(outputs, "sshPrivateKey") ? "" : "sshPrivateKey",
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new OpsUsageError(`stack ${stack} has no ${missing.join(", ")} output(s): has it been deployed (pulumi up)? Or give --host/--user/--key`);
  }
  return {
    host: address as string,
    port: port(flags.port),
    user: user as string,
    baseDir: flags.baseDir ?? hostBaseDir(user as string),
    transport,
    instanceId,
    region: text(outputs, "region"),
    keyFile: flags.key,
    privateKey: flags.key ? undefined : text(outputs, "sshPrivateKey"),
    knownHostsFile: flags.knownHosts,
    hostPublicKey: flags.knownHosts ? undefined : text(outputs, "sshHostKey"),
  };
}
