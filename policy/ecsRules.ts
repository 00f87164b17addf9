// The policy rules an ecs stack adds: tasks reachable only through the load balancer, secrets only
// through the task definition's `secrets`, and the media bucket private and encrypted (protected in
// prod). Built from rules.ts's helpers (handed in, so neither module imports the other at run time).
import { Ingress, PolicyResource, Rule, Violation, ingressRules, knownSecrets, resourceRule, serviceUsesGroup,
  stackRule, tagsOf } from "./core";

type Props = Record<string, unknown>;
const isObj = (v: unknown): v is Props => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const SG = "aws:ec2/securityGroup:SecurityGroup";
const LB = "aws:lb/loadBalancer:LoadBalancer";
const BUCKET = "aws:s3/bucket:Bucket";

/** Environment names that hold a credential by convention. */
export const SECRET_ENV_NAME =
  /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?|DATABASE_URL|_DSN)$|^(DATABASE_URL|SECRET_KEY)$/i;
/** A URL with a password in it (scheme://user:password@host). */
const URL_WITH_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:[^\s@/]+@/i;

/** Why a container's `environment` entry looks like a secret, or undefined. */
export function secretInEnvironment(name: string, value: string, secrets: string[]): string | undefined {
  if (SECRET_ENV_NAME.test(name)) return `${name} is named like a secret`;
  if (secrets.some((s) => value.includes(s))) return `${name} holds a secret value of this stack`;
  if (URL_WITH_PASSWORD.test(value)) return `${name} holds a URL with a password`;
  return undefined;
}

/** The containers of a task definition (containerDefinitions is a JSON string). */
function containersOf(task: PolicyResource): Props[] {
  const raw = task.props.containerDefinitions;
  try {
    return list(typeof raw === "string" ? JSON.parse(raw) : raw).filter(isObj);
  } catch {
    return [];
  }
}

/** True when the bucket's sub-resource of `type` refers to it (by name or by dependency). */
function configOf(bucket: PolicyResource, type: string, all: PolicyResource[]): PolicyResource | undefined {
  return all.find((r) =>
    r.type === type
    && ((bucket.urn !== undefined && (r.propertyDependencies?.bucket ?? []).includes(bucket.urn))
      || (bucket.id !== undefined && r.props.bucket === bucket.id))
  );
}

const tasksOnlyThroughLoadBalancer = stackRule(
  "tasks-only-through-load-balancer",
  "The ECS tasks' security groups admit traffic only from a load balancer's security group (no CIDR, no other group).",
  (all) => {
    const tasksGroups = all.filter((sg) =>
      sg.type === SG && all.some((r) => r.type === "aws:ecs/service:Service" && serviceUsesGroup(r, sg))
    );
    const lbGroups = all.filter((sg) =>
      sg.type === SG
      && all.some((lb) =>
        lb.type === LB
        && (list(lb.props.securityGroups).includes(sg.id)
          || (lb.propertyDependencies?.securityGroups ?? []).includes(sg.urn ?? "\u0000"))
      )
    );
    const fromLb = (rule: Ingress): boolean => {
      const sources = rule.sourceGroupUrns.length > 0
        ? rule.sourceGroupUrns.map((u) => lbGroups.some((g) => g.urn === u))
        : rule.sourceGroups.map((id) => lbGroups.some((g) => g.id === id));
      return rule.cidrs.length === 0 && rule.prefixLists.length === 0 && !rule.self && sources.length > 0
        && sources.every(Boolean);
    };
    return tasksGroups.flatMap((sg) => ingressRules(sg, all).filter((rule) => !fromLb(rule)).map((rule) => ({
      policy: "tasks-only-through-load-balancer",
      resource: rule.owner.name,
      urn: rule.owner.urn,
      message: `${sg.name} admits ${
        rule.cidrs.length > 0
          ? `CIDRs ${rule.cidrs.join(", ")}`
          : "a source that is not the load balancer's security group"
      }; the tasks must be reachable only through the load balancer`,
    })));
  },
);

const TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition";
/** Every `environment` entry of a task definition's containers. */
const environmentOf = (task: PolicyResource): { container: string; name: string; value: string }[] =>
  task.type !== TASK_DEF
    ? []
    : containersOf(task).flatMap((c) =>
      list(c.environment).filter(isObj).map((e) => ({ container: String(c.name), name: String(e.name),
        value: String(e.value ?? "") })
      )
    );

// Judged on the task definition alone, before it is registered: names and values that look secret.
const noSecretInContainerEnv = resourceRule(
  "no-secret-in-container-env",
  "ECS container definitions carry nothing that looks secret in `environment` (a secret-looking name, a URL with a password); secrets come through `secrets` (valueFrom SSM or Secrets Manager).",
  (task) => environmentOf(task).flatMap((e) => {
    const why = secretInEnvironment(e.name, e.value, []);
    return why ? [`container ${e.container}: environment ${why}; pass it through \`secrets\``] : [];
  }),
);

// Another resource's secret value (the database password) in `environment`: needs the other resources.
const noStackSecretInContainerEnv = stackRule(
  "no-stack-secret-in-container-env",
  "ECS container definitions carry no secret value of another resource of the stack in `environment`.",
  (all) => {
    const secrets = knownSecrets(all);
    return all.flatMap((task) =>
      environmentOf(task).filter((e) => secrets.some((s) => e.value.includes(s))).map((e) => ({
        policy: "no-stack-secret-in-container-env",
        resource: task.name,
        urn: task.urn,
        message:
          `container ${e.container}: environment ${e.name} holds a secret value of this stack; pass it through \`secrets\``,
      }))
    );
  },
);

const mediaBucketPrivate = stackRule(
  "media-bucket-private",
  "S3 buckets block all public access, are encrypted at rest, and in prod are versioned and protected.",
  (all) => {
    const violations: Violation[] = [];
    for (const bucket of all.filter((r) => r.type === BUCKET)) {
      const v = (message: string): number =>
        violations.push({ policy: "media-bucket-private", resource: bucket.name, urn: bucket.urn, message });
      const block = configOf(bucket, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", all);
      const flags = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
      if (!block || flags.some((f) => block.props[f] !== true)) {
        v(`public access is not fully blocked (${flags.join(", ")} must all be true)`);
      }
      if (!configOf(bucket, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        all)) v("no server-side encryption configuration");
      if ((bucket.stage ?? tagsOf(bucket).stage) === "prod") {
        const versioning = configOf(bucket, "aws:s3/bucketVersioning:BucketVersioning", all);
        if (!versioning
          || (isObj(versioning.props.versioningConfiguration)
            ? versioning.props.versioningConfiguration.status
            : undefined) !== "Enabled") v("versioning is not enabled in prod");
        if (!bucket.protect) v("the resource option protect is not set in prod");
        if (bucket.props.forceDestroy === true) v("forceDestroy is true in prod (a destroy would delete the media)");
      }
    }
    return violations;
  },
);

/** The rules of this family. */
export const ecsRules: Rule[] = [tasksOnlyThroughLoadBalancer, noSecretInContainerEnv, noStackSecretInContainerEnv,
  mediaBucketPrivate];
