// Every command line the deployment sends to the host, in ONE module.
// components/deployment.ts runs these through @pulumi/command; tests/host runs the very same lines
// over SSH on this machine. Nothing secret is ever part of a command line: secrets come on stdin.
// CONTRACT (docs/CONTRACT.md): keep these signatures stable. Bodies: owned by the host-scripts work.

export interface RemoteSpec {
  /** Compose project name, [a-z0-9-], stable across releases. */
  appName: string;
  /** Absolute base directory on the host, e.g. /home/ec2-user/composeapp. */
  baseDir: string;
  composeFile: string;
  webService: string;
  healthPath: string;
  healthTimeoutSeconds: number;
  keepReleases: number;
  deployMode: "host" | "registry";
  /** Host port nginx publishes (80 on AWS; tests use others). */
  httpPort?: number;
}

export function uploadDir(spec: RemoteSpec): string {
  return `${spec.baseDir}/uploads`;
}

export function bundleRemotePath(spec: RemoteSpec, sha256: string): string {
  return `${uploadDir(spec)}/${sha256}.tar.gz`;
}

export function waitReadyCommand(_spec: RemoteSpec): string {
  throw new Error("not implemented yet");
}

export function deployCommand(_spec: RemoteSpec, _sha256: string): string {
  throw new Error("not implemented yet");
}

export function destroyCommand(_spec: RemoteSpec): string {
  throw new Error("not implemented yet");
}
