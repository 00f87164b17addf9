// ComposeDeployment: puts one release of the compose app on the host over SSH (@pulumi/command).
//   1. wait-ready  remote.Command      cloud-init done, docker answers, upload dir exists
//   2. upload      remote.CopyToRemote  the bundle to uploads/<sha>.tar.gz
//   3. deploy      remote.Command      unpack releases/<sha>, write .env from stdin, compose up, health check
//   4. teardown    local.Command       no-op create; on destroy it sends `compose down` over ssh from the
//                                      machine running Pulumi, and succeeds when the host is already gone
// Every command line comes from components/remote.ts (the same lines tests/host runs for real).
// Secrets (DATABASE_URL, the Django key) reach the host on stdin only, never on a command line.

import * as crypto from "crypto";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AppSettings } from "./config";
import { appBaseDir } from "./host";
import { repositoryOf } from "./images";
import * as remote from "./remote";

/** Retries while the instance boots: 30 dials × up to 20 s ≈ 10 min before giving up. */
export const BOOT_DIAL_ERROR_LIMIT = 30;
export const BOOT_PER_DIAL_TIMEOUT = 20;
export interface ComposeDeploymentArgs {
  /** Address to SSH to: the host's public (Elastic) IP or DNS name. */
  host: pulumi.Input<string>;
  /** EC2 instance id: a new instance re-runs wait-ready, the upload and the deploy. */
  instanceId: pulumi.Input<string>;
  /** SSH login of the host OS (ec2-user on AL2023, ubuntu on Ubuntu); root is refused. */
  sshUser: string;
  /** Private key of that login (secret). */
  sshPrivateKey: pulumi.Input<string>;
  /** SSH port; default 22. */
  sshPort?: number;
  /** The bundle to ship (bundle.ts createAppBundle); its sha256 is the release id. */
  bundle: { path: string; sha256: string; files: string[] };
  /** App settings: compose file, web service, health check, releases kept, deploy mode, extra env. */
  app: AppSettings;
  /** Compose project name on the host, [a-z0-9-]: appNameFor(project, stack). */
  appName: string;
  /** DATABASE_URL for the app (secret). */
  databaseUrl: pulumi.Input<string>;
  /** Hostnames the app answers to (e.g. the public IP and DNS name); comma-joined into ALLOWED_HOSTS. */
  allowedHosts: pulumi.Input<pulumi.Input<string>[]>;
  /** Registry mode only: service → "<repository>@sha256:<digest>" (RegistryImages.imageRefs). */
  imageRefs?: pulumi.Input<Record<string, string>>;
  /** Host port nginx publishes; default 80 (remote.ts decides how it reaches compose). */
  httpPort?: number;
  /** Resources the running app uses (the database): on destroy, `compose down` runs before they go. */
  teardownBefore?: pulumi.Resource[];
}

/** Compose project name for a stack: lowercase [a-z0-9-], ≤ 63 chars (long names end in a hash). */
export function appNameFor(project: string, stack: string): string {
  const full = `${project}-${stack}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (!/^[a-z0-9]/.test(full)) throw new Error(`appNameFor: "${project}"/"${stack}" leave no letters or digits for a compose project name`);
  if (full.length <= 63) return full;
  const hash = crypto.createHash("sha256").update(full).digest("hex").slice(0, 8);
  return `${full.slice(0, 54).replace(/-+$/, "")}-${hash}`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A compose `.env` file: sorted keys, one `KEY='value'` per line.
 * Single quotes are read literally by compose v2 (compose-go) and by compose v1 (python-dotenv)
 * as long as the value holds no `'`, no `\` (v1 unescapes `\\` and `\'`, v2 does not) and no `${`
 * (v1 interpolates it even inside single quotes). Those, and line breaks, are refused: the error
 * names the key, never the value, because values are secrets.
 */
export function renderEnvFile(entries: Record<string, string>): string {
  const lines = ["# Written by the deployment (ComposeDeployment) from stdin; do not edit on the host."];
  for (const key of Object.keys(entries).sort()) {
    const value = entries[key];
    if (!ENV_NAME.test(key)) throw new Error(`.env: "${key}" is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*)`);
    if (typeof value !== "string") throw new Error(`.env: value of ${key} must be a string`);
    if (/[\r\n\0]/.test(value)) throw new Error(`.env: value of ${key} contains a line break or NUL`);
    if (value.includes("'") || value.includes("\\")) {
      throw new Error(`.env: value of ${key} contains ' or \\, which compose v1 and v2 read differently`);
    }
    if (value.includes("${")) throw new Error(`.env: value of ${key} contains "\${", which compose v1 would interpolate`);
    lines.push(`${key}='${value}'`);
  }
  return `${lines.join("\n")}\n`;
}

/** Inputs of deploymentEnv: everything the host's .env is made of. */
export interface DeploymentEnvInput {
  /** Extra non-secret entries from config (appEnv); may not redefine the keys below. */
  appEnv: Record<string, string>;
  databaseUrl: string;
  secretKey: string;
  releaseId: string;
  allowedHosts: string[];
  /** Registry mode: service → "<repository>@sha256:<digest>". */
  imageRefs?: Record<string, string>;
}

/** Env name of a service's image, as the compose file reads it: "web" → WEB_IMAGE. */
export function imageEnvName(service: string): string {
  return `${service.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_IMAGE`;
}

/** The .env entries of a release. appEnv may not override what the deployment sets. */
export function deploymentEnv(input: DeploymentEnvInput): Record<string, string> {
  const own: Record<string, string> = {
    DATABASE_URL: input.databaseUrl,
    // SECRET_KEY for apps that follow the common name; DJANGO_SECRET_KEY is what the example app reads.
    SECRET_KEY: input.secretKey,
    DJANGO_SECRET_KEY: input.secretKey,
    RELEASE_ID: input.releaseId,
    ALLOWED_HOSTS: input.allowedHosts.join(","),
  };
  for (const service of Object.keys(input.imageRefs ?? {}).sort()) {
    const ref = (input.imageRefs ?? {})[service];
    // The compose file tags `${WEB_IMAGE}:${RELEASE_ID}` (one tag per release); the digest ref
    // is recorded next to it so the host can verify what it pulled.
    own[imageEnvName(service)] = repositoryOf(ref);
    own[`${imageEnvName(service)}_REF`] = ref;
  }
  const clashes = Object.keys(input.appEnv).filter((k) => k in own);
  if (clashes.length > 0) {
    throw new Error(`appEnv may not set ${clashes.join(", ")}: the deployment writes these itself`);
  }
  return { ...input.appEnv, ...own };
}

/** sha256 hex of a string: what triggers hold instead of secret content. */
export function sha256Hex(text: string): string {
  return crypto.createHash("sha256").update(text).digest("hex");
}

/** Image refs as one stable trigger string: sorted "service=ref" pairs ("" in host mode). */
export function imageRefsTrigger(refs: Record<string, string> | undefined): string {
  return Object.keys(refs ?? {})
    .sort()
    .map((s) => `${s}=${(refs ?? {})[s]}`)
    .join(",");
}

/** Refuse logins that would deploy as root (the command provider defaults to root). */
export function checkSshUser(user: string): string {
  if (user === "root") throw new Error("ComposeDeployment: sshUser must be the OS's login (ec2-user / ubuntu), never root");
  if (!/^[a-z_][a-z0-9_-]*$/.test(user)) throw new Error(`ComposeDeployment: sshUser "${user}" is not a valid login name`);
  return user;
}

/** The RemoteSpec of a deployment: base dir in the login's home (host.ts), settings from the app config. */
export function remoteSpecFor(appName: string, sshUser: string, app: AppSettings, httpPort?: number): remote.RemoteSpec {
  return {
    appName,
    baseDir: appBaseDir(checkSshUser(sshUser)), // the directory the host's user data prepares
    composeFile: app.composeFile,
    webService: app.webService,
    healthPath: app.healthPath,
    healthTimeoutSeconds: app.healthTimeoutSeconds,
    keepReleases: app.keepReleases,
    deployMode: app.deployMode,
    ...(httpPort === undefined ? {} : { httpPort }),
  };
}

export class ComposeDeployment extends pulumi.ComponentResource {
  /** The release now deployed: the bundle's sha256. */
  public readonly releaseId: pulumi.Output<string>;
  /** Output of the last deploy run (secret: it may echo configuration). */
  public readonly deployOutput: pulumi.Output<string>;
  /** The .env written on the host (secret). */
  public readonly envFile: pulumi.Output<string>;

  constructor(name: string, args: ComposeDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compose-on-ec2:deployment:ComposeDeployment", name, {}, opts);

    const spec = remoteSpecFor(args.appName, args.sshUser, args.app, args.httpPort);
    const sha = args.bundle.sha256;
    if (!/^[0-9a-f]{64}$/.test(sha)) throw new Error(`ComposeDeployment: bundle.sha256 "${sha}" is not a sha256 hex digest`);
    if (!args.bundle.files.includes(args.app.composeFile)) {
      throw new Error(
        `ComposeDeployment: the bundle has no ${args.app.composeFile}; is it matched by .dockerignore/.deployignore? ` +
          `(createAppBundle always packs the compose file)`,
      );
    }
    if (args.app.deployMode === "registry" && args.imageRefs === undefined) {
      throw new Error("ComposeDeployment: deployMode registry needs imageRefs (RegistryImages.imageRefs)");
    }
    if (args.app.deployMode === "host" && args.imageRefs !== undefined) {
      throw new Error("ComposeDeployment: deployMode host builds on the instance; do not pass imageRefs");
    }

    // Tolerates a booting instance: every step may be the first to dial a new host.
    const bootConnection: command.types.input.remote.ConnectionArgs = {
      host: args.host,
      port: args.sshPort ?? 22,
      user: checkSshUser(args.sshUser),
      privateKey: pulumi.secret(args.sshPrivateKey),
      dialErrorLimit: BOOT_DIAL_ERROR_LIMIT,
      perDialTimeout: BOOT_PER_DIAL_TIMEOUT,
    };

    // 1. Re-runs (replacement) only when the instance changes; it creates the upload dir.
    const waitReady = new command.remote.Command(
      `${name}-wait-ready`,
      {
        connection: bootConnection,
        create: remote.waitReadyCommand(spec),
        triggers: [args.instanceId],
        // No stdin and no .env yet: its progress is safe to show while the instance boots.
        logging: "stdoutAndStderr",
        addPreviousOutputInEnv: false,
      },
      { parent: this },
    );

    // 2. The bundle: path and remote name both carry the sha, so it is uploaded once per release
    // (and again to a new instance). CopyToRemote never deletes remote files; old uploads are pruned on the host.
    const upload = new command.remote.CopyToRemote(
      `${name}-upload`,
      {
        connection: bootConnection,
        source: new pulumi.asset.FileAsset(args.bundle.path),
        remotePath: remote.bundleRemotePath(spec, sha),
        triggers: [args.instanceId],
      },
      { parent: this, dependsOn: [waitReady] },
    );

    // 4 (created before 3 so the deploy can depend on it). `compose down` lives on its own resource:
    // the deploy command is REPLACED on every release (the SDK marks `triggers` replaceOnChanges), and
    // a replacement deletes the old resource after creating the new one, so a delete on the deploy
    // command would stop the release it had just started. This resource has a no-op create and no
    // triggers, so its delete runs only when the stack is destroyed (or the deployment removed).
    // (A no-op rather than no create: a Command without create showed a diff on every `up` in some
    // provider versions, pulumi/pulumi-command#920; a second `up` must show no changes.)
    // It is a local.Command that ssh-es to the host (remote.teardownFromRunnerScript) rather than a
    // remote.Command, because a remote.Command fails when it cannot dial: a host that is already gone
    // would block `pulumi destroy`. Its inputs name the host and instance, so the engine deletes it
    // before them; the key and the command travel in the environment, not on a command line.
    const teardown = new command.local.Command(
      `${name}-teardown`,
      {
        create: "true",
        delete: remote.teardownFromRunnerScript(),
        interpreter: ["/bin/bash", "-c"],
        environment: {
          TEARDOWN_HOST: args.host,
          TEARDOWN_PORT: String(args.sshPort ?? 22),
          TEARDOWN_USER: checkSshUser(args.sshUser),
          TEARDOWN_KEY: pulumi.secret(args.sshPrivateKey),
          TEARDOWN_COMMAND: remote.destroyCommand(spec),
          TEARDOWN_INSTANCE: args.instanceId,
        },
        // compose reads the release's .env, and its errors may quote it: keep the output out of logs.
        logging: "none",
        addPreviousOutputInEnv: false,
      },
      { parent: this, dependsOn: args.teardownBefore ?? [], additionalSecretOutputs: ["stdout", "stderr"] },
    );

    const secretKey = new random.RandomPassword(
      `${name}-secret-key`,
      // Letters and digits only: ~380 bits, and nothing the .env quoting has to refuse.
      { length: 64, special: false },
      { parent: this },
    );

    this.envFile = pulumi.secret(
      pulumi
        .all([args.databaseUrl, secretKey.result, args.allowedHosts, args.imageRefs])
        .apply(([databaseUrl, key, hosts, refs]) =>
          renderEnvFile(
            deploymentEnv({ appEnv: args.app.env, databaseUrl, secretKey: key, releaseId: sha, allowedHosts: hosts, imageRefs: refs }),
          ),
        ),
    );
    const imageTrigger = pulumi.output(args.imageRefs).apply(imageRefsTrigger);

    // 3. Runs exactly when the release, the .env or the images change (or the instance is new).
    // Triggers hold hashes, never the .env itself.
    const deploy = new command.remote.Command(
      `${name}-deploy`,
      {
        connection: bootConnection,
        create: remote.deployCommand(spec, sha),
        stdin: this.envFile,
        triggers: [sha, this.envFile.apply(sha256Hex), imageTrigger, args.instanceId],
        // The .env arrives on stdin and compose may echo configuration: keep all output out of logs.
        logging: "none",
        addPreviousOutputInEnv: false,
      },
      {
        parent: this,
        dependsOn: [upload, teardown],
        additionalSecretOutputs: ["stdout", "stderr", "stdin"],
      },
    );

    this.releaseId = pulumi.output(sha);
    this.deployOutput = pulumi.secret(deploy.stdout);
    this.registerOutputs({ releaseId: this.releaseId, deployOutput: this.deployOutput, envFile: this.envFile });
  }
}
