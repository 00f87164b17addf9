// Every command line the deployment sends to the host, in ONE module, built from the shell files
// under host/ (every line of shell lives in a .sh file that shellcheck sees; this module only builds
// argument lists). components/deployment.ts runs these through @pulumi/command; tests/host runs the
// very same lines over SSH on this machine. Nothing secret is ever part of a command line: secrets
// come on stdin (the deploy's .env) or in the environment (the teardown's key).
//
// A host command is `bash -c '<host/bootstrap/NAME.sh>' <name> <quoted args…>`: the script text never
// depends on the inputs (the login shell may be sh or bash), and every value reaches it as a
// positional argument. The bootstrap scripts run before (or without) a release on the host; they
// hand over to the scripts every release carries (host/release, packed under .compose-on-ec2/).
import * as fs from "fs";
import * as path from "path";
import type { AppSettings, DbEngine, TlsSettings } from "./config";
import type { HealthSource } from "./compose";
import { DB_CA, HOST_LAYOUT, hostPath } from "./layout";

/** What the host commands need: the app's deploy settings (validated by config) plus where and how it runs. */
export type RemoteSpec = Pick<
  AppSettings,
  "composeFile" | "webService" | "proxyService" | "workerServices" | "webPort" | "envFile" | "healthSource"
    | "healthPath" | "healthTimeoutSeconds" | "healthBusySeconds" | "keepReleases" | "deployMode"
> & {
  /** Compose project name, [a-z0-9-], stable across releases (config/naming.ts: stackResourceName). */
  appName: string;
  /** Absolute base directory on the host (layout.ts: hostBaseDir). */
  baseDir: string;
  /** The edge's HTTP port (80 on AWS; tests use others). */
  httpPort: number;
  /** The edge's HTTPS port (443 on AWS). */
  httpsPort: number;
  /** Loopback port the app's proxy publishes on, behind the edge (the compose file's ${HTTP_PORT}). */
  proxyPort: number;
  /** Loopback port the ACME client answers HTTP-01 challenges on, behind the edge. */
  acmePort: number;
  /** HTTPS on the host (a domain on ec2): names, ACME account and directory, HSTS; undefined: plain HTTP. */
  tls?: TlsSettings;
};

/** How long waitReady waits for cloud-init and docker on a fresh instance. */
export const WAIT_READY_TIMEOUT_SECONDS = 600;

/** Seconds the runner-side teardown waits for the host's SSH port before calling the host gone. */
export const TEARDOWN_PROBE_SECONDS = 20;

/** The shell text of one of the project's script files. */
function scriptText(...parts: string[]): string {
  return fs.readFileSync(path.join(__dirname, "..", ...parts), "utf8");
}

/** Quote one value for a POSIX shell: '…' with each ' written as '\''. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `bash -c '<script>' <name> <args…>`, every part quoted. */
export function bashScript(script: string, name: string, args: string[]): string {
  return ["bash", "-c", shellQuote(script), name, ...args.map(shellQuote)].join(" ");
}

/** `bash -c '<host/bootstrap/NAME.sh>' compose-on-ec2-NAME <args…>`. */
function bootstrapCommand(name: string, args: string[]): string {
  return bashScript(scriptText("host", "bootstrap", `${name}.sh`), `compose-on-ec2-${name}`, args);
}

export function uploadDir(spec: RemoteSpec): string {
  return hostPath(spec.baseDir, "uploads");
}

/** Where a release's manifest is kept once uploaded (host/bootstrap/upload.sh). */
export function manifestRemotePath(spec: RemoteSpec, sha256: string): string {
  return hostPath(spec.baseDir, "uploads", `${sha256}.manifest`);
}

/** The host's store of file contents, store/<sha256>: every release's files link them. */
export function storeDir(spec: RemoteSpec): string {
  return hostPath(spec.baseDir, "store");
}

/** Where a release is assembled from the store; `<baseDir>/current` links to the one serving. */
export function releaseDir(spec: RemoteSpec, sha256: string): string {
  return hostPath(spec.baseDir, "releases", sha256);
}

/** The release id: what every command takes on trust from the caller, so it is checked here. */
function checkSha256(sha256: string): void {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256 hex digest: '${sha256}'`);
}

/** How deploy.sh names the health source: the compose healthcheck, or its own probe of the new container. */
export const HEALTH_SOURCE_FLAG: Record<HealthSource, string> = { "compose healthcheck": "compose",
  "deploy probe": "probe" };

/** Cloud-init done (where it runs), docker and compose answer, uploads/ and releases/ exist. Needs no bundle. */
export function waitReadyCommand(spec: RemoteSpec): string {
  return bootstrapCommand("wait-ready", [String(WAIT_READY_TIMEOUT_SECONDS), uploadDir(spec),
    hostPath(spec.baseDir, "releases")]);
}

/**
 * The host's half of an upload (host/bootstrap/upload.sh): `missing` keeps the manifest (gzip on
 * stdin) once it matches the release id and answers the contents the store lacks; `receive` checks a
 * tar.gz of contents (stdin) against their sha256 into the store.
 */
export function uploadCommand(spec: RemoteSpec, sha256: string, action: "missing" | "receive"): string {
  checkSha256(sha256);
  return bootstrapCommand("upload", [action, sha256, uploadDir(spec), storeDir(spec)]);
}

/** The flags that name the app's compose project on the host: its base directory, name and file. */
function projectFlags(spec: RemoteSpec): string[] {
  return ["--base-dir", spec.baseDir, "--app-name", spec.appName, "--compose-file", spec.composeFile];
}

/** stdin = the .env file. Verifies the manifest, assembles releases/<sha> from the store, runs its .compose-on-ec2/deploy.sh. */
export function deployCommand(spec: RemoteSpec, sha256: string): string {
  checkSha256(sha256);
  return bootstrapCommand("deploy", [
    sha256,
    manifestRemotePath(spec, sha256),
    storeDir(spec),
    releaseDir(spec, sha256),
    HOST_LAYOUT.releaseScripts,
    ...projectFlags(spec),
    "--web-service",
    spec.webService,
    "--proxy-service",
    spec.proxyService,
    // Restarted after web has switched, one replica at a time (host/release/workers.sh).
    "--worker-services",
    spec.workerServices.join(" "),
    "--web-port",
    String(spec.webPort),
    "--env-file",
    spec.envFile,
    "--health-source",
    HEALTH_SOURCE_FLAG[spec.healthSource],
    "--health-path",
    spec.healthPath,
    "--timeout",
    String(spec.healthTimeoutSeconds),
    "--busy-timeout",
    String(spec.healthBusySeconds),
    "--keep-releases",
    String(spec.keepReleases),
    "--mode",
    spec.deployMode,
    "--http-port",
    String(spec.httpPort),
    ...edgeFlags(spec),
  ]);
}

/** The edge's flags: its ports, and with a domain the ACME settings (nothing secret). */
function edgeFlags(spec: RemoteSpec): string[] {
  const ports = ["--https-port", String(spec.httpsPort), "--proxy-port", String(spec.proxyPort), "--acme-port",
    String(spec.acmePort)];
  const tls = spec.tls
    ? ["--domains", spec.tls.domains.join(" "), "--acme-email", spec.tls.acmeEmail, "--acme-server",
      spec.tls.acmeServer]
    : [];
  return [...ports, "--hsts", spec.tls?.hsts ? "on" : "off", ...tls];
}

/**
 * The engine's client the db-user step runs in a one-off container (a client connects to servers of
 * other majors for these statements): the official images (https://hub.docker.com/_/postgres,
 * https://hub.docker.com/_/mysql, https://hub.docker.com/_/mariadb).
 */
export const DB_CLIENT_IMAGES: Record<DbEngine, string> = { postgres: "postgres:16", mysql: "mysql:8.4",
  mariadb: "mariadb:11.4" };

/** Where the database is and who logs in (nothing secret: the passwords travel on stdin, dbUserStdin). */
export interface DbUserTarget {
  engine: DbEngine;
  address: string;
  port: number;
  dbName: string;
  /** The master user, who makes the app's login. */
  masterUser: string;
  /** The app's login (APP_DB_USER). */
  appUser: string;
}

/** The statements that make the app's login, run inside the engine's client image (ec2's db-user step, ecs's db-login container). */
export function dbLoginScript(): string {
  return scriptText("host", "bootstrap", "db-login.sh");
}

/**
 * The app's own database login and the CA bundle its certificate is verified with
 * (host/bootstrap/db-user.sh running dbLoginScript in a one-off client container); stdin = dbUserStdin.
 */
export function dbUserCommand(spec: RemoteSpec, db: DbUserTarget): string {
  return bootstrapCommand("db-user", [db.engine, db.address, String(db.port), db.dbName, db.masterUser, db.appUser,
    DB_CLIENT_IMAGES[db.engine], hostPath(spec.baseDir, "dbCa"), DB_CA.mount, DB_CA.file, dbLoginScript()]);
}

/** db-user.sh's stdin: the master password, the app's password, then the CA bundle (PEM). */
export function dbUserStdin(masterPassword: string, appPassword: string, caBundle: string): string {
  for (const [name, value] of [["master", masterPassword], ["app", appPassword]]) {
    if (value === "" || /[\r\n]/.test(value)) throw new Error(`db-user: the ${name} password is empty or spans lines`);
  }
  return `${masterPassword}\n${appPassword}\n${caBundle}`;
}

/** compose down (named volumes kept); exit 0 when nothing is there. */
export function destroyCommand(spec: RemoteSpec): string {
  return bootstrapCommand("destroy", [
    hostPath(spec.baseDir, "current"),
    hostPath(spec.baseDir, "releases"),
    HOST_LAYOUT.releaseScripts,
    ...projectFlags(spec),
  ]);
}

/**
 * A runner-side script (scripts/runner/NAME.sh) as the text a local.Command runs with bash -c:
 * scripts/runner/ssh-lib.sh (pinned-key OpenSSH) first, then the script. Text, not a path: the
 * same on every machine that runs Pulumi, so moving a checkout changes nothing.
 */
export function runnerScript(name: "teardown" | "ssm-session" | "upload"): string {
  return `${scriptText("scripts", "runner", "ssh-lib.sh")}\n${scriptText("scripts", "runner", `${name}.sh`)}`;
}

/**
 * The script `pulumi destroy` runs on the machine running Pulumi (a local.Command with
 * interpreter bash -c), not on the host: scripts/runner/teardown.sh. It sends destroyCommand over
 * SSH when the host still answers, and succeeds when the host is already gone.
 */
export function teardownFromRunnerScript(): string {
  return runnerScript("teardown");
}

/** The Session Manager document that forwards a session to the instance's SSH port. */
export const SSM_SSH_DOCUMENT = "AWS-StartSSHSession";

/** OpenSSH's ProxyCommand on the ssm transport: %h is the instance id, %p the host's SSH port. */
export const SSM_PROXY_COMMAND =
  `aws ssm start-session --target %h --document-name ${SSM_SSH_DOCUMENT} --parameters portNumber=%p`;

/** Where the runner-side teardown logs in. */
export interface TeardownTarget<T> {
  /** The address (ssh) or the instance id (ssm). */
  host: T;
  port: number;
  user: string;
  /** The SSH private key (secret): it travels in the environment, never on a command line. */
  privateKey: T;
  /** The host's pinned public key ("ssh-ed25519 AAAA…"): any other key is refused. */
  hostKey: T;
  /** OpenSSH ProxyCommand (SSM_PROXY_COMMAND on the ssm transport); undefined: connect directly. */
  proxyCommand?: string;
}

/** The teardown's environment (its only inputs): the target, the keys and the host command to send. */
export function teardownEnvironment<T>(target: TeardownTarget<T>, spec: RemoteSpec): Record<string, T | string> {
  return {
    TEARDOWN_HOST: target.host,
    TEARDOWN_PORT: String(target.port),
    TEARDOWN_USER: target.user,
    TEARDOWN_KEY: target.privateKey,
    TEARDOWN_HOST_KEY: target.hostKey,
    TEARDOWN_PROXY_COMMAND: target.proxyCommand ?? "",
    TEARDOWN_COMMAND: destroyCommand(spec),
    TEARDOWN_PROBE_SECONDS: String(TEARDOWN_PROBE_SECONDS),
  };
}

/** One ssm-session.sh run: send a host command line. */
export type SessionAction<T = string> = { action: "run"; command: T | string };

/** Where ssm-session.sh logs in and how it retries a session that never reaches the host. */
export interface SessionTarget<T> {
  /** The instance id (ssh's %h in the ProxyCommand). */
  instanceId: T;
  port: number;
  user: string;
  /** The SSH private key (secret): in the environment, never on a command line. */
  privateKey: T;
  /** The host's pinned public key. */
  hostKey: T;
  /** OpenSSH ProxyCommand: SSM_PROXY_COMMAND (tests put a stand-in `aws` first in PATH). */
  proxyCommand: string;
  /** Sessions tried again when they never reach the host (0: once), and the pause between. */
  retries: number;
  retryPauseSeconds: number;
}

/** ssm-session.sh's environment (its only inputs besides stdin). */
export function sessionEnvironment<T>(target: SessionTarget<T>, step: SessionAction<T>): Record<string, T | string> {
  return {
    SESSION_ACTION: step.action,
    SESSION_TARGET: target.instanceId,
    SESSION_PORT: String(target.port),
    SESSION_USER: target.user,
    SESSION_KEY: target.privateKey,
    SESSION_HOST_KEY: target.hostKey,
    SESSION_PROXY_COMMAND: target.proxyCommand,
    SESSION_RETRIES: String(target.retries),
    SESSION_RETRY_PAUSE: String(target.retryPauseSeconds),
    SESSION_COMMAND: step.command,
  };
}

/** Where the upload logs in: the address (ssh) or the instance id through a ProxyCommand (ssm). */
export type UploadTarget<T> = TeardownTarget<T>;

/** What the upload sends: the release's manifest and the local store its contents come from (bundle.ts). */
export interface UploadRelease {
  /** The release id: the manifest's sha256. */
  sha256: string;
  /** The manifest on this machine (relative to the project root: the same on every machine). */
  manifest: string;
  /** The local store of contents, <sha256> each. */
  store: string;
}

/** scripts/runner/upload.sh's environment (its only inputs): the target, the keys, the files and the host lines. */
export function uploadEnvironment<T>(target: UploadTarget<T>, spec: RemoteSpec,
  release: UploadRelease): Record<string, T | string> {
  return {
    UPLOAD_TARGET: target.host,
    UPLOAD_PORT: String(target.port),
    UPLOAD_USER: target.user,
    UPLOAD_KEY: target.privateKey,
    UPLOAD_HOST_KEY: target.hostKey,
    UPLOAD_PROXY_COMMAND: target.proxyCommand ?? "",
    UPLOAD_MANIFEST: release.manifest,
    UPLOAD_STORE: release.store,
    UPLOAD_MISSING_COMMAND: uploadCommand(spec, release.sha256, "missing"),
    UPLOAD_RECEIVE_COMMAND: uploadCommand(spec, release.sha256, "receive"),
  };
}
