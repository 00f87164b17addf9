// The specs of the later sections, in the docs' order: hosting, cache, tls, monitoring, tags
// (components/config/specs.ts holds the earlier ones and the whole table).
import { LOG_RETENTION_DAYS } from "./aws";
import { RDS_STORAGE_GB } from "./engines";
import { ACME_DIRECTORIES } from "./acme";
import { FARGATE_SIZES } from "../compose/fargate";
import { perStage, type SettingSpec } from "./specTypes";

/** Most tasks one web service may run (far below ECS's per-service quota; more is a different app). */
const MAX_TASKS = 100;

export const LATER_SECTIONS: Record<string, SettingSpec> = {
  hosting: {
    section: "hosting",
    type: "string",
    default: "ec2",
    allowed: ["ec2", "ecs"],
    description:
      "ec2: one host running the compose file. ecs: the same compose file's web service on ECS Fargate behind an Application Load Balancer, "
      + "with media on S3; the database, images and settings stay the same.",
  },
  minTasks: {
    section: "hosting",
    type: "integer",
    default: perStage(1, 2, 1),
    unset: 0,
    min: 1,
    max: MAX_TASKS,
    description:
      "ecs only: web tasks always running (autoscaling never goes below). prod's 2 keep the site up while one task is replaced.",
  },
  maxTasks: {
    section: "hosting",
    type: "integer",
    default: perStage(2, 4, 1),
    unset: 0,
    min: 1,
    max: MAX_TASKS,
    description: "ecs only: most web tasks autoscaling may run (target tracking on average CPU); at least minTasks.",
  },
  taskCpu: {
    section: "hosting",
    type: "integer",
    unset: 0,
    allowed: FARGATE_SIZES.map((s) => String(s.cpu)),
    unsetMeans: "the smallest Fargate size holding the compose file's resource limits",
    description: "ecs only: CPU units of the web task (1024 = 1 vCPU).",
  },
  taskMemory: {
    section: "hosting",
    type: "integer",
    unset: 0,
    min: 512,
    max: 122880,
    unsetMeans: "the smallest Fargate size holding the compose file's resource limits",
    description: "ecs only: memory of the web task in MiB; must be a size Fargate offers for taskCpu.",
  },
  mediaStorage: {
    section: "hosting",
    type: "string",
    allowed: ["volume", "s3"],
    unsetMeans: "volume on ec2; s3 on ecs (tasks have no lasting disk)",
    description:
      "Where uploaded media lives: a volume on the host, or a private encrypted S3 bucket the app reaches with its role (no keys).",
  },
  domain: {
    section: "hosting",
    type: "array",
    unsetMeans:
      "no domain: the site answers on the host's address (ec2) or the load balancer's name (ecs) over plain HTTP",
    description:
      "Host names the site is served at, the first one primary (e.g. app.example.com): no scheme, path or port.",
  },
  hostedZoneId: {
    section: "hosting",
    type: "string",
    unsetMeans: "no DNS records: point the names at the site yourself",
    description:
      "Route 53 hosted zone (Z…) holding the domain: the stack creates the records and, on ecs, an ACM certificate validated through it.",
  },
  cache: {
    section: "cache",
    type: "string",
    default: "none",
    allowed: ["none", "redis"],
    description:
      "none: no managed cache. redis: an ElastiCache for Valkey replication group outside compose (as the database is): in the DB subnets, "
      + "encrypted in transit and at rest, reachable only from the web host's (ec2) or the tasks' (ecs) security group; the app gets "
      + "REDIS_URL (rediss://…) on both hostings, and on ecs it replaces the compose file's redis service.",
  },
  cacheNodeType: {
    section: "cache",
    type: "string",
    default: perStage("cache.t4g.micro", "cache.t4g.small", "cache.t4g.micro"),
    description:
      "ElastiCache node type, cache.family.size (the plan prices cache.t4g.micro, small and medium). prod runs two nodes "
      + "(a primary and a replica in another AZ, automatic failover); dev and sandboxes one.",
  },
  acmeEmail: {
    section: "tls",
    type: "string",
    unsetMeans: "required on hosting ec2 with a domain",
    description:
      "ec2 with a domain: the ACME account's contact address (expiry and problem notices from the certificate authority): one @, a dot in the domain part, no spaces.",
  },
  acmeServer: {
    section: "tls",
    type: "string",
    default: perStage(ACME_DIRECTORIES.letsEncryptStaging, ACME_DIRECTORIES.letsEncrypt,
      ACME_DIRECTORIES.letsEncryptStaging),
    description:
      "ec2 with a domain: the https URL of the ACME directory the host's certificate comes from. dev and sandboxes default to Let's Encrypt's "
      + "staging directory (untrusted certificates, generous rate limits) so throwaway stacks never spend production limits.",
  },
  hsts: {
    // A string, not a boolean: Pulumi.yaml must declare a default, and a declared boolean would pin
    // every stage to it; "" reads as unset, so the per-stage default applies.
    section: "tls",
    type: "string",
    default: perStage("false", "true", "false"),
    allowed: ["true", "false"],
    description:
      "ec2 with a domain: send Strict-Transport-Security, so browsers use only HTTPS for the names. Off outside prod, where certificates come from a staging directory.",
  },
  allowPlainHttp: {
    section: "tls",
    type: "boolean",
    default: false,
    description:
      "Serve a prod stack over plain HTTP on purpose (no domain on ec2, or no hosted zone on ecs); without it the policy refuses a prod stack without HTTPS.",
  },
  logRetentionDays: {
    section: "monitoring",
    type: "integer",
    default: perStage(7, 90, 3),
    unset: 0,
    min: 1,
    max: 3653,
    allowed: LOG_RETENTION_DAYS.map(String),
    description:
      "Days CloudWatch Logs keeps the containers' logs (ec2: Docker's awslogs driver; ecs: the tasks' log group).",
  },
  alertEmail: {
    section: "monitoring",
    type: "string",
    unsetMeans: "no e-mail: the alarms notify the SNS topic only",
    description:
      "Address subscribed to the alarm topic (AWS mails a confirmation link first; alerts arrive once it is clicked).",
  },
  cpuHighPercent: {
    section: "monitoring",
    type: "integer",
    default: 80,
    min: 1,
    max: 100,
    description:
      "ec2: the host's CPU (%) above which, for 15 minutes, the host CPU alarm fires. ecs: each ECS service's (web, workers, beat) CPU and memory (% of its tasks' size) above which, for 15 minutes, its alarms fire.",
  },
  diskHighPercent: {
    section: "monitoring",
    type: "integer",
    default: perStage(85, 80, 85),
    unset: 0,
    min: 1,
    max: 100,
    description:
      "ec2: use (%) of the host's root filesystem (images, releases, logs) above which the disk alarm fires.",
  },
  dbFreeStorageLowGb: {
    section: "monitoring",
    type: "integer",
    default: perStage(2, 5, 2),
    unset: 0,
    min: 1,
    max: RDS_STORAGE_GB.max - 1,
    description:
      "ec2: free RDS storage (GiB) below which the database storage alarm fires; below dbAllocatedStorageGb.",
  },
  dbCpuHighPercent: {
    section: "monitoring",
    type: "integer",
    default: 80,
    min: 1,
    max: 100,
    description: "ec2: the database's CPU (%) above which, for 15 minutes, the database CPU alarm fires.",
  },
  tags: {
    section: "tags",
    type: "object",
    default: {},
    description:
      "JSON object of extra tags merged into the stack's own (project, stack, stage, managed-by, owner, expires-at, Name); AWS tag rules apply.",
  },
  sandboxOwner: { section: "tags", type: "string", unsetMeans: "no owner tag",
    description: "Who owns this sandbox; recorded as tag owner." },
  sandboxExpiresAt: {
    section: "tags",
    type: "string",
    unsetMeans: "no expiry tag",
    description: "ISO-8601 time after which the reaper may destroy this sandbox; recorded as tag expires-at.",
  },
};
