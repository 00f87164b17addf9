// The policy rule of the app's own secrets: appEnv is stored in plain text in the committed stack
// file, so a prod stack whose appEnv holds a name that looks secret (PASSWORD, SECRET, TOKEN, KEY, …)
// fails; the fix is appSecrets (encrypted in the stack file and in state). The names the app receives
// and their sources are the stack output `appEnvironment` (name → deployment | appEnv | appSecrets,
// never a value), which CrossGuard hands a stack policy as the props of the `pulumi:pulumi:Stack`
// resource and the offline plan adds the same way.
import { looksSecret } from "../components/config/envfile";
import { STACK } from "./httpsRules";
import { Rule, stackRule } from "./core";

/** The appEnv names of a stack's `appEnvironment` output that look secret, sorted. */
export function secretLookingAppEnv(appEnvironment: unknown): string[] {
  if (typeof appEnvironment !== "object" || appEnvironment === null) return [];
  return Object.entries(appEnvironment).filter(([name, source]) => source === "appEnv" && looksSecret(name)).map((
    [name],
  ) => name).sort();
}

function appEnvRulesOf(): Rule[] {
  const noSecretsInAppEnv = stackRule(
    "prod-secrets-not-in-app-env",
    "A prod stack keeps names that look secret (PASSWORD, SECRET, TOKEN, KEY, …) out of appEnv, which the stack file holds in plain text; they belong in appSecrets.",
    (all) => {
      const stack = all.find((r) => r.type === STACK);
      const outputs = stack?.props ?? {};
      if ((outputs.stage ?? stack?.stage) !== "prod") return [];
      return secretLookingAppEnv(outputs.appEnvironment).map((name) => ({
        policy: "prod-secrets-not-in-app-env",
        resource: stack?.name ?? "stack",
        urn: stack?.urn,
        message: `appEnv holds ${name}, which looks like a secret, in plain text in the stack file. Move it: `
          + `remove it from appEnv and add it to appSecrets (npm run env:import -- <old .env> --stack <stack> --secret ${name} does both for a file's entries)`,
      }));
    },
  );
  return [noSecretsInAppEnv];
}

/** The rules of this family. */
export const appEnvRules: Rule[] = appEnvRulesOf();
