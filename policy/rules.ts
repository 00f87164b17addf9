// The stack's policy rules as plain functions over a plain resource list. The same functions run
// in CrossGuard (policy/crossGuard.ts wraps them) and over the offline plan (scripts/plan.ts, tests).
import type { PolicyConfigSchema } from "@pulumi/policy";
import { appEnvRules } from "./appEnvRules";
import { ecsRules } from "./ecsRules";
import { httpsRules } from "./httpsRules";
import { TransportPolicyConfig, transportRules } from "./transportRules";

/** What the policies may be configured with (CrossGuard: the policy pack config; the plan: the stack config). */
export type PolicyConfig = TransportPolicyConfig;

/** A resource as the rules see it. */
export interface PolicyResource {
  type: string;
  name: string;
  urn?: string;
  /** Physical id; used to resolve references such as vpcSecurityGroupIds. */
  id?: string;
  /** Inputs (resource policies, plan) or outputs (stack policies); secrets unwrapped. */
  props: Record<string, unknown>;
  /** The `protect` resource option. */
  protect: boolean;
  /** dev | prod | sandbox, from the resource's `stage` tag or the stack's; undefined when unknown. */
  stage?: string;
  /** Input property → URNs of the resources whose outputs feed it. */
  propertyDependencies?: Record<string, string[]>;
  /** Strings known to be secret (the plan knows which values are Pulumi secrets). */
  secretValues?: string[];
  /** Tags the resource's provider adds (aws defaultTags). */
  providerDefaultTags?: Record<string, string>;
}

export interface Violation {
  policy: string;
  resource: string;
  urn?: string;
  message: string;
}

export interface Rule {
  name: string;
  description: string;
  /** "resource": judged one resource at a time; "stack": needs the other resources too. */
  scope: "resource" | "stack";
  check(resources: PolicyResource[], config?: PolicyConfig): Violation[];
  /** CrossGuard config schema of a rule that reads PolicyConfig. */
  configSchema?: PolicyConfigSchema;
  /** For resource rules: the messages for one resource. */
  checkResource?(resource: PolicyResource): string[];
}

type Props = Record<string, unknown>;

export const isObj = (v: unknown): v is Props => typeof v === "object" && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string" && x !== "");
const objects = (v: unknown): Props[] => (Array.isArray(v) ? v.filter(isObj) : []);

const RDS = "aws:rds/instance:Instance";
const EC2 = "aws:ec2/instance:Instance";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const VPC_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const WORLD = ["0.0.0.0/0", "::/0"];

/** The AWS resource types in this stack that accept `tags`. */
export const TAGGABLE_TYPES = new Set([
  EC2, SG, VPC_INGRESS, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:ec2/eip:Eip", "aws:ec2/keyPair:KeyPair", "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet",
  "aws:ec2/launchTemplate:LaunchTemplate", "aws:ebs/volume:Volume",
  RDS, "aws:rds/subnetGroup:SubnetGroup", "aws:rds/parameterGroup:ParameterGroup",
  "aws:iam/role:Role", "aws:iam/instanceProfile:InstanceProfile", "aws:iam/policy:Policy",
  "aws:ecr/repository:Repository", "aws:secretsmanager/secret:Secret", "aws:ssm/parameter:Parameter",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:ecs/cluster:Cluster", "aws:ecs/service:Service", "aws:ecs/taskDefinition:TaskDefinition",
  "aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup", "aws:lb/listener:Listener",
  "aws:acm/certificate:Certificate", "aws:s3/bucket:Bucket", "aws:appautoscaling/target:Target",
]);
export const REQUIRED_TAGS = ["project", "stack", "stage"];

/** Tags of a resource: its own, the provider's default tags, and tagsAll (outputs). */
export function tagsOf(r: Pick<PolicyResource, "props" | "providerDefaultTags">): Record<string, string> {
  const own = isObj(r.props.tags) ? r.props.tags : {};
  const all = isObj(r.props.tagsAll) ? r.props.tagsAll : {};
  const merged: Record<string, string> = { ...(r.providerDefaultTags ?? {}) };
  for (const [k, v] of Object.entries({ ...all, ...own })) if (typeof v === "string") merged[k] = v;
  return merged;
}

/**
 * The stack's stage from the `stage` tags of its resources; prod wins when tags disagree, so a
 * mixed stack is judged by the stricter rules.
 */
export function stackStage(resources: Pick<PolicyResource, "props" | "providerDefaultTags">[]): string | undefined {
  const stages = new Set(resources.map((r) => tagsOf(r).stage).filter((s): s is string => s !== undefined));
  if (stages.has("prod")) return "prod";
  return stages.size === 1 ? [...stages][0] : undefined;
}

/** Fills `stage` from each resource's tag, else the stack's stage. */
export function withStages<T extends PolicyResource>(resources: T[]): T[] {
  const fallback = stackStage(resources);
  return resources.map((r) => ({ ...r, stage: r.stage ?? tagsOf(r).stage ?? fallback }));
}

/** True when `from` refers to `target` through `prop`: by property dependency or by id. */
export function refersTo(from: PolicyResource, prop: string, target: PolicyResource): boolean {
  if (target.urn && from.propertyDependencies?.[prop]?.includes(target.urn)) return true;
  return target.id !== undefined && strings(from.props[prop]).includes(target.id);
}

export function resourceRule(name: string, description: string, checkResource: (r: PolicyResource) => string[]): Rule {
  return {
    name, description, scope: "resource", checkResource,
    check: (resources) => resources.flatMap((r) =>
      checkResource(r).map((message) => ({ policy: name, resource: r.name, urn: r.urn, message }))),
  };
}

export function stackRule(name: string, description: string, check: (resources: PolicyResource[], config?: PolicyConfig) => Violation[]): Rule {
  return { name, description, scope: "stack", check };
}

// ---------------------------------------------------------------------------------------------
// Security group ingress, in its three shapes (inline, aws.vpc rule, aws.ec2 rule).

export interface Ingress {
  /** The resource that declares it (SG or rule). */
  owner: PolicyResource;
  fromPort?: number;
  toPort?: number;
  protocol: string;
  cidrs: string[];
  /** Source security group ids. */
  sourceGroups: string[];
  /** Source SG URNs when known only by dependency. */
  sourceGroupUrns: string[];
  self: boolean;
  prefixLists: string[];
}

function inlineIngress(sg: PolicyResource): Ingress[] {
  return objects(sg.props.ingress).map((r) => ({
    owner: sg, fromPort: r.fromPort as number, toPort: r.toPort as number, protocol: String(r.protocol ?? "").toLowerCase(),
    cidrs: [...strings(r.cidrBlocks), ...strings(r.ipv6CidrBlocks)], sourceGroups: strings(r.securityGroups),
    sourceGroupUrns: [], self: r.self === true, prefixLists: strings(r.prefixListIds),
  }));
}

/** The ingress a separate rule resource declares, or undefined for anything else. */
function ruleIngress(r: PolicyResource): Ingress | undefined {
  const p = r.props;
  if (r.type === VPC_INGRESS) {
    return {
      owner: r, fromPort: p.fromPort as number, toPort: p.toPort as number, protocol: String(p.ipProtocol ?? "").toLowerCase(),
      cidrs: strings([p.cidrIpv4, p.cidrIpv6]), sourceGroups: strings(p.referencedSecurityGroupId),
      sourceGroupUrns: r.propertyDependencies?.referencedSecurityGroupId ?? [], self: false, prefixLists: strings(p.prefixListId),
    };
  }
  if (r.type === SG_RULE && p.type === "ingress") {
    return {
      owner: r, fromPort: p.fromPort as number, toPort: p.toPort as number, protocol: String(p.protocol ?? "").toLowerCase(),
      cidrs: [...strings(p.cidrBlocks), ...strings(p.ipv6CidrBlocks)], sourceGroups: strings(p.sourceSecurityGroupId),
      sourceGroupUrns: r.propertyDependencies?.sourceSecurityGroupId ?? [], self: p.self === true, prefixLists: strings(p.prefixListIds),
    };
  }
  return undefined;
}

/** Every ingress rule that applies to one security group. */
export function ingressRules(sg: PolicyResource, all: PolicyResource[]): Ingress[] {
  const attached = all.filter((r) => refersTo(r, "securityGroupId", sg)).map(ruleIngress);
  return [...inlineIngress(sg), ...attached.filter((x): x is Ingress => x !== undefined)];
}

/** Every ingress rule of the stack, inline or separate. */
export function allIngress(all: PolicyResource[]): Ingress[] {
  const separate = all.map(ruleIngress).filter((x): x is Ingress => x !== undefined);
  return [...all.filter((r) => r.type === SG).flatMap(inlineIngress), ...separate];
}

const allProtocols = (p: string): boolean => p === "-1" || p === "all";
export const coversPort = (rule: Ingress, port: number): boolean =>
  allProtocols(rule.protocol) ||
  ((rule.protocol === "tcp" || rule.protocol === "6") && (rule.fromPort ?? 0) <= port && port <= (rule.toPort ?? 65535));

// ---------------------------------------------------------------------------------------------
// The rules.

const ECS_SERVICE = "aws:ecs/service:Service";

/** True when an ECS service runs its tasks in security group `sg` (networkConfiguration.securityGroups). */
export function serviceUsesGroup(service: PolicyResource, sg: PolicyResource): boolean {
  const net = isObj(service.props.networkConfiguration) ? service.props.networkConfiguration : {};
  if (sg.id !== undefined && strings(net.securityGroups).includes(sg.id)) return true;
  return sg.urn !== undefined && (service.propertyDependencies?.networkConfiguration ?? []).includes(sg.urn);
}

/** The security groups the web service runs in: the EC2 host's, or the ECS tasks'. */
export function webGroupsOf(all: PolicyResource[]): PolicyResource[] {
  return all.filter((r) => r.type === SG && all.some((i) =>
    (i.type === EC2 && (refersTo(i, "vpcSecurityGroupIds", r) || refersTo(i, "securityGroups", r))) || (i.type === ECS_SERVICE && serviceUsesGroup(i, r))));
}

export const dbNotPublic = stackRule(
  "db-not-public",
  "RDS is not publicly accessible and its security groups admit only the web host's (or web tasks') security group (no CIDR).",
  (all) => {
    const violations: Violation[] = [];
    const webGroups = webGroupsOf(all);
    for (const db of all.filter((r) => r.type === RDS)) {
      const v = (message: string): number => violations.push({ policy: "db-not-public", resource: db.name, urn: db.urn, message });
      if (db.props.publiclyAccessible === true) v("publiclyAccessible is true: the database gets a public address");
      const groups = all.filter((r) => r.type === SG && refersTo(db, "vpcSecurityGroupIds", r));
      if (groups.length === 0) {
        v("no security group of this stack is in vpcSecurityGroupIds: the VPC default group would apply");
        continue;
      }
      for (const sg of groups) {
        for (const rule of ingressRules(sg, all)) {
          const where = `${sg.name}${rule.owner === sg ? "" : ` (rule ${rule.owner.name})`}`;
          if (rule.cidrs.length > 0) v(`${where} admits CIDRs ${rule.cidrs.join(", ")}; admit only the web security group`);
          if (rule.prefixLists.length > 0) v(`${where} admits prefix lists; admit only the web security group`);
          if (rule.self) v(`${where} admits itself (self); admit only the web security group`);
          const fromWeb = (id: string): boolean => webGroups.some((w) => w.id === id);
          const fromWebUrn = (urn: string): boolean => webGroups.some((w) => w.urn === urn);
          const sources = rule.sourceGroupUrns.length > 0 ? rule.sourceGroupUrns.map(fromWebUrn) : rule.sourceGroups.map(fromWeb);
          if (sources.some((ok) => !ok)) v(`${where} admits a security group that is not the web host's (or web tasks')`);
          if (rule.cidrs.length === 0 && rule.sourceGroups.length === 0 && rule.sourceGroupUrns.length === 0 && !rule.self && rule.prefixLists.length === 0) {
            v(`${where} has an ingress rule without a source`);
          }
        }
      }
    }
    return violations;
  },
);

export const encryptedStorage = resourceRule(
  "encrypted-storage",
  "RDS storage, EC2 root and EBS volumes are encrypted.",
  (r) => {
    const p = r.props;
    switch (r.type) {
      case RDS:
        return p.storageEncrypted === true ? [] : ["storageEncrypted is not true"];
      case EC2: {
        const problems: string[] = [];
        const root = isObj(p.rootBlockDevice) ? p.rootBlockDevice : {};
        if (root.encrypted !== true) problems.push("rootBlockDevice.encrypted is not true");
        objects(p.ebsBlockDevices).forEach((d, i) => {
          if (d.encrypted !== true) problems.push(`ebsBlockDevices[${i}].encrypted is not true`);
        });
        return problems;
      }
      case "aws:ebs/volume:Volume":
        return p.encrypted === true ? [] : ["encrypted is not true"];
      default:
        return [];
    }
  },
);

export const imdsV2 = resourceRule(
  "imdsv2-required",
  "EC2 instances (and launch templates) require IMDSv2 session tokens.",
  (r) => {
    if (r.type !== EC2 && r.type !== "aws:ec2/launchTemplate:LaunchTemplate") return [];
    const md = isObj(r.props.metadataOptions) ? r.props.metadataOptions : {};
    return md.httpTokens === "required" ? [] : [`metadataOptions.httpTokens is ${JSON.stringify(md.httpTokens ?? "unset")}, must be "required"`];
  },
);

export const noWorldSshInProd = stackRule(
  "no-world-ssh-in-prod",
  "In prod, port 22 is not open to 0.0.0.0/0 or ::/0.",
  (all) => {
    return allIngress(withStages(all)).flatMap((rule) => {
      const owner = rule.owner;
      const world = rule.cidrs.filter((c) => WORLD.includes(c));
      if (owner.stage !== "prod" || world.length === 0 || !coversPort(rule, 22)) return [];
      return [{ policy: "no-world-ssh-in-prod", resource: owner.name, urn: owner.urn, message: `port 22 is open to ${world.join(", ")} in prod; set sshCidrs to your own ranges` }];
    });
  },
);

export const prodDataProtected = resourceRule(
  "prod-data-protected",
  "In prod, RDS has deletionProtection, a final snapshot, and the Pulumi `protect` option.",
  (r) => {
    if (r.type !== RDS || (r.stage ?? tagsOf(r).stage) !== "prod") return [];
    const p = r.props;
    const problems: string[] = [];
    if (p.deletionProtection !== true) problems.push("deletionProtection is not true");
    if (p.skipFinalSnapshot === true) problems.push("skipFinalSnapshot is true");
    if (typeof p.finalSnapshotIdentifier !== "string" || p.finalSnapshotIdentifier === "") problems.push("finalSnapshotIdentifier is not set");
    if (!r.protect) problems.push("the resource option protect is not set");
    return problems;
  },
);

export const requiredTags = resourceRule(
  "required-tags",
  `Taggable AWS resources carry the tags ${REQUIRED_TAGS.join(", ")}.`,
  (r) => {
    if (!TAGGABLE_TYPES.has(r.type)) return [];
    const tags = tagsOf(r);
    const missing = REQUIRED_TAGS.filter((k) => !tags[k]);
    return missing.length === 0 ? [] : [`missing tags: ${missing.join(", ")}`];
  },
);

/** Property names whose values are secret in the resource types this stack uses. */
const SECRET_PROPS: Record<string, string[]> = {
  [RDS]: ["password"],
  "random:index/randomPassword:RandomPassword": ["result"],
  "tls:index/privateKey:PrivateKey": ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"],
  "aws:secretsmanager/secretVersion:SecretVersion": ["secretString"],
};

/** Every value known to be secret: plan-marked secrets and well-known secret properties. */
export function knownSecrets(all: PolicyResource[]): string[] {
  const values = new Set<string>();
  for (const r of all) {
    for (const s of r.secretValues ?? []) values.add(s);
    for (const prop of SECRET_PROPS[r.type] ?? []) for (const s of strings(r.props[prop])) values.add(s);
    if (r.type.startsWith("command:")) {
      const conn = isObj(r.props.connection) ? r.props.connection : {};
      for (const s of strings([conn.password, conn.privateKey])) values.add(s);
    }
  }
  // Short strings ("app", "5432") occur everywhere and are no evidence of a leak.
  return [...values].filter((v) => v.length >= 8);
}

/** Literal credentials on a command line: `PASSWORD=...`, `--password ...`, `mysql -pX`, URLs with a password. */
const PASSWORD_PATTERNS: RegExp[] = [
  /\b\w*(PASSWORD|PASSWD|PASS|SECRET|TOKEN|API_KEY)\w*\s*=\s*(?!["']?\$)["']?[^\s"'$;|&]{3,}/i,
  /--(password|passwd|secret|token)(=|\s+)(?!["']?\$)["']?[^\s"'$;|&-][^\s"';|&]*/i,
  /\bmysql(dump|admin)?\b[^\n|;&]*\s-p(?!\s|["']?\$)\S+/i,
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:(?!\$)[^\s@/]+@/i,
];

/** Why a command line looks like it carries a secret, or undefined. */
export function secretOnCommandLine(line: string, secrets: string[]): string | undefined {
  if (secrets.some((s) => line.includes(s))) return "contains a secret value of this stack";
  const hit = PASSWORD_PATTERNS.map((re) => re.exec(line)).find((m) => m !== null);
  return hit ? `looks like a literal credential: "${hit[0].slice(0, 20)}…"` : undefined;
}

export const noSecretOnCommandLine = stackRule(
  "no-secret-on-command-line",
  "command:remote/local Command create/update/delete carry no secrets; secrets go via stdin.",
  (all) => {
    const secrets = knownSecrets(all);
    const violations: Violation[] = [];
    for (const r of all.filter((x) => x.type === "command:remote:Command" || x.type === "command:local:Command")) {
      for (const prop of ["create", "update", "delete"]) {
        const line = r.props[prop];
        if (typeof line !== "string") continue;
        const why = secretOnCommandLine(line, secrets);
        if (why) violations.push({ policy: "no-secret-on-command-line", resource: r.name, urn: r.urn, message: `${prop} ${why}; pass it on stdin` });
      }
    }
    return violations;
  },
);

/** The pack config the transport rules read: `{"prod-ssh-within-allowlist": {"sshCidrs": [...]}}`. */
const SSH_ALLOWLIST_SCHEMA: PolicyConfigSchema = { properties: { sshCidrs: { type: "array", items: { type: "string" } } } };

export const RULES: Rule[] = [dbNotPublic, encryptedStorage, imdsV2, noWorldSshInProd, prodDataProtected, requiredTags, noSecretOnCommandLine, ...ecsRules({ stackRule, ingressRules, serviceUsesGroup, knownSecrets, tagsOf }),
  ...transportRules({ stackRule, allIngress, coversPort, withStages }).map((rule) => ({ ...rule, configSchema: SSH_ALLOWLIST_SCHEMA })),
  ...httpsRules({ stackRule }), ...appEnvRules({ stackRule })];

/** Runs every rule (stages filled in first). */
export function checkAll(resources: PolicyResource[], rules: Rule[] = RULES, config?: PolicyConfig): Violation[] {
  const staged = withStages(resources);
  return rules.flatMap((rule) => rule.check(staged, config));
}
