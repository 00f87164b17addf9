// The ECS path's IAM and KMS documents (pure): who may assume the task roles, what the execution
// role may read, the task role's ECS Exec channels, and the key policy of prod's secrets key.
// components/ecs.ts creates the roles, policies and key from these.
import type { DbLoginSecretName, EcsSecretName, Stage } from "./config";

export const TRUST_ECS_TASKS = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

/** "<account>.dkr.ecr.<region>.amazonaws.com/<name>" → the repository's ARN. */
export function ecrRepositoryArn(repositoryUrl: string): string {
  const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/(.+)$/.exec(repositoryUrl);
  if (!m) throw new Error(`"${repositoryUrl}" is not an ECR repository URL`);
  return `arn:aws:ecr:${m[2]}:${m[1]}:repository/${m[3]}`;
}

/** The SSM parameter holding one of the stack's secrets. */
export function parameterName(appName: string, secret: EcsSecretName | DbLoginSecretName): string {
  return `/${appName}/${secret}`;
}

/**
 * Every parameter of the stack (`/<appName>/…`) as one ARN pattern, from one of their ARNs
 * (arn:aws:ssm:<region>:<account>:parameter/<appName>/<secret>). Its parameters, not a list of them:
 * a task definition a rollback returns to reads the parameters it was made with, which a later
 * update may have replaced (the app's URL moved to db/app-url; the old parameter outlives a failed update).
 */
export function parametersOf(parameterArn: string, appName: string): string {
  const m = /^(arn:[^:]+:ssm:[^:]+:[^:]+:parameter)\//.exec(parameterArn);
  if (!m) throw new Error(`"${parameterArn}" is not an SSM parameter ARN`);
  return `${m[1]}/${appName}/*`;
}

/**
 * Execution role: pull this image, write this log group, read the stack's parameters; nothing else. With the
 * stack's own secrets key (prod), also kms:Decrypt on that key through SSM: "kms:Decrypt — Required only
 * if your secret uses a custom KMS key and not the default key" (Amazon ECS Developer Guide, "Required
 * IAM permissions for Amazon ECS secrets", docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html).
 */
export function executionRolePolicy(repositoryArn: string, logGroupArn: string, parameters: string,
  secretsKey?: { arn: string; region: string }): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      // GetAuthorizationToken has no resource type: "*" is the only form IAM accepts.
      { Sid: "EcrLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
      { Sid: "PullWebImage", Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
        Resource: [repositoryArn] },
      { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [`${logGroupArn}:log-stream:*`] },
      { Sid: "ReadAppSecrets", Effect: "Allow", Action: ["ssm:GetParameters"], Resource: [parameters] },
      ...(secretsKey
        ? [{ Sid: "DecryptAppSecrets", Effect: "Allow", Action: ["kms:Decrypt"], Resource: [secretsKey.arn],
          Condition: { StringEquals: { "kms:ViaService": ssmService(secretsKey.region) } } }]
        : []),
    ],
  };
}

/** The stages whose SSM parameters are encrypted under a key of the stack's own (prod: $1 a month). */
export function usesOwnSecretsKey(stage: Stage): boolean {
  return stage === "prod";
}

/** The SSM endpoint a KMS request comes through when Parameter Store makes it (condition key kms:ViaService). */
export function ssmService(region: string): string {
  return `ssm.${region}.amazonaws.com`;
}

/**
 * What the key's administrators may do: AWS's default key policy statement for key administrators
 * ("Allows key administrators to administer the KMS key", AWS KMS Developer Guide, key-policy-default.html),
 * no cryptographic operation among them.
 */
export const KEY_ADMIN_ACTIONS = [
  "kms:Create*",
  "kms:Describe*",
  "kms:Enable*",
  "kms:List*",
  "kms:Put*",
  "kms:Update*",
  "kms:Revoke*",
  "kms:Disable*",
  "kms:Get*",
  "kms:Delete*",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
];

/**
 * The key policy of the stack's secrets key. The AWS-managed key aws/ssm "grants Decrypt permission to
 * all IAM principals in the AWS account" (Systems Manager User Guide, ps-restrict-decryption.html), so
 * any role of the account that may read parameters reads prod's secrets. Under this key only the
 * principals named here may use it, each only through Parameter Store (kms:ViaService):
 * - the task execution role decrypts (ECS reads the `secrets` for the containers);
 * - the deploying identity encrypts and decrypts (PutParameter encrypts a standard SecureString with
 *   kms:Encrypt; the provider reads the value back after writing it);
 * - the account (its administrators, through their IAM policies) and the deploying identity
 *   administer it, without any cryptographic operation: without them a lost deploying role would
 *   leave the key unmanageable, and CreateKey refuses a policy that does not let the caller
 *   PutKeyPolicy again (the lockout safety check, KMS API Reference, API_CreateKey.html).
 */
export function secretsKeyPolicy(
  p: { accountId: string; region: string; deployerArn: string; executionRoleArn: string },
): Record<string, unknown> {
  const viaSsm = { StringEquals: { "kms:ViaService": ssmService(p.region) } };
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "AdministerKey", Effect: "Allow", Principal: { AWS: [`arn:aws:iam::${p.accountId}:root`, p.deployerArn] },
        Action: KEY_ADMIN_ACTIONS, Resource: "*" },
      { Sid: "DeployerWritesParameters", Effect: "Allow", Principal: { AWS: p.deployerArn },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], Resource: "*", Condition: viaSsm },
      { Sid: "EcsReadsParameters", Effect: "Allow", Principal: { AWS: p.executionRoleArn }, Action: ["kms:Decrypt"],
        Resource: "*", Condition: viaSsm },
    ],
  };
}

/** Task role: the SSM channels ECS Exec opens (`ops exec`); these actions have no resource type. */
export function execPolicy(): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: "EcsExec", Effect: "Allow",
      Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel"], Resource: "*" }],
  };
}
