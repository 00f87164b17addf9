// The real SandboxWorkspace: a thin adapter over the Automation API's LocalWorkspace (project root as
// workDir, so the program, Pulumi.yaml and Pulumi.dev.yaml are the committed ones).

import * as path from "path";
import { LocalWorkspace, Stack, StackNotFoundError, StackSettings } from "@pulumi/pulumi/automation";
import { policyConfigPath } from "../../../policy/config";
import { Backend } from "./environment";
import { SettingsValue } from "./rules";
import { SandboxStack, SandboxWorkspace } from "./context";

/**
 * The policy pack every sandbox up runs, with the sandbox stage's reviewed config: the Automation API
 * passes them as `--policy-pack` / `--policy-pack-config` (@pulumi/pulumi automation/stack.js, up).
 */
export function sandboxPolicyOptions(projectDir: string): { policyPacks: string[]; policyPackConfigs: string[] } {
  return { policyPacks: [path.join(projectDir, "policy")],
    policyPackConfigs: [path.join(projectDir, policyConfigPath("sandbox"))] };
}

function adaptStack(ws: LocalWorkspace, stack: Stack, projectDir: string): SandboxStack {
  return {
    name: stack.name,
    writeConfig: async (config) => {
      // A fresh CI checkout has no Pulumi.<stack>.yaml for an existing stack: start from nothing.
      const settings: StackSettings = await ws.stackSettings(stack.name).catch(() => ({}));
      await ws.saveStackSettings(stack.name, { ...settings, config });
    },
    up: async (onOutput) => {
      await stack.up({ onOutput, color: "never", ...sandboxPolicyOptions(projectDir) });
    },
    destroy: async (onOutput) => {
      await stack.destroy({ onOutput, color: "never" });
    },
    cancel: async () => {
      await stack.cancel();
    },
    outputs: async () => {
      const outputs = await stack.outputs();
      return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value]));
    },
    // showSecrets false: reading the record must not need the secrets provider.
    history: async () =>
      (await stack.history(undefined, undefined, false)).map((update) => ({ startTime: update.startTime,
        config: update.config ?? {} })
      ),
  };
}

/** Opens the project at `projectDir` on `backend`. Requires the Pulumi CLI (checked by the caller). */
export async function openWorkspace(projectDir: string, backend: Backend): Promise<SandboxWorkspace> {
  const ws = await LocalWorkspace.create({
    workDir: projectDir,
    envVars: { PULUMI_SKIP_UPDATE_CHECK: "true", ...backend.envVars },
    secretsProvider: backend.secretsProvider,
  });
  return {
    projectName: async () => (await ws.projectSettings()).name,
    stackSettingsConfig: async (stackName) =>
      ((await ws.stackSettings(stackName)).config ?? {}) as Record<string, SettingsValue>,
    listStacks: async () => (await ws.listStacks()).map((summary) => summary.name),
    selectStack: async (name) => {
      try {
        return adaptStack(ws, await Stack.select(name, ws), projectDir);
      } catch (err) {
        if (err instanceof StackNotFoundError) return undefined;
        throw err;
      }
    },
    createOrSelectStack: async (name) => adaptStack(ws, await Stack.createOrSelect(name, ws), projectDir),
    removeStack: (name) => ws.removeStack(name),
  };
}
