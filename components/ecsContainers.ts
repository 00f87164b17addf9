// ecs: the pure pieces of the web and worker tasks: the hosting's arguments, which SSM parameter holds
// which secret, and the containerDefinitions JSON a task definition carries. No resources here
// (components/ecs.ts and ecsAccess.ts make them).
import type * as pulumi from "@pulumi/pulumi";
import type { AppSettings, EcsSecretName, EcsTaskPlan, HostingSettings, Stage } from "./config";
import { ECS_STACK_SECRETS } from "./config/appEnv";
import { appSecretName, databaseUrlReaders } from "./config/ecsTask";
import type { DatabaseLogins } from "./database";
import { type DbLoginInputs, dbLoginContainer, withDbLogin } from "./ecsDbLogin";

export interface EcsHostingArgs {
  region: string;
  /** dev | prod | sandbox: prod's parameters are encrypted under a key of the stack's own (usesOwnSecretsKey). */
  stage: Stage;
  /** IAM path of the task roles (stackRolePath): what the CI role may pass. */
  rolePath: string;
  /** ARN of the managed policy both task roles carry as their permissions boundary (iamPermissionsBoundary); undefined: none. */
  permissionsBoundary?: string;
  /** The containers' log group (ContainerLogs, its one owner: the same group as on ec2). */
  logGroup: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
  /** Compose project name ([a-z0-9-]): task family, parameter path, log stream prefix. */
  appName: string;
  /** The web task derived from the compose file (config: hosting.ecs). */
  plan: EcsTaskPlan;
  /** App settings: web service, health check, appEnv, appSecrets, the Django key to keep. */
  app: AppSettings;
  /** The web image pushed to ECR for this release: "<repository>@sha256:<digest>". */
  webImage: pulumi.Input<string>;
  /** The ECR repository URL the image lives in (the execution role may pull from it only). */
  webRepositoryUrl: pulumi.Input<string>;
  /** This release's id (the bundle's sha256). */
  releaseId: string;
  /** The database: the app's URL (DATABASE_URL) and what each task's db-login container needs (ecsDbLogin.ts). */
  database: DatabaseLogins;
  /** The CA bundle (PEM) of the database's region (database.ts rdsRegionCaBundle). */
  dbCaBundle: string;
  vpcId: pulumi.Input<string>;
  /** Public subnets, one per AZ, ≥ 2 AZs. */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The firewall's groups for ecs: the load balancer's and the tasks'. */
  securityGroups: { loadBalancer: pulumi.Input<string>; tasks: pulumi.Input<string> };
  /** The site's names and their hosted zone (HostingSettings): with both, the load balancer serves HTTPS. */
  site: Pick<HostingSettings, "domain" | "hostedZoneId">;
  /** The media bucket (always on ecs): its access policy (for the task role) and the app's env (MEDIA_BUCKET…). */
  media: { accessPolicy: pulumi.Input<string>; appEnv: pulumi.Input<Record<string, string>> };
  /** cache: redis: REDIS_URL's value (the managed cache); undefined without one. */
  cacheUrl?: pulumi.Input<string>;
  tags: Record<string, string>;
}

/**
 * Each SSM parameter of a stack and the environment entry it holds: the stack's own (from the app's
 * environment table, where both Django key names read one parameter), then one per appSecrets entry (sorted).
 */
export function secretParameters(
  appSecrets: Record<string, string> | undefined,
): { parameter: EcsSecretName; entry: string }[] {
  const own = new Map<EcsSecretName, string>();
  for (const [entry, parameter] of Object.entries(ECS_STACK_SECRETS)) {
    if (!own.has(parameter)) own.set(parameter, entry);
  }
  return [...[...own].map(([parameter, entry]) => ({ parameter, entry })),
    ...Object.keys(appSecrets ?? {}).sort().map((n) => ({ parameter: appSecretName(n), entry: n }))];
}

/** What the containers' definitions need besides the plan. */
export interface ContainerInputs {
  webService: string;
  webImage: string;
  /** Non-secret entries every container with the stack's secrets gets (as the .env held them on ec2). */
  env: Record<string, string>;
  /** Secret → SSM parameter ARN. */
  secretArns: Record<string, string>;
  logGroupName: string;
  region: string;
  streamPrefix: string;
  /** The db-login container's inputs: it joins the task when a container reads DATABASE_URL. */
  dbLogin: DbLoginInputs;
}

/**
 * The task's containerDefinitions JSON: the plan's containers with web's pushed image, awslogs, the
 * stack's environment and its secrets by reference (`secrets` → valueFrom), never their values; and
 * when one of them reads DATABASE_URL, the db-login container they wait for (ecsDbLogin.ts).
 */
export function containerDefinitions(plan: EcsTaskPlan, input: ContainerInputs): Record<string, unknown>[] {
  const logConfiguration = { logDriver: "awslogs",
    options: { "awslogs-group": input.logGroupName, "awslogs-region": input.region,
      "awslogs-stream-prefix": input.streamPrefix } };
  const containers = plan.containers.map((c) => {
    const secrets = plan.secretEnv[c.name] ?? [];
    // As under compose: the env file (here the stack's entries) first, the file's `environment:` over it.
    const env = new Map<string, string>(secrets.length > 0 ? Object.entries(input.env) : []);
    for (const e of c.environment) env.set(e.name, e.value);
    for (const s of secrets) env.delete(s.name);
    const environment = [...env].map(([name, value]) => ({ name, value })).sort((a, b) => a.name.localeCompare(b.name));
    return {
      ...c,
      image: c.name === input.webService ? input.webImage : c.image,
      environment,
      secrets: secrets.map((s) => ({ name: s.name, valueFrom: input.secretArns[s.secret] })),
      logConfiguration,
    };
  });
  return withDbLogin(containers, databaseUrlReaders(plan), dbLoginContainer(input.dbLogin, logConfiguration));
}
