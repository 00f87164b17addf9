// What a setting's spec says (components/config/specs.ts holds one per setting), and the pure helpers
// that read a spec.
import type { DbEngine, Stage } from "./types";

export type ConfigValueType = "string" | "integer" | "boolean" | "array" | "object";
export type SpecValue = string | number | boolean | string[] | Record<string, string>;
export type Section = "stack" | "network" | "firewall" | "host" | "database" | "app" | "hosting" | "cache" | "tls"
  | "monitoring" | "tags";

/** A default that depends on the stage; undefined for a stage means "unset" there (see unsetMeans). */
export interface PerStage {
  on: "stage";
  values: Record<Stage, SpecValue | undefined>;
}
/** A default that depends on the chosen engine. */
export interface PerEngine {
  on: "dbEngine";
  values: Record<DbEngine, SpecValue>;
}

export interface SettingSpec {
  section: Section;
  type: ConfigValueType;
  /** The default: one value, per stage, or per engine. Absent: unset unless given (see unsetMeans). */
  default?: SpecValue | PerStage | PerEngine;
  /** What an unset setting means, for the docs (e.g. "the region's default VPC"). */
  unsetMeans?: string;
  /**
   * The integer Pulumi.yaml declares for a setting without one default. Every key needs a default there
   * (the CLI demands a declared key without one in every stack, pulumi/pulumi#21797); this value reads as unset.
   */
  unset?: number;
  min?: number;
  max?: number;
  /** The only values allowed. */
  allowed?: readonly string[];
  description: string;
  /**
   * Must be stored with `pulumi config set --secret`; never shown in messages. Not written as `secret: true`
   * to Pulumi.yaml: a secret key with a default fails validation since CLI 3.202 (pulumi/pulumi#21865).
   */
  secret?: boolean;
}

/** True for a default that depends on another choice. */
export function isDependent(d: SettingSpec["default"]): d is PerStage | PerEngine {
  return typeof d === "object" && d !== null && !Array.isArray(d) && "on" in d && "values" in d;
}

export const perStage = (dev: SpecValue | undefined, prod: SpecValue | undefined,
  sandbox: SpecValue | undefined): PerStage => ({ on: "stage", values: { dev, prod, sandbox } });

/** The value Pulumi.yaml declares: the one default, or the "unset" value of its type. */
export function schemaDefault(spec: SettingSpec): string | number | boolean | string[] {
  const d = spec.default;
  // An object's default is declared as its JSON text: the CLI hands a string default over as it is,
  // so the program reads the same "{}" however a tool renders defaults (no map-to-text step).
  if (d !== undefined && !isDependent(d)) {
    return spec.type === "object" ? JSON.stringify(d) : (d as string | number | boolean | string[]);
  }
  if (spec.type === "integer") {
    if (spec.unset === undefined) throw new Error("an integer setting without one default needs `unset`");
    return spec.unset;
  }
  return spec.type === "array" ? [] : spec.type === "boolean" ? false : "";
}
