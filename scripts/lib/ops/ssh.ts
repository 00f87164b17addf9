// The OpenSSH command line of a verb: options, the host, and the remote line that runs the verb's
// host script from the serving release. Pure: tested in tests/unit/ops.test.ts. The key and the
// known_hosts entry are FILES the caller wrote (scripts/ops.ts); nothing secret is an argument.
import { HOST_LAYOUT, hostPath } from "../../../components/layout";
import { shellQuote } from "../../../components/remote";
import { OpsCommand } from "./args";
import { OpsTarget } from "./target";

/** The directory of the verbs' scripts inside a release (host/release/ops in the bundle). */
export const OPS_SCRIPTS_SUBDIR = "ops";

/** `bash '<base>/current/.compose-on-ec2/ops/<verb>.sh' --base-dir '<base>' <args…>`; for exec with a TTY, `--tty` after the service. */
export function remoteLine(command: OpsCommand, baseDir: string, tty: boolean): string | undefined {
  if (command.verb === "ssh") return undefined;
  const script = hostPath(baseDir, "current", HOST_LAYOUT.releaseScripts, OPS_SCRIPTS_SUBDIR, `${command.verb}.sh`);
  let args = command.verbArgs;
  if (command.verb === "exec" && tty) {
    const dashDash = args.indexOf("--");
    args = [...args.slice(0, dashDash), "--tty", ...args.slice(dashDash)];
  }
  return ["bash", script, "--base-dir", baseDir, ...args].map(shellQuote).join(" ");
}

/** Files the caller prepared: the key (0600) and the known_hosts to trust. */
export interface SshFiles {
  keyFile: string;
  /** undefined only with --accept-new-host-key: the user's own known_hosts, a new host accepted once. */
  knownHostsFile?: string;
}

/** The ssh arguments (without "ssh"). tty: -t (a terminal on the host) or -T. */
export function sshArgs(target: OpsTarget, files: SshFiles, tty: boolean, line: string | undefined): string[] {
  const args = [
    "-i",
    files.keyFile,
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=15",
    "-o",
    "ServerAliveInterval=15",
    "-p",
    String(target.port),
  ];
  if (files.knownHostsFile) {
    args.push("-o", `UserKnownHostsFile=${files.knownHostsFile}`, "-o", "StrictHostKeyChecking=yes");
  } else if (target.acceptNewHostKey) args.push("-o", "StrictHostKeyChecking=accept-new");
  else throw new Error("ops: no host key to verify against (a pinned key, --known-hosts, or --accept-new-host-key)");
  if (target.transport === "ssm") {
    const region = target.region ? ` --region ${target.region}` : "";
    args.push("-o",
      `ProxyCommand=aws ssm start-session --target %h --document-name AWS-StartSSHSession --parameters portNumber=%p${region}`);
  }
  args.push(tty ? "-t" : "-T", `${target.user}@${target.host}`);
  if (line !== undefined) args.push(line);
  return args;
}

/** A known_hosts line pinning the host's public key ("type base64 [comment]") for its address. */
export function knownHostsLine(target: OpsTarget, publicKey: string): string {
  const host = target.port === 22 ? target.host : `[${target.host}]:${target.port}`;
  return `${host} ${publicKey.trim().split(/\s+/).slice(0, 2).join(" ")}\n`;
}
