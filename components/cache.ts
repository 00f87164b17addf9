// The managed cache, kept outside compose as the database is (setting `cache: redis`): an ElastiCache
// for Valkey replication group in the DB subnets, encrypted in transit (TLS only) and at rest, in a
// security group that admits port 6379 only from the group the web service runs in (the ec2 host's,
// or the ecs tasks'; components/firewall.ts). The app reaches it through REDIS_URL (rediss://…), on
// both hostings; on ecs it takes the place of the compose file's redis service.
//
// Why node-based (a replication group) and not ElastiCache Serverless:
// - Operations: every serverless cache is cluster mode enabled ("cluster-enabled yes: All serverless
//   caches are cluster mode enabled", https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/RedisConfiguration.html),
//   so SELECT (a database number in REDIS_URL) is refused and multi-key commands must hash to one slot
//   (https://repost.aws/knowledge-center/elasticache-crossslot-keys-error-redis). Celery's and RQ's Redis
//   brokers and django-redis's default client speak plain, non-cluster Redis. A replication group with
//   cluster mode disabled is that: one primary endpoint, every command, any database number.
// - Price: a cache.t4g.micro Valkey node is $0.0128/h in us-east-1 (~$9.34/month); serverless Valkey
//   meters at least 100 MB of storage at $0.084/GB-h (~$6.13/month) plus every request in ECPUs, and
//   serverless Redis OSS at least 1 GB at $0.125/GB-h (~$91/month). Prices: AWS's Pricing Calculator
//   data (QuinnyPig/aws-price-watcher processed/elasticache.json, 2025-06, cited in scripts/prices.json);
//   the minimums: https://aws.amazon.com/blogs/database/unlock-on-demand-cost-optimized-performance-with-amazon-elasticache-serverless/
//   and AWS's pricing page as quoted by https://www.usage.ai/blogs/aws/database-savings-plans/elasticache/serverless/.
//   The node costs a few dollars more than the serverless floor but has no per-request charge and works
//   with the brokers above, which decides it.
// - Valkey, not Redis OSS: the same protocol at ~20 % less per node (t4g.micro $0.0128 vs $0.016/h).
//
// Per stage (the node count follows the stage, config/cache.ts): dev and sandboxes one cache.t4g.micro
// (a restart loses the cache, which a cache may); prod two cache.t4g.small nodes, a primary and a replica
// in another AZ with automatic failover (Multi-AZ), and a daily snapshot kept for a week. The default
// parameter group's maxmemory-policy volatile-lru evicts only keys with a TTL (cache entries, sessions),
// never a queue's keys (which have none).
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { stackResourceName } from "./config";
import type { CacheSettings, Stage } from "./config";

/** The engine and the major.minor version the replication group runs (minor upgrades are automatic). */
export const CACHE_ENGINE = { engine: "valkey", version: "8.1" } as const;
/** The port Valkey listens on (ElastiCache's default for Valkey and Redis OSS). */
export const CACHE_PORT = 6379;
/** Days prod keeps the daily snapshot (dev and sandboxes keep none: a cache is rebuilt, not restored). */
export const PROD_SNAPSHOT_DAYS = 7;

export interface CacheArgs {
  /** Node type and node count from the stack config. */
  settings: CacheSettings;
  stage: Stage;
  /** The replication group id, already valid (cacheIdentifier). */
  identifier: string;
  /** The subnets the cache's nodes live in (the DB subnets: ≥ 2 AZs, no public address). */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Security group admitting 6379 only from the web host's or the tasks' group (Firewall.cacheSecurityGroupId). */
  securityGroupId: pulumi.Input<string>;
  tags: Record<string, string>;
}

/** CreateReplicationGroup, ReplicationGroupId: 1–40 letters, digits or hyphens, a letter first, no "--", no trailing hyphen. */
export const MAX_CACHE_ID_LENGTH = 40;

/** The stack's replication group id: its resource name, cut to 40 characters with a hash when longer. */
export function cacheIdentifier(project: string, stack: string): string {
  const name = stackResourceName(project, stack);
  if (name.length <= MAX_CACHE_ID_LENGTH) return name;
  const hash = crypto.createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, MAX_CACHE_ID_LENGTH - 9).replace(/-+$/, "")}-${hash}`;
}

/** The replication group's inputs for a stage: pure, so the tests read the choices without AWS. */
export function replicationGroupShape(settings: CacheSettings, stage: Stage): {
  nodeType: string;
  numCacheClusters: number;
  automaticFailoverEnabled: boolean;
  multiAzEnabled: boolean;
  snapshotRetentionLimit: number;
} {
  const replicated = settings.nodes > 1;
  return {
    nodeType: settings.nodeType,
    numCacheClusters: settings.nodes,
    // "If automaticFailoverEnabled or multiAzEnabled are true, [numCacheClusters] must be at least 2" (@pulumi/aws elasticache/replicationGroup.d.ts).
    automaticFailoverEnabled: replicated,
    multiAzEnabled: replicated,
    snapshotRetentionLimit: stage === "prod" ? PROD_SNAPSHOT_DAYS : 0,
  };
}

/** REDIS_URL: TLS (rediss), the primary endpoint, database 0 (no AUTH: only the web's security group reaches the port). */
export function redisUrl(address: string, port: number): string {
  return `rediss://${address}:${port}/0`;
}

export class ManagedCache extends pulumi.ComponentResource {
  /** The primary endpoint's address and port. */
  readonly address: pulumi.Output<string>;
  readonly port: number;
  /** address:port, for the stack's outputs. */
  readonly endpoint: pulumi.Output<string>;
  /** REDIS_URL's value (components/config/appEnv.ts writes it into the app's environment). */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: CacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compose-on-ec2:cache:ManagedCache", name, {}, opts);
    const subnets = new aws.elasticache.SubnetGroup(
      `${name}-subnets`,
      { description: `Cache subnets of ${args.identifier} (managed by Pulumi)`, subnetIds: args.subnetIds,
        tags: args.tags },
      { parent: this },
    );
    const group = new aws.elasticache.ReplicationGroup(
      `${name}-group`,
      {
        replicationGroupId: args.identifier,
        description: `Valkey cache of ${args.identifier} (REDIS_URL)`,
        engine: CACHE_ENGINE.engine,
        engineVersion: CACHE_ENGINE.version,
        ...replicationGroupShape(args.settings, args.stage),
        port: CACHE_PORT,
        subnetGroupName: subnets.name,
        securityGroupIds: [args.securityGroupId],
        transitEncryptionEnabled: true,
        // "required": the server refuses plain-text connections (the default when transit encryption is on).
        transitEncryptionMode: "required",
        atRestEncryptionEnabled: true,
        autoMinorVersionUpgrade: true,
        // dev applies changes at once; prod waits for the maintenance window, as the database does.
        applyImmediately: args.stage !== "prod",
        tags: args.tags,
      },
      { parent: this },
    );
    this.address = group.primaryEndpointAddress;
    this.port = CACHE_PORT;
    this.endpoint = pulumi.interpolate`${group.primaryEndpointAddress}:${CACHE_PORT}`;
    this.url = group.primaryEndpointAddress.apply((address) => redisUrl(address, CACHE_PORT));
    this.registerOutputs({ address: this.address, endpoint: this.endpoint });
  }
}
