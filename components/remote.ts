// Every command line the deployment sends to the host, in ONE module.
// components/deployment.ts runs these through @pulumi/command; tests/host runs the very same lines
// over SSH on this machine. Nothing secret is ever part of a command line: secrets come on stdin.
// CONTRACT (docs/CONTRACT.md): keep these signatures stable.
//
// Each command is `bash -c '<fixed script>' <name> <quoted args…>`: the script text never depends on
// the inputs (the login shell may be sh or bash), and every value reaches it as a positional argument.
import * as fs from "fs";
import * as path from "path";

export interface RemoteSpec {
  /** Compose project name, [a-z0-9-], stable across releases. */
  appName: string;
  /** Absolute base directory on the host, e.g. /home/ec2-user/compose-on-ec2. */
  baseDir: string;
  /** Compose file of the app, relative to the app directory. */
  composeFile: string;
  /** Compose service that serves HTTP behind nginx; replaced gaplessly on deploy. */
  webService: string;
  /** Path answering 2xx when the app (and its database) works, e.g. /healthz. */
  healthPath: string;
  /** How long a new release may take to become healthy before it is rolled back. */
  healthTimeoutSeconds: number;
  /** Releases kept on the host (current and previous are never removed). */
  keepReleases: number;
  /** host: build images on the instance; registry: pull them. */
  deployMode: "host" | "registry";
  /** Host port nginx publishes (80 on AWS; tests use others). */
  httpPort?: number;
}

/** How long waitReady waits for cloud-init and docker on a fresh instance. */
export const WAIT_READY_TIMEOUT_SECONDS = 600;

const hostScriptsDir = path.join(__dirname, "..", "scripts", "host");

/** Quote one value for a POSIX shell: '…' with each ' written as '\''. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `bash -c '<script>' <name> <args…>`, every part quoted. */
export function bashScript(script: string, name: string, args: string[]): string {
  return ["bash", "-c", shellQuote(script), name, ...args.map(shellQuote)].join(" ");
}

export function uploadDir(spec: RemoteSpec): string {
  return `${spec.baseDir}/uploads`;
}

export function bundleRemotePath(spec: RemoteSpec, sha256: string): string {
  return `${uploadDir(spec)}/${sha256}.tar.gz`;
}

/** Where a release is unpacked; `<baseDir>/current` links to the one serving. */
export function releaseDir(spec: RemoteSpec, sha256: string): string {
  return `${spec.baseDir}/releases/${sha256}`;
}

/** Throws on a spec the host scripts would refuse anyway, so mistakes surface at preview time. */
export function validateSpec(spec: RemoteSpec): void {
  const problems: string[] = [];
  if (!/^[a-z0-9][a-z0-9-]*$/.test(spec.appName)) problems.push(`appName '${spec.appName}' must match [a-z0-9][a-z0-9-]*`);
  if (!spec.baseDir.startsWith("/") || spec.baseDir.endsWith("/") || spec.baseDir.includes("\n")) {
    problems.push(`baseDir '${spec.baseDir}' must be an absolute path without a trailing slash`);
  }
  if (!spec.healthPath.startsWith("/")) problems.push(`healthPath '${spec.healthPath}' must start with /`);
  if (!Number.isInteger(spec.healthTimeoutSeconds) || spec.healthTimeoutSeconds < 1) {
    problems.push(`healthTimeoutSeconds ${spec.healthTimeoutSeconds} must be a positive integer`);
  }
  if (!Number.isInteger(spec.keepReleases) || spec.keepReleases < 2) problems.push(`keepReleases ${spec.keepReleases} must be an integer >= 2`);
  if (spec.httpPort !== undefined && !(Number.isInteger(spec.httpPort) && spec.httpPort >= 1 && spec.httpPort <= 65535)) {
    problems.push(`httpPort ${spec.httpPort} must be 1..65535`);
  }
  if (problems.length > 0) throw new Error(`invalid remote spec: ${problems.join("; ")}`);
}

function checkSha256(sha256: string): void {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256 hex digest: '${sha256}'`);
}

/** Cloud-init done (where it runs), docker and compose answer, <baseDir>/uploads exists. Needs no bundle. */
export function waitReadyCommand(spec: RemoteSpec): string {
  validateSpec(spec);
  const script = fs.readFileSync(path.join(hostScriptsDir, "wait-ready.sh"), "utf8");
  return bashScript(script, "wait-ready", [spec.baseDir, String(WAIT_READY_TIMEOUT_SECONDS)]);
}

// Verifies the uploaded bundle (a cut upload fails here), unpacks it into releases/<sha> through a
// temporary directory (a release directory is complete or absent), then hands over to the deploy
// script the release carries. stdin (the .env) passes through to it.
const DEPLOY_PREFIX = `set -euo pipefail
base="$1"; sha="$2"; shift 2
bundle="$base/uploads/$sha.tar.gz"; rel="$base/releases/$sha"
if [ -f "$bundle" ]; then
  if ! printf '%s  %s\\n' "$sha" "$bundle" | sha256sum -c --status -; then
    echo "[deploy] ERROR: $bundle does not match its sha256 (cut or corrupted upload): upload it again" >&2
    exit 1
  fi
elif [ ! -d "$rel" ]; then
  echo "[deploy] ERROR: bundle $bundle is missing" >&2
  exit 1
fi
if [ ! -d "$rel" ]; then
  mkdir -p "$base/releases"
  tmp="$(mktemp -d "$base/releases/.unpack-$sha.XXXXXX")"
  if ! tar -xzf "$bundle" -C "$tmp" || [ ! -f "$tmp/.compose-on-ec2/deploy.sh" ]; then
    rm -rf "$tmp"
    echo "[deploy] ERROR: $bundle does not unpack into a release with .compose-on-ec2/deploy.sh" >&2
    exit 1
  fi
  chmod 755 "$tmp"
  # Another deploy may have unpacked the same release meanwhile: then keep that one.
  mv -T "$tmp" "$rel" 2>/dev/null || rm -rf "$tmp"
  echo "[deploy] unpacked $sha into $rel"
fi
exec bash "$rel/.compose-on-ec2/deploy.sh" --base-dir "$base" "$@"
`;

/** stdin = the .env file. Verifies sha256, unpacks releases/<sha>, runs its .compose-on-ec2/deploy.sh. */
export function deployCommand(spec: RemoteSpec, sha256: string): string {
  validateSpec(spec);
  checkSha256(sha256);
  return bashScript(DEPLOY_PREFIX, "compose-on-ec2-deploy", [
    spec.baseDir,
    sha256,
    "--app-name", spec.appName,
    "--compose-file", spec.composeFile,
    "--web-service", spec.webService,
    "--health-path", spec.healthPath,
    "--timeout", String(spec.healthTimeoutSeconds),
    "--keep-releases", String(spec.keepReleases),
    "--mode", spec.deployMode,
    "--http-port", String(spec.httpPort ?? 80),
  ]);
}

// Runs destroy.sh from the current release (or the newest one); succeeds when nothing is there.
const DESTROY_PREFIX = `set -eu
base="$1"
script=""
for dir in "$base/current" $(ls -1dt "$base"/releases/*/ 2>/dev/null || true); do
  if [ -f "$dir/.compose-on-ec2/destroy.sh" ]; then script="$dir/.compose-on-ec2/destroy.sh"; break; fi
done
if [ -z "$script" ]; then
  echo "[destroy] nothing deployed under $base: nothing to destroy"
  exit 0
fi
exec bash "$script" "$@"
`;

/** compose down (named volumes kept); exit 0 when nothing is there. */
export function destroyCommand(spec: RemoteSpec): string {
  validateSpec(spec);
  return bashScript(DESTROY_PREFIX, "compose-on-ec2-destroy", [spec.baseDir, spec.appName, spec.composeFile]);
}

/** Current/previous release, containers, health through nginx (exit 1 when failing). */
export function statusCommand(spec: RemoteSpec): string {
  validateSpec(spec);
  const script = `set -eu
base="$1"
if [ ! -f "$base/current/.compose-on-ec2/status.sh" ]; then echo "[status] nothing deployed under $base"; exit 1; fi
exec bash "$base/current/.compose-on-ec2/status.sh" "$@"
`;
  return bashScript(script, "compose-on-ec2-status", [spec.baseDir, spec.appName, String(spec.httpPort ?? 80), spec.healthPath]);
}

/** Seconds the runner-side teardown waits for the host's SSH port before calling the host gone. */
export const TEARDOWN_PROBE_SECONDS = 20;

/**
 * The script `pulumi destroy` runs on the machine running Pulumi (a local.Command), not on the host:
 * it sends destroyCommand over SSH, but first checks that the host still answers on its SSH port.
 * A host that is gone (terminated, its address released) has nothing left to take down, so that is
 * a success, not a failed destroy; the remote provider alone cannot tell (pulumi-command#104).
 * Inputs come from the environment, the key included, so nothing secret is on a command line:
 * TEARDOWN_HOST, TEARDOWN_PORT, TEARDOWN_USER, TEARDOWN_KEY, TEARDOWN_COMMAND.
 */
export function teardownFromRunnerScript(): string {
  return `set -euo pipefail
: "\${TEARDOWN_HOST:?}" "\${TEARDOWN_USER:?}" "\${TEARDOWN_KEY:?}" "\${TEARDOWN_COMMAND:?}"
port="\${TEARDOWN_PORT:-22}"
# Bounded TCP probe without GNU timeout (absent on macOS runners): a background connect, polled.
bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$TEARDOWN_HOST" "$port" 2>/dev/null &
probe=$!
answered=no
for _ in $(seq 1 $((${TEARDOWN_PROBE_SECONDS} * 4))); do
  if ! kill -0 "$probe" 2>/dev/null; then
    if wait "$probe"; then answered=yes; fi
    break
  fi
  sleep 0.25
done
kill "$probe" 2>/dev/null || true
if [ "$answered" != yes ]; then
  echo "[teardown] $TEARDOWN_HOST:$port does not answer within ${TEARDOWN_PROBE_SECONDS}s: the host is gone, nothing left to take down"
  exit 0
fi
command -v ssh >/dev/null 2>&1 || { echo "[teardown] ERROR: no ssh client on this machine: install OpenSSH (openssh-client) and run pulumi destroy again" >&2; exit 1; }
key="$(mktemp)"
trap 'rm -f "$key"' EXIT
chmod 600 "$key"
printf '%s\n' "$TEARDOWN_KEY" > "$key"
status=0
ssh -F /dev/null -i "$key" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no \
  -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=15 -p "$port" \
  "$TEARDOWN_USER@$TEARDOWN_HOST" "$TEARDOWN_COMMAND" || status=$?
exit "$status"
`;
}
