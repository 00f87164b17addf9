// The host directory layout for the program: every name under the base directory, written once.
// host/release/layout.sh holds the same names for the host scripts; a unit test keeps them equal.

/** Names under the base directory on the host (see host/release/layout.sh). */
export const HOST_LAYOUT = {
  /** Manifests as uploaded: uploads/<release id>.manifest (one line per file: sha256, mode, path). */
  uploads: "uploads",
  /** File contents by sha256 (store/<sha256>), shared by every release: each release's files are hard links to them. */
  store: "store",
  /** One release per manifest, assembled from the store: releases/<release id>. */
  releases: "releases",
  /** Link to the release that serves. */
  current: "current",
  /** Link to the release that served before it. */
  previous: "previous",
  /** Link compose runs from (the release being switched to). */
  active: "active",
  /** Held by the one deploy that may run. */
  deployLock: "deploy.lock",
  /** Compose service lists, by compose file hash. */
  cache: "cache",
  /** The containers the last deploy left running. */
  deployedContainers: "deployed-containers",
  /** The other services' containers the last deploy left, with the config hash and env digest each runs. */
  othersFingerprints: "others-fingerprints",
  /** Full output of each deploy and destroy (mode 0600). */
  logs: "logs",
  /** Where the host scripts sit inside a release (host/release travels there in every bundle). */
  releaseScripts: ".compose-on-ec2",
  /** Inside a release: per service, the image compose runs and the tag kept for a rollback. */
  releaseImages: ".release-images",
  /** Inside a release: its RELEASE_ID (image tags), kept once its .env is removed (only the serving and the previous release keep one). */
  releaseId: ".release-id",
  /** The last deploy's settings (key=value), read by the ops verbs. */
  settings: "deploy-settings",
  /** The last ops rollback (from, to, when); a deploy of a new release clears it. */
  rollback: "rollback",
  /** Mounted into the proxy at /maintenance; maintenance/on is the page it serves while on. */
  maintenance: "maintenance",
  /** The edge (HAProxy): its settings, config, certificate, ACME account and status (host/release/edge.sh). */
  edge: "edge",
  /** The ACME client's own directory (lego runs as its own user, compose-acme): its account, its certificates, the copy it hands to the deploy. */
  acme: "acme",
  /** The CA bundle the app verifies the database's certificate with (written by the db-user step, mounted read-only at DB_CA.mount). */
  dbCa: "db-ca",
} as const;

/**
 * The database's CA bundle as containers see it: the host's <baseDir>/db-ca is mounted read-only at
 * `mount` (the compose file's `- ${DB_CA_DIR}:/db-ca:ro`), and DATABASE_URL names `mount/file`. On
 * ecs that mount is the task volume `ecsVolume`, which the task's db-login container fills.
 */
export const DB_CA = { mount: "/db-ca", file: "ca.pem", hostDirVariable: "DB_CA_DIR", ecsVolume: "db-ca" } as const;

export type HostLayoutName = keyof typeof HOST_LAYOUT;

/** The base directory on the host: in the SSH login's home, prepared by the host's first boot. */
export function hostBaseDir(sshUser: string): string {
  return `/home/${sshUser}/compose-on-ec2`;
}

/** An absolute path on the host: baseDir/<layout name>[/more…]. */
export function hostPath(baseDir: string, name: HostLayoutName, ...more: string[]): string {
  return [baseDir, HOST_LAYOUT[name], ...more].join("/");
}
