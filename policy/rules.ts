// The stack's policy rules as plain functions over a plain resource list. The same functions run
// in CrossGuard (policy/crossGuard.ts wraps them) and over the offline plan (scripts/plan.ts, tests).
import type { PolicyConfigSchema } from "@pulumi/policy";
import {
  EC2, PolicyConfig, PolicyResource, RDS, REQUIRED_TAGS, Rule, SG, TAGGABLE_TYPES, Violation, WORLD, allIngress, coversPort, ingressRules, isObj,
  knownSecrets, objects, refersTo, resourceRule, stackRule, tagsOf, webGroupsOf, withStages,
} from "./core";
import { appEnvRules } from "./appEnvRules";
import { ecsRules } from "./ecsRules";
import { httpsRules } from "./httpsRules";
import { transportOf, transportRules } from "./transportRules";

export * from "./core";

// ---------------------------------------------------------------------------------------------
// The rules.

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

const has = (...types: string[]) => (all: PolicyResource[]): boolean => all.some((r) => types.includes(r.type));
const inProd = (all: PolicyResource[]): boolean => all.some((r) => r.stage === "prod") || all.some((r) => r.type === "pulumi:pulumi:Stack" && r.props.stage === "prod");
const COMMANDS = ["command:remote:Command", "command:local:Command"];
/** What each rule judges: without it in the stack, the rule does not apply (shown `n/a`). */
const APPLIES_TO: Record<string, (all: PolicyResource[]) => boolean> = {
  "db-not-public": has(RDS),
  "encrypted-storage": has(RDS, EC2, "aws:ebs/volume:Volume"),
  "imdsv2-required": has(EC2, "aws:ec2/launchTemplate:LaunchTemplate"),
  "no-world-ssh-in-prod": inProd,
  "prod-data-protected": (all) => inProd(all) && has(RDS)(all),
  "required-tags": (all) => all.some((r) => TAGGABLE_TYPES.has(r.type)),
  "no-secret-on-command-line": has(...COMMANDS),
  "tasks-only-through-load-balancer": has("aws:ecs/service:Service"),
  "no-secret-in-container-env": has("aws:ecs/taskDefinition:TaskDefinition"),
  "media-bucket-private": has("aws:s3/bucket:Bucket"),
  "prod-ssh-within-allowlist": (all) => inProd(all) && transportOf(all) === "ssh",
  "ssm-no-inbound-ssh": (all) => transportOf(all) === "ssm",
  "prod-serves-https": inProd,
};

export const RULES: Rule[] = [dbNotPublic, encryptedStorage, imdsV2, noWorldSshInProd, prodDataProtected, requiredTags, noSecretOnCommandLine, ...ecsRules,
  ...transportRules.map((rule) => ({ ...rule, configSchema: SSH_ALLOWLIST_SCHEMA })),
  ...httpsRules, ...appEnvRules].map((rule) => ({ ...rule, appliesTo: APPLIES_TO[rule.name] }));

/** Each rule's verdict on a stack: `fail` with its violations, `pass`, or `n/a` when the stack has nothing it judges. */
export function verdicts(resources: PolicyResource[], violations: Violation[], rules: Rule[] = RULES): { rule: string; status: "pass" | "fail" | "n/a"; violations: Violation[] }[] {
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
