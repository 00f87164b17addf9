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
import type { EcsSecretName, EcsTaskPlan, EcsWorkerPlan, Stage } from "./config";
import { appSecretName } from "./config/ecsTask";
import { WebLoadBalancer, deregistrationDelaySeconds } from "./loadBalancer";

export interface EcsHostingArgs {
  project: string;
  stack: string;
  stage: Stage;
  region: string;
  /** IAM path of the task roles (stackRolePath): what the CI role may pass. */
  rolePath: string;
  /** The containers' log group (ContainerLogs, its one owner: the same group as on ec2). */
  logGroup: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
  /** Compose project name ([a-z0-9-]): task family, parameter path, log stream prefix. */
  appName: string;
  /** The web task derived from the compose file (config). */
  plan: EcsTaskPlan;
  webService: string;
  /** The web image pushed to ECR for this release: "<repository>@sha256:<digest>". */
  webImage: pulumi.Input<string>;
  /** The ECR repository URL the image lives in (the execution role may pull from it only). */
  webRepositoryUrl: pulumi.Input<string>;
  /** This release's id (the bundle's sha256). */
  releaseId: string;
  /** appEnv: non-secret environment entries. */
  appEnv: Record<string, string>;
  /** DATABASE_URL (secret). */
  databaseUrl: pulumi.Input<string>;
  /** The app's own secrets (appSecrets): each an SSM SecureString parameter, handed to the task as `secrets`. */
  appSecrets?: Record<string, string>;
  /** The Django key to keep (secretKey); undefined: generated. */
  secretKey?: string;
  healthPath: string;
  /** Seconds a new task may take before failing health checks counts against it. */
  healthTimeoutSeconds: number;
  vpcId: pulumi.Input<string>;
  /** Public subnets, one per AZ, ≥ 2 AZs. */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  loadBalancerSecurityGroupId: pulumi.Input<string>;
  taskSecurityGroupId: pulumi.Input<string>;
  domain: string[];
  hostedZoneId?: string;
  /** The media bucket's access policy (for the task role), and the managed services' env (MEDIA_BUCKET…, the cache's REDIS_URL). */
  media: { accessPolicy: pulumi.Input<string>; appEnv: pulumi.Input<Record<string, string>> };
  tags: Record<string, string>;
}

/** Average CPU the autoscaler keeps the web tasks at (room for a burst while a new task starts). */
export const TARGET_CPU_PERCENT = 60;
/** The stack's own secrets, as SSM parameter name suffixes (each appSecrets entry adds `app/<NAME>`). */
export const SECRET_NAMES: readonly EcsSecretName[] = ["DATABASE_URL", "SECRET_KEY"];

/** Every secret of a stack: its own, then one per appSecrets entry (sorted). */
export function secretNamesOf(appSecrets: Record<string, string> | undefined): EcsSecretName[] {
  return [...SECRET_NAMES, ...Object.keys(appSecrets ?? {}).sort().map(appSecretName)];
}

const TRUST_ECS_TASKS = JSON.stringify({
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
export function parameterName(appName: string, secret: EcsSecretName): string {
  return `/${appName}/${secret}`;
}

/** Execution role: pull this image, write this log group, read these parameters; nothing else. */
export function executionRolePolicy(repositoryArn: string, logGroupArn: string, parameterArns: string[]): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      // GetAuthorizationToken has no resource type: "*" is the only form IAM accepts.
      { Sid: "EcrLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
      { Sid: "PullWebImage", Effect: "Allow", Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"], Resource: [repositoryArn] },
      { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`${logGroupArn}:log-stream:*`] },
      // SecureString under the AWS-managed key aws/ssm: no kms:Decrypt grant needed.
      { Sid: "ReadAppSecrets", Effect: "Allow", Action: ["ssm:GetParameters"], Resource: parameterArns },
    ],
  };
}

/** Task role: the SSM channels ECS Exec opens (`ops exec`); these actions have no resource type. */
export function execPolicy(): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: "EcsExec", Effect: "Allow", Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"], Resource: "*" }],
  };
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
    const secretArns = this.createSecrets(name, args);
    const roles = this.createRoles(name, args, logGroup, secretArns);
    const web = args.plan.containers.find((c) => c.name === args.webService);
    const lb = new WebLoadBalancer(
      `${name}-lb`,
      {
        vpcId: args.vpcId, subnetIds: args.subnetIds, securityGroupId: args.loadBalancerSecurityGroupId, targetPort: args.plan.containerPort,
        healthPath: args.healthPath, deregistrationDelaySeconds: deregistrationDelaySeconds(web?.stopTimeout), domain: args.domain, hostedZoneId: args.hostedZoneId, tags: args.tags,
      },
      parent,
    );
    const task = this.createTaskDefinition(name, args, roles, logGroup, secretArns, lb);
    const service = this.createService(name, args, cluster, task, lb);
    this.createAutoscaling(name, args, cluster, service);
    const workers = args.plan.workers.map((w) => this.createWorker(name, args, w, roles, logGroup, secretArns, lb, cluster));

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

  /** DATABASE_URL, the Django key (kept or generated) and the app's own secrets, as SecureString parameters. */
  private createSecrets(name: string, args: EcsHostingArgs): Record<string, pulumi.Output<string>> {
    const secretKey = args.secretKey !== undefined ? args.secretKey : new random.RandomPassword(`${name}-secret-key`, { length: 50, special: false }, { parent: this }).result;
    const values: Record<string, pulumi.Input<string>> = { DATABASE_URL: args.databaseUrl, SECRET_KEY: secretKey };
    for (const [key, value] of Object.entries(args.appSecrets ?? {})) values[appSecretName(key)] = value;
    const arns: Record<string, pulumi.Output<string>> = {};
    for (const secret of secretNamesOf(args.appSecrets)) {
      // Resource names keep the variable's case: FOO and foo are two variables.
      const resourceName = secret.startsWith("app/") ? `${name}-app-secret-${secret.slice(4)}` : `${name}-${secret.toLowerCase().replace(/_/g, "-")}`;
      const parameter = new aws.ssm.Parameter(
        resourceName,
        { name: parameterName(args.appName, secret), type: "SecureString", value: pulumi.secret(values[secret]), description: `${secret} of ${args.appName} (read by ECS for the web tasks)`, tags: args.tags },
        { parent: this },
      );
      arns[secret] = parameter.arn;
    }
    return arns;
  }

  private createRoles(name: string, args: EcsHostingArgs, logGroup: { name: pulumi.Output<string>; arn: pulumi.Output<string> }, secretArns: Record<string, pulumi.Output<string>>) {
    const parent = { parent: this };
    const execution = new aws.iam.Role(`${name}-execution-role`, { path: args.rolePath, assumeRolePolicy: TRUST_ECS_TASKS, description: "ECS agent: pull the web image, write logs, read the app's secrets", tags: args.tags }, parent);
    const executionPolicy = new aws.iam.RolePolicy(
      `${name}-execution-policy`,
      {
        role: execution.name,
        policy: pulumi.all([args.webRepositoryUrl, logGroup.arn, ...secretNamesOf(args.appSecrets).map((s) => secretArns[s])]).apply(([url, logArn, ...params]) => JSON.stringify(executionRolePolicy(ecrRepositoryArn(url), logArn, params))),
      },
      parent,
    );
    const task = new aws.iam.Role(`${name}-task-role`, { path: args.rolePath, assumeRolePolicy: TRUST_ECS_TASKS, description: "The app in the web tasks: ECS Exec and the media bucket", tags: args.tags }, parent);
    const exec = new aws.iam.RolePolicy(`${name}-task-exec`, { role: task.name, policy: JSON.stringify(execPolicy()) }, parent);
    const media = new aws.iam.RolePolicy(`${name}-task-media`, { role: task.name, policy: args.media.accessPolicy }, parent);
    return { execution, task, policies: [executionPolicy, exec, media] };
  }

  private createTaskDefinition(
    name: string, args: EcsHostingArgs, roles: ReturnType<EcsHosting["createRoles"]>, logGroup: { name: pulumi.Output<string>; arn: pulumi.Output<string> },
    secretArns: Record<string, pulumi.Output<string>>, lb: WebLoadBalancer,
  ): aws.ecs.TaskDefinition {
    const hosts = pulumi.output(lb.dnsName).apply((dns) => [...args.domain, dns].join(","));
    const definitions = pulumi
      .all([args.webImage, hosts, args.media.appEnv, logGroup.name, pulumi.all(secretArns)])
      .apply(([image, allowedHosts, mediaEnv, logGroupName, arns]) =>
        JSON.stringify(containerDefinitions(args.plan, {
          webService: args.webService, webImage: image, region: args.region, logGroupName, streamPrefix: args.appName,
          env: { ...args.appEnv, ...mediaEnv, RELEASE_ID: args.releaseId, ALLOWED_HOSTS: allowedHosts },
          secretArns: arns,
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
        networkConfiguration: { subnets: args.subnetIds, securityGroups: [args.taskSecurityGroupId], assignPublicIp: true },
        loadBalancers: [{ targetGroupArn: lb.targetGroupArn, containerName: args.webService, containerPort: args.plan.containerPort }],
        healthCheckGracePeriodSeconds: args.healthTimeoutSeconds,
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
    name: string, args: EcsHostingArgs, w: EcsWorkerPlan, roles: ReturnType<EcsHosting["createRoles"]>, logGroup: { name: pulumi.Output<string>; arn: pulumi.Output<string> },
    secretArns: Record<string, pulumi.Output<string>>, lb: WebLoadBalancer, cluster: aws.ecs.Cluster,
  ): aws.ecs.Service {
    const parent = { parent: this };
    const hosts = pulumi.output(lb.dnsName).apply((dns) => [...args.domain, dns].join(","));
    const definitions = pulumi
      .all([args.webImage, hosts, args.media.appEnv, logGroup.name, pulumi.all(secretArns)])
      .apply(([image, allowedHosts, mediaEnv, logGroupName, arns]) =>
        JSON.stringify(containerDefinitions({ ...args.plan, containers: w.containers, secretEnv: w.secretEnv }, {
          webService: w.service, webImage: image, region: args.region, logGroupName, streamPrefix: args.appName,
          env: { ...args.appEnv, ...mediaEnv, RELEASE_ID: args.releaseId, ALLOWED_HOSTS: allowedHosts },
          secretArns: arns,
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
        networkConfiguration: { subnets: args.subnetIds, securityGroups: [args.taskSecurityGroupId], assignPublicIp: true },
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
