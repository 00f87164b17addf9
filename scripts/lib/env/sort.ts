// Sorts an old .env file's entries into where they go in the stack: dropped (the deployment writes
// them, saying where their value comes from), secretKey (the Django key, kept so users stay logged
// in), appSecrets (names that look secret, or chosen) or appEnv; and the exact `pulumi config set`
// each needs. Values are never printed: a secret's line reads it from stdin or prompts for it.
import { reservedEnvReason } from "../../../components/config/appEnv";
import { envEntryProblem, looksSecret, turnsOnDebug } from "../../../components/config/envfile";
import type { DeployMode, Stage } from "../../../components/config/types";
import type { DotenvEntry, DotenvResult } from "./dotenv";

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
  return KEY_NAMES.includes(name) ? undefined : reservedEnvReason(name, o);
}

export function sortEntries(parsed: DotenvResult, o: SortOptions): SortResult {
  const problems = [...parsed.problems];
  const notes = parsed.duplicates.map((d) =>
    `${d.name} is set ${d.lines.length} times (lines ${d.lines.join(", ")}): the last one counts, as compose read it`
  );
  const sorted: Sorted[] = [];
  const keys = parsed.entries.filter((e) => KEY_NAMES.includes(e.name) && !e.inherited);
  if (keys.length === 2 && keys[0].value !== keys[1].value) {
    problems.push(
      `lines ${keys[0].line} and ${
        keys[1].line
      }: SECRET_KEY and DJANGO_SECRET_KEY differ; the deployment writes one key under both names. Fix: keep the one the app reads (delete the other line) and run again`,
    );
  }
  for (const e of parsed.entries) {
    const judged = sortEntry(e, o, sorted.some((x) => x.to === "secretKey"));
    if (typeof judged === "string") problems.push(judged);
    else sorted.push(judged);
  }
  return { sorted, problems, notes };
}

/** Where one entry of the file goes (a Sorted), or why it cannot go anywhere (a problem with its fix). */
function sortEntry(e: DotenvEntry, o: SortOptions, keyTaken: boolean): Sorted | string {
  const at = `line ${e.line}: ${e.name}`;
  const owned = deploymentOwned(e.name, o);
  if (owned) return { name: e.name, line: e.line, to: "dropped", why: `deployment-owned: ${owned}` };
  if (e.inherited) {
    return { name: e.name, line: e.line, to: "dropped",
      why:
        "has no value in the file (compose took it from the environment of the shell that ran it); set it yourself if the app needs it" };
  }
  if (e.unresolved.length > 0) {
    return `${at} refers to \${${
      e.unresolved.join("}, ${")
    }}, which no line above sets (compose took it from its environment). Fix: write the resolved value on that line and run again`;
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.name)) {
    return `${at} is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*). Fix: rename it, e.g. ${
      e.name.toUpperCase().replace(/[^A-Z0-9_]/g, "_").replace(/^(\d)/, "_$1")
    }, in the file and in the app`;
  }
  const bad = envEntryProblem(e.name, e.value);
  if (bad) {
    return `${at}: ${bad}. Fix: ${
      /line break/.test(bad)
        ? "store it on one line (e.g. base64-encode it and decode it in the app)"
        : "change the value (the deploy writes KEY='value', which compose v1 and v2 must read alike)"
    }, then run again`;
  }
  if (KEY_NAMES.includes(e.name)) {
    if (keyTaken) {
      return { name: e.name, line: e.line, to: "dropped",
        why: "same key as above: secretKey is written under both names" };
    }
    return { name: e.name, line: e.line, to: "secretKey",
      why:
        "the Django key: kept, so sessions and signed links stay valid (the deployment writes it as SECRET_KEY and DJANGO_SECRET_KEY)",
      value: e.value };
  }
  if (o.stage === "prod" && turnsOnDebug(e.name, e.value)) {
    return { name: e.name, line: e.line, to: "dropped",
      why: "turns on the framework's debug mode, which a prod stack refuses" };
  }
  const secret = o.secret.includes(e.name) || (!o.plain.includes(e.name) && looksSecret(e.name));
  const why = o.secret.includes(e.name)
    ? "chosen with --secret"
    : o.plain.includes(e.name)
    ? "chosen with --plain"
    : secret
    ? "the name looks secret"
    : "the name does not look secret";
  return { name: e.name, line: e.line, to: secret ? "appSecrets" : "appEnv", why, value: e.value };
}

/**
 * The settings to set: secretKey, and appEnv and appSecrets each as ONE JSON object (the stack's
 * current entries merged with the file's). Pulumi.yaml declares both as strings (a project's config
 * schema has no object type, and the CLI refuses a stack value of another type than the declared one,
 * pulumi/pulumi sdk/go/common/workspace `DefaultStackConfigValidator`), so `--path 'appSecrets.NAME'`
 * would store an object `pulumi up` refuses; a JSON string is what config reads.
 */
export function settingsToSet(sorted: Sorted[],
  current: { appEnv?: Record<string, string>; appSecrets?: Record<string, string> } = {}
): { key: "secretKey" | "appEnv" | "appSecrets"; secret: boolean; value: string; names: string[] }[] {
  const out: { key: "secretKey" | "appEnv" | "appSecrets"; secret: boolean; value: string; names: string[] }[] = [];
  const key = sorted.find((s) => s.to === "secretKey");
  if (key) out.push({ key: "secretKey", secret: true, value: key.value ?? "", names: [key.name] });
  for (const to of ["appEnv", "appSecrets"] as const) {
    const mine = sorted.filter((s) => s.to === to);
    if (mine.length === 0) continue;
    const merged: Record<string, string> = { ...(current[to] ?? {}) };
    for (const s of mine) merged[s.name] = s.value ?? "";
    const sortedKeys = Object.keys(merged).sort();
    out.push({ key: to, secret: to === "appSecrets",
      value: JSON.stringify(Object.fromEntries(sortedKeys.map((k) => [k, merged[k]]))),
      names: mine.map((s) => s.name) });
  }
  return out;
}

/** The `pulumi config set` arguments of one setting; its value goes on stdin (never on the command line). */
export function configSetArgs(stack: string, setting: { key: string; secret: boolean }): string[] {
  return ["config", "set", "--stack", stack, ...(setting.secret ? ["--secret"] : []), setting.key];
}
