// The rules of the app's .env file, judged once in config and again by the renderer on the way to the
// host: the same functions, so a value config accepts is never refused ~12 minutes into a first `up`.

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
  if (value.includes("'") || value.includes("\\")) {
    return `value of ${key} contains ' or \\, which compose v1 and v2 read differently`;
  }
  if (value.includes("${")) return `value of ${key} contains "\${", which compose v1 would interpolate`;
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
  "PASSWORD",
  "PASSWD",
  "PASS",
  "SECRET",
  "SECRETS",
  "TOKEN",
  "TOKENS",
  "KEY",
  "KEYS",
  "APIKEY",
  "PRIVATE",
  "CREDENTIAL",
  "CREDENTIALS",
  "CRED",
  "CREDS",
  "DSN",
  "SALT",
  "WEBHOOK",
] as const;

/** True when a variable name looks like it holds a secret (see SECRET_NAME_WORDS). */
export function looksSecret(name: string): boolean {
  const words = name.toUpperCase().split(/_+/);
  return words.some((w) => (SECRET_NAME_WORDS as readonly string[]).includes(w));
}
