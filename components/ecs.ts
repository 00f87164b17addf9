// hosting: ecs: the compose file's web service on ECS Fargate behind an Application Load Balancer.
// Written from AWS's documentation and checked under the offline engine only: ECS itself has never
// run from this code here (no AWS account in this workplace); treat a first `pulumi up` as a trial.
//
// What it creates, in order: the cluster; the log group; the app's secrets (DATABASE_URL, the Django
// key, each appSecrets entry) as SSM SecureString
// parameters; the execution role (pulls this stack's image, writes its log group, reads only its own
// parameters) and the task role (ECS Exec, the media bucket); the load balancer (loadBalancer.ts);
// the task definition derived from the compose file at config time (components/config/ecsTask.ts);
// the Fargate service (rolling, circuit breaker with rollback, 100 % minimum healthy, ECS Exec on);
// and target-tracking autoscaling between minTasks and maxTasks.
//
// Secrets: SSM Parameter Store SecureString rather than Secrets Manager: both reach the container
// through the task definition's `secrets` (never `environment`), but standard parameters under the
// AWS-managed key cost nothing, where a Secrets Manager secret costs $0.40 a month each; rotation,
// Secrets Manager's extra, does not apply to a password the stack itself generates.
//
// Networking: tasks run in the public subnets with a public address (assignPublicIp) so they reach
// ECR, SSM, CloudWatch and S3 without a NAT gateway ($0.045/h + data, more than the tasks at this
// size); their security group admits only the load balancer, so nothing else reaches them.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import type { AppSettings, EcsSecretName, EcsTaskPlan, EcsWorkerPlan, HostingSettings, Stage } from "./config";
import { type AppEntries, checkAppEntries, clearEnvironment, ECS_STACK_SECRETS, secretEnvironment } from "./config/appEnv";
import { appSecretName } from "./config/ecsTask";
import { WebLoadBalancer, deregistrationDelaySeconds } from "./loadBalancer";
import { TRUST_ECS_TASKS, ecrRepositoryArn, execPolicy, executionRolePolicy, parameterName, secretsKeyPolicy, usesOwnSecretsKey } from "./ecsIam";

// Pure pieces other modules and the tests read from here.
export { ecrRepositoryArn, execPolicy, executionRolePolicy, KEY_ADMIN_ACTIONS, parameterName, secretsKeyPolicy, ssmService, usesOwnSecretsKey } from "./ecsIam";

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
  /** DATABASE_URL (secret). */
  databaseUrl: pulumi.Input<string>;
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

/** Average CPU the autoscaler keeps the web tasks at (room for a burst while a new task starts). */
export const TARGET_CPU_PERCENT = 60;

/**
 * Each SSM parameter of a stack and the environment entry it holds: the stack's own (from the app's
 * environment table, where both Django key names read one parameter), then one per appSecrets entry (sorted).
 */
export function secretParameters(appSecrets: Record<string, string> | undefined): { parameter: EcsSecretName; entry: string }[] {
  const own = new Map<EcsSecretName, string>();
  for (const [entry, parameter] of Object.entries(ECS_STACK_SECRETS)) if (!own.has(parameter)) own.set(parameter, entry);
  return [...[...own].map(([parameter, entry]) => ({ parameter, entry })), ...Object.keys(appSecrets ?? {}).sort().map((n) => ({ parameter: appSecretName(n), entry: n }))];
}

/** Every secret of a stack as SSM parameter name suffixes: its own, then `app/<NAME>` per appSecrets entry (sorted). */
export function secretNamesOf(appSecrets: Record<string, string> | undefined): EcsSecretName[] {
  return secretParameters(appSecrets).map((p) => p.parameter);
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
}

/**
 * The task's containerDefinitions JSON: the plan's containers with web's pushed image, awslogs, the
 * stack's environment and its secrets by reference (`secrets` → valueFrom), never their values.
 */
export function containerDefinitions(plan: EcsTaskPlan, input: ContainerInputs): Record<string, unknown>[] {
  return plan.containers.map((c) => {
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
      logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": input.logGroupName, "awslogs-region": input.region, "awslogs-stream-prefix": input.streamPrefix } },
    };
  });
}

export class EcsHosting extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;
  readonly loadBalancerDnsName: pulumi.Output<string>;
  /** The load balancer's Route 53 zone, for the site's alias records (SiteDns). */
  readonly loadBalancerZoneId: pulumi.Output<string>;
  readonly dnsRecordsToCreate: pulumi.Output<string[]>;
  readonly logGroupName: pulumi.Output<string>;
  /** true when the site is served over HTTPS (a domain with a hosted zone). */
  readonly https: boolean;
  /** The workers' and beat's ECS services, in the plan's order. */
  readonly workerServiceNames: pulumi.Output<string[]>;
  /** What the load balancer alarms name (CloudWatch's LoadBalancer and TargetGroup dimensions). */
  readonly loadBalancerArnSuffix: pulumi.Output<string>;
  readonly targetGroupArnSuffix: pulumi.Output<string>;

  constructor(name: string, args: EcsHostingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compose-on-ec2:ecs:EcsHosting", name, {}, opts);
    const parent = { parent: this };
    // Container Insights off: it bills its per-task and per-service metrics as custom metrics and
    // its performance events as log ingestion; the free AWS/ECS CPU and memory metrics per service
    // are enough for the autoscaler and an alarm. Turn it on in the console when debugging.
    const cluster = new aws.ecs.Cluster(`${name}-cluster`, { settings: [{ name: "containerInsights", value: "disabled" }], tags: args.tags }, parent);
    const logGroup = { name: pulumi.output(args.logGroup.name), arn: pulumi.output(args.logGroup.arn) };
    const web = args.plan.containers.find((c) => c.name === args.app.webService);
    const lb = new WebLoadBalancer(
      `${name}-lb`,
      {
        vpcId: args.vpcId, subnetIds: args.subnetIds, securityGroupId: args.securityGroups.loadBalancer, targetPort: args.plan.containerPort,
        healthPath: args.app.healthPath, deregistrationDelaySeconds: deregistrationDelaySeconds(web?.stopTimeout), domain: args.site.domain, hostedZoneId: args.site.hostedZoneId, tags: args.tags,
      },
      parent,
    );
    const entries = this.appEntries(args, lb.https);
    const execution = this.createExecutionRole(name, args);
    const secretsKey = usesOwnSecretsKey(args.stage) ? this.createSecretsKey(name, args, execution) : undefined;
    const secretArns = this.createSecrets(name, args, entries, secretsKey);
    const roles = this.createRoles(name, args, execution, logGroup, secretArns, secretsKey);
    const task = this.createTaskDefinition(name, args, entries, roles, logGroup, secretArns, lb);
    const service = this.createService(name, args, cluster, task, lb);
    this.createAutoscaling(name, args, cluster, service);
    const workers = args.plan.workers.map((w) => this.createWorker(name, args, w, { entries, roles, logGroup, secretArns, lb, cluster }));

    this.clusterName = cluster.name;
    this.serviceName = service.name;
    this.workerServiceNames = pulumi.all(workers.map((w) => w.name));
    this.loadBalancerArnSuffix = lb.arnSuffix;
    this.targetGroupArnSuffix = lb.targetGroupArnSuffix;
    this.url = lb.url;
    this.loadBalancerDnsName = lb.dnsName;
    this.loadBalancerZoneId = lb.zoneId;
    this.dnsRecordsToCreate = lb.dnsRecordsToCreate;
    this.logGroupName = logGroup.name;
    this.https = lb.https;
    this.registerOutputs({ clusterName: this.clusterName, serviceName: this.serviceName, url: this.url, loadBalancerDnsName: this.loadBalancerDnsName, logGroupName: this.logGroupName });
  }

  /**
   * The app's entries on ecs (components/config/appEnv.ts): the same variables as on ec2 but the
   * image names; SITE_DOMAINS and HTTPS when the load balancer serves HTTPS. Checked here, once.
   */
  private appEntries(args: EcsHostingArgs, https: boolean): AppEntries {
    const entries: AppEntries = { facts: { hosting: "ecs", deployMode: args.app.deployMode, mediaOnS3: true, https, cache: args.cacheUrl !== undefined }, appEnv: args.app.env, appSecrets: args.app.secrets };
    checkAppEntries(entries, []);
    return entries;
  }

  /** The role ECS's agent uses for the web tasks (its policy comes once the parameters exist). */
  private createExecutionRole(name: string, args: EcsHostingArgs): aws.iam.Role {
    return new aws.iam.Role(`${name}-execution-role`, { path: args.rolePath, permissionsBoundary: args.permissionsBoundary, assumeRolePolicy: TRUST_ECS_TASKS, description: "ECS agent: pull the web image, write logs, read the app's secrets", tags: args.tags }, { parent: this });
  }

  /**
   * The customer-managed key prod's parameters are encrypted under (secretsKeyPolicy). Its policy names
   * the execution role, so the role exists first (KMS refuses a policy whose principals do not exist).
   * The deploying identity is the caller's IAM role (getSessionContext turns an assumed-role session
   * into its role's ARN, which a key policy accepts as a principal).
   */
  private createSecretsKey(name: string, args: EcsHostingArgs, execution: aws.iam.Role): aws.kms.Key {
    const caller = aws.getCallerIdentityOutput({}, { parent: this });
    const deployer = aws.iam.getSessionContextOutput({ arn: caller.arn }, { parent: this });
    const policy = pulumi.all([caller.accountId, deployer.issuerArn, execution.arn]).apply(([accountId, deployerArn, executionRoleArn]) =>
      JSON.stringify(secretsKeyPolicy({ accountId, region: args.region, deployerArn, executionRoleArn })));
    return new aws.kms.Key(
      `${name}-secrets-key`,
      { description: `${args.appName}: the SSM parameters (secrets) of the web tasks`, enableKeyRotation: true, deletionWindowInDays: 30, policy, tags: args.tags },
      { parent: this },
    );
  }

  /** The secret half of the app's environment (DATABASE_URL, the Django key, appSecrets), one SecureString parameter each (under the stack's key when it has one). */
  private createSecrets(name: string, args: EcsHostingArgs, entries: AppEntries, secretsKey: aws.kms.Key | undefined): Record<string, pulumi.Output<string>> {
    const secretKey = args.app.secretKey !== undefined ? args.app.secretKey : new random.RandomPassword(`${name}-secret-key`, { length: 50, special: false }, { parent: this }).result;
    const secret = pulumi.all([args.databaseUrl, secretKey]).apply(([databaseUrl, key]) => secretEnvironment(entries, { databaseUrl, secretKey: key }));
    const arns: Record<string, pulumi.Output<string>> = {};
    for (const { parameter, entry } of secretParameters(args.app.secrets)) {
      // Resource names keep the variable's case: FOO and foo are two variables.
      const resourceName = parameter.startsWith("app/") ? `${name}-app-secret-${parameter.slice(4)}` : `${name}-${parameter.toLowerCase().replace(/_/g, "-")}`;
      const created = new aws.ssm.Parameter(
        resourceName,
        { name: parameterName(args.appName, parameter), type: "SecureString", keyId: secretsKey?.arn, value: pulumi.secret(secret.apply((s) => s[entry])), description: `${parameter} of ${args.appName} (read by ECS for the web tasks)`, tags: args.tags },
        { parent: this },
      );
      arns[parameter] = created.arn;
    }
    return arns;
  }

  private createRoles(
    name: string, args: EcsHostingArgs, execution: aws.iam.Role, logGroup: { name: pulumi.Output<string>; arn: pulumi.Output<string> },
    secretArns: Record<string, pulumi.Output<string>>, secretsKey: aws.kms.Key | undefined,
  ) {
    const parent = { parent: this };
    const keyArn: pulumi.Output<string> = secretsKey ? secretsKey.arn : pulumi.output("");
    const executionPolicy = new aws.iam.RolePolicy(
      `${name}-execution-policy`,
      {
        role: execution.name,
        policy: pulumi.all([args.webRepositoryUrl, logGroup.arn, keyArn, pulumi.all(secretNamesOf(args.app.secrets).map((s) => secretArns[s]))]).apply(([url, logArn, key, params]) =>
          JSON.stringify(executionRolePolicy(ecrRepositoryArn(url), logArn, params, key ? { arn: key, region: args.region } : undefined))),
      },
      parent,
    );
    const task = new aws.iam.Role(`${name}-task-role`, { path: args.rolePath, permissionsBoundary: args.permissionsBoundary, assumeRolePolicy: TRUST_ECS_TASKS, description: "The app in the web tasks: ECS Exec and the media bucket", tags: args.tags }, parent);
    const exec = new aws.iam.RolePolicy(`${name}-task-exec`, { role: task.name, policy: JSON.stringify(execPolicy()) }, parent);
    const media = new aws.iam.RolePolicy(`${name}-task-media`, { role: task.name, policy: args.media.accessPolicy }, parent);
    return { execution, task, policies: [executionPolicy, exec, media] };
  }

  /** The clear half of the app's environment for every task of the stack (web and workers alike). */
  private clearEnv(args: EcsHostingArgs, entries: AppEntries, lb: WebLoadBalancer): pulumi.Output<Record<string, string>> {
    return pulumi.all([lb.dnsName, args.media.appEnv, args.cacheUrl]).apply(([dnsName, mediaEnv, cacheUrl]) =>
      clearEnvironment(entries, { releaseId: args.releaseId, allowedHosts: [...args.site.domain, dnsName], mediaEnv, cacheUrl, siteDomains: lb.https ? args.site.domain : undefined }));
  }

  private createTaskDefinition(
    name: string, args: EcsHostingArgs, entries: AppEntries, roles: ReturnType<EcsHosting["createRoles"]>, logGroup: { name: pulumi.Output<string>; arn: pulumi.Output<string> },
    secretArns: Record<string, pulumi.Output<string>>, lb: WebLoadBalancer,
  ): aws.ecs.TaskDefinition {
    const definitions = pulumi
      .all([args.webImage, this.clearEnv(args, entries, lb), logGroup.name, pulumi.all(secretArns)])
      .apply(([image, env, logGroupName, arns]) =>
        JSON.stringify(containerDefinitions(args.plan, {
          webService: args.app.webService, webImage: image, region: args.region, logGroupName, streamPrefix: args.appName, env, secretArns: arns,
        })));
    return new aws.ecs.TaskDefinition(
      `${name}-task`,
      {
        family: args.appName, requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: String(args.plan.cpu), memory: String(args.plan.memory),
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        executionRoleArn: roles.execution.arn, taskRoleArn: roles.task.arn, containerDefinitions: definitions,
        volumes: [...new Set(args.plan.containers.flatMap((c) => c.mountPoints.map((m) => m.sourceVolume)))].map((v) => ({ name: v })),
        tags: args.tags,
      },
      // A running task keeps the revision it started with: the service moves to the new one, then ECS stops the old tasks.
      { parent: this, dependsOn: roles.policies },
    );
  }

  private createService(name: string, args: EcsHostingArgs, cluster: aws.ecs.Cluster, task: aws.ecs.TaskDefinition, lb: WebLoadBalancer): aws.ecs.Service {
    return new aws.ecs.Service(
      `${name}-service`,
      {
        cluster: cluster.arn, taskDefinition: task.arn, desiredCount: args.plan.minTasks, launchType: "FARGATE", platformVersion: "LATEST",
        networkConfiguration: { subnets: args.subnetIds, securityGroups: [args.securityGroups.tasks], assignPublicIp: true },
        loadBalancers: [{ targetGroupArn: lb.targetGroupArn, containerName: args.app.webService, containerPort: args.plan.containerPort }],
        healthCheckGracePeriodSeconds: args.app.healthTimeoutSeconds,
        // Rolling: new tasks start beside the old (max 200 %), old ones stop only once the new are
        // healthy (min 100 %); a deployment whose tasks keep failing is stopped and rolled back.
        deploymentController: { type: "ECS" },
        deploymentMinimumHealthyPercent: 100, deploymentMaximumPercent: 200,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        // `pulumi up` waits for the rollout, so a failed (rolled back) deploy fails the run.
        waitForSteadyState: true,
        enableExecuteCommand: true, enableEcsManagedTags: true, propagateTags: "SERVICE", tags: args.tags,
      },
      // The autoscaler owns the task count after creation; a target group serves only behind a listener.
      { parent: this, dependsOn: [lb.listener], ignoreChanges: ["desiredCount"] },
    );
  }

  private createAutoscaling(name: string, args: EcsHostingArgs, cluster: aws.ecs.Cluster, service: aws.ecs.Service): void {
    const target = new aws.appautoscaling.Target(
      `${name}-scaling`,
      {
        serviceNamespace: "ecs", scalableDimension: "ecs:service:DesiredCount", resourceId: pulumi.interpolate`service/${cluster.name}/${service.name}`,
        minCapacity: args.plan.minTasks, maxCapacity: args.plan.maxTasks, tags: args.tags,
      },
      { parent: this },
    );
    new aws.appautoscaling.Policy(
      `${name}-cpu-target`,
      {
        policyType: "TargetTrackingScaling", serviceNamespace: target.serviceNamespace, scalableDimension: target.scalableDimension, resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
          targetValue: TARGET_CPU_PERCENT, scaleOutCooldown: 60, scaleInCooldown: 300,
        },
      },
      { parent: this },
    );
  }

  /**
   * A worker (or beat) as its own ECS service: web's image with the worker's command, the same roles,
   * log group and secrets, no load balancer. A worker scales on CPU between its min and max; beat runs
   * exactly one task, and a deploy stops the old task before starting the new one
   * (minimumHealthyPercent 0, maximumPercent 100: "the scheduler stops tasks before starting new ones",
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_definition_parameters.html#sd-deploymentconfiguration),
   * so two beats never send the same schedule twice. A worker's task gets its stop_grace_period as
   * stopTimeout (at most Fargate's 120 s): ECS sends SIGTERM, waits, then SIGKILL, as compose does.
   */
  private createWorker(
    name: string, args: EcsHostingArgs, w: EcsWorkerPlan,
    s: { entries: AppEntries; roles: ReturnType<EcsHosting["createRoles"]>; logGroup: { name: pulumi.Output<string>; arn: pulumi.Output<string> }; secretArns: Record<string, pulumi.Output<string>>; lb: WebLoadBalancer; cluster: aws.ecs.Cluster },
  ): aws.ecs.Service {
    const parent = { parent: this };
    const { roles, logGroup, secretArns, lb, cluster } = s;
    const definitions = pulumi
      .all([args.webImage, this.clearEnv(args, s.entries, lb), logGroup.name, pulumi.all(secretArns)])
      .apply(([image, env, logGroupName, arns]) =>
        JSON.stringify(containerDefinitions({ ...args.plan, containers: w.containers, secretEnv: w.secretEnv }, {
          webService: w.service, webImage: image, region: args.region, logGroupName, streamPrefix: args.appName, env, secretArns: arns,
        })));
    const task = new aws.ecs.TaskDefinition(
      `${name}-${w.service}-task`,
      {
        family: `${args.appName}-${w.service}`, requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: String(w.cpu), memory: String(w.memory),
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        executionRoleArn: roles.execution.arn, taskRoleArn: roles.task.arn, containerDefinitions: definitions, tags: args.tags,
      },
      { parent: this, dependsOn: roles.policies },
    );
    const service = new aws.ecs.Service(
      `${name}-${w.service}-service`,
      {
        cluster: cluster.arn, taskDefinition: task.arn, desiredCount: w.minTasks, launchType: "FARGATE", platformVersion: "LATEST",
        networkConfiguration: { subnets: args.subnetIds, securityGroups: [args.securityGroups.tasks], assignPublicIp: true },
        deploymentController: { type: "ECS" },
        deploymentMinimumHealthyPercent: w.singleton ? 0 : 100, deploymentMaximumPercent: w.singleton ? 100 : 200,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        waitForSteadyState: true,
        enableExecuteCommand: true, enableEcsManagedTags: true, propagateTags: "SERVICE", tags: args.tags,
      },
      { ...parent, ignoreChanges: w.singleton ? [] : ["desiredCount"] },
    );
    if (!w.singleton) {
      const target = new aws.appautoscaling.Target(
        `${name}-${w.service}-scaling`,
        { serviceNamespace: "ecs", scalableDimension: "ecs:service:DesiredCount", resourceId: pulumi.interpolate`service/${cluster.name}/${service.name}`, minCapacity: w.minTasks, maxCapacity: w.maxTasks, tags: args.tags },
        parent,
      );
      new aws.appautoscaling.Policy(
        `${name}-${w.service}-cpu-target`,
        {
          policyType: "TargetTrackingScaling", serviceNamespace: target.serviceNamespace, scalableDimension: target.scalableDimension, resourceId: target.resourceId,
          targetTrackingScalingPolicyConfiguration: { predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" }, targetValue: TARGET_CPU_PERCENT, scaleOutCooldown: 60, scaleInCooldown: 300 },
        },
        parent,
      );
    }
    return service;
  }
}
