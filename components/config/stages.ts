// The stages and what each one is. Per-stage defaults of single settings live in the spec table
// (specs.ts); this file holds what a stage is as a whole.
import type { Arch, Stage } from "./types";

export const STAGES: readonly Stage[] = ["dev", "prod", "sandbox"];

/** The stage of a stack: exactly `dev` and `prod` are the shared stages, every other stack is a sandbox. */
export function stageOfStack(stack: string): Stage {
  return stack === "prod" ? "prod" : stack === "dev" ? "dev" : "sandbox";
}

/** Only prod keeps its data: Pulumi protect, RDS deletion protection and a final snapshot. */
export function protectsData(stage: Stage): boolean {
  return stage === "prod";
}

/**
 * The smallest instance types that still run the compose app (t3.nano's 512 MiB is too small to build
 * the images), per architecture: a sandbox keeps dev's architecture. x86_64 is the sandbox default.
 */
export const SANDBOX_INSTANCE_TYPE: Record<Arch, string> = { x86_64: "t3.micro", arm64: "t4g.micro" };

/**
 * Settings a sandbox always takes from its stage defaults, whatever dev sets: the sizes, single-AZ and
 * the shortest backups. The sandbox CLI writes these into a new sandbox's stack file.
 */
export const SANDBOX_PINNED_KEYS = ["instanceType", "dbInstanceClass", "dbAllocatedStorageGb", "dbMultiAz",
  "dbBackupRetentionDays"] as const;
