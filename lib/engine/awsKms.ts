/* eslint-disable @typescript-eslint/no-explicit-any -- provider inputs are untyped JSON here */
// The AWS mock's model of KMS keys (CreateKey) and what it refuses, from the KMS API Reference
// (docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html), Policy:
// - "The key policy must allow the calling principal to make a subsequent PutKeyPolicy request on the
//   KMS key" unless BypassPolicyLockoutSafetyCheck is true;
// - "Each statement in the key policy must contain one or more principals. The principals in the key
//   policy must exist and be visible to KMS" (else MalformedPolicyDocumentException);
// - the policy is at most 32768 characters;
// and PendingWindowInDays (the provider's deletionWindowInDays, ScheduleKeyDeletion) from 7 to 30.
// Nothing here asks the program's code.
import type { Account, Computed, Fail, Model } from "./awsModel";
import { uuidOf } from "./ids";

export const KMS_KEY = "aws:kms/key:Key";
const ROLE = "aws:iam/role:Role";

type Statement = { Effect?: string; Principal?: unknown; Action?: unknown; Condition?: unknown };

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** The AWS principals of a statement ("*" and service principals included as given). */
function principalsOf(s: Statement): string[] {
  const p = s.Principal;
  if (p === "*") return ["*"];
  if (typeof p !== "object" || p === null) return [];
  return Object.values(p as Record<string, unknown>).flatMap((v) => list(v)).filter((x): x is string =>
    typeof x === "string"
  );
}

/** True when an IAM-style action pattern (`kms:Put*`, `kms:*`, `*`) covers `action`. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`,
    "i");
  return re.test(action);
}

/** Why KMS refuses this key policy for this caller, or undefined. */
export function keyPolicyProblem(a: Account, policyText: unknown): string | undefined {
  if (typeof policyText !== "string") return undefined; // no policy: KMS attaches its default key policy
  if (policyText.length > 32768) {
    return "MalformedPolicyDocumentException: the key policy is longer than 32768 characters";
  }
  let policy: { Statement?: unknown };
  try {
    policy = JSON.parse(policyText);
  } catch {
    return "MalformedPolicyDocumentException: the key policy is not JSON";
  }
  const statements = list(policy.Statement) as Statement[];
  const root = `arn:aws:iam::${a.accountId}:root`;
  for (const s of statements) {
    const principals = principalsOf(s);
    if (principals.length === 0) {
      return "MalformedPolicyDocumentException: a statement of the key policy has no principal";
    }
    for (const p of principals) {
      if (p === "*" || p === root || p === a.accountId || p.endsWith(".amazonaws.com") || p === a.callerArn
        || p === sessionContext(a.callerArn).issuerArn) continue;
      const isRole = /^arn:aws[a-z-]*:iam::\d{12}:role\//.test(p);
      if (!isRole || !a.created(ROLE).some((r) => r.state.arn === p)) {
        return `MalformedPolicyDocumentException: Policy contains a statement with one or more invalid principals (${p})`;
      }
    }
  }
  // The lockout safety check: an Allow statement that names the caller (or the account, whose IAM
  // policies then decide) must cover kms:PutKeyPolicy.
  const mayPutPolicy = statements.some((s) =>
    s.Effect === "Allow"
    && principalsOf(s).some((p) =>
      p === a.callerArn || p === sessionContext(a.callerArn).issuerArn || p === root || p === "*"
    )
    && list(s.Action).some((act) => typeof act === "string" && actionMatches(act, "kms:PutKeyPolicy"))
  );
  if (!mayPutPolicy) {
    return "MalformedPolicyDocumentException: The new key policy will not allow you to update the key policy in the future (lockout safety check)";
  }
  return undefined;
}

/**
 * aws.iam.getSessionContext: "For non-role ARNs, this data source simply passes the ARN through in
 * issuerArn"; for an STS assumed-role ARN, the ARN of the role the session comes from
 * (pulumi.com/registry/packages/aws/api-docs/iam/getsessioncontext). The real data source reads the
 * role (iam:GetRole) for its path; this model knows no paths and gives the role at the root path.
 */
export function sessionContext(arn: string): Record<string, string> {
  const m = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(arn ?? "");
  if (!m) return { arn, issuerArn: arn, issuerId: "", issuerName: "", sessionName: "", id: arn };
  return { arn, issuerArn: `arn:${m[1]}:iam::${m[2]}:role/${m[3]}`, issuerId: "AROAMOCKROLE", issuerName: m[3],
    sessionName: m[4], id: arn };
}

const key: Model = (a: Account, name: string, inputs: Record<string, any>, fail: Fail): Computed => {
  if (inputs.bypassPolicyLockoutSafetyCheck !== true) {
    const problem = keyPolicyProblem(a, inputs.policy);
    if (problem) throw fail(problem);
  }
  const window = inputs.deletionWindowInDays;
  if (window !== undefined && !(Number.isInteger(window) && window >= 7 && window <= 30)) {
    throw fail(`ValidationException: deletionWindowInDays ${window} is not 7..30`);
  }
  const id = uuidOf("kms", name);
  return { id,
    computed: { keyId: id, arn: `arn:aws:kms:${a.region}:${a.accountId}:key/${id}`,
      keyUsage: inputs.keyUsage ?? "ENCRYPT_DECRYPT", customerMasterKeySpec: "SYMMETRIC_DEFAULT" } };
};

/** Models of the KMS resource types, by type token (merged into the mock's model table). */
export const KMS_MODELS: Record<string, Model> = { [KMS_KEY]: key };
