/* eslint-disable @typescript-eslint/no-explicit-any -- provider inputs are untyped JSON here */
// The AWS mock's model of ElastiCache: CreateCacheSubnetGroup and CreateReplicationGroup (cluster mode
// disabled, as components/cache.ts creates it). Each refusal follows the ElastiCache API reference
// (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html,
// API_CreateCacheSubnetGroup.html; the same text ships in aws-sdk-elasticache's CreateReplicationGroupInput
// docs) or the provider's own checks (@pulumi/aws elasticache/replicationGroup.d.ts); nothing here asks
// the program's code.
import type { Account, Computed, Fail, Model } from "./awsModel";
import { sha } from "./ids";

const SUBNET_GROUP = "aws:elasticache/subnetGroup:SubnetGroup";
const REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
const SG = "aws:ec2/securityGroup:SecurityGroup";

/** The engines CreateReplicationGroup takes and their versions (ElastiCache's supported Valkey and Redis OSS versions). */
const ENGINE_VERSIONS: Record<string, RegExp> = {
  valkey: /^(7\.2|8\.[0-2]|9\.0)$/,
  redis: /^(7\.[01]|6\.[02x]|6\.x|5\.0\.6)$/,
};

/**
 * ReplicationGroupId: "A name must contain from 1 to 40 alphanumeric characters or hyphens. The first
 * character must be a letter. A name cannot end with a hyphen or contain two consecutive hyphens."
 */
export function replicationGroupIdProblem(id: unknown): string | undefined {
  if (typeof id !== "string" || !/^[A-Za-z][A-Za-z0-9-]{0,39}$/.test(id) || id.endsWith("-") || id.includes("--")) {
    return `InvalidParameterValue: replication group id ${
      String(id)
    } (1-40 letters, digits or hyphens, a letter first, no trailing hyphen, no "--")`;
  }
  return undefined;
}

/** CreateCacheSubnetGroup: a name of at most 255 letters, digits or hyphens (stored lowercase); subnets that exist, in one VPC. */
function subnetGroup(a: Account, name: string, inputs: Record<string, any>, fail: Fail): Computed {
  const groupName: string = (inputs.name ?? `${name}-${sha("subnets", name).slice(0, 7)}`).toLowerCase();
  if (!/^[a-z0-9-]{1,255}$/.test(groupName)) throw fail(`InvalidParameterValue: cache subnet group name ${groupName}`);
  const subnets = (inputs.subnetIds ?? []).map((id: string) => a.subnetById(id));
  if (subnets.length === 0) throw fail("InvalidParameterValue: a cache subnet group needs at least one subnet");
  if (new Set(subnets.map((s: { vpcId: string }) => s.vpcId)).size > 1) {
    throw fail("InvalidSubnet: the subnets of a cache subnet group must be in one VPC");
  }
  if (a.existing(SUBNET_GROUP, "name", groupName)) throw fail(`CacheSubnetGroupAlreadyExists: ${groupName}`);
  return { id: groupName,
    computed: { name: groupName, arn: `arn:aws:elasticache:${a.region}:${a.accountId}:subnetgroup:${groupName}`,
      vpcId: subnets[0].vpcId } };
}

/**
 * CreateReplicationGroup, cluster mode disabled: NumCacheClusters 1–6 ("If AutomaticFailoverEnabled
 * is true, the value of this parameter must be at least 2"); Multi-AZ needs automatic failover; an AUTH
 * token and a transit encryption mode need transit encryption; a Multi-AZ group needs subnets in two
 * AZs; the subnet group and security groups must exist. The primary endpoint is
 * master.<id>.<hash>.<region-code>.cache.amazonaws.com once TLS is on (the "master." form ElastiCache
 * gives encrypted groups).
 */
function replicationGroup(a: Account, _name: string, inputs: Record<string, any>, fail: Fail): Computed {
  const problem = replicationGroupIdProblem(inputs.replicationGroupId);
  if (problem) throw fail(problem);
  const id = String(inputs.replicationGroupId).toLowerCase();
  if (a.existing(REPLICATION_GROUP, "id", id)) throw fail(`ReplicationGroupAlreadyExists: ${id}`);
  if (!inputs.description) throw fail("InvalidParameterValue: description is required");
  const engine = inputs.engine ?? "redis";
  if (!ENGINE_VERSIONS[engine]) throw fail(`InvalidParameterValue: engine ${engine} (redis or valkey)`);
  if (inputs.engineVersion !== undefined && !ENGINE_VERSIONS[engine].test(inputs.engineVersion)) {
    throw fail(`InvalidParameterCombination: ${engine} has no version ${inputs.engineVersion}`);
  }
  if (!/^cache\.[a-z0-9-]+\.[a-z0-9]+$/.test(inputs.nodeType ?? "")) {
    throw fail(`InvalidParameterValue: node type ${inputs.nodeType}`);
  }
  const clusters = inputs.numCacheClusters ?? 1;
  if (!Number.isInteger(clusters) || clusters < 1 || clusters > 6) {
    throw fail(`InvalidParameterValue: numCacheClusters ${clusters} (1 to 6)`);
  }
  if (inputs.automaticFailoverEnabled === true && clusters < 2) {
    throw fail(
      "InvalidParameterCombination: automatic failover needs at least 2 cache clusters (a primary and a replica)",
    );
  }
  if (inputs.multiAzEnabled === true && inputs.automaticFailoverEnabled !== true) {
    throw fail("InvalidParameterCombination: Multi-AZ needs automatic failover");
  }
  if (inputs.authToken !== undefined && inputs.transitEncryptionEnabled !== true) {
    throw fail("InvalidParameterCombination: an AUTH token needs transit encryption");
  }
  if (inputs.transitEncryptionMode !== undefined
    && (inputs.transitEncryptionEnabled !== true
      || !["preferred", "required"].includes(inputs.transitEncryptionMode))) {
    throw fail(
      `InvalidParameterCombination: transit encryption mode ${inputs.transitEncryptionMode} needs transit encryption (preferred or required)`,
    );
  }
  if (inputs.snapshotRetentionLimit !== undefined
    && !(Number.isInteger(inputs.snapshotRetentionLimit) && inputs.snapshotRetentionLimit >= 0
      && inputs.snapshotRetentionLimit <= 35)) {
    throw fail(`InvalidParameterValue: snapshotRetentionLimit ${inputs.snapshotRetentionLimit} (0 to 35 days)`);
  }
  const group = inputs.subnetGroupName === undefined
    ? undefined
    : a.existing(SUBNET_GROUP, "name", inputs.subnetGroupName);
  if (inputs.subnetGroupName !== undefined && !group) {
    throw fail(`CacheSubnetGroupNotFoundFault: ${inputs.subnetGroupName}`);
  }
  if (inputs.multiAzEnabled === true && group) {
    const azs = new Set((group.inputs.subnetIds ?? []).map((s: string) => a.subnetById(s).availabilityZone));
    if (azs.size < 2) {
      throw fail(
        "InvalidParameterCombination: Multi-AZ needs a subnet group with subnets in at least two Availability Zones",
      );
    }
  }
  for (const sg of inputs.securityGroupIds ?? []) {
    if (!a.existing(SG, "id", sg)) throw fail(`InvalidParameterValue: security group ${sg} does not exist`);
  }
  const port = inputs.port ?? 6379;
  const code = a.region.replace(/-([a-z]+)-(\d)$/, (_m, dir: string, n: string) => `${dir.slice(0, 1)}${n}`).replace(
    /^([a-z]+)-/,
    "$1",
  ).slice(0, 6);
  const host = `${id}.${sha("cache", a.accountId, id).slice(0, 6)}.${code}.cache.amazonaws.com`;
  const primary = inputs.transitEncryptionEnabled === true
    ? `master.${host}`
    : `${id}.${sha("cache", a.accountId, id).slice(0, 6)}.ng.0001.${code}.cache.amazonaws.com`;
  return {
    id,
    computed: {
      arn: `arn:aws:elasticache:${a.region}:${a.accountId}:replicationgroup:${id}`,
      primaryEndpointAddress: primary,
      readerEndpointAddress: primary.replace(/^master\./, "replica."),
      memberClusters: Array.from({ length: clusters }, (_, i) => `${id}-00${i + 1}`),
      engineVersionActual: inputs.engineVersion ?? "7.1.0",
      clusterEnabled: false,
      port,
    },
  };
}

/** Models of the ElastiCache resource types, by type token (merged into the mock's model table). */
export const CACHE_MODELS: Record<string, Model> = {
  [SUBNET_GROUP]: subnetGroup,
  [REPLICATION_GROUP]: replicationGroup,
};
