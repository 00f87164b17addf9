// Reads a Pulumi.<stack>.yaml the way the Pulumi CLI hands it to the program: fully qualified keys,
// strings as they are, structures as JSON, and a key secret exactly when the file stores it `secure:`.
// The offline plan cannot decrypt: a secure value becomes a placeholder of the right shape.
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

/** Placeholder for a `secure:` value (the plan cannot decrypt and needs no real secret). */
export function securePlaceholder(key: string): string {
  if (key.endsWith(":sshPrivateKey")) {
    return "-----BEGIN OPENSSH PRIVATE KEY-----\nplaceholder-for-offline-plan\n-----END OPENSSH PRIVATE KEY-----\n";
  }
  return `placeholder-secret-${key.replace(/[^A-Za-z0-9]/g, "-")}`;
}

const isSecure = (value: unknown): boolean => value !== null && typeof value === "object" && "secure" in value;

/** The `config:` block of a stack document as the CLI passes it. */
export function stackConfigOf(doc: { config?: Record<string, unknown> } | undefined): StackConfigValues {
  const config: Record<string, string> = {};
  const secureKeys: string[] = [];
  for (const [key, value] of Object.entries(doc?.config ?? {})) {
    if (isSecure(value)) secureKeys.push(key);
    config[key] = isSecure(value) ? securePlaceholder(key) : typeof value === "string" ? value : JSON.stringify(value);
  }
  return { config, secureKeys };
}

/** Pulumi.<stack>.yaml of the project as the CLI passes it; a stack without a file gets aws:region us-east-1. */
export function stackFileConfig(stack: string): StackConfigValues {
  const file = path.resolve(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) return { config: { "aws:region": "us-east-1" }, secureKeys: [] };
  return stackConfigOf(readYaml(file) ?? {});
}
