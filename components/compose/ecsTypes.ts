// The compose → ECS Fargate translation's types: what it takes, what it returns, and the context a
// service is read in (components/compose/ecs.ts translates; ecsFields.ts and ecsLimits.ts read fields).
import type { FargateSize } from "./fargate";
import type { Env } from "./fields";
import type { ComposeModel, ComposeService } from "./model";
import type { EcsHealthCheck } from "./ecsHealth";

export interface EcsOptions {
  /** The image for a service, e.g. the ECR image the stack builds and pushes; undefined: the file's `image:`. */
  imageFor?(service: string): string | undefined;
  /** The service whose published port the load balancer takes over (proxyService, or web without a proxy). */
  proxyService?: string;
  /** Non-secret values for `${VAR}` references (never secrets: the values land in the task definition). */
  env?: Env;
}

export type EcsCondition = "START" | "HEALTHY" | "SUCCESS";

/** The part of an ECS ContainerDefinition the translation fills (field names as ECS spells them). */
export interface EcsContainerDefinition {
  name: string;
  image: string;
  essential: boolean;
  command?: string[];
  entryPoint?: string[];
  environment: { name: string; value: string }[];
  portMappings: { containerPort: number; protocol: "tcp" | "udp" }[];
  mountPoints: { sourceVolume: string; containerPath: string; readOnly: boolean }[];
  healthCheck?: EcsHealthCheck;
  stopTimeout?: number;
  cpu?: number;
  memory?: number;
  memoryReservation?: number;
  user?: string;
  workingDirectory?: string;
  linuxParameters?: { initProcessEnabled: boolean };
}

/** Environment entry `name` takes the value of the stack's variable `variable` (else `fallback`, when compose gives one). */
export interface SecretVariable {
  name: string;
  variable: string;
  fallback?: string;
}

export interface EcsContainer {
  service: string;
  /** "one-shot": another service waits for it to complete (a migration job), so it is not essential. */
  role: "long-running" | "one-shot";
  /** Without dependsOn, which fargateTask adds for the containers placed in one task. */
  definition: EcsContainerDefinition;
  /** compose depends_on, translated, with the line each was written on. */
  dependencies: { service: string; condition: EcsCondition; line: number }[];
  /** env_file names (relative to the compose file): the caller turns their entries into task `secrets`. */
  envFiles: string[];
  /** Environment entries whose value the caller supplies as a secret from the stack's environment. */
  secretVariables: SecretVariable[];
  /** Task volumes this container mounts (named and anonymous volumes, emptied when the task stops). */
  volumes: string[];
  /** The proxy's container port that receives the load balancer's traffic. */
  loadBalancerPort?: number;
  /** deploy.replicas (or scale) when written. */
  replicas?: number;
  /** The Fargate size of a task holding this container alone. */
  task: FargateSize;
}

export interface EcsTranslation {
  file: string;
  containers: EcsContainer[];
  notes: string[];
  /** One message per shape ECS cannot take; create nothing unless empty. */
  errors: string[];
}

/** A service's context while it is translated. */
export interface Ctx {
  model: ComposeModel;
  service: ComposeService;
  opts: EcsOptions;
  env: Env;
  notes: string[];
  errors: string[];
  at(...path: (string | number)[]): number;
  refuse(path: (string | number)[], what: string, fix: string): void;
}
