// The stack's outputs: one contract between index.ts, which exports them, and everything that reads
// them (ops, the sandbox CLI, the plan and its policy, the workflows through pulumi/actions). A name
// is written here once; renaming or dropping one fails to compile on both sides.
import type * as pulumi from "@pulumi/pulumi";
import type { EnvSource } from "./config/appEnv";
import type { Hosting, Stage, Transport } from "./config/types";

/** Each output's value once resolved (what `pulumi stack output --json` prints); optional: only some stacks have it. */
export interface StackOutputValues {
  stage: Stage;
  region: string;
  hosting: Hosting;
  /** ec2: how the deployment reaches the host (ssh: port 22; ssm: Session Manager, no inbound port). */
  transport?: Transport;
  url: string;
  /** Where the site's certificate comes from, e.g. "Let's Encrypt via HTTP-01 on the host". */
  certificateSource: string;
  /** Whether browsers reach the site over HTTPS, and whether prod serves plain HTTP on purpose (the policy reads both). */
  https: boolean;
  allowPlainHttp: boolean;
  /** ec2 with a domain: the ACME directory the host's certificate comes from (the policy refuses staging in prod). */
  acmeServer?: string;
  /** ec2: whether the edge sends Strict-Transport-Security (the policy requires it in prod over HTTPS). */
  hsts?: boolean;
  publicIp?: string;
  publicDns?: string;
  instanceId?: string;
  sshUser?: string;
  /** Log in to the host, once the key is saved (`pulumi stack output --show-secrets sshPrivateKey > <key file>`). */
  sshCommand?: string;
  dbEndpoint: string;
  /** The release the deploy made serve (ec2), or the bundle's hash (ecs). */
  releaseId: string;
  dbName: string;
  dbUsername: string;
  /** Where the database's data comes from: empty, an RDS snapshot, or an adopted instance. */
  databaseSource: string;
  /** ecs: the cluster and service `aws ecs execute-command` addresses. */
  ecsCluster?: string;
  ecsService?: string;
  loadBalancerDnsName?: string;
  /** DNS records a human must create (no hosted zone), e.g. "shop.example.com A <address>". */
  dnsRecordsToCreate?: string[];
  mediaBucket?: string;
  /** cache: redis — the ElastiCache primary endpoint (address:port) the app's REDIS_URL names. */
  cacheEndpoint?: string;
  /** Where the containers' logs go (`aws logs tail <group> --follow`). */
  logGroupName?: string;
  alarmTopicArn?: string;
  /** Secret. */
  dbUrl: string;
  /** Secret. */
  dbPassword: string;
  /** Secret: the deployment's SSH key. */
  sshPrivateKey?: string;
  /** The host's SSH host public key ("type base64"), pinned by the deployment and by `ops`. */
  hostPublicKey?: string;
  /** Every variable the app receives and its source (deployment, appEnv, appSecrets), never a value. */
  appEnvironment: Record<string, EnvSource>;
}

export type StackOutputName = keyof StackOutputValues;

/** What index.ts exports: each output as a value or an Output of it (undefined where the stack has none). */
export type StackOutputs = { [K in StackOutputName]-?: pulumi.Input<NonNullable<StackOutputValues[K]>> | undefined };

/** Resolved outputs as a reader gets them (from `pulumi stack output --json`, or the mock engine). */
export type ResolvedOutputs = Partial<Record<StackOutputName, unknown>>;

// Every name once more, as a value: the record's type makes a missing or extra name a compile error.
const NAMES: Record<StackOutputName, true> = {
  stage: true,
  region: true,
  hosting: true,
  transport: true,
  url: true,
  certificateSource: true,
  https: true,
  allowPlainHttp: true,
  acmeServer: true,
  hsts: true,
  publicIp: true,
  publicDns: true,
  instanceId: true,
  sshUser: true,
  sshCommand: true,
  dbEndpoint: true,
  releaseId: true,
  dbName: true,
  dbUsername: true,
  databaseSource: true,
  ecsCluster: true,
  ecsService: true,
  loadBalancerDnsName: true,
  dnsRecordsToCreate: true,
  mediaBucket: true,
  cacheEndpoint: true,
  logGroupName: true,
  alarmTopicArn: true,
  dbUrl: true,
  dbPassword: true,
  sshPrivateKey: true,
  hostPublicKey: true,
  appEnvironment: true,
};

/** Every output name, in the order above. */
export const STACK_OUTPUT_NAMES = Object.keys(NAMES) as StackOutputName[];

/** The outputs that are secret in state and in `pulumi stack output` (unless --show-secrets). */
export const SECRET_OUTPUTS: readonly StackOutputName[] = ["dbUrl", "dbPassword", "sshPrivateKey"];

/** An output as non-empty text, or undefined. */
export function outputText(outputs: ResolvedOutputs, name: StackOutputName): string | undefined {
  const value = outputs[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}
