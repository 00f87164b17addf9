/* eslint-disable @typescript-eslint/no-explicit-any -- provider inputs are untyped JSON here */
// What AWS computes for each resource type this program creates (ids, ARNs, addresses, autonamed
// names) and what it refuses (the rules of awsRules.ts and awsRdsRules.ts, plus references to things
// that do not exist). Everything derives from hashes of names and inputs: the same program gives the
// same outputs.
import {
  RdsEngine,
  allocatedStorageProblem,
  backupRetentionProblem,
  dbIdentifierProblem,
  finalSnapshotIdProblem,
  masterPasswordProblem,
  masterUsernameProblem,
  subnetGroupAzProblem,
  subnetGroupNameProblem,
} from "./awsRdsRules";
import { RULES_PER_SECURITY_GROUP, TagService, importKeyPairProblem, parseCidr, tagsProblem } from "./awsRules";
import { ECS_MODELS } from "./awsEcs";
import { ELB_MODELS } from "./awsElb";
import { KMS_MODELS } from "./awsKms";
import { MONITORING_MODELS } from "./awsMonitoring";
import { S3_MODELS } from "./awsS3";
import { CACHE_MODELS } from "./awsCache";
import { autoname, idOf, sha } from "./ids";
import { arnOf, type Account, type Computed, type Fail, type MockSubnet, type Model } from "./awsModel";

export { sha } from "./ids";
export type { Account, Computed, Fail, MockSubnet, Model } from "./awsModel";

const SG = "aws:ec2/securityGroup:SecurityGroup";
/** Characters EC2 accepts in a security group (rule) description (CreateSecurityGroup, GroupDescription). */
const SG_DESCRIPTION = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]*$/;

const ip = (seed: string, first: number): string => {
  const h = Buffer.from(sha("ip", seed), "hex");
  return `${first}.${h[0]}.${h[1]}.${1 + (h[2] % 253)}`;
};
const publicDns = (a: Account, address: string): string => {
  const dashed = address.replace(/\./g, "-");
  return a.region === "us-east-1"
    ? `ec2-${dashed}.compute-1.amazonaws.com`
    : `ec2-${dashed}.${a.region}.compute.amazonaws.com`;
};

/** The tag rules of the service a resource type belongs to (undefined: not an AWS resource). */
function tagServiceOf(type: string): TagService | undefined {
  if (type.startsWith("aws:rds/")) return "rds";
  if (type.startsWith("aws:iam/")) return "iam";
  return type.startsWith("aws:") ? "ec2" : undefined;
}

/** The AWS model of `type`, or undefined when this engine does not model it. */
export function computeAws(a: Account, type: string, name: string, inputs: Record<string, any>, fail: Fail): Computed
  | undefined {
  const service = tagServiceOf(type);
  if (!service) return undefined;
  const tagProblem = tagsProblem(service, inputs.tags);
  if (tagProblem) throw fail(tagProblem);
  const model = MODELS[type] ?? MONITORING_MODELS[type] ?? ECS_MODELS[type] ?? ELB_MODELS[type] ?? S3_MODELS[type]
    ?? KMS_MODELS[type] ?? CACHE_MODELS[type];
  return model ? model(a, name, inputs, fail, type) : undefined;
}

const MODELS: Record<string, Model> = {
  "aws:ec2/instance:Instance": (a, name, inputs, fail, type) => {
    if (!inputs.ami) throw fail("InvalidAMIID: ami is required (no launch template given)");
    if (!/^ami-[0-9a-f]{8,17}$/.test(inputs.ami)) throw fail(`InvalidAMIID.Malformed: ${inputs.ami}`);
    if (!inputs.instanceType) throw fail("instanceType is required");
    for (const sg of inputs.vpcSecurityGroupIds ?? []) {
      if (!a.existing(SG, "id", sg)) throw fail(`InvalidGroup.NotFound: ${sg}`);
    }
    if (inputs.keyName && !a.existing("aws:ec2/keyPair:KeyPair", "keyName", inputs.keyName)) {
      throw fail(`InvalidKeyPair.NotFound: ${inputs.keyName}`);
    }
    if (inputs.iamInstanceProfile
      && !a.existing("aws:iam/instanceProfile:InstanceProfile", "name", inputs.iamInstanceProfile)) {
      throw fail(`InvalidParameterValue: instance profile ${inputs.iamInstanceProfile} not found`);
    }
    // RunInstances, UserData: "User data is limited to 16 KB."
    if (inputs.userData && Buffer.byteLength(inputs.userData) > 16384) {
      throw fail("InvalidParameterValue: user data exceeds 16 KB");
    }
    const subnet = inputs.subnetId ? a.subnetById(inputs.subnetId) : a.anySubnet();
    const id = idOf("i", type, name);
    const publicIp = ip(id, 54);
    const privateIp = ip(`${id}-private`, 172);
    const dashed = privateIp.replace(/\./g, "-");
    return {
      id,
      computed: {
        arn: arnOf(a, "ec2", `instance/${id}`),
        availabilityZone: subnet.availabilityZone,
        subnetId: subnet.id,
        publicIp,
        publicDns: publicDns(a, publicIp),
        privateIp,
        instanceState: "running",
        primaryNetworkInterfaceId: idOf("eni", type, name),
        privateDns: a.region === "us-east-1"
          ? `ip-${dashed}.ec2.internal`
          : `ip-${dashed}.${a.region}.compute.internal`,
      },
    };
  },
  "aws:ec2/eip:Eip": (a, name, inputs, fail, type) => {
    if (inputs.domain !== undefined && inputs.domain !== "vpc" && inputs.domain !== "standard") {
      throw fail(`InvalidParameterValue: domain ${inputs.domain}`);
    }
    if (inputs.instance && !a.existing("aws:ec2/instance:Instance", "id", inputs.instance)) {
      throw fail(`InvalidInstanceID.NotFound: ${inputs.instance}`);
    }
    const id = idOf("eipalloc", type, name);
    const publicIp = ip(id, 3);
    return {
      id,
      computed: {
        allocationId: id,
        publicIp,
        publicDns: publicDns(a, publicIp),
        domain: inputs.domain ?? "vpc",
        arn: arnOf(a, "ec2", `elastic-ip/${id}`),
        ...(inputs.instance ? { associationId: idOf("eipassoc", type, name) } : {}),
      },
    };
  },
  "aws:ec2/eipAssociation:EipAssociation": (a, name, inputs, fail, type) => {
    const eip = inputs.allocationId ? a.existing("aws:ec2/eip:Eip", "id", inputs.allocationId) : undefined;
    if (!eip) throw fail(`InvalidAllocationID.NotFound: ${inputs.allocationId}`);
    if (!inputs.instanceId && !inputs.networkInterfaceId) {
      throw fail("one of instanceId or networkInterfaceId is required");
    }
    if (inputs.instanceId && !a.existing("aws:ec2/instance:Instance", "id", inputs.instanceId)) {
      throw fail(`InvalidInstanceID.NotFound: ${inputs.instanceId}`);
    }
    return { id: idOf("eipassoc", type, name),
      computed: { publicIp: eip.state.publicIp, privateIpAddress: "172.31.0.10" } };
  },
  "aws:ec2/keyPair:KeyPair": (a, name, inputs, fail, type) => {
    const problem = importKeyPairProblem(inputs.publicKey);
    if (problem) throw fail(problem);
    const keyName = inputs.keyName
      ?? (inputs.keyNamePrefix ? `${inputs.keyNamePrefix}${sha("kp", name).slice(0, 20)}` : autoname(name, type));
    // CreateKeyPair / ImportKeyPair, KeyName: "Constraints: Up to 255 ASCII characters".
    if (keyName.length > 255) throw fail("key name longer than 255 characters");
    return {
      id: keyName,
      computed: {
        keyName,
        arn: arnOf(a, "ec2", `key-pair/${keyName}`),
        keyPairId: idOf("key", type, name),
        fingerprint: `SHA256:${Buffer.from(sha("fp", inputs.publicKey), "hex").toString("base64").replace(/=+$/, "")}`,
        keyType: String(inputs.publicKey).startsWith("ssh-rsa") ? "rsa" : "ed25519",
      },
    };
  },
  [SG]: (a, name, inputs, fail, type) => {
    // CreateSecurityGroup: GroupName up to 255 characters, cannot start with "sg-"; descriptions use a
    // restricted character set (a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*).
    const sgName = inputs.name
      ?? (inputs.namePrefix ? `${inputs.namePrefix}${sha("sg", name).slice(0, 20)}` : autoname(name, type));
    if (/^sg-/.test(sgName)) throw fail("InvalidParameterValue: group name cannot start with sg-");
    if (sgName.length > 255) throw fail("group name longer than 255 characters");
    if (inputs.description !== undefined && !SG_DESCRIPTION.test(inputs.description)) {
      throw fail("InvalidParameterValue: description has characters AWS does not allow");
    }
    const id = idOf("sg", type, name);
    return { id,
      computed: { name: sgName, vpcId: inputs.vpcId ?? a.defaultVpcId(), arn: arnOf(a, "ec2", `security-group/${id}`),
        ownerId: a.accountId, description: inputs.description ?? "Managed by Pulumi" } };
  },
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (a, name, inputs, fail, type) =>
    securityGroupRule(a, name, inputs, fail, type),
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (a, name, inputs, fail, type) =>
    securityGroupRule(a, name, inputs, fail, type),
  "aws:iam/role:Role": (a, name, inputs, fail, type) => {
    let policy: { Statement?: unknown };
    try {
      policy = JSON.parse(inputs.assumeRolePolicy);
    } catch {
      throw fail("MalformedPolicyDocument: assumeRolePolicy is not JSON");
    }
    if (!Array.isArray(policy.Statement)) throw fail("MalformedPolicyDocument: no Statement list");
    // CreateRole, RoleName: length 1 to 64.
    const roleName = inputs.name ?? autoname(name, type);
    if (roleName.length > 64) throw fail("role name longer than 64 characters");
    // CreateRole, PermissionsBoundary: "The ARN of the managed policy that is used to set the permissions
    // boundary for the role", length 20 to 2048 (docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html).
    const boundary = inputs.permissionsBoundary;
    if (boundary !== undefined
      && (typeof boundary !== "string" || boundary.length < 20 || boundary.length > 2048
        || !/^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/./.test(boundary))) {
      throw fail(`InvalidInput: PermissionsBoundary ${String(boundary)} is not the ARN of a managed policy`);
    }
    return { id: roleName,
      computed: { name: roleName, arn: arnOf(a, "iam", `role/${roleName}`, true),
        uniqueId: `AROA${sha("role", name).slice(0, 17).toUpperCase()}` } };
  },
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (a, _name, inputs, fail) => {
    if (!a.existing("aws:iam/role:Role", "name", inputs.role)) throw fail(`NoSuchEntity: role ${inputs.role}`);
    if (!/^arn:aws:iam::(aws|\d{12}):policy\/.+/.test(inputs.policyArn ?? "")) {
      throw fail(`InvalidInput: policyArn ${inputs.policyArn}`);
    }
    return { id: `${inputs.role}-${sha(inputs.policyArn).slice(0, 8)}`, computed: {} };
  },
  "aws:iam/instanceProfile:InstanceProfile": (a, name, inputs, fail, type) => {
    if (inputs.role && !a.existing("aws:iam/role:Role", "name", inputs.role)) {
      throw fail(`NoSuchEntity: role ${inputs.role}`);
    }
    const profileName = inputs.name ?? autoname(name, type);
    return { id: profileName,
      computed: { name: profileName, arn: arnOf(a, "iam", `instance-profile/${profileName}`, true),
        uniqueId: `AIPA${sha("ip", name).slice(0, 17).toUpperCase()}` } };
  },
  "aws:rds/subnetGroup:SubnetGroup": (a, name, inputs, fail, type) => {
    const groupName = inputs.name ?? autoname(name, type, true);
    const nameProblem = subnetGroupNameProblem(groupName);
    if (nameProblem) throw fail(nameProblem);
    const subnets = (inputs.subnetIds ?? []).map((id: string) => a.subnetById(id));
    const azProblem = subnetGroupAzProblem(subnets.map((s: MockSubnet) => s.availabilityZone));
    if (azProblem) throw fail(azProblem);
    return { id: groupName,
      computed: { name: groupName, arn: arnOf(a, "rds", `subgrp:${groupName}`), vpcId: subnets[0].vpcId,
        supportedNetworkTypes: ["IPV4"] } };
  },
  "aws:rds/instance:Instance": (a, name, inputs, fail) => dbInstance(a, name, inputs, fail),
  "aws:ecr/repository:Repository": (a, name, inputs, fail, type) => {
    // CreateRepository, repositoryName pattern (lowercase path components separated by . _ - and /).
    const repoName = inputs.name ?? autoname(name, type, true);
    if (!/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(repoName)) {
      throw fail(`InvalidParameterException: repository name ${repoName}`);
    }
    return {
      id: repoName,
      computed: { name: repoName, arn: arnOf(a, "ecr", `repository/${repoName}`), registryId: a.accountId,
        repositoryUrl: `${a.accountId}.dkr.ecr.${a.region}.amazonaws.com/${repoName}` },
    };
  },
};

/** AuthorizeSecurityGroupIngress/Egress for one rule (the aws.vpc rule resources). */
function securityGroupRule(a: Account, name: string, inputs: Record<string, any>, fail: Fail, type: string): Computed {
  if (!a.existing(SG, "id", inputs.securityGroupId)) throw fail(`InvalidGroup.NotFound: ${inputs.securityGroupId}`);
  // "You must specify exactly one of the following sources: an IPv4 or IPv6 address range, a prefix list, or a security group."
  const targets = ["cidrIpv4", "cidrIpv6", "referencedSecurityGroupId", "prefixListId"].filter((k) =>
    inputs[k] !== undefined
  );
  if (targets.length !== 1) {
    throw fail(
      `exactly one of cidrIpv4, cidrIpv6, referencedSecurityGroupId, prefixListId is required (got ${
        targets.join(", ") || "none"
      })`,
    );
  }
  for (const family of [4, 6] as const) {
    const cidr = inputs[`cidrIpv${family}`] === undefined ? undefined : parseCidr(inputs[`cidrIpv${family}`], family);
    if (cidr && "error" in cidr) throw fail(`InvalidParameterValue: ${cidr.error}`);
  }
  if (inputs.referencedSecurityGroupId !== undefined && !a.existing(SG, "id", inputs.referencedSecurityGroupId)) {
    throw fail(`InvalidGroup.NotFound: ${inputs.referencedSecurityGroupId}`);
  }
  if (inputs.description !== undefined
    && (!SG_DESCRIPTION.test(inputs.description) || inputs.description.length > 255)) {
    throw fail("InvalidParameterValue: rule description has characters AWS does not allow");
  }
  // "You must specify a protocol for each rule ... If the protocol is TCP or UDP, you must also specify a port or port range."
  if (!inputs.ipProtocol) throw fail("ipProtocol is required");
  const allProtocols = inputs.ipProtocol === "-1" || inputs.ipProtocol === "all";
  if (allProtocols && (inputs.fromPort !== undefined || inputs.toPort !== undefined)) {
    throw fail("fromPort/toPort must be unset when ipProtocol is -1");
  }
  if (!allProtocols && ["tcp", "udp", "6", "17"].includes(String(inputs.ipProtocol))) {
    if (inputs.fromPort === undefined || inputs.toPort === undefined) {
      throw fail("fromPort and toPort are required for tcp/udp");
    }
    if (inputs.fromPort > inputs.toPort || inputs.fromPort < 0 || inputs.toPort > 65535) {
      throw fail(`invalid port range ${inputs.fromPort}-${inputs.toPort}`);
    }
  }
  const siblings = a.created(type).filter((r) => r.inputs.securityGroupId === inputs.securityGroupId);
  const permission = permissionOf(inputs);
  if (siblings.some((r) => permissionOf(r.inputs) === permission)) {
    throw fail(
      `InvalidPermission.Duplicate: the specified rule (${inputs.ipProtocol} ${inputs.fromPort ?? ""}-${
        inputs.toPort ?? ""
      } from ${JSON.parse(permission)[4]}) already exists`,
    );
  }
  const family = inputs.cidrIpv6 !== undefined ? "cidrIpv6" : "cidrIpv4";
  if (inputs[family] !== undefined
    && siblings.filter((r) => r.inputs[family] !== undefined).length >= RULES_PER_SECURITY_GROUP) {
    throw fail(
      `RulesPerSecurityGroupLimitExceeded: more than ${RULES_PER_SECURITY_GROUP} ${family} rules in one direction of ${inputs.securityGroupId}`,
    );
  }
  const id = idOf("sgr", type, name);
  return { id, computed: { securityGroupRuleId: id, arn: arnOf(a, "ec2", `security-group-rule/${id}`) } };
}

/** What makes two rules the same permission to AWS: group, protocol, ports and the canonical source. */
function permissionOf(inputs: Record<string, any>): string {
  const canonical = (family: 4 | 6): string | undefined => {
    const cidr = inputs[`cidrIpv${family}`] === undefined ? undefined : parseCidr(inputs[`cidrIpv${family}`], family);
    return cidr && "canonical" in cidr ? cidr.canonical : undefined;
  };
  const source = canonical(4) ?? canonical(6) ?? inputs.referencedSecurityGroupId ?? inputs.prefixListId;
  return JSON.stringify([inputs.securityGroupId, String(inputs.ipProtocol), inputs.fromPort, inputs.toPort, source]);
}

/** CreateDBInstance (see awsRules.ts for the documented constraints). */
function dbInstance(a: Account, name: string, inputs: Record<string, any>, fail: Fail): Computed {
  const engine = inputs.engine as RdsEngine;
  if (!["postgres", "mysql", "mariadb"].includes(engine)) throw fail(`InvalidParameterValue: engine ${engine}`);
  const identifier: string = inputs.identifier ?? autoname(name, "aws:rds/instance:Instance", true);
  const problems = [
    dbIdentifierProblem(identifier),
    /^db\.[a-z0-9]+\.[a-z0-9]+$/.test(inputs.instanceClass ?? "")
      ? undefined
      : `InvalidParameterValue: instance class ${inputs.instanceClass}`,
    allocatedStorageProblem(inputs.storageType, inputs.allocatedStorage, inputs.maxAllocatedStorage),
    masterUsernameProblem(engine, inputs.username),
    inputs.manageMasterUserPassword && inputs.password !== undefined
      ? "InvalidParameterCombination: password and manageMasterUserPassword are mutually exclusive"
      : undefined,
    !inputs.manageMasterUserPassword ? masterPasswordProblem(engine, inputs.password) : undefined,
    // The provider needs a final snapshot name to delete an instance that keeps one.
    !inputs.skipFinalSnapshot && !inputs.finalSnapshotIdentifier
      ? "final_snapshot_identifier is required when skip_final_snapshot is false (the delete would fail)"
      : undefined,
    inputs.finalSnapshotIdentifier ? finalSnapshotIdProblem(inputs.finalSnapshotIdentifier) : undefined,
    backupRetentionProblem(inputs.backupRetentionPeriod),
    inputs.dbSubnetGroupName && !a.existing("aws:rds/subnetGroup:SubnetGroup", "name", inputs.dbSubnetGroupName)
      ? `DBSubnetGroupNotFoundFault: ${inputs.dbSubnetGroupName}`
      : undefined,
    ...(inputs.vpcSecurityGroupIds ?? []).map((
      sg: string,
    ) => (a.existing(SG, "id", sg) ? undefined : `InvalidGroup.NotFound: ${sg}`)),
  ];
  const problem = problems.find((p) => p !== undefined);
  if (problem) throw fail(problem);
  const port = inputs.port ?? (engine === "postgres" ? 5432 : 3306);
  const address = `${identifier}.c${sha("rds", a.accountId, a.region).slice(0, 11)}.${a.region}.rds.amazonaws.com`;
  const resourceId = `db-${sha("dbi", name).slice(0, 26).toUpperCase()}`;
  return {
    id: resourceId,
    computed: {
      identifier,
      address,
      port,
      endpoint: `${address}:${port}`,
      arn: arnOf(a, "rds", `db:${identifier}`),
      resourceId,
      hostedZoneId: "Z2R2ITUGPM61AM",
      status: "available",
      engineVersionActual: inputs.engineVersion,
      storageType: inputs.storageType ?? "gp2",
      ...(inputs.manageMasterUserPassword
        ? {
          masterUserSecrets: [{
            secretArn: arnOf(a, "secretsmanager", `secret:rds!${resourceId}-${sha("s", name).slice(0, 6)}`),
            secretStatus: "active",
            kmsKeyId: arnOf(a, "kms", "key/mock"),
          }],
        }
        : {}),
    },
  };
}
