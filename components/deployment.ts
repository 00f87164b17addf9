// ComposeDeployment: puts one release of the compose app on the host over SSH, on the stack's
// transport (components/transport.ts: ssh = pulumi-command remote resources, ssm = OpenSSH through
// Session Manager from local.Command resources), always verifying the host's pinned host key.
//   1. wait-ready  cloud-init done, docker answers, upload dir exists
//   2. upload      the manifest to uploads/<release id>.manifest and only the contents the host's
//                  store lacks (scripts/runner/upload.sh, OpenSSH from the machine running Pulumi)
//   3. db-user     the app's own database login, made as the master user, and the CA bundle its TLS
//                  is verified with (host/bootstrap/db-user.sh); again only when a password or the endpoint changes
//   4. deploy      assemble releases/<release id> from the store, write .env from stdin, compose up, health check
//   5. teardown    local.Command: no-op create; on destroy it sends `compose down` over ssh from the
//                  machine running Pulumi, and succeeds when the host is already gone
// Every command line comes from components/remote.ts (the same lines tests/host runs for real).
// Secrets (DATABASE_URL, the Django key, appSecrets) reach the host on stdin only, never on a command line; a
// failing command hands back only a short reason and the path of its full log on the host.

import * as crypto from "crypto";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { APP_DB_USER, type AppSettings, type TlsSettings, type Transport } from "./config";
import { appEnvironment, imageEnvName } from "./config/appEnv";
import { envEntryProblem } from "./config/envfile";
import type { DatabaseLogins } from "./database";
import type { HostConnection } from "./host";
import * as remote from "./remote";
import * as transport from "./transport";

export { BOOT_DIAL_ERROR_LIMIT, BOOT_PER_DIAL_TIMEOUT, bootConnection } from "./transport";
/** The host's ports: the edge's public ones, and the loopback ones behind it (tests use others). */
export interface HostPorts {
  http: number;
  https: number;
  /** The app's proxy, published on 127.0.0.1 only. */
  proxy: number;
  /** The ACME client's HTTP-01 answers, on 127.0.0.1 only. */
  acme: number;
}

export const DEFAULT_HOST_PORTS: HostPorts = { http: 80, https: 443, proxy: 8080, acme: 8402 };

export interface ComposeDeploymentArgs {
  /** How to reach the host: Host.connection (address, port, user, key, pinned host key, instance id, base dir). */
  connection: HostConnection;
  /** ssh (default): straight to the host's SSH port; ssm: through Session Manager, no inbound port. */
  transport?: Transport;
  /** AWS region of the host: where ssm sessions go (needed on ssm). */
  region?: string;
  /** The bundle to ship (bundle.ts createAppBundle): its manifest, the local store of its contents, its files; its sha256 (the manifest's) is the release id. */
  bundle: { path: string; sha256: string; storeDir: string; files: string[] };
  /** App settings: compose file, web service, health check, releases kept, deploy mode, extra env. */
  app: AppSettings;
  /** Compose project name on the host, [a-z0-9-]: stackResourceName(project, stack). */
  appName: string;
  /** The database: the db-user step makes the app's login with its master user; the app's URL is DATABASE_URL. */
  database: DatabaseLogins;
  /** The CA bundle (PEM) the database's certificate must chain to: RDS's (database.ts rdsCaBundle). */
  dbCaBundle: string;
  /** Hostnames the app answers to (e.g. the public IP and DNS name); comma-joined into ALLOWED_HOSTS. */
  allowedHosts: pulumi.Input<pulumi.Input<string>[]>;
  /** Registry mode only: service → "<repository>@sha256:<digest>" (RegistryImages.imageRefs). */
  imageRefs?: pulumi.Input<Record<string, string>>;
  /** The host's ports; default DEFAULT_HOST_PORTS (80, 443; 8080 and 8402 on loopback). */
  ports?: Partial<HostPorts>;
  /** HTTPS on the host (a domain on ec2): the names, the ACME account and directory, HSTS; undefined: plain HTTP. */
  tls?: TlsSettings;
  /** Media on S3: the bucket's env (MEDIA_BUCKET, MEDIA_BUCKET_REGION); unset with a media volume. */
  mediaEnv?: pulumi.Input<Record<string, string>>;
  /** cache: redis: REDIS_URL's value (the managed cache); unset without one. */
  cacheUrl?: pulumi.Input<string>;
  /**
   * What lets SSH reach the host (the firewall and its rules). Every step depends on it, so
   * `pulumi destroy` removes it only after the teardown has taken the app down.
   */
  sshAccess: pulumi.Resource[];
  /** Resources the running app uses (the database): on destroy, `compose down` runs before they go. */
  teardownBefore?: pulumi.Resource[];
  /**
   * The site's DNS records when the stack creates them (SiteDns): the deploy, which asks for the
   * certificate (ACME HTTP-01), runs only once they exist.
   */
  siteRecords?: pulumi.Resource[];
}

/**
 * A compose `.env` file: sorted keys, one `KEY='value'` per line. Each entry must pass the .env rules
 * config applied to appEnv (components/config/envfile.ts: no quotes, backslashes, `${` or line breaks);
 * the error names the key, never the value, because values are secrets.
 */
export function renderEnvFile(entries: Record<string, string>): string {
  const lines = ["# Written by the deployment (ComposeDeployment) from stdin; do not edit on the host."];
  for (const key of Object.keys(entries).sort()) {
    const problem = envEntryProblem(key, entries[key]);
    if (problem) throw new Error(`.env: ${problem}`);
    lines.push(`${key}='${entries[key]}'`);
  }
  return `${lines.join("\n")}\n`;
}

/** Inputs of deploymentEnv: everything the host's .env is made of. */
export interface DeploymentEnvInput {
  /** Extra non-secret entries from config (appEnv); may not redefine the keys below. */
  appEnv: Record<string, string>;
  /** The app's own secrets (appSecrets); may not redefine appEnv's keys nor the keys below. */
  appSecrets?: Record<string, string>;
  databaseUrl: string;
  secretKey: string;
  releaseId: string;
  allowedHosts: string[];
  /** Registry mode: service → "<repository>@sha256:<digest>". */
  imageRefs?: Record<string, string>;
  /** Media on S3: the bucket's env (MEDIA_BUCKET, MEDIA_BUCKET_REGION). */
  mediaEnv?: Record<string, string>;
  /** cache: redis: REDIS_URL's value. */
  cacheUrl?: string;
  /** HTTPS on the host: the app learns its names and scheme (SITE_DOMAINS, HTTPS=on); undefined: plain HTTP. */
  tls?: Pick<TlsSettings, "domains">;
}

export { imageEnvName };

/** The .env entries of a release on ec2: the app's environment (components/config/appEnv.ts), both halves. */
export function deploymentEnv(input: DeploymentEnvInput): Record<string, string> {
  const facts = { hosting: "ec2", deployMode: input.imageRefs ? "registry" : "host",
    mediaOnS3: input.mediaEnv !== undefined, https: input.tls !== undefined,
    cache: input.cacheUrl !== undefined } as const;
  const { clear, secret } = appEnvironment({ facts, appEnv: input.appEnv, appSecrets: input.appSecrets }, { ...input,
    siteDomains: input.tls?.domains });
  return { ...clear, ...secret };
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

/** The RemoteSpec of a deployment: where the app lives on the host, its deploy settings from the app config. */
export function remoteSpecFor(appName: string, baseDir: string, app: AppSettings, ports: Partial<HostPorts> = {},
  tls?: TlsSettings): remote.RemoteSpec {
  const p: HostPorts = { ...DEFAULT_HOST_PORTS, ...ports };
  for (const [name, port] of Object.entries(p)) {
    if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) {
      throw new Error(`ComposeDeployment: port ${name} ${port} must be a whole number from 1 to 65535`);
    }
  }
  if (new Set(Object.values(p)).size !== 4) {
    throw new Error(`ComposeDeployment: the host's ports must differ (${JSON.stringify(p)})`);
  }
  const { composeFile, webService, proxyService, workerServices, webPort, envFile, healthSource, healthPath,
    healthTimeoutSeconds, healthBusySeconds, keepReleases, deployMode } = app;
  return {
    appName,
    baseDir,
    composeFile,
    webService,
    proxyService,
    workerServices,
    webPort,
    envFile,
    healthSource,
    healthPath,
    healthTimeoutSeconds,
    healthBusySeconds,
    keepReleases,
    deployMode,
    httpPort: p.http,
    httpsPort: p.https,
    proxyPort: p.proxy,
    acmePort: p.acme,
    ...(tls ? { tls } : {}),
  };
}

/** Refuses a bundle or image refs that do not fit the app settings (values config never sees; remote.ts checks the sha256). */
export function checkRelease(args: Pick<ComposeDeploymentArgs, "bundle" | "app" | "imageRefs">): void {
  if (!args.bundle.files.includes(args.app.composeFile)) {
    throw new Error(
      `ComposeDeployment: the bundle has no ${args.app.composeFile}; is it matched by .dockerignore/.deployignore? `
        + `(createAppBundle always packs the compose file)`,
    );
  }
  if (args.app.deployMode === "registry" && args.imageRefs === undefined) {
    throw new Error("ComposeDeployment: deployMode registry needs imageRefs (RegistryImages.imageRefs)");
  }
  if (args.app.deployMode === "host" && args.imageRefs !== undefined) {
    throw new Error("ComposeDeployment: deployMode host builds on the instance; do not pass imageRefs");
  }
}

/** The route of the deployment's steps; refuses ssm without a region. */
export function routeOf(args: Pick<ComposeDeploymentArgs, "connection" | "transport" | "region">): transport.Route {
  const kind = args.transport ?? "ssh";
  if (kind === "ssm" && !args.region) {
    throw new Error("ComposeDeployment: transport ssm needs region (where the Session Manager sessions go)");
  }
  return { connection: args.connection, transport: kind, region: args.region ?? "" };
}

export class ComposeDeployment extends pulumi.ComponentResource {
  /** The release now deployed: the release id (the sha256 of the bundle's manifest), once its deploy succeeded. */
  public readonly releaseId: pulumi.Output<string>;
  /** Output of the last deploy run (secret: it may echo configuration). */
  public readonly deployOutput: pulumi.Output<string>;
  /** The .env written on the host (secret). */
  public readonly envFile: pulumi.Output<string>;

  constructor(name: string, args: ComposeDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compose-on-ec2:deployment:ComposeDeployment", name, {}, opts);
    checkRelease(args);
    const spec = remoteSpecFor(args.appName, args.connection.baseDir, args.app, args.ports, args.tls);
    const deployLine = remote.deployCommand(spec, args.bundle.sha256); // refuses a bad sha256 before anything is created
    const route = routeOf(args);

    const waitReady = this.waitReady(name, args, route, spec);
    const upload = this.upload(name, args, route, spec, waitReady);
    const teardown = this.teardown(name, args, route, spec);
    const dbUser = this.dbUser(name, args, route, spec, waitReady);
    this.envFile = this.renderEnv(name, args);
    const deploy = this.deploy(name, args, route, deployLine, [upload, dbUser, teardown, ...(args.siteRecords ?? [])]);

    // Known only once the deploy succeeded: after a failed one the stack keeps the output it had,
    // which names the release still serving (the host script switches back or records what serves).
    // The engine keeps a stack output that this run did not update (pulumi/pulumi#15754).
    this.releaseId = deploy.stdout.apply(() => args.bundle.sha256);
    this.deployOutput = pulumi.secret(deploy.stdout);
    this.registerOutputs({ releaseId: this.releaseId, deployOutput: this.deployOutput, envFile: this.envFile });
  }

  /** 1. Re-runs (replacement) only when the instance changes; it creates the upload dir. */
  private waitReady(name: string, args: ComposeDeploymentArgs, route: transport.Route,
    spec: remote.RemoteSpec): pulumi.Resource {
    return transport.hostCommand(
      `${name}-wait-ready`,
      route,
      // No stdin and no .env yet: its progress is safe to show while the instance boots.
      { create: remote.waitReadyCommand(spec), triggers: [args.connection.instanceId], logging: "stdoutAndStderr",
        firstContact: true },
      { parent: this, dependsOn: args.sshAccess },
    ).resource;
  }

  /**
   * 2. The release's manifest and the contents the host lacks, once per release (and again to a new
   * instance): its triggers are the release id and the instance. Old manifests and contents no kept
   * release names are pruned on the host (host/release/records.sh).
   */
  private upload(name: string, args: ComposeDeploymentArgs, route: transport.Route, spec: remote.RemoteSpec,
    waitReady: pulumi.Resource): pulumi.Resource {
    const release = { sha256: args.bundle.sha256, manifest: args.bundle.path, store: args.bundle.storeDir };
    return transport.hostUpload(`${name}-upload`, route, spec, release, [args.bundle.sha256,
      args.connection.instanceId], { parent: this, dependsOn: [waitReady] });
  }

  /**
   * 3. The app's own database login (host/bootstrap/db-user.sh), before the deploy whose .env names
   * it. The passwords and the CA bundle travel on stdin; its triggers hold their hash, never them.
   */
  private dbUser(name: string, args: ComposeDeploymentArgs, route: transport.Route, spec: remote.RemoteSpec,
    waitReady: pulumi.Resource): pulumi.Resource {
    const db = args.database;
    const stdin = pulumi.secret(
      pulumi.all([db.password, db.appPassword]).apply(([master, app]) =>
        remote.dbUserStdin(master, app, args.dbCaBundle)
      ),
    );
    const create = pulumi.all([db.address, db.port]).apply(([address, port]) =>
      remote.dbUserCommand(spec, { engine: db.engine, address, port, dbName: db.dbName, masterUser: db.username,
        appUser: APP_DB_USER })
    );
    return transport.hostCommand(
      `${name}-db-user`,
      route,
      // The client's output may quote a failing statement: keep it out of logs.
      { create, stdin, triggers: [stdin.apply(sha256Hex), args.connection.instanceId], logging: "none" },
      { parent: this, dependsOn: [waitReady] },
    ).resource;
  }

  /**
   * 5 (created before 4 so the deploy can depend on it). `compose down` lives on its own resource:
   * the deploy command is REPLACED on every release (the SDK marks `triggers` replaceOnChanges), and
   * a replacement deletes the old resource after creating the new one, so a delete on the deploy
   * command would stop the release it had just started. This resource has a no-op create and no
   * triggers, so its delete runs only when the stack is destroyed (or the deployment removed).
   * (A no-op rather than no create: a Command without create showed a diff on every `up` in some
   * provider versions, pulumi/pulumi-command#920; a second `up` must show no changes.)
   * It is a local.Command that ssh-es to the host (scripts/runner/teardown.sh) rather than a
   * remote.Command, because a remote.Command fails when it cannot dial: a host that is already gone
   * would block `pulumi destroy`. It depends on the SSH access and on what the app uses, so the engine
   * deletes it (takes the app down) before those; its inputs name the host and instance, so also
   * before them. The keys and the command travel in the environment, not on a command line. It is
   * the same resource on both transports: a switch only updates its environment (create is a no-op).
   */
  private teardown(name: string, args: ComposeDeploymentArgs, route: transport.Route,
    spec: remote.RemoteSpec): command.local.Command {
    return new command.local.Command(
      `${name}-teardown`,
      {
        create: "true",
        delete: remote.teardownFromRunnerScript(),
        interpreter: ["/bin/bash", "-c"],
        environment: transport.teardownEnvironment(route, spec),
        // compose reads the release's .env; the host keeps its output, but keep this out of logs too.
        logging: "none",
        addPreviousOutputInEnv: false,
      },
      {
        parent: this,
        dependsOn: [...args.sshAccess, ...(args.teardownBefore ?? [])],
        additionalSecretOutputs: ["stdout", "stderr"],
      },
    );
  }

  /** The release's .env (secret): database URL, the Django key (kept or generated), release id, hosts, images, the app's own secrets. */
  private renderEnv(name: string, args: ComposeDeploymentArgs): pulumi.Output<string> {
    const secretKey = args.app.secretKey !== undefined
      ? pulumi.secret(args.app.secretKey)
      : new random.RandomPassword(
        `${name}-secret-key`,
        // Letters and digits only: ~380 bits, and nothing the .env quoting has to refuse.
        { length: 64, special: false },
        { parent: this },
      ).result;
    return pulumi.secret(
      pulumi
        .all([args.database.appUrl, secretKey, args.allowedHosts, args.imageRefs, args.mediaEnv, args.cacheUrl,
          pulumi.secret(args.app.secrets)])
        .apply(([databaseUrl, key, hosts, refs, mediaEnv, cacheUrl, appSecrets]) =>
          renderEnvFile(
            deploymentEnv({ appEnv: args.app.env, appSecrets, databaseUrl, secretKey: key,
              releaseId: args.bundle.sha256, allowedHosts: hosts, imageRefs: refs, mediaEnv, cacheUrl, tls: args.tls }),
          )
        ),
    );
  }

  /**
   * 4. Runs exactly when the release, the .env or the images change (or the instance is new).
   * Triggers hold hashes, never the .env itself.
   */
  private deploy(name: string, args: ComposeDeploymentArgs, route: transport.Route, deployLine: string,
    after: pulumi.Resource[]): transport.Step {
    const sha = args.bundle.sha256;
    const imageTrigger = pulumi.output(args.imageRefs).apply(imageRefsTrigger);
    return transport.hostCommand(
      `${name}-deploy`,
      route,
      {
        create: deployLine,
        stdin: this.envFile,
        triggers: [sha, this.envFile.apply(sha256Hex), imageTrigger, args.connection.instanceId],
        // The .env arrives on stdin and compose may echo configuration: keep all output out of logs
        // (a failure returns only the host script's short reason and its log path).
        logging: "none",
      },
      { parent: this, dependsOn: after },
    );
  }
}
