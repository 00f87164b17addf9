// What every policy rule works with: the resource and violation shapes, the rule constructors, tags
// and stages, references between resources, security-group ingress in its three shapes, and the
// stack's known secrets. A leaf: rules.ts and the rule families (ecsRules, httpsRules,
// transportRules) import it; it imports none of them.
import type { PolicyConfigSchema } from "@pulumi/policy";

/**
 * What the policies may be configured with: under CrossGuard, the reviewed policy/config.<stage>.json
 * handed to the CLI with --policy-pack-config (one section per rule that reads it, the same values in
 * each); in the offline plan, that same file (scripts/lib/plan/run.ts reads it).
 */
export interface PolicyConfig {
  /** The stage the stack is deployed as: prod rules judge every resource of a prod stack, tagged or not. */
  stage?: string;
  /** The SSH allowlist the stack was configured with (prod-ssh-within-allowlist). */
  sshCidrs?: string[];
  /** The permissions boundary every role must carry (roles-carry-permissions-boundary); unset: not required. */
  iamPermissionsBoundary?: string;
}

/**
 * The config schema of every rule that reads PolicyConfig. The Pulumi CLI validates each policy's
 * section of --policy-pack-config against its schema, an empty section when the file has none
 * (pulumi/pulumi, `ValidatePolicyPackConfig` of its analyzer config), so `stage` being required makes a
 * run without the reviewed config file fail before anything is planned, rather than judge prod as dev.
 */
export const POLICY_CONFIG_SCHEMA: PolicyConfigSchema = {
  properties: {
    stage: { type: "string", enum: ["dev", "prod", "sandbox"] },
    sshCidrs: { type: "array", items: { type: "string" } },
    iamPermissionsBoundary: { type: "string" },
  },
  required: ["stage"],
};

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
  /** For resource rules: the messages for one resource (given alone, as CrossGuard's Analyze does). */
  checkResource?(resource: PolicyResource, config?: PolicyConfig): string[];
  /**
   * False when the stack has nothing the rule judges (the ECS rules on an ec2 stack, the prod rules
   * on dev): the plan shows the rule as `n/a` rather than `pass`. Called with stages filled in.
   */
  appliesTo?(resources: PolicyResource[]): boolean;
}

type Props = Record<string, unknown>;

export const isObj = (v: unknown): v is Props => typeof v === "object" && v !== null && !Array.isArray(v);
export const strings = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string" && x !== "");
export const objects = (v: unknown): Props[] => (Array.isArray(v) ? v.filter(isObj) : []);

export const RDS = "aws:rds/instance:Instance";
export const EC2 = "aws:ec2/instance:Instance";
export const SG = "aws:ec2/securityGroup:SecurityGroup";
export const VPC_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
export const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
export const WORLD = ["0.0.0.0/0", "::/0"];
/** The stack itself: CrossGuard hands a stack policy the stack's outputs as this resource's props. */
export const STACK = "pulumi:pulumi:Stack";

/**
 * The stack outputs a rule needs, or a violation per missing one: a rule that cannot read what it
 * judges fails (closed) rather than passes. An output is missing when the stack resource is absent or
 * its value is undefined or null (an unknown value during a preview counts as missing too).
 */
export function stackOutputs(all: PolicyResource[], policy: string,
  needed: readonly string[]): { outputs: Props; missing: Violation[] } {
  const stack = all.find((r) => r.type === STACK);
  const outputs = stack?.props ?? {};
  const missing = needed.filter((k) => outputs[k] === undefined || outputs[k] === null).map((k) => ({
    policy,
    resource: stack?.name ?? "stack",
    urn: stack?.urn,
    message: `the stack output \`${k}\` is missing${
      stack ? "" : " (no stack resource with outputs was given to the policy)"
    }, so this rule cannot judge the stack and fails closed; export \`${k}\` from index.ts (components/outputs.ts)`,
  }));
  return { outputs, missing };
}

/** The AWS resource types in this stack that accept `tags`. */
export const TAGGABLE_TYPES = new Set([
  EC2,
  SG,
  VPC_INGRESS,
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:ec2/eip:Eip",
  "aws:ec2/keyPair:KeyPair",
  "aws:ec2/vpc:Vpc",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/launchTemplate:LaunchTemplate",
  "aws:ebs/volume:Volume",
  RDS,
  "aws:rds/subnetGroup:SubnetGroup",
  "aws:rds/parameterGroup:ParameterGroup",
  "aws:iam/role:Role",
  "aws:iam/instanceProfile:InstanceProfile",
  "aws:iam/policy:Policy",
  "aws:ecr/repository:Repository",
  "aws:secretsmanager/secret:Secret",
  "aws:ssm/parameter:Parameter",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:ecs/cluster:Cluster",
  "aws:ecs/service:Service",
  "aws:ecs/taskDefinition:TaskDefinition",
  "aws:lb/loadBalancer:LoadBalancer",
  "aws:lb/targetGroup:TargetGroup",
  "aws:lb/listener:Listener",
  "aws:acm/certificate:Certificate",
  "aws:s3/bucket:Bucket",
  "aws:appautoscaling/target:Target",
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

/**
 * The stage a resource rule judges one resource by, from what that resource alone shows (its `stage`,
 * its tags, its provider's default tags) and the pack's config: prod when any says prod, so a prod
 * stack's untagged resource (a command, an aws.ec2 SecurityGroupRule) is judged as prod.
 */
export function stageOf(r: Pick<PolicyResource, "stage" | "props" | "providerDefaultTags">, config?: PolicyConfig):
  | string
  | undefined {
  const said = [r.stage, tagsOf(r).stage, config?.stage].filter((s): s is string => typeof s === "string" && s !== "");
  return said.includes("prod") ? "prod" : said[0];
}

/** True when `from` refers to `target` through `prop`: by property dependency or by id. */
export function refersTo(from: PolicyResource, prop: string, target: PolicyResource): boolean {
  if (target.urn && from.propertyDependencies?.[prop]?.includes(target.urn)) return true;
  return target.id !== undefined && strings(from.props[prop]).includes(target.id);
}

/**
 * A rule judged one resource at a time: under CrossGuard a `validateResource`, which the engine runs on
 * each resource's inputs before its step (create, update, replace) and, on a mandatory violation outside
 * a preview, refuses that step: "resource … is invalid" (pulumi/pulumi pkg/resource/deploy/step_generator.go,
 * analyzer.Analyze). So a violating resource is never created or changed, where a stack rule
 * (`validateStack`) runs only after every step has executed (pkg/resource/deploy/deployment_executor.go;
 * @pulumi/policy server.js: "at the end of a successful preview or update"). `withConfig` rules read the
 * pack's config (POLICY_CONFIG_SCHEMA).
 */
export function resourceRule(name: string, description: string,
  checkResource: (r: PolicyResource, config?: PolicyConfig) => string[], withConfig = false): Rule {
  return {
    name,
    description,
    scope: "resource",
    checkResource,
    ...(withConfig ? { configSchema: POLICY_CONFIG_SCHEMA } : {}),
    check: (resources, config) =>
      resources.flatMap((r) =>
        checkResource(r, config).map((message) => ({ policy: name, resource: r.name, urn: r.urn, message }))
      ),
  };
}

export function stackRule(name: string, description: string,
  check: (resources: PolicyResource[], config?: PolicyConfig) => Violation[]): Rule {
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
  return objects(sg.props.ingress).map((r) => classicIngress(sg, r, strings(r.securityGroups), []));
}

/** An ingress in the EC2 API's shape: a group's inline `ingress` entry, or an aws.ec2.SecurityGroupRule. */
function classicIngress(owner: PolicyResource, r: Record<string, unknown>, sourceGroups: string[],
  sourceGroupUrns: string[]): Ingress {
  return {
    owner,
    fromPort: r.fromPort as number,
    toPort: r.toPort as number,
    protocol: String(r.protocol ?? "").toLowerCase(),
    cidrs: [...strings(r.cidrBlocks), ...strings(r.ipv6CidrBlocks)],
    sourceGroups,
    sourceGroupUrns,
    self: r.self === true,
    prefixLists: strings(r.prefixListIds),
  };
}

/** The ingress a separate rule resource declares, or undefined for anything else. */
function ruleIngress(r: PolicyResource): Ingress | undefined {
  const p = r.props;
  if (r.type === VPC_INGRESS) {
    return {
      owner: r,
      fromPort: p.fromPort as number,
      toPort: p.toPort as number,
      protocol: String(p.ipProtocol ?? "").toLowerCase(),
      cidrs: strings([p.cidrIpv4, p.cidrIpv6]),
      sourceGroups: strings(p.referencedSecurityGroupId),
      sourceGroupUrns: r.propertyDependencies?.referencedSecurityGroupId ?? [],
      self: false,
      prefixLists: strings(p.prefixListId),
    };
  }
  if (r.type === SG_RULE && p.type === "ingress") {
    return classicIngress(r, p, strings(p.sourceSecurityGroupId), r.propertyDependencies?.sourceSecurityGroupId ?? []);
  }
  return undefined;
}

/** The ingress one resource declares itself: a security group's inline rules, or a separate rule's one. */
export function ownIngress(r: PolicyResource): Ingress[] {
  if (r.type === SG) return inlineIngress(r);
  const rule = ruleIngress(r);
  return rule ? [rule] : [];
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
  allProtocols(rule.protocol)
  || ((rule.protocol === "tcp" || rule.protocol === "6") && (rule.fromPort ?? 0) <= port
    && port <= (rule.toPort ?? 65535));

// ---------------------------------------------------------------------------------------------
// Which security groups the web service runs in.

export const ECS_SERVICE = "aws:ecs/service:Service";

/** True when an ECS service runs its tasks in security group `sg` (networkConfiguration.securityGroups). */
export function serviceUsesGroup(service: PolicyResource, sg: PolicyResource): boolean {
  const net = isObj(service.props.networkConfiguration) ? service.props.networkConfiguration : {};
  if (sg.id !== undefined && strings(net.securityGroups).includes(sg.id)) return true;
  return sg.urn !== undefined && (service.propertyDependencies?.networkConfiguration ?? []).includes(sg.urn);
}

/** The security groups the web service runs in: the EC2 host's, or the ECS tasks'. */
export function webGroupsOf(all: PolicyResource[]): PolicyResource[] {
  return all.filter((r) =>
    r.type === SG
    && all.some((i) =>
      (i.type === EC2 && (refersTo(i, "vpcSecurityGroupIds", r) || refersTo(i, "securityGroups", r)))
      || (i.type === ECS_SERVICE && serviceUsesGroup(i, r))
    )
  );
}

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
