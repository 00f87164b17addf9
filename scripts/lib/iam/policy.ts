// The CI roles' IAM policies, generated from what the offline plan creates: the resource types and
// data sources of the stack with every optional feature on (the most a stage can need), each mapped to
// the actions of scripts/lib/iam/ (hostActions.ts, serviceActions.ts, actions.ts). One policy per CI role and hosting: the dev CI role
// (dev and the sandboxes) and the prod role, for ec2 and ecs.
// `npm run iam-policy -- --stage dev|prod --hosting ec2|ecs` prints one; POLICY_DOC shows
// them all (renderPolicyDoc; `npm run iam-policy -- --write-docs`), and a unit test keeps both in step.
import { PROJECT } from "../../../lib/engine";
import { stackRolePath } from "../../../components/config";
import { planFor } from "../plan/run";
import { CALL_ACTIONS, PASSED_TO_SERVICE, SERVICE_LINKED_ROLES, type TokenActions } from "./actions";
import { HOST_RESOURCE_ACTIONS } from "./hostActions";
import { SERVICE_RESOURCE_ACTIONS } from "./serviceActions";

/** Resource types (`pulumi type token`) → actions: the host's and every stack's, then the services'. */
const RESOURCE_ACTIONS: Record<string, TokenActions> = { ...HOST_RESOURCE_ACTIONS, ...SERVICE_RESOURCE_ACTIONS };
/** Where a token without actions gets its row. */
const ADD_ACTIONS =
  "add resource types to scripts/lib/iam/hostActions.ts or serviceActions.ts, data sources to scripts/lib/iam/actions.ts";

export type CiStage = "dev" | "prod";
export type Hosting = "ec2" | "ecs";
export const CI_ROLES: { stage: CiStage; hosting: Hosting }[] = [
  { stage: "dev", hosting: "ec2" },
  { stage: "dev", hosting: "ecs" },
  { stage: "prod", hosting: "ec2" },
  { stage: "prod", hosting: "ecs" },
];

/** Stages of the stacks each CI role runs: the dev role also creates and reaps the sandboxes. */
export const STAGES_OF_ROLE: Record<CiStage, string[]> = { dev: ["dev", "sandbox"], prod: ["prod"] };

/**
 * Every optional feature that adds resource types, on: a domain in a Route 53 zone (records; ec2:
 * ACME on the host; ecs: ACM), an alert e-mail (SNS subscription); ec2 also registry mode (ECR, image
 * builds) and media on S3; both the managed cache. Settings as `npm run plan -- --set` takes them.
 */
export const FEATURES: Record<Hosting, Record<string, string>> = {
  ec2: { hosting: "ec2", domain: '["shop.your-company.com","www.shop.your-company.com"]',
    hostedZoneId: "Z0123456789ABCDEFGHIJ", acmeEmail: "ops@your-company.com", alertEmail: "ops@your-company.com",
    deployMode: "registry", mediaStorage: "s3", cache: "redis" },
  ecs: { hosting: "ecs", domain: '["shop.your-company.com","www.shop.your-company.com"]',
    hostedZoneId: "Z0123456789ABCDEFGHIJ", alertEmail: "ops@your-company.com", cache: "redis" },
};

/** What a plan used: custom resource types, data sources, the transport, and its roles' permissions boundary. */
export interface PlanUse {
  resourceTypes: string[];
  calls: string[];
  transport?: string;
  /** The boundary every role of the plan carries (iamPermissionsBoundary); undefined: none. */
  permissionsBoundary?: string;
}

/**
 * The plan of a CI role's stage and hosting with every feature on; with `permissionsBoundary`, as the
 * stack setting iamPermissionsBoundary would give it (one account for several stages).
 */
export async function planUse(stage: CiStage, hosting: Hosting, permissionsBoundary?: string): Promise<PlanUse> {
  const plan = await planFor(stage, undefined, { ...FEATURES[hosting],
    ...(permissionsBoundary ? { iamPermissionsBoundary: permissionsBoundary } : {}) });
  const boundaries = [
    ...new Set(plan.resources.filter((r) => r.type === "aws:iam/role:Role").map((r) => r.inputs.permissionsBoundary)),
  ];
  if (boundaries.length > 1) {
    throw new Error(
      `the plan's roles carry different permissions boundaries (${
        boundaries.map(String).join(", ")
      }): every role must carry the one iamPermissionsBoundary`,
    );
  }
  return {
    resourceTypes: [...new Set(plan.resources.filter((r) => r.custom).map((r) => r.type))].sort(),
    calls: plan.calls,
    transport: typeof plan.outputs.transport === "string" ? plan.outputs.transport : undefined,
    permissionsBoundary: typeof boundaries[0] === "string" ? boundaries[0] : undefined,
  };
}

/** Tokens of a plan with no row in the action table (the unit test fails on any). */
export function missingTokens(use: PlanUse): string[] {
  return [...use.resourceTypes.filter((t) => !(t in RESOURCE_ACTIONS)),
    ...use.calls.filter((t) => !(t in CALL_ACTIONS))];
}

interface Statement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Statement[];
}

const uniq = (xs: string[]): string[] => [...new Set(xs)].sort();

/** The IAM policy of one CI role and hosting for what the plan uses. Throws on a token without a row. */
export function ciPolicy(stage: CiStage, use: PlanUse, project = PROJECT): PolicyDocument {
  const missing = missingTokens(use);
  if (missing.length > 0) throw new Error(`no IAM actions known for ${missing.join(", ")}: ${ADD_ACTIONS}`);
  // getSessionContext reads the deploying role itself, which lies outside the stack's role paths.
  const readsOwnRole = use.calls.includes("aws:iam/getSessionContext:getSessionContext");
  const all = uniq([...use.resourceTypes.flatMap((t) => RESOURCE_ACTIONS[t].actions),
    ...use.calls.filter((t) => t !== "aws:iam/getSessionContext:getSessionContext").flatMap((t) =>
      CALL_ACTIONS[t].actions
    )]);
  // The stack's roles and instance profiles live under /<project>/<stage>/<stack>/ (stackRolePath).
  const paths = STAGES_OF_ROLE[stage].map((s) => stackRolePath(project, s, "*").replace(/\*\/$/, "*"));
  const roles = paths.map((p) => `arn:aws:iam::*:role${p}`);
  const profiles = paths.map((p) => `arn:aws:iam::*:instance-profile${p}`);
  const statements: Statement[] = [
    { Sid: "StackResources", Effect: "Allow", Action: all.filter((a) => !a.startsWith("iam:")), Resource: "*" },
  ];
  const iam = all.filter((a) => a.startsWith("iam:"));
  const boundary = use.permissionsBoundary;
  const ownResources = [...roles, ...(iam.some((a) => a.includes("InstanceProfile")) ? profiles : [])];
  if (boundary === undefined) {
    if (iam.length > 0) {
      statements.push({ Sid: "OwnRolesAndProfiles", Effect: "Allow", Action: iam, Resource: ownResources });
    }
  } else {
    statements.push(...boundaryStatements(iam, ownResources, roles, boundary));
  }
  if (readsOwnRole) {
    statements.push({ Sid: "ReadDeployingRole", Effect: "Allow", Action: ["iam:GetRole"],
      Resource: "arn:aws:iam::*:role/*" });
  }
  const passedTo = uniq(use.resourceTypes.filter((t) => t in PASSED_TO_SERVICE).map((t) => PASSED_TO_SERVICE[t]));
  if (passedTo.length > 0) {
    statements.push({ Sid: "PassOwnRoles", Effect: "Allow", Action: ["iam:PassRole"], Resource: roles,
      Condition: { StringEquals: { "iam:PassedToService": passedTo } } });
  }
  const linked = uniq(use.resourceTypes.filter((t) => t in SERVICE_LINKED_ROLES).map((t) => SERVICE_LINKED_ROLES[t]));
  if (linked.length > 0) {
    statements.push({ Sid: "ServiceLinkedRoles", Effect: "Allow", Action: ["iam:CreateServiceLinkedRole"],
      Resource: "arn:aws:iam::*:role/aws-service-role/*",
      Condition: { StringEquals: { "iam:AWSServiceName": linked } } });
  }
  if (use.transport === "ssm") {
    // The deployment's SSH rides a Session Manager session (AWS-StartSSHSession) to the stack's host only.
    statements.push({
      Sid: "SessionToOwnHost",
      Effect: "Allow",
      Action: ["ssm:StartSession"],
      Resource: "arn:aws:ec2:*:*:instance/*",
      Condition: { StringEquals: { "ssm:resourceTag/stage": STAGES_OF_ROLE[stage] } },
    });
    statements.push({ Sid: "SessionDocument", Effect: "Allow", Action: ["ssm:StartSession"],
      Resource: "arn:aws:ssm:*::document/AWS-StartSSHSession" });
    statements.push({ Sid: "OwnSessions", Effect: "Allow", Action: ["ssm:TerminateSession", "ssm:ResumeSession"],
      Resource: "arn:aws:ssm:*:*:session/${aws:userid}-*" });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** The role actions whose request carries the role's boundary as the condition key iam:PermissionsBoundary. */
export const BOUNDARY_CONDITIONED = ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy",
  "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary"];

/**
 * One account for several stages: the CI role may create and change roles only when they carry the
 * boundary, may not take it off or swap it, and may not edit the boundary policy itself. Modelled on
 * AWS's delegation example (statements CreateOrChangeOnlyWithBoundary, NoBoundaryPolicyEdit,
 * NoBoundaryUserDelete: docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html),
 * for roles; the key iam:PermissionsBoundary is defined for CreateRole, PutRolePolicy,
 * AttachRolePolicy, DeleteRolePolicy, DetachRolePolicy and PutRolePermissionsBoundary (Service
 * Authorization Reference, list_awsidentityandaccessmanagementiam.html). A negated operator is true
 * when the key is absent (IAM User Guide, reference_policies_elements_condition_operators.html), so
 * the Deny also refuses a CreateRole without any boundary, whatever else allows it.
 */
function boundaryStatements(iam: string[], ownResources: string[], roles: string[], boundary: string): Statement[] {
  const conditioned = uniq([...iam.filter((a) => BOUNDARY_CONDITIONED.includes(a)), "iam:PutRolePermissionsBoundary"]);
  const free = iam.filter((a) => !conditioned.includes(a));
  const statements: Statement[] = [];
  if (free.length > 0) {
    statements.push({ Sid: "OwnRolesAndProfiles", Effect: "Allow", Action: free, Resource: ownResources });
  }
  statements.push({ Sid: "OwnRolesOnlyWithBoundary", Effect: "Allow", Action: conditioned, Resource: roles,
    Condition: { StringEquals: { "iam:PermissionsBoundary": boundary } } });
  statements.push({ Sid: "NoRoleWithoutTheBoundary", Effect: "Deny", Action: conditioned, Resource: "*",
    Condition: { StringNotEquals: { "iam:PermissionsBoundary": boundary } } });
  statements.push({ Sid: "NoBoundaryRemoval", Effect: "Deny", Action: ["iam:DeleteRolePermissionsBoundary"],
    Resource: "*" });
  statements.push({ Sid: "NoBoundaryPolicyEdit", Effect: "Deny",
    Action: ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"],
    Resource: boundary });
  return statements;
}

/** Every CI role's policy, generated from the plans. */
export async function allPolicies(): Promise<
  { stage: CiStage; hosting: Hosting; use: PlanUse; policy: PolicyDocument }[]
> {
  const out = [];
  for (const { stage, hosting } of CI_ROLES) {
    const use = await planUse(stage, hosting);
    out.push({ stage, hosting, use, policy: ciPolicy(stage, use) });
  }
  return out;
}

/** The page that shows every CI role's policy whole, relative to the project root. */
export const POLICY_DOC = "docs/reference/iam-policies.md";

export const DOC_BEGIN = "<!-- BEGIN generated by `npm run iam-policy -- --write-docs`: do not edit -->";
export const DOC_END = "<!-- END generated IAM policies -->";

/** The generated part of POLICY_DOC: the type → actions table and each role's policy, whole. */
export function renderPolicyDoc(policies: Awaited<ReturnType<typeof allPolicies>>): string {
  const used = new Set(policies.flatMap((p) => [...p.use.resourceTypes, ...p.use.calls]));
  const where = (t: string) =>
    policies.filter((p) => p.use.resourceTypes.includes(t) || p.use.calls.includes(t)).map((p) =>
      `${p.stage}/${p.hosting}`
    ).join(", ");
  const lines = [DOC_BEGIN, "", "| type or data source | used by | IAM actions |", "|---|---|---|"];
  const rows = [...Object.entries(RESOURCE_ACTIONS), ...Object.entries(CALL_ACTIONS)].filter(([t]) => used.has(t)).sort(
    ([a], [b]) => a.localeCompare(b),
  );
  for (const [token, row] of rows) {
    const actions = row.actions.length ? row.actions.map((a) => `\`${a}\``).join(" ") : "none";
    lines.push(`| \`${token}\` | ${where(token)} | ${actions}${row.note ? ` (${row.note})` : ""} |`);
  }
  for (const p of policies) {
    lines.push("",
      `CI role for **${p.stage}** (stacks of stage ${STAGES_OF_ROLE[p.stage].join(", ")}), hosting **${p.hosting}**:`,
      "", "```json", JSON.stringify(p.policy, null, 2), "```");
  }
  lines.push("", DOC_END);
  return lines.join("\n");
}

/** The doc with its generated block replaced (the block must exist once). */
export function withPolicyDoc(doc: string, block: string): string {
  const start = doc.indexOf(DOC_BEGIN);
  const end = doc.indexOf(DOC_END);
  if (start < 0 || end < start) throw new Error(`${POLICY_DOC} has no generated IAM block (its BEGIN/END markers)`);
  return doc.slice(0, start) + block + doc.slice(end + DOC_END.length);
}
