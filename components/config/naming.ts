// Names derived from the project and stack: the RDS identifier, the compose project name on the host.
// One rule for all of them, so two stacks can never end up with the same name.
import * as crypto from "crypto";

/** Longest derived name: RDS identifiers allow 63 characters. */
export const MAX_NAME_LENGTH = 63;

/** The spelling every derived name uses: lowercase letters, digits, single hyphens, starting with a letter. */
const NORMAL = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Lowercase, runs of other characters → "-", no leading non-letters, no trailing "-". */
function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .replace(/-+$/, "");
}

/**
 * A name valid as an RDS identifier and as a compose project name: lowercase letters, digits and single
 * hyphens, starting with a letter, at most 63 characters. A longer name keeps its first 54 characters
 * and ends in 8 hex digits of its sha256, so two long names never collide by truncation.
 */
export function resourceName(...parts: string[]): string {
  const name = normalise(parts.join("-"));
  if (!name) throw new Error(`resourceName: ${JSON.stringify(parts)} leave no letters for a name`);
  if (name.length <= MAX_NAME_LENGTH) return name;
  const hash = crypto.createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, MAX_NAME_LENGTH - 9).replace(/-+$/, "")}-${hash}`;
}

/** The name of a stack's resources (RDS identifier, compose project): `<project>-<stack>`. */
export function stackResourceName(project: string, stack: string): string {
  return resourceName(project, stack);
}

/**
 * The IAM path of a stack's roles and instance profiles: `/<project>/<stage>/<stack>/`. The CI roles'
 * policies (scripts/lib/iam) scope iam:PassRole and role management to `role/<project>/<stage>/*`,
 * so a role may pass and change only roles of its own stages' stacks.
 */
export function stackRolePath(project: string, stage: string, stack: string): string {
  return `/${project}/${stage}/${stack}/`;
}

/**
 * Why a permissions boundary is not an IAM managed policy's ARN, or undefined. IAM takes a boundary as
 * "The ARN of the managed policy that is used to set the permissions boundary for the role"
 * (CreateRole, PermissionsBoundary: docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html),
 * a customer managed policy `arn:aws:iam::<account>:policy/<path><name>` or an AWS managed one
 * (`arn:aws:iam::aws:policy/…`); path and name of [\w+=,.@-] (API_CreatePolicy.html).
 */
export function permissionsBoundaryProblem(arn: string): { why: string; fix: string } | undefined {
  if (/^arn:aws(-[a-z]+)*:iam::(\d{12}|aws):policy\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/.test(arn)) return undefined;
  return { why: "is not the ARN of an IAM managed policy",
    fix: "give one like arn:aws:iam::123456789012:policy/compose-on-ec2-boundary, or leave it unset" };
}

/**
 * Why a stack name cannot be used, or undefined. Resource names are made from the stack name, so it must
 * already be in their spelling: otherwise `Prod`, `prod_` or `dev.` would take prod's or dev's names.
 */
export function stackNameProblem(stack: string): { why: string; fix: string } | undefined {
  if (NORMAL.test(stack)) return undefined;
  const normal = normalise(stack).replace(/-{2,}/g, "-");
  const taken = normal === "dev" || normal === "prod";
  return {
    why: taken
      ? `is spelled differently from the stack "${normal}" but would get its resource names (and not its stage)`
      : "is not in the spelling resource names use (lowercase letters, digits and single hyphens, starting with a letter), so another spelling could take the same names",
    fix: taken
      ? `use the stack "${normal}" itself, or give this stack a name of its own, e.g. ${normal}-copy`
      : `rename the stack: pulumi stack rename ${normal || "my-stack"}`,
  };
}
