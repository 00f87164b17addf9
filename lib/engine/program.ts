// Runs the whole Pulumi program (index.ts) under the AWS mock, the way `pulumi up` would run it, and
// hands back what the mock saw, what the engine recorded and the program's resolved exports.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { AwsMock } from "./awsMock";
import { Registration, RegisterRequest, captureRegistrationOptions } from "./registrations";
import { ConfigEntry, PROJECT, PROJECT_ROOT, ProjectConfigType, applyProjectConfig, configEntry, goJson, namespacedKey,
  projectConfigTypes, stackFileEntries, toConfigValues } from "./stackConfig";

export interface RunOptions {
  stack: string;
  /** Config set over Pulumi.<stack>.yaml (`pulumi config set`); keys without a namespace get "compose-on-ec2:". */
  config?: Record<string, string>;
  /** Config set as secrets (`pulumi config set --secret`), same key rules. */
  secrets?: Record<string, string>;
  /** Ignore Pulumi.<stack>.yaml and use only `config`/`secrets` (plus aws:region us-east-1 unless given). */
  replaceConfig?: boolean;
  /** The stack file's entries as the CLI loaded them (stackEntriesOf), instead of Pulumi.<stack>.yaml. */
  entries?: Map<string, ConfigEntry>;
  /** false: hand the program only what the stack sets, without Pulumi.yaml's defaults (to compare; the CLI always applies them). */
  projectDefaults?: boolean;
  /** The mock to use (e.g. with extra subnets or a parallelism gate); a fresh AwsMock by default. */
  mock?: AwsMock;
  /** Sees each raw register request (for fields nobody records). */
  onRegister?: (req: RegisterRequest) => void;
}

export interface RunResult {
  mock: AwsMock;
  /** Every answered registration as the engine recorded it. */
  registrations: Registration[];
  /** The program's exports, resolved to plain values. */
  outputs: Record<string, unknown>;
  /** The program's exports as the module exported them (Outputs), e.g. for isSecret checks. */
  exports: Record<string, unknown>;
}

/** Resolves an Output (or plain value) to its value; rejects with the output's error; never hangs. */
export function valueOf<T>(output: pulumi.Input<T> | undefined, timeoutMs = 10000): Promise<T> {
  // Output.promise() is internal but stable; it rejects when the output failed (apply would never run).
  const resolved = (pulumi.output(output) as unknown as { promise(): Promise<T> }).promise();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`valueOf: output did not resolve within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([resolved, timeout]).finally(() => clearTimeout(timer));
}

/** True when the output is marked secret. */
export function isSecret(output: unknown): Promise<boolean> {
  return pulumi.Output.isInstance(output) ? pulumi.isSecret(output) : Promise.resolve(false);
}

/** Drops the project's own modules (not the engine, not node_modules) from the require cache so index.ts runs again from scratch. */
function forgetProjectModules(): void {
  const keep = ["node_modules", path.join("lib", "engine"), path.join("tests", "support")].map((dir) =>
    path.join(PROJECT_ROOT, dir) + path.sep
  );
  for (const file of Object.keys(require.cache)) {
    if (file.startsWith(PROJECT_ROOT + path.sep) && !keep.some((k) => file.startsWith(k))) delete require.cache[file];
  }
}

/**
 * A value given as `pulumi config set` would store it. A JSON array for a key Pulumi.yaml declares as
 * an array is stored as that list (what `pulumi config set --path 'key[0]' …` writes); anything else is text.
 */
export function setEntry(key: string, value: string, secret: boolean,
  declared: Record<string, ProjectConfigType>): ConfigEntry {
  const name = key.startsWith(`${PROJECT}:`) ? key.slice(PROJECT.length + 1) : key;
  if (declared[name]?.type === "array" && value.trim().startsWith("[")) {
    try {
      const list: unknown = JSON.parse(value);
      if (Array.isArray(list)) return { value: goJson(list), object: true, secret };
    } catch {
      // not JSON: stored as the text it is (the CLI's type check then names the key)
    }
  }
  return { value, object: false, secret };
}

/** The config and secret keys the CLI would hand the program for these options (Pulumi.yaml's defaults applied). */
export function configFor(opts: RunOptions): { config: Record<string, string>; secretKeys: string[] } {
  const declared = projectConfigTypes();
  const entries = new Map(
    opts.entries
      ?? (opts.replaceConfig ? [["aws:region", configEntry("us-east-1", "aws:region")]] : stackFileEntries(opts.stack)),
  );
  for (const [key, value] of Object.entries(opts.config ?? {})) {
    entries.set(namespacedKey(key), setEntry(namespacedKey(key), value, false, declared));
  }
  for (const [key, value] of Object.entries(opts.secrets ?? {})) {
    entries.set(namespacedKey(key), setEntry(namespacedKey(key), value, true, declared));
  }
  const { config, secureKeys } = toConfigValues(
    opts.projectDefaults === false ? entries : applyProjectConfig(opts.stack, entries, declared),
  );
  return { config, secretKeys: secureKeys };
}

/** Runs index.ts for a stack under the mock and resolves its exports. Rejects on any error AWS would raise. */
export async function runProgram(opts: RunOptions): Promise<RunResult> {
  const mock = opts.mock ?? new AwsMock();
  const { config, secretKeys } = configFor(opts);
  if (config["aws:region"]) mock.region = config["aws:region"];
  mock.reset();
  await pulumi.runtime.setMocks(mock, PROJECT, opts.stack, false);
  const registrations = captureRegistrationOptions(mock, opts.onRegister);
  pulumi.runtime.setAllConfig(config, secretKeys);

  // A failed registration surfaces as an unhandled rejection and leaves its dependents pending
  // forever (as in a real run, where the engine reports it): catch it and fail the run at once.
  let fail: (reason: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  const onUnhandled = (reason: unknown) => fail(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    forgetProjectModules();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported = require(path.join(PROJECT_ROOT, "index.ts")) as Record<string, unknown>;
    const outputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(exported)) {
      outputs[key] = pulumi.Output.isInstance(value) || value instanceof Promise
        ? await Promise.race([valueOf(value as pulumi.Input<unknown>), failed])
        : value;
    }
    // Let registrations that nothing exported depends on finish too (bounded).
    for (let i = 0, quiet = 0; i < 500 && quiet < 3; i++) {
      await Promise.race([new Promise((r) => setImmediate(r)), failed]);
      quiet = mock.pending === 0 ? quiet + 1 : 0;
    }
    if (mock.errors.length > 0) throw new Error(`AWS would reject this program:\n${mock.errors.join("\n")}`);
    return { mock, registrations, outputs, exports: exported };
  } catch (e) {
    // The failed run's dependents stay pending by design; don't let Pulumi's exit-time leak check
    // count them against the whole test process.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require("@pulumi/pulumi/runtime/debuggable") as { leakedPromises(): unknown }).leakedPromises();
    throw e;
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
}
