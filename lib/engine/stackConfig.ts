// The config the Pulumi CLI hands the program, built the way the CLI builds it, so the offline plan
// and the tests run the program on exactly what a real `pulumi preview`/`up` gives it:
//   1. the stack file is loaded: a key without a namespace belongs to the project, `<ns>:config:<name>`
//      is the old spelling of `<ns>:<name>`, any other key with colons is refused
//      (pulumi/pulumi sdk/go/common/workspace/loaders.go `stackConfigNamespacedWithProject`;
//      sdk/go/common/resource/config/key.go `ParseKey`); a `null` value reads as "" (loaders.go
//      `checkForEmptyConfig`); a scalar arrives as its text, a list or map as JSON (config.Value);
//   2. every `default:` of Pulumi.yaml's `config:` block is applied to each declared key the stack
//      does not set: a scalar as Go's `%v` (`false`, `20`, ``), a list or map JSON-encoded (`[]` → `"[]"`)
//      (sdk/go/common/workspace/project_config.go `mergeConfig` / `createConfigValue`, reached through
//      `ValidateStackConfigAndApplyProjectConfig`);
//   3. each stack value of a declared, typed key is checked against its type, and a run stops with the
//      CLI's own message when it does not match (project_config.go `validateStackConfigValue`,
//      project.go `ValidateConfigValue`).
// The offline plan cannot decrypt: every `secure:` leaf becomes a placeholder, in a value of the same
// shape (a string, or the object/array that holds it), and its key is secret.
import * as fs from "fs";
import * as path from "path";

export const PROJECT = "compose-on-ec2";
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

// js-yaml is a dev dependency without bundled types; we type the one call we use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml: { load(text: string): unknown } = require("js-yaml");

/** Parses a YAML file (relative paths are taken from the project root). */
export function readYaml(file: string): any { // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML documents are untyped
  return yaml.load(fs.readFileSync(path.resolve(PROJECT_ROOT, file), "utf8"));
}

/** The config the program gets, and which of its keys are secret. */
export interface StackConfigValues {
  config: Record<string, string>;
  secureKeys: string[];
}

/** What the Pulumi CLI itself refuses in a stack's config, before the program runs (its own message). */
export class CliConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliConfigError";
  }
}

/** Placeholder for a `secure:` string (the plan cannot decrypt and needs no real secret). */
export function securePlaceholder(key: string): string {
  if (key.endsWith(":sshPrivateKey")) {
    return "-----BEGIN OPENSSH PRIVATE KEY-----\nplaceholder-for-offline-plan\n-----END OPENSSH PRIVATE KEY-----\n";
  }
  return `placeholder-secret-${key.replace(/[^A-Za-z0-9]/g, "-")}`;
}

const isSecureLeaf = (value: unknown): boolean =>
  value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 1
  && "secure" in value;

/** Whether a value holds a `secure:` leaf anywhere (the CLI then marks the whole key secret). */
export function containsSecureLeaf(value: unknown): boolean {
  if (isSecureLeaf(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecureLeaf);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsSecureLeaf);
  return false;
}

/** The value with each `secure:` leaf replaced by a placeholder named after where it sits. */
function withPlaceholders(value: unknown, at: string): unknown {
  if (isSecureLeaf(value)) return securePlaceholder(at);
  if (Array.isArray(value)) return value.map((v, i) => withPlaceholders(v, `${at}[${i}]`));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withPlaceholders(v, `${at}.${k}`)]));
  }
  return value;
}

/**
 * JSON as Go's encoding/json writes it (config.Value of an object, createConfigValue): map keys
 * sorted, no spaces, and <, >, & and U+2028/U+2029 escaped.
 */
export function goJson(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v !== null && typeof v === "object"
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]))
      : v;
  return JSON.stringify(sorted(value))
    .replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** A scalar as Go's `%v` prints it (the CLI's text of a YAML scalar or a primitive default). */
const goText = (value: string | number | boolean | null): string => (value === null ? "" : String(value));

/** One stack config entry: its text as the program reads it, whether it is an object, whether it is secret. */
export interface ConfigEntry {
  value: string;
  object: boolean;
  secret: boolean;
}

/**
 * A stack-file value as the CLI loads it (config.Value). `declaredDefault` is Pulumi.yaml's default for
 * the key: a whole `secure:` value of a key whose default is a map or a list (e.g. appSecrets stored as
 * one encrypted JSON string) gets an empty placeholder of that shape, since its names are unknown offline.
 */
export function configEntry(value: unknown, key: string, declaredDefault?: unknown): ConfigEntry {
  const secret = containsSecureLeaf(value);
  if (isSecureLeaf(value)) {
    // A default declared as JSON text ("{}", "[]") gives the shape as well as a parsed one.
    if (typeof declaredDefault === "string" && /^\s*[[{]/.test(declaredDefault)) {
      declaredDefault = JSON.parse(declaredDefault);
    }
    if (Array.isArray(declaredDefault)) return { value: "[]", object: false, secret };
    if (declaredDefault !== null && typeof declaredDefault === "object") return { value: "{}", object: false, secret };
    return { value: securePlaceholder(key), object: false, secret };
  }
  if (value !== null && typeof value === "object") {
    return { value: goJson(withPlaceholders(value, key)), object: true, secret };
  }
  return { value: goText(value as string | number | boolean | null), object: false, secret };
}

/** A stack-file key as the CLI loads it: `<ns>:<name>`, the project's when it has no namespace. */
export function namespacedKey(key: string, project = PROJECT): string {
  const colons = key.split(":").length - 1;
  if (colons === 0) return `${project}:${key}`;
  if (colons === 1) return key;
  // `<ns>:config:<name>`, an older spelling (config.ParseKey via tokens.ParseModuleMember).
  const [ns, module, name] = key.split(":");
  if (colons === 2 && module === "config" && ns !== "" && name !== "") return `${ns}:${name}`;
  throw new CliConfigError(
    `could not parse ${key} as a configuration key (configuration keys should be of the form \`<namespace>:<name>\`)`,
  );
}

/** The `config:` block of a stack document, keys and values as the CLI loads them (no project defaults yet). */
export function stackEntriesOf(doc: { config?: Record<string, unknown> } | undefined,
  declared = projectConfigTypes()): Map<string, ConfigEntry> {
  const entries = new Map<string, ConfigEntry>();
  for (const [rawKey, value] of Object.entries(doc?.config ?? {})) {
    const key = namespacedKey(rawKey);
    const own = key.startsWith(`${PROJECT}:`) ? declared[key.slice(PROJECT.length + 1)] : undefined;
    entries.set(key, configEntry(value, key, own?.default));
  }
  return entries;
}

/** A declared key of Pulumi.yaml's `config:` block (the parts the CLI uses when merging). */
export interface ProjectConfigType {
  type?: string;
  items?: { type: string; items?: unknown };
  default?: unknown;
  value?: unknown;
  secret?: boolean;
}

/** Pulumi.yaml's declared config, as the CLI reads it (a shorthand `key: value` is a default). */
export function projectConfigTypes(
  doc: { config?: Record<string, unknown> } = readYaml("Pulumi.yaml"),
): Record<string, ProjectConfigType> {
  const out: Record<string, ProjectConfigType> = {};
  for (const [key, declared] of Object.entries(doc.config ?? {})) {
    // RewriteShorthandConfigValues: a plain value is `{ default: value }`... unless it is typed as an object.
    out[key] = declared !== null && typeof declared === "object" && !Array.isArray(declared)
      ? (declared as ProjectConfigType)
      : { default: declared };
  }
  return out;
}

/** project.go ValidateConfigValue: whether a stack value (decrypted text, or its JSON when an object) fits the type. */
function fitsType(type: string, items: ProjectConfigType["items"], value: unknown): boolean {
  if (type === "string") return typeof value === "string";
  if (type === "integer") {
    if (typeof value === "number") return Number.isInteger(value);
    return typeof value === "string" && /^[+-]?\d+$/.test(value); // strconv.Atoi
  }
  if (type === "boolean") return value === "true" || value === "false" || typeof value === "boolean";
  if (!Array.isArray(value) || items === undefined) return false;
  return value.every((item) => fitsType(items.type, items.items as ProjectConfigType["items"], item));
}

const fullTypeName = (type: string, items: ProjectConfigType["items"]): string =>
  items ? `array<${fullTypeName(items.type, items.items as ProjectConfigType["items"])}>` : type;

/**
 * mergeConfig (with validation) as `pulumi preview`/`up` runs it before the program starts: declared
 * keys the stack lacks get their default; a declared key without one is "missing"; every typed stack
 * value must fit its type. Throws the CLI's message; returns the merged entries.
 */
export function applyProjectConfig(
  stack: string,
  entries: Map<string, ConfigEntry>,
  declared: Record<string, ProjectConfigType> = projectConfigTypes(),
  project = PROJECT,
): Map<string, ConfigEntry> {
  const merged = new Map(entries);
  const missing: string[] = [];
  for (const name of Object.keys(declared).sort()) {
    const type = declared[name];
    const key = name.includes(":") ? namespacedKey(name, project) : `${project}:${name}`;
    if (merged.has(key)) continue;
    const fallback = type.default !== undefined ? type.default : type.value;
    if (fallback === undefined) {
      if (key.startsWith(`${project}:`)) missing.push(name);
      continue;
    }
    merged.set(key, configEntry(fallback, key));
  }
  if (missing.length > 0) {
    throw new CliConfigError(
      `Stack '${stack}' is missing configuration value${missing.length > 1 ? "s" : ""} ${
        missing.map((m) => `'${m}'`).join(", ")
      }`,
    );
  }
  for (const name of Object.keys(declared).sort()) {
    const type = declared[name];
    const key = name.includes(":") ? namespacedKey(name, project) : `${project}:${name}`;
    const entry = merged.get(key);
    if (!entry) continue;
    if (type.secret && !entry.secret) {
      throw new CliConfigError(`Stack '${stack}' with configuration key '${name}' must be encrypted as it's secret`);
    }
    if (type.type === undefined) continue;
    const content = entry.object ? JSON.parse(entry.value) : entry.value;
    if (!fitsType(type.type, type.items, content)) {
      throw new CliConfigError(
        `Stack '${stack}' with configuration key '${name}' must be of type '${fullTypeName(type.type, type.items)}'`,
      );
    }
  }
  return merged;
}

/** Entries as the program's config map and its secret keys. */
export function toConfigValues(entries: Map<string, ConfigEntry>): StackConfigValues {
  const config: Record<string, string> = {};
  const secureKeys: string[] = [];
  for (const [key, entry] of [...entries].sort(([a], [b]) => a.localeCompare(b))) {
    config[key] = entry.value;
    if (entry.secret) secureKeys.push(key);
  }
  return { config, secureKeys };
}

/** The `config:` block of a stack document as the CLI passes it, without Pulumi.yaml's defaults. */
export function stackConfigOf(doc: { config?: Record<string, unknown> } | undefined): StackConfigValues {
  return toConfigValues(stackEntriesOf(doc));
}

/** Pulumi.<stack>.yaml of the project as loaded; a stack without a file gets aws:region us-east-1. */
export function stackFileEntries(stack: string): Map<string, ConfigEntry> {
  const file = path.resolve(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) return new Map([["aws:region", configEntry("us-east-1", "aws:region")]]);
  return stackEntriesOf(readYaml(file) ?? {});
}

/** What the CLI hands the program for a stack: its file, then Pulumi.yaml's defaults, validated. */
export function stackFileConfig(stack: string): StackConfigValues {
  return toConfigValues(applyProjectConfig(stack, stackFileEntries(stack)));
}
