// Readers for the compose settings whose syntax has several forms (ports, env_file, depends_on,
// volumes, durations, sizes, commands), each returning one normalised shape. Pure.

import { isMapping } from "./model";

/** Values for `${VAR}` references; a variable not given here is unset (its default applies). */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Compose interpolation: `$$` → `$`; `${VAR}`, `$VAR`; `${VAR:-default}` (unset or empty),
 * `${VAR-default}` (unset); `${VAR:+alt}`, `${VAR+alt}`; `${VAR:?err}` / `${VAR?err}` read as VAR.
 * Nested references inside a default are not expanded.
 */
export function interpolate(text: string, env: Env = {}): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-+?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (whole === "$$") return "$";
      const name = (braced ?? bare) as string;
      const value = env[name];
      const isSet = colon === ":" ? value !== undefined && value !== "" : value !== undefined;
      if (op === "-") return isSet ? (value as string) : (arg as string);
      if (op === "+") return isSet ? (arg as string) : "";
      return value ?? "";
    });
}

/** The variables a string references (`${VAR…}` or `$VAR`), in order. */
export function referencedVariables(text: string): string[] {
  const names: string[] = [];
  for (const m of text.replace(/\$\$/g, "").matchAll(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
  )) names.push(m[1] ?? m[2]);
  return names;
}

/** One `ports:` entry: `published` is the host port (or range), undefined when docker picks one. */
export interface PortEntry {
  hostIp?: string;
  published?: string;
  target: string;
  protocol: string;
  /** Index in the `ports:` list (for its line). */
  index: number;
  /** As written, for messages. */
  text: string;
}

/** `ports:` in short ("[ip:][host:]container[/proto]") or long ({target, published, …}) syntax. */
export function readPorts(value: unknown, env: Env = {}): PortEntry[] {
  return asList(value).map((entry, index) => {
    if (isMapping(entry)) {
      const published = entry.published === undefined || entry.published === null
        ? undefined
        : interpolate(String(entry.published), env);
      return {
        hostIp: entry.host_ip === undefined ? undefined : String(entry.host_ip),
        published: published === "" ? undefined : published,
        target: interpolate(String(entry.target ?? ""), env),
        protocol: String(entry.protocol ?? "tcp"),
        index,
        text: JSON.stringify(entry),
      };
    }
    const text = String(entry);
    const [spec, protocol = "tcp"] = interpolate(text, env).split("/");
    const ipv6 = /^\[([^\]]*)\]:(.*)$/.exec(spec);
    const parts = ipv6 ? [ipv6[1], ...ipv6[2].split(":")] : spec.split(":");
    const target = parts[parts.length - 1];
    const published = parts.length >= 2 && parts[parts.length - 2] !== "" ? parts[parts.length - 2] : undefined;
    const hostIp = parts.length >= 3 ? parts.slice(0, parts.length - 2).join(":") : undefined;
    return { hostIp, published, target, protocol, index, text };
  });
}

/** First number of a port or range ("8000", "8000-8010", "8000/tcp"), or undefined. */
export function firstPort(text: string): number | undefined {
  const m = /^\s*(\d{1,5})/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** One file of `env_file:` (string, list of strings, or list of {path, required}). */
export interface EnvFileEntry {
  path: string;
  required: boolean;
  index: number;
}

export function readEnvFiles(value: unknown): EnvFileEntry[] {
  return asList(value).map((entry, index) =>
    isMapping(entry)
      ? { path: String(entry.path ?? ""), required: entry.required !== false, index }
      : { path: String(entry), required: true, index }
  );
}

/** One entry of `environment:`: a map's key, or a list's "NAME=value" / "NAME" (no value: the shell's). */
export interface EnvironmentEntry {
  name: string;
  value?: string;
  /** Where it is in `environment:`: the map's key or the list's index. */
  key: string | number;
}

/** `environment:` as a map or a list of "NAME=value" / "NAME". */
export function readEnvironmentEntries(value: unknown): EnvironmentEntry[] {
  if (isMapping(value)) {
    return Object.entries(value).map(([name, v]) => ({ name,
      value: v === null || v === undefined ? undefined : String(v), key: name })
    );
  }
  return asList(value).map((e, index) => {
    const text = String(e);
    const eq = text.indexOf("=");
    return eq < 0 ? { name: text, key: index } : { name: text.slice(0, eq), value: text.slice(eq + 1), key: index };
  });
}

export type DependsCondition = "service_started" | "service_healthy" | "service_completed_successfully";

/** `depends_on:` as a list of names (condition service_started) or a map name → {condition}. */
export function readDependsOn(value: unknown): { service: string; condition: string }[] {
  if (isMapping(value)) {
    return Object.entries(value).map(([service, opts]) => ({ service,
      condition: isMapping(opts) && typeof opts.condition === "string" ? opts.condition : "service_started" })
    );
  }
  return asList(value).map((service) => ({ service: String(service), condition: "service_started" }));
}

/** One `volumes:` entry of a service. */
export interface VolumeMount {
  type: "bind" | "volume" | "tmpfs" | "other";
  /** Host path (bind) or volume name (volume); undefined for an anonymous volume. */
  source?: string;
  target: string;
  readOnly: boolean;
  index: number;
  text: string;
}

/** The volumes list with `${VAR}` references resolved (short syntax only; the long syntax is read as is). */
export function interpolatedVolumes(value: unknown, env: Env): unknown {
  if (!Array.isArray(value)) return value;
  return value.map((v) => (typeof v === "string" ? interpolate(v, env) : v));
}

/** `volumes:` short ("src:dst[:ro]", "dst") or long ({type, source, target, read_only}) syntax. */
export function readVolumes(value: unknown): VolumeMount[] {
  return asList(value).map((entry, index) => {
    if (isMapping(entry)) {
      const type = String(entry.type ?? "volume");
      const source = entry.source === undefined || entry.source === null ? undefined : String(entry.source);
      return { type: type === "bind" || type === "volume" || type === "tmpfs" ? type : "other", source,
        target: String(entry.target ?? ""), readOnly: entry.read_only === true, index, text: JSON.stringify(entry) };
    }
    const text = String(entry);
    const parts = text.split(":");
    if (parts.length === 1) return { type: "volume", target: parts[0], readOnly: false, index, text };
    const source = parts[0];
    const isPath = /^[./~]/.test(source) || source.includes("/");
    return { type: isPath ? "bind" : "volume", source, target: parts[1],
      readOnly: (parts[2] ?? "").split(",").includes("ro"), index, text };
  });
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** A compose duration ("1m30s", "500ms", "2h", or a bare number of seconds) in seconds; undefined if unreadable. */
export function durationSeconds(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * DURATION_UNITS[m[2]];
  return total;
}

const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3,
  gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4 };

/** A compose memory size ("512m", "1.5g", "1GB", bytes as a number) in MiB, rounded up; undefined if unreadable. */
export function sizeMiB(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return Math.ceil(value / 1024 ** 2);
  if (typeof value !== "string") return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) return undefined;
  return Math.ceil((Number(m[1]) * unit) / 1024 ** 2);
}

/**
 * Splits a command written as one string the way compose does (shell words, no shell): spaces
 * separate, quotes group, a backslash escapes. Returns undefined for an unclosed quote.
 */
export function shellWords(text: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && i + 1 < text.length && '"\\$`'.includes(text[i + 1])) word += text[++i];
      else word += c;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= "";
    } else if (c === "\\" && i + 1 < text.length) {
      word = (word ?? "") + text[++i];
    } else {
      word = (word ?? "") + c;
    }
  }
  if (quote !== undefined) return undefined;
  if (word !== undefined) words.push(word);
  return words;
}

/** `command:` / `entrypoint:` as a list of words (a string is split like compose splits it). */
export function commandWords(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map(String);
  return shellWords(String(value));
}

/** A value written as one item or a list, as a list. */
export function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** Levenshtein distance, for "did you mean"; both strings are short service names. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return prev[b.length];
}
