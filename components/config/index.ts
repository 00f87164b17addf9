// Every setting of the stack: typed, defaulted and validated in ONE place, before any resource exists.
//   specs.ts      one spec per key (type, default per stage, range, allowed values, description)
//   reader.ts     generic readers that apply a spec and collect problems into one ConfigError
//   network.ts, firewall.ts, host.ts, database.ts, app.ts, hosting.ts, cache.ts, tls.ts, monitoring.ts, tags.ts   one parser per section
//   ecsTask.ts    the web task an ecs stack derives from the compose file (refusals before any resource)
//   stages.ts, aws.ts, engines.ts, envfile.ts, naming.ts, checks.ts  the facts and rules they use
// Components receive slices of StackConfig, never pulumi.Config.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseApp, ProjectFiles } from "./app";
import { parseCache } from "./cache";
import { AWS_REGIONS } from "./aws";
import { suggest } from "./checks";
import { parseDatabase } from "./database";
import { parseFirewall } from "./firewall";
import { parseHost } from "./host";
import { parseHosting } from "./hosting";
import { parseMonitoring } from "./monitoring";
import { permissionsBoundaryProblem, stackNameProblem } from "./naming";
import { parseNetwork } from "./network";
import { ConfigError, Reader } from "./reader";
import { SPECS } from "./specs";
import { stageOfStack } from "./stages";
import { parseTags } from "./tags";
import { parseTls } from "./tls";
import type { Stage, StackConfig } from "./types";

export * from "./types";
export { ConfigError } from "./reader";
export { CONFIG_SCHEMA, SPECS, defaultFor } from "./specs";
export { schemaDefault } from "./specTypes";
export type { ConfigValueType, SettingSpec } from "./specTypes";
export { AWS_REGIONS, DB_FAMILIES, EC2_FAMILIES, archOf } from "./aws";
export { APP_DB_USER, ENGINES, RESERVED_DB_USERNAMES } from "./engines";
export { checkCidr, checkSshPublicKey, editDistance, isWorld, sshUserOf, suggest } from "./checks";
export { SANDBOX_INSTANCE_TYPE, SANDBOX_PINNED_KEYS, STAGES, stageOfStack } from "./stages";
export { resourceName, stackResourceName, stackRolePath } from "./naming";
export { amiArchitectureProblem } from "./host";
export { hostNameProblem, hostedZoneIdProblem } from "./domain";
export { ACME_DIRECTORIES, acmeEmailProblem, acmeServerName, acmeServerProblem, certificateSource,
  isLetsEncrypt } from "./tls";
export { taskServices } from "./ecsPlacement";
export { planEcsTask, WEB_IMAGE_PLACEHOLDER } from "./ecsTask";
export { LOG_RETENTION_DAYS } from "./aws";
export { monitoringDefaults, monitoringRefusals } from "./monitoring";
export { cacheNodes } from "./cache";

export interface ParseContext {
  project: string;
  stack: string;
  /** aws:region. */
  region?: string;
  /** Checks that a path (relative to the project root) exists; default: the real filesystem. */
  fileExists?: (relativePath: string) => boolean;
  /** Reads a file (relative to the project root); default: the real filesystem. */
  readFile?: (relativePath: string) => string;
  /** Whether a path is a directory; default: the real filesystem when fileExists is not given, else unknown. */
  isDirectory?: (relativePath: string) => boolean | undefined;
  /** Whether a key (without namespace) was stored encrypted; when given, secret keys must be. */
  isSecret?: (key: string) => boolean;
}

const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

function projectFiles(ctx: ParseContext): ProjectFiles {
  return {
    exists: ctx.fileExists ?? ((p) => fs.existsSync(path.resolve(PROJECT_ROOT, p))),
    read: ctx.readFile ?? ((p) => fs.readFileSync(path.resolve(PROJECT_ROOT, p), "utf8")),
    isDirectory: ctx.isDirectory
      ?? (ctx.fileExists ? () => undefined : (p) => fs.statSync(path.resolve(PROJECT_ROOT, p)).isDirectory()),
  };
}

/** The stack's stage: exactly the stack named dev is dev and the stack named prod is prod; others are sandboxes. */
function parseStage(r: Reader, stack: string): Stage {
  const naming = stackNameProblem(stack);
  if (naming) r.problems.push(`stack name "${stack}" ${naming.why}. Fix: ${naming.fix}`);
  const implied = stageOfStack(stack);
  const stage = r.choice<Stage>("stage", implied);
  if (stage !== implied) {
    r.bad("stage", stage,
      `does not match the stack "${stack}": only the stack named dev is dev and only the stack named prod is prod`,
      implied === "sandbox" ? "remove stage, or set it to sandbox" : `set stage to ${implied}, or remove it`);
  }
  return implied;
}

/** The permissions boundary every role of the stack carries, when one account holds several stages. */
function parseBoundary(r: Reader): string | undefined {
  const arn = r.string("iamPermissionsBoundary");
  const problem = arn === undefined ? undefined : permissionsBoundaryProblem(arn);
  if (problem) r.bad("iamPermissionsBoundary", arn, problem.why, problem.fix);
  return arn;
}

function parseRegion(r: Reader, region: string | undefined): string {
  if (!region) {
    r.problems.push("aws:region is not set. Fix: pulumi config set aws:region us-east-1");
  } else if (!AWS_REGIONS.includes(region)) {
    const guess = suggest(region, AWS_REGIONS);
    r.bad("aws:region", region, "is not an AWS region", guess
      ? `did you mean "${guess}"? pulumi config set aws:region ${guess}`
      : "pulumi config set aws:region us-east-1");
  }
  return region ?? "";
}

/** Secret settings must be stored encrypted: a plain-text private key is refused (and never shown). */
function checkSecretsEncrypted(r: Reader, ctx: ParseContext): void {
  if (!ctx.isSecret) return;
  for (const [key, spec] of Object.entries(SPECS)) {
    if (!spec.secret || !r.isSet(key) || ctx.isSecret(key)) continue;
    r.problems.push(
      `${r.ns}:${key} = [not shown]: is stored in plain text in the stack file. Fix: pulumi config rm ${key}, then pulumi config set --secret ${key} < <file>`,
    );
  }
}

/**
 * Turns raw config (key without namespace → string, or already-parsed value) into a typed, defaulted
 * StackConfig. Throws one ConfigError listing every problem; each names key, bad value and fix.
 */
export function parseConfig(raw: Record<string, unknown>, ctx: ParseContext): StackConfig {
  const r = new Reader(raw, ctx.project, stageOfStack(ctx.stack));
  r.checkKnownKeys();
  r.checkBlankValues();
  const stage = parseStage(r, ctx.stack);
  const region = parseRegion(r, ctx.region);
  const iamPermissionsBoundary = parseBoundary(r);
  const network = parseNetwork(r);
  const firewall = parseFirewall(r);
  const host = parseHost(r);
  checkSecretsEncrypted(r, ctx);
  const database = parseDatabase(r);
  const files = projectFiles(ctx);
  const app = parseApp(r, files);
  const hosting = parseHosting(r, app, files);
  const cache = parseCache(r, stage);
  const site = parseTls(r, hosting);
  const monitoring = parseMonitoring(r, database.allocatedStorageGb);
  const tags = parseTags(r, { project: ctx.project, stack: ctx.stack, stage });
  const parsed: StackConfig = { project: ctx.project, stack: ctx.stack, stage, region, iamPermissionsBoundary, tags,
    network, firewall, host, database, app, hosting, cache, site, monitoring };
  if (r.problems.length > 0) throw new ConfigError(r.problems, parsed);
  return parsed;
}

/** Reads this project's Pulumi config (and aws:region) and parses it; throws ConfigError on bad input. */
export function loadConfig(): StackConfig {
  const project = pulumi.getProject();
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    // Keys arrive as "<project>:<key>" (older engines: "<project>:config:<key>").
    const [namespace, ...rest] = fullKey.split(":");
    if (namespace !== project) continue;
    const key = rest[0] === "config" && rest.length > 1 ? rest.slice(1).join(":") : rest.join(":");
    raw[key] = value;
  }
  // The SDK knows which keys were stored encrypted but exports that check only internally; use it when
  // present so a private key pasted in plain text is refused rather than used.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (fullKey: string) => boolean };
  const isSecret = sdk.isConfigSecret ? (key: string): boolean => sdk.isConfigSecret!(`${project}:${key}`) : undefined;
  return parseConfig(raw, { project, stack: pulumi.getStack(), region: new pulumi.Config("aws").get("region"),
    isSecret });
}
