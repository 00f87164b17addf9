// The state the scenarios share, passed to each explicitly: settings, the host layout, the secrets,
// the command runner, the checks, the secret watch, the measurements and the release that serves.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { HostPorts, remoteSpecFor } from "../../../components/deployment";
import * as remote from "../../../components/remote";
import { testAppSettings } from "../../support/fixtures";
import { Checks } from "./checks";
import { Commands } from "./commands";
import { HostTestEnv } from "./env";
import { HostLayout, hostBaseDir, hostLayout } from "./layout";
import { DEFAULT_LOOP, LoopOptions } from "./load";
import { emptyResults, Results } from "./report";
import { ProcessListWatch } from "./watch";

/** A bundle built from an app directory, identified by its sha256. */
export interface Release {
  label: string;
  sha256: string;
  /** The release's manifest on this machine (components/bundle.ts). */
  localPath: string;
  /** The local store of its contents (store/<sha256>), what the upload sends from. */
  storeDir?: string;
  /** The directory an image of this release is built from: the bundle's app files (components/bundle.ts buildContext). */
  buildContext?: () => string;
}

export interface Secrets {
  DB_PASSWORD: string;
  /** The app's own database login's password (the stack generates it: components/database.ts). */
  APP_DB_PASSWORD: string;
  SECRET_KEY: string;
  [name: string]: string;
}

/** The appSecrets entries every deploy of the host tests carries (values are random per run). */
export const APP_SECRET_NAMES = ["EMAIL_HOST_PASSWORD", "STRIPE_SECRET_KEY"] as const;

/** The appSecrets of this run: name → value. */
export function appSecretsOf(secrets: Secrets): Record<string, string> {
  return Object.fromEntries(APP_SECRET_NAMES.map((name) => [name, secrets[name]]));
}

export interface Context {
  env: HostTestEnv;
  /** What the deployment would pass to the host scripts. */
  spec: remote.RemoteSpec;
  layout: HostLayout;
  secrets: Secrets;
  commands: Commands;
  checks: Checks;
  watch: ProcessListWatch;
  loop: LoopOptions;
  results: Results;
  /** Where bundles and app copies are written. */
  bundlesDir: string;
  appsDir: string;
  /** The release that should be serving now; the scenarios that change it set it. */
  serving?: Release;
}

export function createContext(env: HostTestEnv): Context {
  // The example app as the deployment runs it, with a shorter health timeout than a stack's default:
  // a container that is not healthy within a minute here has failed.
  const spec = remoteSpecFor(env.project, hostBaseDir(env.sshUser), testAppSettings({ healthTimeoutSeconds: 60 }),
    hostPorts(env));
  const secrets: Secrets = {
    DB_PASSWORD: fs.readFileSync(env.dbPasswordFile, "utf8").trim(),
    APP_DB_PASSWORD: crypto.randomBytes(24).toString("base64url"),
    SECRET_KEY: crypto.randomBytes(24).toString("hex"),
    // The app's own secrets (appSecrets), in every release's .env as a stack with them would write it.
    ...Object.fromEntries(
      APP_SECRET_NAMES.map((name) => [name, `${name.toLowerCase()}-${crypto.randomBytes(16).toString("hex")}`]),
    ),
  };
  const bundlesDir = path.join(env.workDir, "bundles");
  fs.rmSync(bundlesDir, { recursive: true, force: true });
  return {
    env,
    spec,
    layout: hostLayout(spec),
    secrets,
    commands: new Commands(env.workDir, { port: env.sshPort, user: env.sshUser, key: env.sshKey,
      knownHosts: env.knownHosts }),
    checks: new Checks(),
    watch: new ProcessListWatch(secrets),
    loop: { ...DEFAULT_LOOP, pauseMs: env.loopPauseMs },
    results: emptyResults(),
    bundlesDir,
    appsDir: path.join(env.workDir, "apps"),
  };
}

/** The host's ports of this run: the edge's and the loopback ones behind it. */
export function hostPorts(env: HostTestEnv, offset = 0): HostPorts {
  return { http: env.httpPort + offset, https: env.httpsPort + offset, proxy: env.proxyPort + offset,
    acme: env.acmePort + offset };
}

/** The release that should be serving; a scenario that needs one stops here when none does. */
export function servingRelease(ctx: Context): Release {
  if (!ctx.serving) throw new Error("no release is serving");
  return ctx.serving;
}

/** http://127.0.0.1:<port><path>: the app through nginx, as users reach it. */
export function appUrl(ctx: Context, urlPath: string): string {
  return `http://127.0.0.1:${ctx.env.httpPort}${urlPath}`;
}
