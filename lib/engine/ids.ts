// Deterministic ids and names for the mock's models: everything derives from hashes of names and
// inputs, so the same program gives the same outputs on every run.
import * as crypto from "crypto";

export function sha(...parts: unknown[]): string {
  return crypto.createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/** The name Pulumi generates from a resource name (name + random suffix), made deterministic. */
export function autoname(name: string, type: string, lower = false): string {
  const n = `${name}-${sha("autoname", type, name).slice(0, 7)}`;
  return lower ? n.toLowerCase() : n;
}

/** An AWS-style id: prefix and hex digits. */
export function idOf(prefix: string, type: string, name: string, length = 17): string {
  return `${prefix}-${sha("id", type, name).slice(0, length)}`;
}

/** A UUID-shaped id (SNS subscriptions). */
export function uuidOf(...parts: unknown[]): string {
  const h = sha(...parts);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
