// The app's environment, for both hostings: the one table of the variables the deployment writes
// beside appEnv and appSecrets, and the one function that returns a release's entries, split into
// the clear ones and the secret ones.
//   ec2: both halves go to the release's .env (components/deployment.ts, on stdin, mode 0600).
//   ecs: the clear half is the web task's `environment`; each secret entry is an SSM SecureString
//        parameter the task reads through `secrets` (components/ecs.ts), never `environment`.
// Decided for ecs: the same variables as ec2 but the image names (ECS runs the pushed image itself;
// no compose file reads `${WEB_IMAGE}` there). SITE_DOMAINS and HTTPS follow the site's HTTPS on both
// hostings: the host's edge on ec2, the load balancer's certificate on ecs.
// Config (reserved names), the `appEnvironment` stack output, `npm run env:import` and the table in
// docs/reference/app-contract.md (written by `npm run gen:config`) all read this table.
import type { DeployMode, EcsSecretName, Hosting } from "./types";

/** What decides which of the deployment's variables a stack's app gets. */
export interface EnvFacts {
  hosting: Hosting;
  deployMode: DeployMode;
  /** Media on S3 (mediaStorage s3). */
  mediaOnS3: boolean;
  /** The site is served over HTTPS (ec2: a domain; ecs: a domain and a hosted zone). */
  https: boolean;
  /** A managed cache (cache: redis). */
  cache: boolean;
}

/** The values of the deployment's clear variables. */
export interface ClearValues {
  /** The bundle's sha256. */
  releaseId: string;
  /** Hostnames the app answers to; comma-joined into ALLOWED_HOSTS. */
  allowedHosts: string[];
  /** Media on S3: MEDIA_BUCKET and MEDIA_BUCKET_REGION (MediaBucket.appEnv). */
  mediaEnv?: Record<string, string>;
  /** HTTPS: the names the site is served at (SITE_DOMAINS, HTTPS=on); undefined: plain HTTP. */
  siteDomains?: string[];
  /** ec2 in registry mode: service → "<repository>@sha256:<digest>". */
  imageRefs?: Record<string, string>;
  /** cache: redis: the managed cache's URL (rediss://<primary endpoint>:6379/0). */
  cacheUrl?: string;
}

/** The values of the deployment's secret variables. */
export interface SecretValues {
  databaseUrl: string;
  /** The Django key: the secretKey setting, or the generated one. */
  secretKey: string;
}

interface Variable {
  name: string;
  /** Which stacks get it. */
  when: (f: EnvFacts) => boolean;
  /** The same, in words (for the docs and for refusals). */
  whenText: string;
  /** Where its value comes from. */
  source: string;
}

/** A variable in the clear: in the .env on ec2, in the task's `environment` on ecs. */
export interface ClearVariable extends Variable {
  parameter?: undefined;
  /** Its entries: one, or one per service for the image names. */
  entries: (v: ClearValues) => Record<string, string>;
}

/** A secret variable: a secret in state; on ecs an SSM parameter (this one) the task reads through `secrets`. */
export interface SecretVariable extends Variable {
  parameter: EcsSecretName;
  value: (v: SecretValues) => string;
}

export type DeploymentVariable = ClearVariable | SecretVariable;

const ALWAYS = { when: () => true, whenText: "always" };
const ON_S3 = { when: (f: EnvFacts) => f.mediaOnS3, whenText: "media on S3 (mediaStorage s3)" };
const ON_HTTPS = { when: (f: EnvFacts) => f.https,
  whenText: "the site served over HTTPS (ec2: a domain; ecs: a domain and a hosted zone)" };
const ON_CACHE = { when: (f: EnvFacts) => f.cache, whenText: "a managed cache (cache: redis)" };
const IMAGES = { when: (f: EnvFacts) => f.hosting === "ec2" && f.deployMode === "registry",
  whenText: "ec2 in registry mode" };
const KEY_SOURCE =
  "the Django key: the stack's secretKey setting, else generated once and kept in state (64 letters and digits on ec2, 50 on ecs)";
const one = (name: string, value: (v: ClearValues) => string | undefined) => (v: ClearValues) => {
  const x = value(v);
  return x === undefined ? {} : { [name]: x };
};
const perImage = (suffix: string, value: (ref: string) => string) => (v: ClearValues) =>
  Object.fromEntries(
    Object.entries(v.imageRefs ?? {}).map(([service, ref]) => [`${imageEnvName(service)}${suffix}`, value(ref)]),
  );

/** The variables the deployment writes, in the order the docs list them. */
export const DEPLOYMENT_VARIABLES: readonly DeploymentVariable[] = [
  // On ecs under its own parameter name, not the master URL's old one: a rollback to a task definition
  // without db-login keeps reading the URL it was made for.
  { name: "DATABASE_URL", parameter: "db/app-url", ...ALWAYS,
    source:
      "the stack's RDS database: the app's own login (compose_app, its password generated and kept in state), certificate verified against the CA bundle at /db-ca",
    value: (v) => v.databaseUrl },
  // SECRET_KEY for apps that follow the common name; DJANGO_SECRET_KEY is what the example app reads.
  { name: "SECRET_KEY", parameter: "SECRET_KEY", ...ALWAYS, source: KEY_SOURCE, value: (v) => v.secretKey },
  { name: "DJANGO_SECRET_KEY", parameter: "SECRET_KEY", ...ALWAYS, source: KEY_SOURCE, value: (v) => v.secretKey },
  { name: "RELEASE_ID", ...ALWAYS,
    source: "the release being deployed (the release id: the sha256 of the bundle's manifest)",
    entries: one("RELEASE_ID", (v) => v.releaseId) },
  { name: "ALLOWED_HOSTS", ...ALWAYS,
    source:
      "the domain setting and the host's address and DNS name (ec2) or the load balancer's DNS name (ecs), comma-joined",
    entries: one("ALLOWED_HOSTS", (v) => v.allowedHosts.join(",")) },
  { name: "MEDIA_BUCKET", ...ON_S3, source: "the stack's media bucket",
    entries: one("MEDIA_BUCKET", (v) => v.mediaEnv?.MEDIA_BUCKET) },
  { name: "MEDIA_BUCKET_REGION", ...ON_S3, source: "the media bucket's region",
    entries: one("MEDIA_BUCKET_REGION", (v) => v.mediaEnv?.MEDIA_BUCKET_REGION) },
  { name: "REDIS_URL", ...ON_CACHE, source: "the stack's ElastiCache primary endpoint, over TLS (`rediss://…:6379/0`)",
    entries: one("REDIS_URL", (v) => v.cacheUrl) },
  { name: "SITE_DOMAINS", ...ON_HTTPS, source: "the domain setting, comma-joined (for CSRF's trusted origins)",
    entries: one("SITE_DOMAINS", (v) => v.siteDomains?.join(",")) },
  { name: "HTTPS", ...ON_HTTPS, source: "`on`: browsers reach the site over https (for secure cookies)",
    entries: one("HTTPS", (v) => (v.siteDomains ? "on" : undefined)) },
  // The compose file tags `${WEB_IMAGE}:${RELEASE_ID}` (one tag per release); the digest ref is recorded next to it.
  { name: "<SERVICE>_IMAGE", ...IMAGES,
    source: "each pushed image's repository (the compose file tags it `:${RELEASE_ID}`)",
    entries: perImage("", repositoryOf) },
  { name: "<SERVICE>_IMAGE_REF", ...IMAGES,
    source: "each pushed image as `<repository>@sha256:<digest>`, which the host verifies after pulling",
    entries: perImage("_REF", (ref) => ref) },
];

/** Env name of a service's image in registry mode, as the compose file reads it: "web" → WEB_IMAGE. */
export function imageEnvName(service: string): string {
  return `${service.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_IMAGE`;
}

/** Variables the deploy script exports to compose; the environment wins over .env, so a .env entry would be ignored. */
export const DEPLOY_SCRIPT_ENV_NAMES = ["HTTP_PORT"] as const;

/** The repository part of a digest ref: "repo@sha256:…" (or "repo:tag@sha256:…") → "repo". */
export function repositoryOf(ref: string): string {
  const at = ref.indexOf("@");
  if (at <= 0 || !/^sha256:[0-9a-f]{64}$/.test(ref.slice(at + 1))) {
    throw new Error(`image ref "${ref}" is not of the form <repository>@sha256:<digest>`);
  }
  const named = ref.slice(0, at);
  // A tag, if present, follows the last "/" (a registry port comes before it).
  const colon = named.indexOf(":", named.lastIndexOf("/") + 1);
  return colon === -1 ? named : named.slice(0, colon);
}

/** The variable a deployment-owned name belongs to, for one web service (the images' names are per service). */
export function deploymentVariable(name: string, webService: string): DeploymentVariable | undefined {
  const image = imageEnvName(webService);
  return DEPLOYMENT_VARIABLES.find((v) =>
    v.name === name || (v.name === "<SERVICE>_IMAGE" && name === image)
    || (v.name === "<SERVICE>_IMAGE_REF" && name === `${image}_REF`)
  );
}

/** The stack's own secrets on ecs: deployment-owned name → its SSM parameter (both key names read one). */
export const ECS_STACK_SECRETS: Readonly<Record<string, EcsSecretName>> = Object.fromEntries(
  DEPLOYMENT_VARIABLES.flatMap((v) => (v.parameter ? [[v.name, v.parameter]] : [])),
);

/** What a release's environment is made of: the stack's facts and the app's own entries. */
export interface AppEntries {
  facts: EnvFacts;
  /** appEnv: the app's clear entries. */
  appEnv: Record<string, string>;
  /** appSecrets: the app's secret entries. */
  appSecrets?: Record<string, string>;
}

/**
 * Refuses app entries that set what the deployment writes, or one name in both appEnv and
 * appSecrets (config refuses both first; this is the last word), naming keys, never values.
 */
export function checkAppEntries(input: AppEntries, services: string[]): void {
  const own = deploymentNames(input.facts, services);
  for (const [setting, entries] of [["appEnv", input.appEnv], ["appSecrets", input.appSecrets ?? {}]] as const) {
    const clashes = Object.keys(entries).filter((k) => own.includes(k));
    if (clashes.length > 0) {
      throw new Error(`${setting} may not set ${clashes.join(", ")}: the deployment writes these itself`);
    }
  }
  const both = Object.keys(input.appSecrets ?? {}).filter((k) => k in input.appEnv);
  if (both.length > 0) {
    throw new Error(`appEnv and appSecrets both set ${both.join(", ")}: keep each name in one of them`);
  }
}

/** The names the deployment writes for a stack (the image names for these services). */
export function deploymentNames(facts: EnvFacts, services: string[]): string[] {
  return DEPLOYMENT_VARIABLES.filter((v) => v.when(facts)).flatMap((v) =>
    v.name.startsWith("<SERVICE>") ? services.map((s) => v.name.replace("<SERVICE>_IMAGE", imageEnvName(s))) : [v.name]
  );
}

/** The clear half of a release's environment: appEnv and the deployment's clear variables. */
export function clearEnvironment(input: AppEntries, values: ClearValues): Record<string, string> {
  const own = DEPLOYMENT_VARIABLES.filter((v) => v.when(input.facts)).map((
    v,
  ) => (v.parameter ? {} : v.entries(values)));
  return Object.assign({ ...input.appEnv }, ...own);
}

/** The secret half of a release's environment: appSecrets and the deployment's secret variables. */
export function secretEnvironment(input: AppEntries, values: SecretValues): Record<string, string> {
  const own = DEPLOYMENT_VARIABLES.filter((v) => v.when(input.facts)).map((
    v,
  ) => (v.parameter ? { [v.name]: v.value(values) } : {}));
  return Object.assign({ ...input.appSecrets }, ...own);
}

/** A release's whole environment, checked, in its two halves (ec2 writes both to the .env). */
export function appEnvironment(input: AppEntries,
  values: ClearValues & SecretValues): { clear: Record<string, string>; secret: Record<string, string> } {
  checkAppEntries(input, Object.keys(values.imageRefs ?? {}));
  return { clear: clearEnvironment(input, values), secret: secretEnvironment(input, values) };
}

/** Where a variable the app receives comes from. */
export type EnvSource = "deployment" | "appEnv" | "appSecrets";

/**
 * Every variable the app will receive and where it comes from, sorted by name; never a value. The
 * image names are the web service's (the one every stack has).
 */
export function appEnvironmentNames(
  input: EnvFacts & { webService: string; appEnv: Record<string, string>; appSecrets: Record<string, string> },
): Record<string, EnvSource> {
  const out: Record<string, EnvSource> = {};
  for (const name of Object.keys(input.appEnv)) out[name] = "appEnv";
  for (const name of Object.keys(input.appSecrets)) out[name] = "appSecrets";
  for (const name of deploymentNames(input, [input.webService])) out[name] = "deployment";
  return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]));
}

/** Why appEnv or appSecrets may not set this name, or undefined. */
export function reservedEnvReason(name: string, app: { webService: string; deployMode: DeployMode }): string
  | undefined {
  const v = deploymentVariable(name, app.webService);
  if (v?.whenText === ALWAYS.whenText) return `is written by the deployment itself, from ${v.source}`;
  if (v && v.name.startsWith("<SERVICE>")) {
    return app.deployMode === "registry"
      ? "names the pushed image, which the deployment writes in registry mode"
      : undefined;
  }
  if (v) return `is written by the deployment with ${v.whenText}: ${v.source}`;
  if ((DEPLOY_SCRIPT_ENV_NAMES as readonly string[]).includes(name)) {
    return "is set by the deploy script (the proxy's loopback port), which overrides .env";
  }
  if (/^COMPOSE_/.test(name)) {
    return "steers compose itself (project name, files, profiles), which the deploy script decides";
  }
  return undefined;
}

/** The table of docs/reference/app-contract.md: every variable the app receives, which stacks, where from. */
export function environmentTable(): string {
  const rows = DEPLOYMENT_VARIABLES.map((v) =>
    `| \`${v.name}\` | ${v.parameter ? "secret" : "clear"} | ${v.whenText} | ${v.source} |`
  );
  return [
    "| variable | kind | written with | value |",
    "|---|---|---|---|",
    ...rows,
    "| `appEnv` entries | clear | always | the appEnv setting; may not reuse the names above |",
    "| `appSecrets` entries | secret | always | the appSecrets setting (secret in the stack file and in state); may not reuse the names above nor appEnv's |",
  ].join("\n");
}
