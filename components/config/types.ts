// The typed settings every component receives (slices of StackConfig, never pulumi.Config).
// Keep these names and fields stable: components, scripts and tests import them.
import type { EcsContainerDefinition } from "../compose/ecsTypes";
import type { HealthSource } from "../compose/webRules";
import type { EcsServiceFate, ServiceFate } from "../compose/serviceFates";

export type Stage = "dev" | "prod" | "sandbox";
export type HostOs = "al2023" | "ubuntu";
export type Arch = "x86_64" | "arm64";
export type DbEngine = "postgres" | "mysql" | "mariadb";
export type DeployMode = "host" | "registry";
/** How the deployment reaches the host: SSH to port 22, or SSH through Session Manager (no inbound port). */
export type Transport = "ssh" | "ssm";
/** Where the app runs: one EC2 host (compose) or ECS on Fargate behind a load balancer. */
export type Hosting = "ec2" | "ecs";
/** Where uploaded media lives: a volume on the host, or an S3 bucket (required on ecs). */
export type MediaStorage = "volume" | "s3";

/** Where the stack lives. */
export interface NetworkSettings {
  /** Existing VPC id; undefined means the region's default VPC. */
  vpcId?: string;
  /** Public subnet ids for the host (and DB subnet group when dbSubnetIds is unset); undefined means the VPC's default subnets. */
  subnetIds?: string[];
  /** Subnets for the DB subnet group (must span ≥ 2 AZs); undefined means subnetIds / the VPC's subnets. */
  dbSubnetIds?: string[];
}

/** Who may reach the host. Every CIDR is valid, distinct and allowed for the stage (judged in config). */
export interface FirewallSettings {
  /** CIDRs allowed on 80/443 (IPv4 and IPv6 both accepted). */
  httpCidrs: string[];
  /** CIDRs allowed on 22 (empty on transport ssm: no inbound 22); never the world in prod; must include wherever `pulumi up` runs. */
  sshCidrs: string[];
  /** ssh: the deployment dials port 22; ssm: it goes through Session Manager and 22 stays closed. */
  transport: Transport;
}

/** The EC2 host. */
export interface HostSettings {
  os: HostOs;
  instanceType: string;
  /** Derived from instanceType (Graviton families → arm64). */
  arch: Arch;
  /** Pinned AMI id; undefined means resolve from the SSM public parameter and ignore later AMI changes. */
  amiId?: string;
  rootVolumeGb: number;
  /** OpenSSH public key; undefined means a key pair generated with @pulumi/tls. */
  sshPublicKey?: string;
  /** Set exactly when sshPublicKey is set (secret config). */
  sshPrivateKey?: string;
  /** Derived from os: ec2-user (al2023), ubuntu (ubuntu). */
  sshUser: string;
}

/** The RDS database (outside compose). */
export type DatabaseSource =
  | { kind: "empty" }
  /** snapshot: an identifier (own or `rds:` automated) or the ARN of a shared snapshot. */
  | { kind: "snapshot"; snapshot: string }
  /** import: the existing instance's identifier and its master password (secret). */
  | { kind: "import"; identifier: string; password: string };

export interface DatabaseSettings {
  engine: DbEngine;
  /** A major version only ("16", "8.0", "10.11"): RDS applies minor upgrades itself. */
  engineVersion: string;
  instanceClass: string;
  allocatedStorageGb: number;
  /** Storage autoscaling ceiling; undefined disables autoscaling. */
  maxAllocatedStorageGb?: number;
  dbName: string;
  username: string;
  /** Derived from engine: 5432 postgres, 3306 mysql/mariadb. */
  port: number;
  multiAz: boolean;
  backupRetentionDays: number;
  /** Where the data comes from: nothing (a new empty database), an RDS snapshot, or an existing instance adopted by import. */
  source: DatabaseSource;
  /** Derived from stage (prod true): Pulumi `protect`, RDS deletionProtection and a final snapshot. */
  protectData: boolean;
}

/** The compose app and how it is deployed. */
export interface AppSettings {
  /** App directory, relative to the project root. */
  dir: string;
  /** "host": build on the instance; "registry": build+push to ECR, host pulls. */
  deployMode: DeployMode;
  composeFile: string;
  /** Compose service that serves HTTP through nginx and runs migrations; defined in the compose file. */
  webService: string;
  /** Compose service that proxies to webService (nginx), reloaded during a switch; set or detected. */
  proxyService: string;
  /** Port webService listens on inside its container; set or read from the compose file. */
  webPort: number;
  /** The file (relative to the compose file) the deployment writes the .env content to: web's last `env_file:`, else .env. */
  envFile: string;
  /** How a new web container is judged ready: its compose healthcheck, or the deploy's own HTTP probe. */
  healthSource: HealthSource;
  /** Services restarted after web has switched, one replica at a time (components/compose/serviceFates.ts): found or named in workerServices. */
  workerServices: string[];
  /** Every service of the compose file and what a deploy does with it, for the plan. */
  serviceFates: ServiceFate[];
  /** What the compose file holds, for the plan (services, proxied service, health source, notes). */
  composeFindings: string[];
  /** App-relative patterns of files that ship although the bundle's never-ship rules would refuse them. */
  allowFiles: string[];
  healthPath: string;
  healthTimeoutSeconds: number;
  /** Seconds a check through the proxy waits on a busy app before a warning (never a failure). */
  healthBusySeconds: number;
  keepReleases: number;
  /** Extra non-secret .env entries, already checked against the .env rules. */
  env: Record<string, string>;
  /** The app's own secrets (appSecrets), checked against the same rules; never shown, secret wherever they go. */
  secrets: Record<string, string>;
  /** The Django key to keep (secretKey); undefined: the deployment generates one. */
  secretKey?: string;
}

/** The web service's Fargate task, derived from the compose file at config time (ecs only). */
export interface EcsTaskPlan {
  /** Tasks the service keeps running at least / may scale out to. */
  minTasks: number;
  maxTasks: number;
  /** Task size: CPU units (1024 = 1 vCPU) and MiB, a valid Fargate combination. */
  cpu: number;
  memory: number;
  /** The web container's port the load balancer sends traffic to. */
  containerPort: number;
  /** The compose services in the task (web first, then what it depends on). */
  services: string[];
  /**
   * The containers as translated from the compose file (web's image is a placeholder the stack
   * replaces with the image it pushes to ECR); dependsOn already set within the task.
   */
  containers: EcsContainerDefinition[];
  /** Environment entries of the containers that take the stack's secrets: container → [name, secret]. */
  secretEnv: Record<string, { name: string; secret: EcsSecretName }[]>;
  /** Workers (services built from web's image) and beat: each its own ECS service without a load balancer. */
  workers: EcsWorkerPlan[];
  /** What ecs does with every service of the compose file (the plan's table). */
  fates: EcsServiceFate[];
  /** What the translation left out or changed, for the plan. */
  notes: string[];
}

/** A worker's (or beat's) own Fargate service: web's image, its own command, no load balancer. */
export interface EcsWorkerPlan {
  service: string;
  /** Task size from the worker's own limits (the smallest Fargate size without any). */
  cpu: number;
  memory: number;
  /** Tasks kept running / the autoscaler may run: deploy.replicas..maxTasks; beat exactly 1..1. */
  minTasks: number;
  maxTasks: number;
  /** beat: one task at any time (the old task stops before the new one starts). */
  singleton: boolean;
  /** Its one container (web's image placeholder, its command). */
  containers: EcsContainerDefinition[];
  secretEnv: Record<string, { name: string; secret: EcsSecretName }[]>;
}

/** The secrets the stack hands the app on ecs (through the container definition's `secrets`): its own, and `app/<NAME>` for each appSecrets entry. */
export type EcsSecretName = "db/app-url" | "SECRET_KEY" | `app/${string}`;

/** The two passwords only each task's db-login container gets on ecs (components/ecsDbLogin.ts), never the app. */
export type DbLoginSecretName = "db/master-password" | "db/app-password";

/** Where and how the app is hosted, and the names it answers to. */
export interface HostingSettings {
  kind: Hosting;
  /** volume (ec2 only) or s3. */
  mediaStorage: MediaStorage;
  /** Host names the site is served at, first = primary; validated (no scheme, path, port). */
  domain: string[];
  /** Route 53 hosted zone for the names (Z…); with it the stack creates records and, on ecs, an ACM certificate. */
  hostedZoneId?: string;
  /** Set exactly when kind is ecs. */
  ecs?: EcsTaskPlan;
}

/** The managed cache outside compose (ElastiCache for Valkey, components/cache.ts), or none. */
export interface CacheSettings {
  /** none: no cache; redis: a Redis-compatible cache the app reaches through REDIS_URL. */
  kind: "none" | "redis";
  /** ElastiCache node type (cache.family.size). */
  nodeType: string;
  /** Nodes of the replication group: prod 2 (a primary and a replica in another AZ, automatic failover), else 1. */
  nodes: number;
}

/** HTTPS on the ec2 host: the names to certify, the ACME account and directory, and HSTS. */
export interface TlsSettings {
  /** The names the certificate covers (the domain setting, first primary); never a wildcard. */
  domains: string[];
  /** The ACME account's contact address. */
  acmeEmail: string;
  /** The https URL of the ACME directory (Let's Encrypt's production or staging one by default). */
  acmeServer: string;
  /** Send Strict-Transport-Security (prod's default). */
  hsts: boolean;
}

/** How the site reaches browsers. */
export interface SiteSettings {
  /** Set exactly on hosting ec2 with a domain: the host gets its certificate over ACME HTTP-01. */
  tls?: TlsSettings;
  /** true: the site is served over HTTPS (ec2 with a domain; ecs with a domain and a hosted zone). */
  https: boolean;
  /** Serve prod over plain HTTP on purpose (the policy refuses prod without HTTPS otherwise); no effect when https. */
  allowPlainHttp: boolean;
}

/** CloudWatch: container log retention, who hears about alarms, and the alarm thresholds. */
export interface MonitoringSettings {
  /** Days CloudWatch Logs keeps container logs; a retention CloudWatch accepts. */
  logRetentionDays: number;
  /** Address that receives alarm e-mails (AWS sends a confirmation mail first); undefined: the topic only. */
  alertEmail?: string;
  /** Host CPUUtilization (%) above which, for 15 minutes, the host CPU alarm fires (1..100). */
  cpuHighPercent: number;
  /** Root filesystem use (%) above which the host disk alarm fires (1..100). */
  diskHighPercent: number;
  /** RDS FreeStorageSpace (GiB) below which the database storage alarm fires (≥ 1, below the allocated storage). */
  dbFreeStorageLowGb: number;
  /** RDS CPUUtilization (%) above which, for 15 minutes, the database CPU alarm fires (1..100). */
  dbCpuHighPercent: number;
}

export interface StackConfig {
  project: string;
  stack: string;
  stage: Stage;
  region: string;
  /** ARN of the managed policy every role of the stack carries as its permissions boundary; undefined: none. */
  iamPermissionsBoundary?: string;
  /** Applied to every taggable resource: at least project, stack, stage, managed-by. */
  tags: Record<string, string>;
  network: NetworkSettings;
  firewall: FirewallSettings;
  host: HostSettings;
  database: DatabaseSettings;
  app: AppSettings;
  hosting: HostingSettings;
  cache: CacheSettings;
  site: SiteSettings;
  monitoring: MonitoringSettings;
}

/** What the ecs task is planned from (components/config/ecsTask.ts planEcsTask). */
export interface EcsTaskInput {
  /** The compose file as the user knows it (starts every message) and its text. */
  file: string;
  text: string;
  webService: string;
  /** appEnv: non-secret values for `${VAR}` references. */
  appEnv: Record<string, string>;
  /** appSecrets' names: handed to the task as `secrets` (values never reach the plan). */
  appSecrets?: string[];
  minTasks: number;
  maxTasks: number;
  /** Set to override the size derived from the compose file's limits. */
  taskCpu?: number;
  taskMemory?: number;
  /** cache: redis — the stack's managed cache replaces the compose file's redis (or valkey) service. */
  cache?: boolean;
  /** The proxy in front of web (set or detected by config): the load balancer takes its place. */
  proxyService?: string;
}
