// The SDK's wire form of a secret ({ <sig key>: <secret sig>, value }) and the one way the engine
// takes it apart: the mock validates plain values, the plan also needs to know which strings were
// secret and which were public.
import * as pulumi from "@pulumi/pulumi";

const SIG_KEY = pulumi.runtime.specialSigKey;
const SECRET_SIG = pulumi.runtime.specialSecretSig;

/** True for a value the SDK sent as a secret. */
export function isSecretValue(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Wraps a value the way the SDK marks a secret (e.g. an output the engine must keep secret). */
export function secretValue(value: unknown): unknown {
  return { [SIG_KEY]: SECRET_SIG, value };
}

/** Strings seen inside secrets and outside them. */
export interface SeenStrings {
  secret: string[];
  public: string[];
}

/**
 * Replaces secret wrappers by their values, recursively. When `seen` is given, sorts the strings
 * found: a secret that wraps a string is that secret; strings inside a secret array or object are
 * neither, because the SDK marks a whole property secret when any element is (e.g. `triggers` because
 * of one hash, `connection` because of its private key), so their other elements are no secrets.
 */
export function unwrapSecrets(value: unknown, seen?: SeenStrings, insideSecret = false): any { // eslint-disable-line @typescript-eslint/no-explicit-any -- provider properties are untyped JSON
  if (isSecretValue(value)) {
    if (typeof value.value === "string" && value.value !== "") seen?.secret.push(value.value);
    return unwrapSecrets(value.value, seen, true);
  }
  if (typeof value === "string") {
    if (!insideSecret && value !== "") seen?.public.push(value);
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => unwrapSecrets(v, seen, insideSecret));
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = unwrapSecrets(v, seen, insideSecret);
    return out;
  }
  return value; // numbers, booleans, assets, archives
}
