// Generic readers: each reads one setting as its spec says (type, default, range, allowed values) and
// records a problem naming the key, the value (never a secret's) and the fix.
import { hasControlCharacter, suggest } from "./checks";
import { defaultFor, SPECS } from "./specs";
import type { DbEngine, StackConfig, Stage } from "./types";

/** Every problem found in the stack settings, reported together so one run shows them all. */
export class ConfigError extends Error {
  /**
   * `parsed`: the settings as read despite the problems (their stand-ins where a value was refused);
   * never deployed, but a local rehearsal can run with them when only the compose file was refused.
   */
  constructor(public readonly problems: string[], public readonly parsed?: StackConfig) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n`
        + problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

export class Reader {
  readonly problems: string[] = [];
  /** The chosen engine, once the database section has read it (engine-dependent defaults need it). */
  engine?: DbEngine;

  constructor(
    private readonly raw: Record<string, unknown>,
    /** The config namespace (the project name). */
    readonly ns: string,
    readonly stage: Stage,
  ) {}

  /** Records a problem: `<ns>:<key> = <value>: <why>. Fix: <fix>`; a secret setting's value is never shown. */
  bad(key: string, value: unknown, why: string, fix: string): void {
    const name = key.includes(":") ? key : `${this.ns}:${key}`;
    const shown = SPECS[key]?.secret ? "[secret]" : show(value);
    this.problems.push(`${name} = ${shown}: ${why}. Fix: ${fix}`);
  }

  /** Records a problem about a setting as a whole (no single value to show). */
  missing(key: string, why: string, fix: string): void {
    this.problems.push(`${key.includes(":") ? key : `${this.ns}:${key}`} ${why}. Fix: ${fix}`);
  }

  /** Refuses keys the spec table does not know; a mistyped key may hold a secret, so its value is never shown. */
  checkKnownKeys(): void {
    const known = Object.keys(SPECS);
    for (const key of Object.keys(this.raw)) {
      if (key in SPECS) continue;
      const guess = suggest(key, known);
      this.problems.push(
        `${this.ns}:${key} (value not shown): is not a setting of this project. Fix: `
          + (guess
            ? `did you mean "${guess}"? Rename it with \`pulumi config rm ${key}\` and \`pulumi config set ${guess} …\``
            : `remove it (\`pulumi config rm ${key}\`); known keys: ${known.join(", ")}`),
      );
    }
  }

  /** True when the stack file sets the key (the schema's "unset" values count as not set). */
  isSet(key: string): boolean {
    return this.given(key) !== undefined;
  }

  /**
   * The raw value, or undefined when unset. Unset is what Pulumi.yaml declares as a key's "unset"
   * default, in the form the CLI hands it over (it JSON-encodes a list or map default, so `[]`
   * arrives as the text "[]"): "", "[]", "{}", an empty list or object, null, or the spec's unset integer.
   */
  private given(key: string): unknown {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string" && ["", "[]", "{}"].includes(v.trim())) return undefined;
    if (Array.isArray(v) && v.length === 0) return undefined;
    if (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) return undefined;
    const unset = SPECS[key].unset;
    if (unset !== undefined && String(v).trim() === String(unset)) return undefined;
    return v;
  }

  /** Refuses a value of only spaces or line breaks: it is not the unset "", and no setting means it. */
  checkBlankValues(): void {
    for (const [key, v] of Object.entries(this.raw)) {
      if (!(key in SPECS) || typeof v !== "string" || v === "" || v.trim() !== "") continue;
      this.bad(key, v, "is only whitespace",
        `remove it (\`pulumi config rm ${key}\`) to use the default, or set a real value`);
    }
  }

  private fallback<T>(key: string): T | undefined {
    return defaultFor(key, this.stage, this.engine) as T | undefined;
  }

  /** A string setting: the given value (trimmed) or the default; undefined when neither. */
  string(key: string): string | undefined {
    const v = this.given(key);
    if (v === undefined) return this.fallback<string>(key);
    if (typeof v !== "string") {
      this.bad(key, v, "must be a string", `pulumi config set ${key} '<text>'`);
      return this.fallback<string>(key);
    }
    if (SPECS[key].secret) return v;
    // Surrounding whitespace (a pasted trailing newline) is trimmed; control characters inside are refused.
    if (hasControlCharacter(v.trim())) {
      this.bad(key, v, "contains a control character (tab, line break, escape, NUL, …)",
        "retype it as plain text on one line");
    }
    return v.trim();
  }

  /** A string setting that always has a default. */
  text(key: string): string {
    return this.required(key, this.string(key));
  }

  /** One of the spec's allowed values; a wrong one is refused with the closest as the fix. */
  choice<T extends string>(key: string, fallback?: T): T {
    const allowed = SPECS[key].allowed ?? [];
    const v = this.string(key);
    const chosen = (v ?? fallback) as T;
    if (v === undefined || allowed.includes(v)) return this.required(key, chosen);
    const guess = suggest(v, allowed);
    const usable = (fallback ?? this.fallback<T>(key)) as T;
    this.bad(key, v, `must be one of ${allowed.join(", ")}`,
      guess ? `did you mean "${guess}"? pulumi config set ${key} ${guess}` : `pulumi config set ${key} ${usable}`);
    return usable;
  }

  /** A whole number within the spec's min..max; undefined when unset without a default. */
  integer(key: string): number | undefined {
    const { min, max } = SPECS[key];
    const v = this.given(key);
    if (v === undefined) return this.fallback<number>(key);
    const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
    if (!Number.isInteger(n)) {
      this.bad(key, v, "must be a whole number", `pulumi config set ${key} <integer between ${min} and ${max}>`);
      return this.fallback<number>(key);
    }
    if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
      this.bad(key, v, `is out of range ${min}..${max}`,
        `pulumi config set ${key} <integer between ${min} and ${max}>`);
      return this.fallback<number>(key);
    }
    return n;
  }

  /** An integer setting that always has a default. */
  count(key: string): number {
    return this.required(key, this.integer(key));
  }

  /** true or false (as a boolean or the CLI's string). */
  flag(key: string): boolean {
    const v = this.given(key);
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "false") return v === "true";
    if (v !== undefined) this.bad(key, v, "must be true or false", `pulumi config set ${key} true|false`);
    return this.required(key, this.fallback<boolean>(key));
  }

  /** A list of strings (a YAML list or a JSON array); undefined when unset without a default. */
  list(key: string): string[] | undefined {
    const v = this.json(this.given(key));
    if (v === undefined) return this.fallback<string[]>(key);
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
      this.bad(key, v, "must be a list of strings", `pulumi config set --path '${key}[0]' <value> (or a JSON array)`);
      return this.fallback<string[]>(key);
    }
    for (const item of v as string[]) {
      if (hasControlCharacter(item.trim())) {
        this.bad(key, item, "contains a control character", "retype it as plain text");
      }
    }
    return (v as string[]).map((x) => x.trim());
  }

  /** An object of string values (YAML or a JSON string). */
  map(key: string): Record<string, string> {
    const v = this.json(this.given(key));
    const fallback = this.required(key, this.fallback<Record<string, string>>(key));
    if (v === undefined) return fallback;
    if (typeof v !== "object" || v === null || Array.isArray(v)
      || Object.values(v).some((x) => typeof x !== "string")) {
      this.bad(key, v, "must be an object of string values", `pulumi config set ${key} '{"NAME":"value"}'`);
      return fallback;
    }
    return v as Record<string, string>;
  }

  private json(v: unknown): unknown {
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v);
    } catch {
      return v; // reported by the caller as the wrong type
    }
  }

  private required<T>(key: string, value: T | undefined): T {
    if (value === undefined) throw new Error(`config spec: ${key} has no default for stage ${this.stage}`);
    return value;
  }
}
