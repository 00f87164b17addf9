// ecs: what the tasks may reach: the execution role (ECS's agent pulls this stack's image, writes its
// log group, reads only its own parameters), the customer-managed key of prod's parameters, the app's
// secrets as SSM SecureString parameters, and the task role (ECS Exec, the media bucket). The
// resources are the EcsHosting component's children (components/ecs.ts), created through these steps.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import type { DbLoginSecretName, EcsSecretName } from "./config";
import { type AppEntries, secretEnvironment } from "./config/appEnv";
import { type EcsHostingArgs, secretParameters } from "./ecsContainers";
import { DB_LOGIN_SECRETS } from "./ecsDbLogin";
import { TRUST_ECS_TASKS, ecrRepositoryArn, execPolicy, executionRolePolicy, parameterName, parametersOf,
  secretsKeyPolicy, usesOwnSecretsKey } from "./ecsIam";

/** Secret → its SSM parameter's ARN: the app's (EcsSecretName) and db-login's (DbLoginSecretName). */
export type SecretArns = Record<EcsSecretName | DbLoginSecretName, pulumi.Output<string>>;

/** The two roles of every task of the stack, and the policies a task definition waits for. */
export interface TaskRoles {
  execution: aws.iam.Role;
  task: aws.iam.Role;
  policies: aws.iam.RolePolicy[];
}

type LogGroup = { name: pulumi.Output<string>; arn: pulumi.Output<string> };

/** The roles and the secrets' parameters (secret → parameter ARN) of the stack's tasks, children of `parent`. */
export function createTaskAccess(name: string, args: EcsHostingArgs, entries: AppEntries, logGroup: LogGroup,
  parent: pulumi.Resource): { roles: TaskRoles; secretArns: SecretArns } {
  const execution = createExecutionRole(name, args, parent);
  const secretsKey = usesOwnSecretsKey(args.stage) ? createSecretsKey(name, args, execution, parent) : undefined;
  const secretArns = createSecrets(name, args, entries, secretsKey, parent);
  const roles = createRoles(name, args, execution, logGroup, secretArns, secretsKey, parent);
  return { roles, secretArns };
}

/** The role ECS's agent uses for the web tasks (its policy comes once the parameters exist). */
function createExecutionRole(name: string, args: EcsHostingArgs, parent: pulumi.Resource): aws.iam.Role {
  return new aws.iam.Role(`${name}-execution-role`, { path: args.rolePath,
    permissionsBoundary: args.permissionsBoundary, assumeRolePolicy: TRUST_ECS_TASKS,
    description: "ECS agent: pull the web image, write logs, read the app's secrets", tags: args.tags }, { parent });
}

/**
 * The customer-managed key prod's parameters are encrypted under (secretsKeyPolicy). Its policy names
 * the execution role, so the role exists first (KMS refuses a policy whose principals do not exist).
 * The deploying identity is the caller's IAM role (getSessionContext turns an assumed-role session
 * into its role's ARN, which a key policy accepts as a principal).
 */
function createSecretsKey(name: string, args: EcsHostingArgs, execution: aws.iam.Role,
  parent: pulumi.Resource): aws.kms.Key {
  const caller = aws.getCallerIdentityOutput({}, { parent });
  const deployer = aws.iam.getSessionContextOutput({ arn: caller.arn }, { parent });
  const policy = pulumi.all([caller.accountId, deployer.issuerArn, execution.arn]).apply((
    [accountId, deployerArn, executionRoleArn],
  ) => JSON.stringify(secretsKeyPolicy({ accountId, region: args.region, deployerArn, executionRoleArn })));
  return new aws.kms.Key(
    `${name}-secrets-key`,
    { description: `${args.appName}: the SSM parameters (secrets) of the web tasks`, enableKeyRotation: true,
      deletionWindowInDays: 30, policy, tags: args.tags },
    { parent },
  );
}

/**
 * The secret half of the app's environment (DATABASE_URL, the Django key, appSecrets) and db-login's
 * two passwords, one SecureString parameter each (under the stack's key when it has one).
 */
function createSecrets(name: string, args: EcsHostingArgs, entries: AppEntries, secretsKey: aws.kms.Key | undefined,
  parent: pulumi.Resource): SecretArns {
  const secretKey = args.app.secretKey !== undefined
    ? args.app.secretKey
    : new random.RandomPassword(`${name}-secret-key`, { length: 50, special: false }, { parent }).result;
  const secret = pulumi.all([args.database.appUrl, secretKey]).apply(([databaseUrl, key]) =>
    secretEnvironment(entries, { databaseUrl, secretKey: key })
  );
  const values: [EcsSecretName | DbLoginSecretName, pulumi.Input<string>][] = [
    ...secretParameters(args.app.secrets).map(({ parameter, entry }) =>
      [parameter, secret.apply((s) => s[entry])] as [EcsSecretName, pulumi.Output<string>]
    ),
    [DB_LOGIN_SECRETS.DB_MASTER_PASSWORD, args.database.password],
    [DB_LOGIN_SECRETS.DB_APP_PASSWORD, args.database.appPassword],
  ];
  const arns: Partial<SecretArns> = {};
  for (const [parameter, value] of values) {
    // Resource names keep the variable's case: FOO and foo are two variables.
    const resourceName = parameter.startsWith("app/")
      ? `${name}-app-secret-${parameter.slice(4)}`
      : `${name}-${parameter.toLowerCase().replace(/[_/]/g, "-")}`;
    const created = new aws.ssm.Parameter(
      resourceName,
      { name: parameterName(args.appName, parameter), type: "SecureString", keyId: secretsKey?.arn,
        value: pulumi.secret(value), description: `${parameter} of ${args.appName} (read by ECS for the stack's tasks)`,
        tags: args.tags },
      { parent },
    );
    arns[parameter] = created.arn;
  }
  return arns as SecretArns;
}

function createRoles(
  name: string,
  args: EcsHostingArgs,
  execution: aws.iam.Role,
  logGroup: LogGroup,
  secretArns: SecretArns,
  secretsKey: aws.kms.Key | undefined,
  parent: pulumi.Resource,
): TaskRoles {
  const opts = { parent };
  const keyArn: pulumi.Output<string> = secretsKey ? secretsKey.arn : pulumi.output("");
  const executionPolicy = new aws.iam.RolePolicy(
    `${name}-execution-policy`,
    {
      role: execution.name,
      policy: pulumi.all([args.webRepositoryUrl, logGroup.arn, keyArn, secretArns.SECRET_KEY]).apply((
        [url, logArn, key, anyParameter],
      ) =>
        JSON.stringify(
          executionRolePolicy(ecrRepositoryArn(url), logArn, parametersOf(anyParameter, args.appName),
            key ? { arn: key, region: args.region } : undefined),
        )
      ),
    },
    opts,
  );
  const task = new aws.iam.Role(`${name}-task-role`, { path: args.rolePath,
    permissionsBoundary: args.permissionsBoundary, assumeRolePolicy: TRUST_ECS_TASKS,
    description: "The app in the web tasks: ECS Exec and the media bucket", tags: args.tags }, opts);
  const exec = new aws.iam.RolePolicy(`${name}-task-exec`, { role: task.name, policy: JSON.stringify(execPolicy()) },
    opts);
  const media = new aws.iam.RolePolicy(`${name}-task-media`, { role: task.name, policy: args.media.accessPolicy },
    opts);
  return { execution, task, policies: [executionPolicy, exec, media] };
}
