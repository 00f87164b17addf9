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

/** Why appEnv may not set this name, or undefined. */
export function reservedEnvReason(name: string, app: { webService: string; deployMode: DeployMode }): string | undefined {
  if ((DEPLOYMENT_ENV_NAMES as readonly string[]).includes(name)) return "is written by the deployment itself";
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
