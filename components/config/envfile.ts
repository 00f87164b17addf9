// The rules of the app's .env file, judged once in config and again by the renderer on the way to the
// host: the same functions, so a value config accepts is never refused ~12 minutes into a first `up`.
import type { DeployMode } from "./types";

/** A variable name compose and shells both accept. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Why an entry cannot be written as `KEY='value'`, or undefined. Single quotes are read literally by
 * compose v2 (compose-go) and by compose v1 (python-dotenv) as long as the value holds no `'`, no `\`
 * (v1 unescapes `\\` and `\'`, v2 does not) and no `${` (v1 interpolates it even inside single quotes);
 * those and line breaks are refused. The reason names the key, never the value (values may be secrets).
 */
export function envEntryProblem(key: string, value: unknown): string | undefined {
  if (!ENV_NAME.test(key)) return `"${key}" is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*)`;
  if (typeof value !== "string") return `value of ${key} must be a string`;
  if (/[\r\n\0]/.test(value)) return `value of ${key} contains a line break or NUL`;
  if (value.includes("'") || value.includes("\\")) return `value of ${key} contains ' or \\, which compose v1 and v2 read differently`;
  if (value.includes("${")) return `value of ${key} contains "\${", which compose v1 would interpolate`;
  return undefined;
}

/** Variables every release's .env gets from the deployment itself. */
export const DEPLOYMENT_ENV_NAMES = ["DATABASE_URL", "SECRET_KEY", "DJANGO_SECRET_KEY", "RELEASE_ID", "ALLOWED_HOSTS"] as const;

/** Variables the deploy script exports to compose; the environment wins over .env, so a .env entry would be ignored. */
export const DEPLOY_SCRIPT_ENV_NAMES = ["HTTP_PORT"] as const;

/** Env name of a service's image in registry mode, as the compose file reads it: "web" → WEB_IMAGE. */
export function imageEnvName(service: string): string {
  return `${service.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_IMAGE`;
}

/**
 * Variables the deployment writes only in some stacks (media on S3, HTTPS on the host); an app setting
 * of the same name would be overwritten there, so appEnv and appSecrets never set them.
 */
export const DEPLOYMENT_CONDITIONAL_ENV_NAMES: Record<string, string> = {
  MEDIA_BUCKET: "is written by the deployment when media lives on S3 (mediaStorage s3)",
  MEDIA_BUCKET_REGION: "is written by the deployment when media lives on S3 (mediaStorage s3)",
  SITE_DOMAINS: "is written by the deployment from the domain setting when the host serves HTTPS",
  HTTPS: "is written by the deployment (on) when the host serves HTTPS",
  REDIS_URL: "is written by the deployment when the stack has a managed cache (cache: redis)",
};

/** Why a deployment-owned name is the deployment's, in the words a user moving in needs (where its value comes from). */
export const DEPLOYMENT_ENV_SOURCES: Record<(typeof DEPLOYMENT_ENV_NAMES)[number], string> = {
  DATABASE_URL: "comes from the stack's RDS database (its password is generated and kept in state)",
  SECRET_KEY: "is the Django key the deployment writes: generated, or the stack's secretKey setting",
  DJANGO_SECRET_KEY: "is the Django key the deployment writes: generated, or the stack's secretKey setting",
  RELEASE_ID: "is the release being deployed (the bundle's sha256)",
  ALLOWED_HOSTS: "is written from the domain setting and the host's (or load balancer's) address",
};

/** Why appEnv or appSecrets may not set this name, or undefined. */
export function reservedEnvReason(name: string, app: { webService: string; deployMode: DeployMode }): string | undefined {
  if ((DEPLOYMENT_ENV_NAMES as readonly string[]).includes(name)) return "is written by the deployment itself";
  if (Object.hasOwn(DEPLOYMENT_CONDITIONAL_ENV_NAMES, name)) return DEPLOYMENT_CONDITIONAL_ENV_NAMES[name];
  if ((DEPLOY_SCRIPT_ENV_NAMES as readonly string[]).includes(name)) return "is set by the deploy script, which overrides .env";
  if (app.deployMode === "registry" && [imageEnvName(app.webService), `${imageEnvName(app.webService)}_REF`].includes(name)) {
    return "names the pushed image, which the deployment writes in registry mode";
  }
  if (/^COMPOSE_/.test(name)) return "steers compose itself (project name, files, profiles), which the deploy script decides";
  return undefined;
}

const FALSE_WORDS = ["", "0", "false", "no", "off", "n", "f", "none"];
const FRAMEWORK_ENV_NAMES = ["FLASK_ENV", "RAILS_ENV", "RACK_ENV", "NODE_ENV", "APP_ENV"];

/** True when an entry turns on a framework's debug mode (DEBUG=1, DJANGO_DEBUG=true, FLASK_ENV=development, …). */
export function turnsOnDebug(name: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (/(^|_)DEBUG$/i.test(name)) return !FALSE_WORDS.includes(v);
  return FRAMEWORK_ENV_NAMES.includes(name.toUpperCase()) && ["development", "dev", "local"].includes(v);
}

/**
 * Words that make a variable name look like it holds a secret: PASSWORD, SECRET, TOKEN, KEY, … as a
 * whole part of the name (parts split at `_`), so DB_PASSWORD, STRIPE_SECRET_KEY, SENTRY_DSN and
 * AWS_ACCESS_KEY_ID look secret and KEYBOARD_LAYOUT, MONKEY or SECRETARY_EMAIL do not.
 */
export const SECRET_NAME_WORDS = [
  "PASSWORD", "PASSWD", "PASS", "SECRET", "SECRETS", "TOKEN", "TOKENS", "KEY", "KEYS", "APIKEY", "PRIVATE",
  "CREDENTIAL", "CREDENTIALS", "CRED", "CREDS", "DSN", "SALT", "WEBHOOK",
] as const;

/** True when a variable name looks like it holds a secret (see SECRET_NAME_WORDS). */
export function looksSecret(name: string): boolean {
  const words = name.toUpperCase().split(/_+/);
  return words.some((w) => (SECRET_NAME_WORDS as readonly string[]).includes(w));
}

/** Where a variable the app receives comes from. */
export type EnvSource = "deployment" | "appEnv" | "appSecrets";

/**
 * Every variable the app will receive and where it comes from, sorted by name; never a value. The
 * deployment's own names depend on the stack: the image names in registry mode on ec2, the bucket
 * with media on S3, the site's names with HTTPS on the host (the same facts deploymentEnv and the ecs
 * task definition write from).
 */
export function appEnvironment(input: {
  hosting: "ec2" | "ecs";
  deployMode: DeployMode;
  webService: string;
  mediaOnS3: boolean;
  /** cache: redis — the managed cache's REDIS_URL. */
  cache?: boolean;
  httpsOnHost: boolean;
  appEnv: Record<string, string>;
  appSecrets: Record<string, string>;
}): Record<string, EnvSource> {
  const out: Record<string, EnvSource> = {};
  for (const name of Object.keys(input.appEnv)) out[name] = "appEnv";
  for (const name of Object.keys(input.appSecrets)) out[name] = "appSecrets";
  const own: string[] = [...DEPLOYMENT_ENV_NAMES];
  if (input.mediaOnS3) own.push("MEDIA_BUCKET", "MEDIA_BUCKET_REGION");
  if (input.cache) own.push("REDIS_URL");
  if (input.hosting === "ec2" && input.httpsOnHost) own.push("SITE_DOMAINS", "HTTPS");
  if (input.hosting === "ec2" && input.deployMode === "registry") own.push(imageEnvName(input.webService), `${imageEnvName(input.webService)}_REF`);
  for (const name of own) out[name] = "deployment";
  return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]));
}
