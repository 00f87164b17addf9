// Section parser, the app's variables: appEnv (clear), appSecrets (secret) and secretKey (the Django
// key to keep). Each entry must fit the .env file, must not be a name the deployment sets, and must not
// turn on debug mode in prod. Problems about a secret name the entry, never its value.
import { reservedEnvReason } from "./appEnv";
import { envEntryProblem, turnsOnDebug } from "./envfile";
import type { Reader } from "./reader";
import type { DeployMode } from "./types";

/** A valid variable name close to `name`, for the fix of a bad one. */
function variableName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, "_").replace(/^(\d)/, "_$1");
}

export function appEnv(r: Reader, app: { webService: string; deployMode: DeployMode }): Record<string, string> {
  const env = r.map("appEnv");
  for (const [name, value] of Object.entries(env)) {
    const entry = envEntryProblem(name, value);
    if (entry) {
      const fix = /is not a valid variable name/.test(entry)
        ? `rename it, e.g. ${variableName(name)}`
        : "write the value without quotes, backslashes, ${ or line breaks (a secret belongs in appSecrets, not appEnv)";
      r.bad("appEnv", name, `cannot be written to the .env file: ${entry}`, fix);
      continue;
    }
    const reserved = reservedEnvReason(name, app);
    if (reserved) r.bad("appEnv", name, reserved, `remove ${name} from appEnv; the app reads the deployment's value`);
    if (r.stage === "prod" && turnsOnDebug(name, value)) {
      r.bad("appEnv", name,
        "has a value that turns on the framework's debug mode in prod, whose error pages print settings such as DATABASE_URL",
        `set ${name} to 0/false (or remove it) for prod`);
    }
  }
  return env;
}

/**
 * The app's own secrets: the appEnv rules for names and values, no name the deployment sets nor one
 * appEnv also sets. Problems name the entry, never its value.
 */
export function appSecrets(r: Reader, app: { webService: string; deployMode: DeployMode },
  env: Record<string, string>): Record<string, string> {
  const secrets = r.map("appSecrets");
  const refuse = (name: string, why: string, fix: string) =>
    r.problems.push(`${r.ns}:appSecrets.${name} (value not shown): ${why}. Fix: ${fix}`);
  for (const [name, value] of Object.entries(secrets)) {
    const entry = envEntryProblem(name, value);
    if (entry) {
      const fix = /is not a valid variable name/.test(entry)
        ? `rename it in appSecrets (npm run env:import, or pulumi config set --secret appSecrets < secrets.json), e.g. ${
          variableName(name)
        }`
        : "set it again without quotes, backslashes, ${ or line breaks (base64-encode a multi-line value)";
      refuse(name, `cannot be written to the .env file: ${entry}`, fix);
      continue;
    }
    const reserved = reservedEnvReason(name, app);
    if (reserved) {
      refuse(name, reserved,
        `remove ${name} from appSecrets; the app reads the deployment's value${
          /SECRET_KEY$/.test(name) ? " (to keep your own Django key, set secretKey)" : ""
        }`);
    }
    if (Object.hasOwn(env, name)) {
      refuse(name, "is also set in appEnv; the app would get only one of them",
        `keep it in one place: remove it from appEnv (a secret belongs in appSecrets)`);
    }
    if (r.stage === "prod" && turnsOnDebug(name, value)) {
      refuse(name, "turns on the framework's debug mode in prod", `set it to 0/false (or remove it) for prod`);
    }
  }
  return secrets;
}

/** The Django key to keep, if set: the .env rules apply (its value is never shown). */
export function secretKey(r: Reader): string | undefined {
  const key = r.string("secretKey");
  if (key === undefined) return undefined;
  const problem = envEntryProblem("secretKey", key);
  if (problem) {
    r.bad("secretKey", key, `cannot be written to the .env file: ${problem}`,
      "set a key without quotes, backslashes, ${ or line breaks: printf '%s' \"$KEY\" | pulumi config set --secret secretKey");
  } else if (key.trim() !== key) {
    r.bad("secretKey", key, "has leading or trailing whitespace (a pasted newline?)",
      "set it again without it: printf '%s' \"$KEY\" | pulumi config set --secret secretKey");
  }
  return key;
}
