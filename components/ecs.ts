// hosting: ecs: the compose file's web service on ECS Fargate behind an Application Load Balancer.
// Written from AWS's documentation and checked under the offline engine only: ECS itself has never
// run from this code here (no AWS account in this workplace); treat a first `pulumi up` as a trial.
//
// What it creates, in order: the cluster; the log group; the app's secrets (DATABASE_URL, the Django
// key, each appSecrets entry) and the two passwords of each task's db-login container (ecsDbLogin.ts)
// as SSM SecureString parameters; the execution role (pulls this stack's image, writes its log group, reads only its own
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
import { APP_DB_USER, type DbLoginSecretName, type EcsTaskPlan, type EcsWorkerPlan } from "./config";
import { type AppEntries, checkAppEntries, clearEnvironment } from "./config/appEnv";
import { createTaskAccess, type SecretArns, type TaskRoles } from "./ecsAccess";
import { containerDefinitions, type EcsHostingArgs } from "./ecsContainers";
import { WebLoadBalancer, deregistrationDelaySeconds } from "./loadBalancer";

type LogGroup = { name: pulumi.Output<string>; arn: pulumi.Output<string> };

/** What every task and service of the stack shares. */
interface TaskShared {
  entries: AppEntries;
  roles: TaskRoles;
  logGroup: LogGroup;
  secretArns: SecretArns;
  lb: WebLoadBalancer;
  cluster: aws.ecs.Cluster;
}

/** One task definition's own part: family, size, containers and the container that gets web's image. */
interface TaskShape {
  family: string;
  cpu: number;
  memory: number;
  plan: EcsTaskPlan;
  webService: string;
}

/** One service's own part: its first task count, whether exactly one task runs, web's load balancer wiring. */
interface ServiceShape {
  desiredCount: number;
  singleton: boolean;
  web?: { loadBalancers: { targetGroupArn: pulumi.Output<string>; containerName: string; containerPort: number }[];
    healthCheckGracePeriodSeconds: number };
}

/** Average CPU the autoscaler keeps the web tasks at (room for a burst while a new task starts). */
const TARGET_CPU_PERCENT = 60;

export class EcsHosting extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;
  readonly logGroupName: pulumi.Output<string>;
  /** The workers' and beat's ECS services, in the plan's order. */
  readonly workerServiceNames: pulumi.Output<string[]>;

  /**
   * The site's load balancer: its URL, DNS name and zone (SiteDns's alias records), the records to
   * create by hand, HTTPS, and the CloudWatch dimensions its alarms name.
   */
  readonly loadBalancer: WebLoadBalancer;

  constructor(name: string, args: EcsHostingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compose-on-ec2:ecs:EcsHosting", name, {}, opts);
    const parent = { parent: this };
    // Container Insights off: it bills its per-task and per-service metrics as custom metrics and
    // its performance events as log ingestion; the free AWS/ECS CPU and memory metrics per service
    // are enough for the autoscaler and an alarm. Turn it on in the console when debugging.
    const cluster = new aws.ecs.Cluster(`${name}-cluster`, {
      settings: [{ name: "containerInsights", value: "disabled" }],
      tags: args.tags,
    }, parent);
    const logGroup = { name: pulumi.output(args.logGroup.name), arn: pulumi.output(args.logGroup.arn) };
    const web = args.plan.containers.find((c) => c.name === args.app.webService);
    const lb = new WebLoadBalancer(
      `${name}-lb`,
      {
        vpcId: args.vpcId,
        subnetIds: args.subnetIds,
        securityGroupId: args.securityGroups.loadBalancer,
        targetPort: args.plan.containerPort,
        healthPath: args.app.healthPath,
        deregistrationDelaySeconds: deregistrationDelaySeconds(web?.stopTimeout),
        domain: args.site.domain,
        hostedZoneId: args.site.hostedZoneId,
        tags: args.tags,
      },
      parent,
    );
    const entries = this.appEntries(args, lb.https);
    const { roles, secretArns } = createTaskAccess(name, args, entries, logGroup, this);
    const shared: TaskShared = { entries, roles, logGroup, secretArns, lb, cluster };
    const service = this.createWeb(name, args, shared);
    const workers = args.plan.workers.map((w) => this.createWorker(name, args, w, shared));

    this.clusterName = cluster.name;
    this.serviceName = service.name;
    this.workerServiceNames = pulumi.all(workers.map((w) => w.name));
    this.logGroupName = logGroup.name;
    this.loadBalancer = lb;
    this.registerOutputs({ clusterName: this.clusterName, serviceName: this.serviceName, url: lb.url,
      loadBalancerDnsName: lb.dnsName, logGroupName: this.logGroupName });
  }

  /**
   * The app's entries on ecs (components/config/appEnv.ts): the same variables as on ec2 but the
   * image names; SITE_DOMAINS and HTTPS when the load balancer serves HTTPS. Checked here, once.
   */
  private appEntries(args: EcsHostingArgs, https: boolean): AppEntries {
    const entries: AppEntries = {
      facts: { hosting: "ecs", deployMode: args.app.deployMode, mediaOnS3: true, https,
        cache: args.cacheUrl !== undefined },
      appEnv: args.app.env,
      appSecrets: args.app.secrets,
    };
    checkAppEntries(entries, []);
    return entries;
  }

  /** The clear half of the app's environment for every task of the stack (web and workers alike). */
  private clearEnv(args: EcsHostingArgs, entries: AppEntries,
    lb: WebLoadBalancer): pulumi.Output<Record<string, string>> {
    return pulumi.all([lb.dnsName, args.media.appEnv, args.cacheUrl]).apply(([dnsName, mediaEnv, cacheUrl]) =>
      clearEnvironment(entries, { releaseId: args.releaseId, allowedHosts: [...args.site.domain, dnsName], mediaEnv,
        cacheUrl, siteDomains: lb.https ? args.site.domain : undefined })
    );
  }

  /**
   * One Fargate task definition of the stack (web's, or a worker's): its containers with web's pushed
   * image, the stack's clear environment and its secrets by reference, under the stack's two roles.
   * A running task keeps the revision it started with: the service moves to the new one, then ECS stops the old tasks.
   */
  private createTask(resourceName: string, args: EcsHostingArgs, s: TaskShared, t: TaskShape): aws.ecs.TaskDefinition {
    const db = args.database;
    const definitions = pulumi
      .all([args.webImage, this.clearEnv(args, s.entries, s.lb), s.logGroup.name, pulumi.all(s.secretArns), db.address,
        db.port])
      .apply(([image, env, logGroupName, arns, address, port]) =>
        JSON.stringify(
          containerDefinitions(t.plan, { webService: t.webService, webImage: image, region: args.region, logGroupName,
            streamPrefix: args.appName, env, secretArns: arns,
            dbLogin: { caBundle: args.dbCaBundle, secretArns: arns as Record<DbLoginSecretName, string>,
              target: { engine: db.engine, address, port, dbName: db.dbName, masterUser: db.username,
                appUser: APP_DB_USER } } }),
        )
      );
    // Every volume a container mounts (compose's named volumes shared in the task; the db-login bundle's).
    const volumes = [...new Set(t.plan.containers.flatMap((c) => c.mountPoints.map((m) => m.sourceVolume)))].map((
      v,
    ) => ({ name: v }));
    return new aws.ecs.TaskDefinition(
      resourceName,
      {
        family: t.family,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(t.cpu),
        memory: String(t.memory),
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        executionRoleArn: s.roles.execution.arn,
        taskRoleArn: s.roles.task.arn,
        containerDefinitions: definitions,
        volumes,
        tags: args.tags,
      },
      { parent: this, dependsOn: s.roles.policies },
    );
  }

  /**
   * One Fargate service of the stack. Rolling by default: new tasks start beside the old (max 200 %),
   * old ones stop only once the new are healthy (min 100 %); a deployment whose tasks keep failing is
   * stopped and rolled back, and `pulumi up` waits for the rollout, so a failed deploy fails the run.
   * Where the autoscaler owns the task count, later changes to desiredCount are ignored.
   */
  private createService(resourceName: string, args: EcsHostingArgs, s: TaskShared, task: aws.ecs.TaskDefinition,
    o: ServiceShape): aws.ecs.Service {
    return new aws.ecs.Service(
      resourceName,
      {
        cluster: s.cluster.arn,
        taskDefinition: task.arn,
        desiredCount: o.desiredCount,
        launchType: "FARGATE",
        platformVersion: "LATEST",
        networkConfiguration: { subnets: args.subnetIds, securityGroups: [args.securityGroups.tasks],
          assignPublicIp: true },
        ...o.web,
        deploymentController: { type: "ECS" },
        deploymentMinimumHealthyPercent: o.singleton ? 0 : 100,
        deploymentMaximumPercent: o.singleton ? 100 : 200,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        waitForSteadyState: true,
        enableExecuteCommand: true,
        enableEcsManagedTags: true,
        propagateTags: "SERVICE",
        tags: args.tags,
      },
      // A target group serves only behind a listener.
      { parent: this, dependsOn: o.web ? [s.lb.listener] : [], ignoreChanges: o.singleton ? [] : ["desiredCount"] },
    );
  }

  /** Target-tracking autoscaling of a service on its average CPU (`<prefix>-scaling`, `<prefix>-cpu-target`). */
  private createCpuScaling(prefix: string, args: EcsHostingArgs, cluster: aws.ecs.Cluster, service: aws.ecs.Service,
    range: { min: number; max: number }): void {
    const target = new aws.appautoscaling.Target(
      `${prefix}-scaling`,
      {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${cluster.name}/${service.name}`,
        minCapacity: range.min,
        maxCapacity: range.max,
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.appautoscaling.Policy(
      `${prefix}-cpu-target`,
      {
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
          targetValue: TARGET_CPU_PERCENT,
          scaleOutCooldown: 60,
          scaleInCooldown: 300,
        },
      },
      { parent: this },
    );
  }

  /** The web service: the load balancer's target, scaling on CPU between minTasks and maxTasks. */
  private createWeb(name: string, args: EcsHostingArgs, s: TaskShared): aws.ecs.Service {
    const plan = args.plan;
    const task = this.createTask(`${name}-task`, args, s, { family: args.appName, cpu: plan.cpu, memory: plan.memory,
      plan, webService: args.app.webService });
    const web = {
      loadBalancers: [{ targetGroupArn: s.lb.targetGroupArn, containerName: args.app.webService,
        containerPort: plan.containerPort }],
      healthCheckGracePeriodSeconds: args.app.healthTimeoutSeconds,
    };
    const service = this.createService(`${name}-service`, args, s, task, { desiredCount: plan.minTasks,
      singleton: false, web });
    this.createCpuScaling(name, args, s.cluster, service, { min: plan.minTasks, max: plan.maxTasks });
    return service;
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
  private createWorker(name: string, args: EcsHostingArgs, w: EcsWorkerPlan, s: TaskShared): aws.ecs.Service {
    const prefix = `${name}-${w.service}`;
    const plan = { ...args.plan, containers: w.containers, secretEnv: w.secretEnv };
    const task = this.createTask(`${prefix}-task`, args, s, { family: `${args.appName}-${w.service}`, cpu: w.cpu,
      memory: w.memory, plan, webService: w.service });
    const service = this.createService(`${prefix}-service`, args, s, task, { desiredCount: w.minTasks,
      singleton: w.singleton });
    if (!w.singleton) this.createCpuScaling(prefix, args, s.cluster, service, { min: w.minTasks, max: w.maxTasks });
    return service;
  }
}
