// A stack's outputs through the Automation API, on the same backend the sandbox CLI uses
// (.pulumi-state/ in the project, or PULUMI_BACKEND_URL). Needs the Pulumi CLI.
import type { ResolvedOutputs } from "../../../components/outputs";
import { LocalWorkspace, Stack, StackNotFoundError } from "@pulumi/pulumi/automation";
import { resolveBackend } from "../sandbox/environment";
import { OpsUsageError } from "./args";

/** The outputs of `stack` (secrets decrypted: the SSH key is among them; the caller keeps it off command lines). */
export async function stackOutputs(projectDir: string, stack: string,
  env: NodeJS.ProcessEnv): Promise<ResolvedOutputs> {
  const backend = resolveBackend(env, projectDir);
  const ws = await LocalWorkspace.create({
    workDir: projectDir,
    envVars: { PULUMI_SKIP_UPDATE_CHECK: "true", ...backend.envVars },
    secretsProvider: backend.secretsProvider,
  });
  let selected: Stack;
  try {
    selected = await Stack.select(stack, ws);
  } catch (err) {
    if (err instanceof StackNotFoundError) {
      throw new OpsUsageError(`no stack '${stack}' on ${backend.url} (set PULUMI_BACKEND_URL for a shared backend)`);
    }
    throw err;
  }
  const outputs = await selected.outputs();
  return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value]));
}
