// How the deployment reaches the host: the transport of its steps (wait-ready, upload, deploy).
//   ssh  pulumi-command remote.Command straight to the host's SSH port.
//   ssm  local.Command resources running OpenSSH on the machine running Pulumi, through
//        `aws ssm start-session` (Session Manager's AWS-StartSSHSession document): no inbound port.
// The upload is a local.Command running OpenSSH on both (scripts/runner/upload.sh): it sends only
// the contents the host's store lacks, which a plain file copy cannot.
// Both send the same host command lines (components/remote.ts), the same stdin, with the same
// triggers, and both verify the host's pinned host key. Nothing here names the transport in a
// trigger, so switching it re-creates these step resources (each a no-op on the host when nothing
// changed: deploy.sh restarts nothing for the serving release) and never the host.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { Transport } from "./config";
import type { HostConnection } from "./host";
import * as remote from "./remote";

/** Retries while the instance boots: 30 dials × up to 20 s ≈ 10 min before giving up. */
export const BOOT_DIAL_ERROR_LIMIT = 30;
export const BOOT_PER_DIAL_TIMEOUT = 20;

/** Where the steps go and how. */
export interface Route {
  connection: HostConnection;
  transport: Transport;
  /** AWS region of the instance: the `aws` CLI of an ssm session reads it from AWS_REGION. */
  region: string;
}

/** One host command: its line, stdin, triggers, and whether its output may be logged. */
export interface CommandStep {
  create: pulumi.Input<string>;
  stdin?: pulumi.Input<string>;
  triggers: pulumi.Input<unknown>[];
  logging: "none" | "stdoutAndStderr";
  /** The first step to reach a new instance: tolerate it booting (dial retries). */
  firstContact?: boolean;
}

/** A step resource of either transport, and what the deployment reads from it. */
export interface Step {
  resource: pulumi.CustomResource;
  stdout: pulumi.Output<string>;
}

/** The fields of every remote connection, in this order, always all present. */
export const CONNECTION_FIELDS = ["host", "port", "user", "privateKey", "hostKey", "dialErrorLimit",
  "perDialTimeout"] as const;

/**
 * The SSH connection of the remote commands; tolerates a booting instance (each may be the first to
 * dial it). Stable by construction, because pulumi-command re-runs `create` when any non-trigger
 * input changes: every field is always present (no optional field that comes and goes), each value is
 * a constant or a value of the host that only changes with the host (address, user, keys), and the
 * whole object is ONE secret. The provider stores `connection` as a secret as a whole; an input where
 * only privateKey is secret compares unequal to that state and shows a spurious `connection` diff
 * that re-runs the command (pulumi/pulumi-command#447). The private key stays secret with it.
 */
export function bootConnection(c: HostConnection): pulumi.Output<command.types.input.remote.ConnectionArgs> {
  return pulumi.secret(
    pulumi.all([c.address, c.privateKey, c.hostKey]).apply(([host, privateKey, hostKey]) => ({
      host,
      port: c.port,
      user: c.user,
      privateKey,
      hostKey,
      dialErrorLimit: BOOT_DIAL_ERROR_LIMIT,
      perDialTimeout: BOOT_PER_DIAL_TIMEOUT,
    })),
  );
}

/** ssm-session.sh's target for a route; the first contact retries about as long as the ssh dials do. */
function sessionTarget(route: Route, firstContact: boolean): remote.SessionTarget<pulumi.Input<string>> {
  const c = route.connection;
  return {
    instanceId: c.instanceId,
    port: c.port,
    user: c.user,
    privateKey: pulumi.secret(c.privateKey),
    hostKey: c.hostKey,
    proxyCommand: remote.SSM_PROXY_COMMAND,
    retries: firstContact ? BOOT_DIAL_ERROR_LIMIT : 0,
    retryPauseSeconds: firstContact ? BOOT_PER_DIAL_TIMEOUT : 0,
  };
}

/** A local.Command running one runner script with this environment (its only inputs besides stdin). */
function runnerCommand(
  name: string,
  script: "ssm-session" | "upload",
  environment: Record<string, pulumi.Input<string>>,
  step: Pick<CommandStep, "stdin" | "triggers" | "logging">,
  opts: pulumi.CustomResourceOptions,
): command.local.Command {
  return new command.local.Command(
    name,
    {
      create: remote.runnerScript(script),
      interpreter: ["/bin/bash", "-c"],
      environment,
      stdin: step.stdin,
      triggers: step.triggers,
      logging: step.logging,
      addPreviousOutputInEnv: false,
    },
    opts,
  );
}

/** Runs one host command line over the route's transport. */
export function hostCommand(name: string, route: Route, step: CommandStep, opts: pulumi.CustomResourceOptions): Step {
  if (route.transport === "ssm") {
    const env = remote.sessionEnvironment(sessionTarget(route, step.firstContact ?? false), { action: "run",
      command: step.create });
    const cmd = runnerCommand(name, "ssm-session", { ...env, AWS_REGION: route.region }, step, {
      ...opts,
      additionalSecretOutputs: ["stdout", "stderr", "stdin"],
    });
    return { resource: cmd, stdout: cmd.stdout };
  }
  const cmd = new command.remote.Command(
    name,
    {
      connection: bootConnection(route.connection),
      create: step.create,
      stdin: step.stdin,
      triggers: step.triggers,
      logging: step.logging,
      addPreviousOutputInEnv: false,
    },
    step.stdin === undefined ? opts : { ...opts, additionalSecretOutputs: ["stdout", "stderr", "stdin"] },
  );
  return { resource: cmd, stdout: cmd.stdout };
}

/** Where runner-side OpenSSH logs in on the route: the address, or the instance id through Session Manager. */
function runnerTarget(route: Route): remote.TeardownTarget<pulumi.Input<string>> {
  const c = route.connection;
  const ssm = route.transport === "ssm";
  return {
    host: ssm ? c.instanceId : c.address,
    port: c.port,
    user: c.user,
    privateKey: pulumi.secret(c.privateKey),
    hostKey: c.hostKey,
    proxyCommand: ssm ? remote.SSM_PROXY_COMMAND : undefined,
  };
}

/**
 * Uploads one release, content-addressed (scripts/runner/upload.sh): its manifest, then only the
 * contents the host's store lacks. A local.Command on both transports (OpenSSH with the pinned host
 * key, straight to the host on ssh, through Session Manager on ssm); its inputs name the release, so
 * it runs once per release (and again on a new instance).
 */
export function hostUpload(
  name: string,
  route: Route,
  spec: remote.RemoteSpec,
  release: remote.UploadRelease,
  triggers: pulumi.Input<unknown>[],
  opts: pulumi.CustomResourceOptions,
): command.local.Command {
  const environment = {
    ...remote.uploadEnvironment(runnerTarget(route), spec, release),
    ...(route.transport === "ssm" ? { AWS_REGION: route.region } : {}),
  };
  // What it prints is counts and sha256s of the app's files: nothing secret.
  return runnerCommand(name, "upload", environment, { triggers, logging: "stdoutAndStderr" }, opts);
}

/** The runner-side teardown's environment for the route: direct, or through Session Manager. */
export function teardownEnvironment(route: Route, spec: remote.RemoteSpec): Record<string, pulumi.Input<string>> {
  return {
    ...remote.teardownEnvironment<pulumi.Input<string>>(runnerTarget(route), spec),
    TEARDOWN_INSTANCE: route.connection.instanceId,
    ...(route.transport === "ssm" ? { AWS_REGION: route.region } : {}),
  };
}

/**
 * The `ssh` line a person runs to reach the host on the stack's transport (an export of the stack).
 * ssm: through Session Manager, so it works with port 22 closed; pin the host key with the stack's
 * hostPublicKey export (see the deploy docs) rather than trusting it on first use.
 */
export function sshCommandFor(keyFile: string, user: string, kind: Transport, address: pulumi.Input<string>,
  instanceId: pulumi.Input<string>): pulumi.Output<string> {
  return kind === "ssm"
    ? pulumi.interpolate`ssh -i ${keyFile} -o ProxyCommand='${remote.SSM_PROXY_COMMAND}' ${user}@${instanceId}`
    : pulumi.interpolate`ssh -i ${keyFile} ${user}@${address}`;
}
