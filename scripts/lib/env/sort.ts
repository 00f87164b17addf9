// Sorts an old .env file's entries into where they go in the stack: dropped (the deployment writes
// them, saying where their value comes from), secretKey (the Django key, kept so users stay logged
// in), appSecrets (names that look secret, or chosen) or appEnv; and the exact `pulumi config set`
// each needs. Values are never printed: a secret's line reads it from stdin or prompts for it.
import { DEPLOY_SCRIPT_ENV_NAMES, DEPLOYMENT_CONDITIONAL_ENV_NAMES, DEPLOYMENT_ENV_NAMES, DEPLOYMENT_ENV_SOURCES, envEntryProblem, imageEnvName, looksSecret, turnsOnDebug } from "../../../components/config/envfile";
import type { DeployMode, Stage } from "../../../components/config/types";
import type { DotenvResult } from "./dotenv";

export type Destination = "appEnv" | "appSecrets" | "secretKey" | "dropped";

export interface Sorted {
  name: string;
  line: number;
  to: Destination;
  /** Why it goes there (or is dropped). */
  why: string;
  /** The value (never printed; handed to the CLI on stdin). Undefined for dropped entries. */
  value?: string;
}

export interface SortOptions {
  stage: Stage;
  webService: string;
  deployMode: DeployMode;
  /** Names forced into appSecrets / appEnv (flags). */
  secret: string[];
  plain: string[];
}

export interface SortResult {
  sorted: Sorted[];
  /** Entries that cannot be imported as they are: each names the line and entry and the fix, never the value. */
  problems: string[];
  /** Things to know that stop nothing (duplicates). */
  notes: string[];
}

const KEY_NAMES = ["SECRET_KEY", "DJANGO_SECRET_KEY"];

/** Why the deployment owns this name (where its value comes from), or undefined. */
export function deploymentOwned(name: string, o: Pick<SortOptions, "webService" | "deployMode">): string | undefined {
  if ((DEPLOYMENT_ENV_NAMES as readonly string[]).includes(name) && !KEY_NAMES.includes(name)) return DEPLOYMENT_ENV_SOURCES[name as (typeof DEPLOYMENT_ENV_NAMES)[number]];
  if (Object.hasOwn(DEPLOYMENT_CONDITIONAL_ENV_NAMES, name)) return DEPLOYMENT_CONDITIONAL_ENV_NAMES[name];
  if ((DEPLOY_SCRIPT_ENV_NAMES as readonly string[]).includes(name)) return "is set by the deploy script (the proxy's loopback port)";
  if (/^COMPOSE_/.test(name)) return "steers compose itself, which the deploy script decides";
  if (o.deployMode === "registry" && [imageEnvName(o.webService), `${imageEnvName(o.webService)}_REF`].includes(name)) return "names the pushed image, which the deployment writes in registry mode";
  return undefined;
}

export function sortEntries(parsed: DotenvResult, o: SortOptions): SortResult {
  const problems = [...parsed.problems];
  const notes = parsed.duplicates.map((d) => `${d.name} is set ${d.lines.length} times (lines ${d.lines.join(", ")}): the last one counts, as compose read it`);
  const sorted: Sorted[] = [];
  const keys = parsed.entries.filter((e) => KEY_NAMES.includes(e.name) && !e.inherited);
  if (keys.length === 2 && keys[0].value !== keys[1].value) {
    problems.push(`lines ${keys[0].line} and ${keys[1].line}: SECRET_KEY and DJANGO_SECRET_KEY differ; the deployment writes one key under both names. Fix: keep the one the app reads (delete the other line) and run again`);
  }
  for (const e of parsed.entries) {
    const at = `line ${e.line}: ${e.name}`;
    const owned = deploymentOwned(e.name, o);
    if (owned) {
      sorted.push({ name: e.name, line: e.line, to: "dropped", why: `deployment-owned: ${owned}` });
      continue;
    }
    if (e.inherited) {
      sorted.push({ name: e.name, line: e.line, to: "dropped", why: "has no value in the file (compose took it from the environment of the shell that ran it); set it yourself if the app needs it" });
      continue;
    }
    if (e.unresolved.length > 0) {
      problems.push(`${at} refers to \${${e.unresolved.join("}, ${")}}, which no line above sets (compose took it from its environment). Fix: write the resolved value on that line and run again`);
      continue;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.name)) {
      problems.push(`${at} is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*). Fix: rename it, e.g. ${e.name.toUpperCase().replace(/[^A-Z0-9_]/g, "_").replace(/^(\d)/, "_$1")}, in the file and in the app`);
      continue;
    }
    const bad = envEntryProblem(e.name, e.value);
    if (bad) {
      problems.push(`${at}: ${bad}. Fix: ${/line break/.test(bad) ? "store it on one line (e.g. base64-encode it and decode it in the app)" : "change the value (the deploy writes KEY='value', which compose v1 and v2 must read alike)"}, then run again`);
      continue;
    }
    if (KEY_NAMES.includes(e.name)) {
      if (sorted.some((s) => s.to === "secretKey")) sorted.push({ name: e.name, line: e.line, to: "dropped", why: "same key as above: secretKey is written under both names" });
      else sorted.push({ name: e.name, line: e.line, to: "secretKey", why: "the Django key: kept, so sessions and signed links stay valid (the deployment writes it as SECRET_KEY and DJANGO_SECRET_KEY)", value: e.value });
      continue;
    }
    if (o.stage === "prod" && turnsOnDebug(e.name, e.value)) {
      sorted.push({ name: e.name, line: e.line, to: "dropped", why: "turns on the framework's debug mode, which a prod stack refuses" });
      continue;
    }
    const secret = o.secret.includes(e.name) || (!o.plain.includes(e.name) && looksSecret(e.name));
    const why = o.secret.includes(e.name) ? "chosen with --secret" : o.plain.includes(e.name) ? "chosen with --plain" : secret ? "the name looks secret" : "the name does not look secret";
    sorted.push({ name: e.name, line: e.line, to: secret ? "appSecrets" : "appEnv", why, value: e.value });
  }
  return { sorted, problems, notes };
}

/** The `pulumi config set` arguments of a sorted entry (its value goes on stdin), or undefined when dropped. */
export function configSetArgs(stack: string, s: Sorted): string[] | undefined {
  if (s.to === "dropped") return undefined;
  if (s.to === "secretKey") return ["config", "set", "--stack", stack, "--secret", "secretKey"];
  return ["config", "set", "--stack", stack, ...(s.to === "appSecrets" ? ["--secret"] : []), "--path", `${s.to}.${s.name}`];
}

const shellQuote = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;

/**
 * The line a user runs without the importer: a plain value is written out; a secret's line has no
 * value (the CLI prompts for it, without echo). Undefined for dropped entries.
 */
export function printedLine(stack: string, s: Sorted): string | undefined {
  const args = configSetArgs(stack, s);
  if (!args) return undefined;
  const quoted = args.map((a) => (a.includes(".") ? shellQuote(a) : a));
  const line = `pulumi ${quoted.join(" ")}`;
  return s.to === "appEnv" ? `${line} ${shellQuote(s.value ?? "")}` : `${line}   # prompts for ${s.name}'s value`;
}
