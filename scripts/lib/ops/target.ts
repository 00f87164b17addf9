// Where the host is and how to reach it: from explicit flags, or from a stack's outputs (read by
// the names of their contract, components/outputs.ts). The host's key is always verified: the
// stack's pinned hostPublicKey, a --known-hosts file, or, only when asked with --accept-new-host-key,
// whatever key the host shows on first contact. Pure: tested in tests/unit/ops.test.ts.
import { hostBaseDir } from "../../../components/layout";
import { outputText as text, ResolvedOutputs } from "../../../components/outputs";
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
  /** Neither: trust the key the host shows on first contact (--accept-new-host-key, said on purpose). */
  acceptNewHostKey?: boolean;
  /** The stack's media bucket (mediaStorage s3): where `media sync` puts files. */
  mediaBucket?: string;
}

/** The fix for a host whose key cannot be verified. */
const HOST_KEY_FIX =
  "give --known-hosts FILE (a line `<address> <type> <key>`), or --accept-new-host-key to trust the key the host shows on first contact";

function port(value: string | undefined): number {
  if (value === undefined) return DEFAULT_SSH_PORT;
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < 1 || n > 65535) {
    throw new OpsUsageError(`--port must be a whole number from 1 to 65535 (got '${value}')`);
  }
  return n;
}

/** A host without Pulumi state: --host, --key required; --user defaults to ec2-user (the AMI's login). */
export function targetFromFlags(flags: TargetFlags): OpsTarget {
  if (!flags.host) throw new OpsUsageError("--host ADDRESS is required without --stack");
  if (!flags.key) throw new OpsUsageError("--key FILE (the SSH private key) is required with --host");
  const user = flags.user ?? "ec2-user";
  if (!flags.knownHosts && !flags.acceptNewHostKey) {
    throw new OpsUsageError(`--host ${flags.host}: nothing to verify its SSH host key against: ${HOST_KEY_FIX}`);
  }
  return {
    host: flags.host,
    port: port(flags.port),
    user,
    baseDir: flags.baseDir ?? hostBaseDir(user),
    transport: "ssh",
    keyFile: flags.key,
    knownHostsFile: flags.knownHosts,
    acceptNewHostKey: !flags.knownHosts,
  };
}

/** The target a stack's outputs describe; flags (--port, --user, --key, --base-dir, --known-hosts) override. */
export function targetFromOutputs(stack: string, outputs: ResolvedOutputs, flags: TargetFlags = {}): OpsTarget {
  if (text(outputs, "hosting") === "ecs") {
    throw new OpsUsageError(
      `stack ${stack} runs on ECS (hosting: ecs): use aws ecs execute-command with its ecsCluster and ecsService outputs and --container <service> (each task also holds a db-login container)`,
    );
  }
  const transport = text(outputs, "transport") ?? "ssh";
  if (transport !== "ssh" && transport !== "ssm") {
    throw new OpsUsageError(`stack ${stack}: transport output '${transport}' is neither ssh nor ssm`);
  }
  const instanceId = text(outputs, "instanceId");
  const address = transport === "ssm" ? instanceId : text(outputs, "publicIp");
  const user = flags.user ?? text(outputs, "sshUser");
  const missing = [
    address ? "" : transport === "ssm" ? "instanceId" : "publicIp",
    user ? "" : "sshUser",
    flags.key || text(outputs, "sshPrivateKey") ? "" : "sshPrivateKey",
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new OpsUsageError(
      `stack ${stack} has no ${
        missing.join(", ")
      } output(s): has it been deployed (pulumi up)? Or give --host/--user/--key`,
    );
  }
  const hostPublicKey = flags.knownHosts ? undefined : text(outputs, "hostPublicKey");
  if (!flags.knownHosts && !hostPublicKey && !flags.acceptNewHostKey) {
    throw new OpsUsageError(
      `stack ${stack} has no hostPublicKey output to pin the host's SSH key (run pulumi up with this version first), or ${HOST_KEY_FIX}`,
    );
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
    hostPublicKey,
    acceptNewHostKey: !flags.knownHosts && !hostPublicKey,
    mediaBucket: text(outputs, "mediaBucket"),
  };
}
