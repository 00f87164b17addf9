// The policy pack's configuration, one reviewed file per stage: policy/config.<stage>.json. CI hands
// it to the Pulumi CLI with --policy-pack-config (pulumi/actions' `policyPackConfigs` input; the
// sandbox CLI through the Automation API's `policyPackConfigs`), and the offline plan judges with the
// same file, so both verdicts read one set of values. The CLI's format: one section per policy, keyed
// by the policy's name (pulumi/pulumi LoadPolicyPackConfigFromFile); every rule that reads the config
// gets the same values, and a unit test keeps each file complete and consistent.
import * as fs from "fs";
import * as path from "path";
import { PolicyConfig, Rule } from "./core";

/** The stages with a config file of their own (a sandbox is any stack other than dev and prod). */
export const POLICY_STAGES = ["dev", "prod", "sandbox"] as const;
export type PolicyStage = (typeof POLICY_STAGES)[number];

/** The file of a stage, relative to the project root (the form workflows and the sandbox CLI pass). */
export function policyConfigPath(stage: PolicyStage): string {
  return `policy/config.${stage}.json`;
}

/** The file's content for these values: a section per rule that reads the config. */
export function policyConfigDocument(config: PolicyConfig, rules: Rule[]): Record<string, PolicyConfig> {
  return Object.fromEntries(rules.filter((r) => r.configSchema).map((r) => [r.name, config]));
}

/**
 * The values of a config file's sections, which must all agree (a reviewer reads one of them); throws
 * naming the file and the section otherwise.
 */
export function policyConfigValues(file: string, document: unknown): PolicyConfig {
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new Error(`${file}: not a JSON object of policy sections`);
  }
  const sections = Object.entries(document as Record<string, unknown>);
  if (sections.length === 0) throw new Error(`${file}: no policy section`);
  const [first, ...rest] = sections;
  const text = JSON.stringify(first[1]);
  const odd = rest.find(([, v]) => JSON.stringify(v) !== text);
  if (odd) throw new Error(`${file}: section ${odd[0]} differs from ${first[0]}; every rule reads the same values`);
  return first[1] as PolicyConfig;
}

/** Reads a stage's file from the project at `projectDir`. */
export function readPolicyConfig(projectDir: string, stage: PolicyStage): PolicyConfig {
  const file = policyConfigPath(stage);
  return policyConfigValues(file, JSON.parse(fs.readFileSync(path.join(projectDir, file), "utf8")));
}
