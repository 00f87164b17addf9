// The stack's policy rules as plain functions over a plain resource list. The same functions run
// in CrossGuard (policy/crossGuard.ts wraps them) and over the offline plan (scripts/plan.ts, tests).
import {
  EC2,
  PolicyConfig,
  PolicyResource,
  RDS,
  REQUIRED_TAGS,
  Rule,
  SG,
  TAGGABLE_TYPES,
  Violation,
  WORLD,
  coversPort,
  ingressRules,
  isObj,
  knownSecrets,
  objects,
  ownIngress,
  refersTo,
  resourceRule,
  stackRule,
  stageOf,
  strings,
  tagsOf,
  webGroupsOf,
  withStages,
} from "./core";
import { appEnvRules } from "./appEnvRules";
import { ecsRules } from "./ecsRules";
import { httpsRules } from "./httpsRules";
import { prodRules } from "./prodRules";
import { transportOf, transportRules } from "./transportRules";

export * from "./core";

// ---------------------------------------------------------------------------------------------
// The rules.

export const dbNotPublic = resourceRule(
  "db-not-public",
  "RDS is not publicly accessible and sits in security groups of its own (never the VPC's default group).",
  (r) => {
    if (r.type !== RDS) return [];
    const problems: string[] = [];
    if (r.props.publiclyAccessible === true) {
      problems.push("publiclyAccessible is true: the database gets a public address");
    }
    const groups = [...strings(r.props.vpcSecurityGroupIds), ...(r.propertyDependencies?.vpcSecurityGroupIds ?? [])];
    if (groups.length === 0) problems.push("vpcSecurityGroupIds is empty: the VPC default group would apply");
    return problems;
  },
);

/** Whom the database's security groups admit: this needs the groups, their rules and the web host together. */
export const dbAdmitsOnlyWeb = stackRule(
  "db-admits-only-web",
  "The database's security groups admit only the web host's (or web tasks') security group: no CIDR, prefix list, self or other group.",
  (all) => {
    const violations: Violation[] = [];
    const webGroups = webGroupsOf(all);
    for (const db of all.filter((r) => r.type === RDS)) {
      const v = (message: string): number =>
        violations.push({ policy: "db-admits-only-web", resource: db.name, urn: db.urn, message });
      const groups = all.filter((r) => r.type === SG && refersTo(db, "vpcSecurityGroupIds", r));
      if (groups.length === 0 && strings(db.props.vpcSecurityGroupIds).length > 0) {
        v("none of its vpcSecurityGroupIds is a security group of this stack, so whom it admits cannot be judged");
        continue;
      }
      for (const sg of groups) {
        for (const rule of ingressRules(sg, all)) {
          const where = `${sg.name}${rule.owner === sg ? "" : ` (rule ${rule.owner.name})`}`;
          if (rule.cidrs.length > 0) {
            v(`${where} admits CIDRs ${rule.cidrs.join(", ")}; admit only the web security group`);
          }
          if (rule.prefixLists.length > 0) v(`${where} admits prefix lists; admit only the web security group`);
          if (rule.self) v(`${where} admits itself (self); admit only the web security group`);
          const fromWeb = (id: string): boolean => webGroups.some((w) => w.id === id);
          const fromWebUrn = (urn: string): boolean => webGroups.some((w) => w.urn === urn);
          const sources = rule.sourceGroupUrns.length > 0
            ? rule.sourceGroupUrns.map(fromWebUrn)
            : rule.sourceGroups.map(fromWeb);
          if (sources.some((ok) => !ok)) {
            v(`${where} admits a security group that is not the web host's (or web tasks')`);
          }
          if (rule.cidrs.length === 0 && rule.sourceGroups.length === 0 && rule.sourceGroupUrns.length === 0
            && !rule.self && rule.prefixLists.length === 0) {
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
    return md.httpTokens === "required"
      ? []
      : [`metadataOptions.httpTokens is ${JSON.stringify(md.httpTokens ?? "unset")}, must be "required"`];
  },
);

export const noWorldSshInProd = resourceRule(
  "no-world-ssh-in-prod",
  "In prod, port 22 is not open to 0.0.0.0/0 or ::/0 (judged on each security group and rule).",
  (r, config) => {
    if (stageOf(r, config) !== "prod") return [];
    return ownIngress(r).flatMap((rule) => {
      const world = rule.cidrs.filter((c) => WORLD.includes(c));
      return world.length > 0 && coversPort(rule, 22)
        ? [`port 22 is open to ${world.join(", ")} in prod; set sshCidrs to your own ranges`]
        : [];
    });
  },
  true,
);

export const prodDataProtected = resourceRule(
  "prod-data-protected",
  "In prod, RDS has deletionProtection, a final snapshot, and the Pulumi `protect` option.",
  (r, config) => {
    if (r.type !== RDS || stageOf(r, config) !== "prod") return [];
    const p = r.props;
    const problems: string[] = [];
    if (p.deletionProtection !== true) problems.push("deletionProtection is not true");
    if (p.skipFinalSnapshot === true) problems.push("skipFinalSnapshot is true");
    if (typeof p.finalSnapshotIdentifier !== "string" || p.finalSnapshotIdentifier === "") {
      problems.push("finalSnapshotIdentifier is not set");
    }
    if (!r.protect) problems.push("the resource option protect is not set");
    return problems;
  },
  true,
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

const COMMAND_TYPES = ["command:remote:Command", "command:local:Command"];

/** The command lines of a command resource, by property. */
function commandLines(r: PolicyResource): [string, string][] {
  if (!COMMAND_TYPES.includes(r.type)) return [];
  return ["create", "update", "delete"].flatMap((
    prop,
  ) => (typeof r.props[prop] === "string" ? [[prop, r.props[prop] as string] as [string, string]] : []));
}

export const noSecretOnCommandLine = resourceRule(
  "no-secret-on-command-line",
  "command:remote/local Command create/update/delete carry no literal credential nor the command's own connection secrets; secrets go via stdin.",
  (r) => {
    // What this one resource shows: literal credentials, and its own connection's password or key.
    const own = knownSecrets([r]);
    return commandLines(r).flatMap(([prop, line]) => {
      const why = secretOnCommandLine(line, own);
      return why ? [`${prop} ${why}; pass it on stdin`] : [];
    });
  },
);

/** Another resource's secret value on a command line: needs the other resources, so judged over the stack. */
export const noStackSecretOnCommandLine = stackRule(
  "no-stack-secret-on-command-line",
  "command:remote/local Command create/update/delete carry no secret value of another resource of the stack (the database password, a generated key).",
  (all) => {
    const secrets = knownSecrets(all);
    return all.flatMap((r) =>
      commandLines(r).flatMap(([prop, line]) =>
        secrets.some((s) => line.includes(s))
          ? [{ policy: "no-stack-secret-on-command-line", resource: r.name, urn: r.urn,
            message: `${prop} contains a secret value of this stack; pass it on stdin` }]
          : []
      )
    );
  },
);

/** The IAM role type: every role the stack creates. */
export const ROLE = "aws:iam/role:Role";

/**
 * Where one AWS account holds several stages, the CI role may create only roles that carry the
 * permissions boundary (scripts/lib/iam/policy.ts requires it by condition); this rule refuses a role
 * without it before the role is created, naming the setting. Applies when the pack's config names a
 * boundary (policy/config.<stage>.json `iamPermissionsBoundary`).
 */
export const rolesCarryBoundary = resourceRule(
  "roles-carry-permissions-boundary",
  "When the pack's config names a permissions boundary, every IAM role the stack creates carries exactly that boundary.",
  (r, config) => {
    const boundary = config?.iamPermissionsBoundary;
    if (r.type !== ROLE || !boundary) return [];
    const actual = r.props.permissionsBoundary;
    if (actual === boundary) return [];
    return [
      `permissionsBoundary is ${
        JSON.stringify(actual ?? "unset")
      }, not the account's boundary ${boundary}: set iamPermissionsBoundary: ${boundary} in the stack settings (every role of the stack then carries it)`,
    ];
  },
  true,
);

const has = (...types: string[]) => (all: PolicyResource[]): boolean => all.some((r) => types.includes(r.type));
const inProd = (all: PolicyResource[]): boolean =>
  all.some((r) => r.stage === "prod") || all.some((r) => r.type === "pulumi:pulumi:Stack" && r.props.stage === "prod");
const COMMANDS = ["command:remote:Command", "command:local:Command"];
/** What each rule judges: without it in the stack, the rule does not apply (shown `n/a`). */
const APPLIES_TO: Record<string, (all: PolicyResource[]) => boolean> = {
  "db-not-public": has(RDS),
  "db-admits-only-web": has(RDS),
  "encrypted-storage": has(RDS, EC2, "aws:ebs/volume:Volume"),
  "imdsv2-required": has(EC2, "aws:ec2/launchTemplate:LaunchTemplate"),
  "no-world-ssh-in-prod": inProd,
  "prod-data-protected": (all) => inProd(all) && has(RDS)(all),
  "required-tags": (all) => all.some((r) => TAGGABLE_TYPES.has(r.type)),
  "no-secret-on-command-line": has(...COMMANDS),
  "no-stack-secret-on-command-line": has(...COMMANDS),
  "roles-carry-permissions-boundary": has(ROLE),
  "tasks-only-through-load-balancer": has("aws:ecs/service:Service"),
  "no-secret-in-container-env": has("aws:ecs/taskDefinition:TaskDefinition"),
  "no-stack-secret-in-container-env": has("aws:ecs/taskDefinition:TaskDefinition"),
  "media-bucket-private": has("aws:s3/bucket:Bucket"),
  "prod-ssh-within-allowlist": (all) => inProd(all) && transportOf(all) === "ssh",
  "ssm-no-inbound-ssh": (all) => transportOf(all) === "ssm",
  "prod-serves-https": inProd,
  "prod-imds-hop-limit-1": (all) => inProd(all) && has(EC2, "aws:ec2/launchTemplate:LaunchTemplate")(all),
  "prod-no-acme-staging": inProd,
  "prod-secrets-own-key": (all) => inProd(all) && has("aws:ssm/parameter:Parameter")(all),
  "prod-hsts-on": inProd,
};

export const RULES: Rule[] = [dbNotPublic, dbAdmitsOnlyWeb, encryptedStorage, imdsV2, noWorldSshInProd,
  prodDataProtected, requiredTags, noSecretOnCommandLine, noStackSecretOnCommandLine, rolesCarryBoundary, ...ecsRules,
  ...transportRules, ...httpsRules, ...appEnvRules, ...prodRules].map((rule) => ({ ...rule,
    appliesTo: APPLIES_TO[rule.name] })
  );

/** Each rule's verdict on a stack: `fail` with its violations, `pass`, or `n/a` when the stack has nothing it judges. */
export function verdicts(resources: PolicyResource[], violations: Violation[],
  rules: Rule[] = RULES): { rule: string; status: "pass" | "fail" | "n/a"; violations: Violation[] }[] {
  const staged = withStages(resources);
  return rules.map((rule) => {
    const mine = violations.filter((v) => v.policy === rule.name);
    const status = mine.length > 0 ? "fail" : rule.appliesTo && !rule.appliesTo(staged) ? "n/a" : "pass";
    return { rule: rule.name, status, violations: mine };
  });
}

/** Runs every rule (stages filled in first). */
export function checkAll(resources: PolicyResource[], rules: Rule[] = RULES, config?: PolicyConfig): Violation[] {
  const staged = withStages(resources);
  return rules.flatMap((rule) => rule.check(staged, config));
}
