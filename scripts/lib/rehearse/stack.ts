// The stack's settings as the rehearsal reads them: the stack file with --set over it, and stand-ins
// for the app's secrets (the stack file's encrypted values cannot be read here).
import * as crypto from "crypto";
import { ConfigError, parseConfig, type StackConfig } from "../../../components/config";
import { configFor, namespacedKey, PROJECT, projectConfigTypes, setEntry } from "../../../lib/engine";
import { planConfig } from "../plan/run";

/** The stack's settings as `pulumi up` would read them, with --set applied; compose-only refusals are findings. */
export function loadStack(stack: string,
  set: Record<string, string> = {}): { config: StackConfig; problems: string[] } {
  const { entries } = planConfig(stack);
  const declared = projectConfigTypes();
  for (const [key, value] of Object.entries(set)) {
    entries.set(namespacedKey(key), setEntry(namespacedKey(key), value, false, declared));
  }
  const { config } = configFor({ stack, entries });
  const settings = Object.fromEntries(
    Object.entries(config).filter(([k]) => k.startsWith(`${PROJECT}:`)).map((
      [k, v],
    ) => [k.slice(PROJECT.length + 1), v]),
  );
  try {
    return { config: parseConfig(settings, { project: PROJECT, stack, region: config["aws:region"] }), problems: [] };
  } catch (e) {
    if (!(e instanceof ConfigError) || !e.parsed) throw e;
    const composePath = `${e.parsed.app.dir}/${e.parsed.app.composeFile}`;
    // Only the compose file refused: the host runs it anyway, so the rehearsal shows what it does.
    if (e.problems.every((p) => p.startsWith(`${composePath}:`))) return { config: e.parsed, problems: e.problems };
    throw e;
  }
}

/**
 * The app's own secrets as the .env carries them. The stack file's encrypted values cannot be read
 * here, so each name listed under appSecrets gets a local stand-in value.
 */
export function appSecretsStandIns(stack: string): Record<string, string> {
  const { config } = planConfig(stack);
  const raw = config[`${PROJECT}:appSecrets`];
  if (!raw) return {};
  const names = Object.keys(JSON.parse(raw) as Record<string, unknown>);
  return Object.fromEntries(names.map((n) => [n, `rehearsal-${crypto.randomBytes(12).toString("hex")}`]));
}
