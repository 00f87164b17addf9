// CloudWatch for the stack: the containers' logs in one log group (ContainerLogs owns it), an SNS
// topic (plus an optional e-mail subscription) that every alarm notifies, and the alarms: EC2 system
// status check → automatic recovery, instance status check → reboot, host CPU and disk high, RDS free
// storage low and CPU high. The instance role gets only what shipping logs and the disk metric need.
//
// How logs and the disk metric leave the host (the files are rendered by monitoringHostFiles below):
// - Docker's own awslogs driver, set as the daemon's default in /etc/docker/daemon.json. No agent
//   to install or keep running; dockerd (a host process, so IMDSv2's hop limit does not matter) ships
//   each container's stdout/stderr with the instance role; `docker logs` / `docker compose logs` keep
//   working through Docker's dual-logging cache; mode non-blocking keeps a slow CloudWatch from ever
//   blocking the app's writes.
// - A tiny systemd timer (AL2023 has no cron) running host/cloud-init/disk-metric.sh every 5 minutes: one
//   custom metric with exactly the dimensions the alarm watches, nothing resident in memory, and the
//   script is exercised for real by the unit tests. The CloudWatch agent would add a resident daemon
//   and per-OS dimensions (device, fstype) the alarm would have to match.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { LOG_RETENTION_DAYS, monitoringRefusals } from "./config";
import type { MonitoringSettings } from "./config";

export { LOG_RETENTION_DAYS };
export type { MonitoringSettings };

/** Custom metric namespace the host publishes to; the instance role may publish nowhere else. */
export const HOST_METRICS_NAMESPACE = "ComposeOnEc2/Host";
/** The host's disk metric and the filesystem it measures (Docker's data lives on the root volume). */
export const DISK_METRIC = { name: "disk_used_percent", path: "/", everyMinutes: 5 };

/** Where the host-side files go on the instance. */
export const HOST_MONITORING_PATHS = {
  dockerDaemonConfig: "/etc/docker/daemon.json",
  diskMetricScript: "/usr/local/libexec/compose-on-ec2/disk-metric.sh",
  diskMetricService: "/etc/systemd/system/compose-on-ec2-disk-metric.service",
  diskMetricTimer: "/etc/systemd/system/compose-on-ec2-disk-metric.timer",
};

/**
 * What is wrong with the settings, one sentence per problem naming the setting, the value and the fix
 * (the config's own rules; the database size bounds the free-storage threshold when known).
 */
export function monitoringSettingsProblems(s: MonitoringSettings, dbAllocatedStorageGb = Number.POSITIVE_INFINITY): string[] {
  return monitoringRefusals(s, dbAllocatedStorageGb).map(({ key, value, refusal }) => `${key} ${JSON.stringify(value)} ${refusal.why}; ${refusal.fix}`);
}

// The log group itself (name and resource) has one owner, components/containerLogs.ts.
export { containerLogGroupName } from "./containerLogs";

/**
 * /etc/docker/daemon.json: every container logs to CloudWatch, one stream per container
 * ("<container name>/<short id>"). The group must exist (the stack creates it; the role may not).
 */
export function dockerDaemonLogConfig(logGroupName: string, region: string): Record<string, unknown> {
  return {
    "log-driver": "awslogs",
    "log-opts": {
      "awslogs-region": region,
      "awslogs-group": logGroupName,
      "awslogs-create-group": "false",
      tag: "{{.Name}}/{{.ID}}",
      mode: "non-blocking",
      "max-buffer-size": "4m",
    },
  };
}

/** A file cloud-init writes (write_files). */
export interface HostFile {
  path: string;
  permissions: string;
  content: string;
}

/** The script that publishes the disk metric, as shipped in this repository. */
export function diskMetricScript(): string {
  return fs.readFileSync(path.join(__dirname, "..", "host", "cloud-init", "disk-metric.sh"), "utf8");
}

/** The PATH the disk metric runs with: systemd's default plus /snap/bin, where Ubuntu's AWS CLI (a snap) lives. */
const METRIC_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin";

/**
 * Every file the host needs for monitoring, for cloud-init's write_files (they are written before
 * Docker is installed, so its first start already logs to CloudWatch), and the timer unit that
 * host/cloud-init/provision.sh enables once the AWS CLI is there.
 */
export function monitoringHostFiles(logGroupName: string, region: string): { files: HostFile[]; timerUnit: string } {
  const p = HOST_MONITORING_PATHS;
  const service = [
    "[Unit]",
    "Description=Publish the root filesystem's use to CloudWatch (compose-on-ec2 disk alarm)",
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=oneshot",
    `Environment=PATH=${METRIC_PATH}`,
    `ExecStart=${p.diskMetricScript} --namespace ${HOST_METRICS_NAMESPACE} --metric ${DISK_METRIC.name} --region ${region} --path ${DISK_METRIC.path}`,
    "",
  ].join("\n");
  const timer = [
    "[Unit]",
    "Description=Publish the disk metric every few minutes",
    "",
    "[Timer]",
    "OnBootSec=1min",
    `OnUnitActiveSec=${DISK_METRIC.everyMinutes}min`,
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
  ].join("\n");
  return {
    files: [
      { path: p.dockerDaemonConfig, permissions: "0644", content: `${JSON.stringify(dockerDaemonLogConfig(logGroupName, region), null, 2)}\n` },
      { path: p.diskMetricScript, permissions: "0755", content: diskMetricScript() },
      { path: p.diskMetricService, permissions: "0644", content: service },
      { path: p.diskMetricTimer, permissions: "0644", content: timer },
    ],
    timerUnit: path.basename(p.diskMetricTimer),
  };
}

/** One alarm, described without any resource ids (pure data). */
export interface AlarmSpec {
  /** Resource name suffix and alarm role. */
  role: string;
  description: string;
  /** What the alarm watches: the EC2 host, the RDS instance, the ecs load balancer, or one ECS service. */
  target: "host" | "db" | "lb" | "service";
  /** target service: the ECS service (web, a worker, beat) by its compose name. */
  service?: string;
  namespace: string;
  metricName: string;
  statistic: "Average" | "Maximum" | "Minimum" | "Sum";
  periodSeconds: number;
  evaluationPeriods: number;
  comparisonOperator: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
  threshold: number;
  /** EC2 action taken when the alarm fires, besides notifying the topic. */
  ec2Action?: "recover" | "reboot";
  /** How a period without data counts: "missing" (default), or "notBreaching" for counts that publish nothing when zero. */
  treatMissingData?: "missing" | "notBreaching";
}

/** 5xx answers of the tasks in 5 minutes above which the ecs site's error alarm fires. */
export const TARGET_5XX_PER_5_MINUTES = 10;

/**
 * The ecs path's own alarms: the load balancer's targets answering 5xx (HTTPCode_Target_5XX_Count,
 * published only when non-zero, so a quiet period is not breaching), unhealthy targets
 * (UnHealthyHostCount, per target group and load balancer), and per ECS service (web, each worker,
 * beat) CPU and memory above cpuHighPercent for 15 minutes (AWS/ECS CPUUtilization and
 * MemoryUtilization by ClusterName and ServiceName, free without Container Insights). Metrics and
 * dimensions: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html.
 */
export function ecsAlarmSpecs(s: MonitoringSettings, services: string[]): AlarmSpec[] {
  return [
    {
      role: "lb-target-5xx", target: "lb", namespace: "AWS/ApplicationELB", metricName: "HTTPCode_Target_5XX_Count",
      description: `The tasks answered more than ${TARGET_5XX_PER_5_MINUTES} requests with 5xx in 5 minutes`,
      statistic: "Sum", periodSeconds: 300, evaluationPeriods: 1, comparisonOperator: "GreaterThanThreshold", threshold: TARGET_5XX_PER_5_MINUTES, treatMissingData: "notBreaching",
    },
    {
      role: "lb-unhealthy-targets", target: "lb", namespace: "AWS/ApplicationELB", metricName: "UnHealthyHostCount",
      description: "A web task has failed the load balancer's health check for 3 minutes",
      statistic: "Maximum", periodSeconds: 60, evaluationPeriods: 3, comparisonOperator: "GreaterThanThreshold", threshold: 0,
    },
    ...services.flatMap((service): AlarmSpec[] => [
      {
        role: `${service}-cpu-high`, target: "service", service, namespace: "AWS/ECS", metricName: "CPUUtilization",
        description: `The ${service} service's CPU has been above ${s.cpuHighPercent}% of its tasks' size for 15 minutes`,
        statistic: "Average", periodSeconds: 300, evaluationPeriods: 3, comparisonOperator: "GreaterThanThreshold", threshold: s.cpuHighPercent,
      },
      {
        role: `${service}-memory-high`, target: "service", service, namespace: "AWS/ECS", metricName: "MemoryUtilization",
        description: `The ${service} service's memory has been above ${s.cpuHighPercent}% of its tasks' size for 15 minutes`,
        statistic: "Average", periodSeconds: 300, evaluationPeriods: 3, comparisonOperator: "GreaterThanThreshold", threshold: s.cpuHighPercent,
      },
    ]),
    ...alarmSpecs(s).filter((a) => a.target === "db"),
  ];
}

const GIB = 1024 ** 3;

/** The alarms, in a fixed order. EC2 status checks come every minute; CPU (basic monitoring) every 5. */
export function alarmSpecs(s: MonitoringSettings): AlarmSpec[] {
  return [
    {
      role: "host-system-check", target: "host", namespace: "AWS/EC2", metricName: "StatusCheckFailed_System",
      description: "The EC2 host's system status check failed for 2 minutes (AWS hardware, network or power): recovering the instance onto healthy hardware",
      statistic: "Maximum", periodSeconds: 60, evaluationPeriods: 2, comparisonOperator: "GreaterThanOrEqualToThreshold", threshold: 1, ec2Action: "recover",
    },
    {
      role: "host-instance-check", target: "host", namespace: "AWS/EC2", metricName: "StatusCheckFailed_Instance",
      description: "The EC2 host's instance status check failed for 3 minutes (kernel, memory, network config): rebooting it",
      statistic: "Maximum", periodSeconds: 60, evaluationPeriods: 3, comparisonOperator: "GreaterThanOrEqualToThreshold", threshold: 1, ec2Action: "reboot",
    },
    {
      role: "host-cpu-high", target: "host", namespace: "AWS/EC2", metricName: "CPUUtilization",
      description: `The EC2 host's CPU has been above ${s.cpuHighPercent}% for 15 minutes`,
      statistic: "Average", periodSeconds: 300, evaluationPeriods: 3, comparisonOperator: "GreaterThanThreshold", threshold: s.cpuHighPercent,
    },
    {
      role: "host-disk-high", target: "host", namespace: HOST_METRICS_NAMESPACE, metricName: DISK_METRIC.name,
      description: `The EC2 host's root filesystem is more than ${s.diskHighPercent}% full (images, logs, releases)`,
      statistic: "Maximum", periodSeconds: DISK_METRIC.everyMinutes * 60, evaluationPeriods: 2, comparisonOperator: "GreaterThanThreshold", threshold: s.diskHighPercent,
    },
    {
      role: "db-storage-low", target: "db", namespace: "AWS/RDS", metricName: "FreeStorageSpace",
      description: `The database has less than ${s.dbFreeStorageLowGb} GiB of free storage`,
      statistic: "Minimum", periodSeconds: 300, evaluationPeriods: 2, comparisonOperator: "LessThanThreshold", threshold: s.dbFreeStorageLowGb * GIB,
    },
    {
      role: "db-cpu-high", target: "db", namespace: "AWS/RDS", metricName: "CPUUtilization",
      description: `The database's CPU has been above ${s.dbCpuHighPercent}% for 15 minutes`,
      statistic: "Average", periodSeconds: 300, evaluationPeriods: 3, comparisonOperator: "GreaterThanThreshold", threshold: s.dbCpuHighPercent,
    },
  ];
}

/** The EC2 action ARN CloudWatch alarms use to recover or reboot an instance. */
export function ec2ActionArn(region: string, action: "recover" | "reboot"): string {
  return `arn:aws:automate:${region}:ec2:${action}`;
}

/**
 * The instance role's only monitoring permissions: write log streams of this one log group (what
 * Docker's awslogs driver calls: CreateLogStream and PutLogEvents), and publish metrics to the
 * host namespace only (PutMetricData has no resource type, so a namespace condition scopes it).
 */
export function instanceMonitoringPolicy(logGroupArn: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ShipContainerLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [logGroupArn, `${logGroupArn}:log-stream:*`] },
      {
        Sid: "PublishHostMetrics", Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: "*",
        Condition: { StringEquals: { "cloudwatch:namespace": HOST_METRICS_NAMESPACE } },
      },
    ],
  };
}

/** What the alarms watch besides the database: the ec2 host, or the ecs path's load balancer and services. */
export type MonitoredHosting =
  /** instanceRoleName: the host's instance role, which gets the log-shipping and metric policy. */
  | { kind: "ec2"; instanceId: pulumi.Input<string>; instanceRoleName: pulumi.Input<string> }
  /** services: compose name → ECS service name (web first, then workers and beat). */
  | { kind: "ecs"; clusterName: pulumi.Input<string>; services: { service: string; name: pulumi.Input<string> }[]; loadBalancerArnSuffix: pulumi.Input<string>; targetGroupArnSuffix: pulumi.Input<string> };

export interface MonitoringArgs {
  /** Retention, alert address and alarm thresholds from the stack config. */
  settings: MonitoringSettings;
  /** The container log group (ContainerLogs, its one owner); the host's Docker config names the same group. */
  logGroup: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
  /** The hosting the alarms watch. */
  hosting: MonitoredHosting;
  /** Identifier of the RDS instance the storage and CPU alarms watch. */
  dbInstanceIdentifier: pulumi.Input<string>;
  /** AWS region of the stack (EC2 action ARNs are regional). */
  region: pulumi.Input<string>;
  /** Tags for every taggable child. */
  tags: Record<string, string>;
}

export class Monitoring extends pulumi.ComponentResource {
  /** The container log group. */
  readonly logGroupName: pulumi.Output<string>;
  readonly logGroupArn: pulumi.Output<string>;
  /** The SNS topic every alarm notifies. */
  readonly alarmTopicArn: pulumi.Output<string>;
  /** Names of the alarms, in alarmSpecs order. */
  readonly alarmNames: pulumi.Output<string[]>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = monitoringSettingsProblems(args.settings);
    if (problems.length > 0) throw new Error(`Invalid monitoring settings:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    super("compose-on-ec2:monitoring:Monitoring", name, {}, opts);

    if (args.hosting.kind === "ec2") this.grantInstanceRole(name, args.hosting.instanceRoleName, args.logGroup.arn);
    const topic = this.createAlertTopic(name, args);
    const alarms = this.createAlarms(name, args, topic);

    this.logGroupName = pulumi.output(args.logGroup.name);
    this.logGroupArn = pulumi.output(args.logGroup.arn);
    this.alarmTopicArn = topic.arn;
    this.alarmNames = pulumi.all(alarms.map((a) => a.name));
    this.registerOutputs({ logGroupName: this.logGroupName, logGroupArn: this.logGroupArn, alarmTopicArn: this.alarmTopicArn, alarmNames: this.alarmNames });
  }


  private grantInstanceRole(name: string, roleName: pulumi.Input<string>, logGroupArn: pulumi.Input<string>): aws.iam.RolePolicy {
    return new aws.iam.RolePolicy(
      `${name}-instance-policy`,
      { role: roleName, policy: pulumi.output(logGroupArn).apply((arn) => JSON.stringify(instanceMonitoringPolicy(arn))) },
      { parent: this },
    );
  }

  private createAlertTopic(name: string, args: MonitoringArgs): aws.sns.Topic {
    const topic = new aws.sns.Topic(`${name}-alerts`, { tags: args.tags }, { parent: this });
    if (args.settings.alertEmail !== undefined) {
      new aws.sns.TopicSubscription(`${name}-alert-email`, { topic: topic.arn, protocol: "email", endpoint: args.settings.alertEmail }, { parent: this });
    }
    return topic;
  }

  private createAlarms(name: string, args: MonitoringArgs, topic: aws.sns.Topic): aws.cloudwatch.MetricAlarm[] {
    const hosting = args.hosting;
    const specs = hosting.kind === "ec2" ? alarmSpecs(args.settings) : ecsAlarmSpecs(args.settings, hosting.services.map((s) => s.service));
    return specs.map((spec) => {
      let dimensions: Record<string, pulumi.Input<string>>;
      if (spec.target === "db") dimensions = { DBInstanceIdentifier: args.dbInstanceIdentifier };
      else if (hosting.kind === "ecs" && spec.target === "lb") {
        dimensions = spec.metricName === "UnHealthyHostCount" ? { LoadBalancer: hosting.loadBalancerArnSuffix, TargetGroup: hosting.targetGroupArnSuffix } : { LoadBalancer: hosting.loadBalancerArnSuffix };
      } else if (hosting.kind === "ecs") dimensions = { ClusterName: hosting.clusterName, ServiceName: hosting.services.find((s) => s.service === spec.service)!.name };
      else dimensions = spec.namespace === HOST_METRICS_NAMESPACE ? { InstanceId: hosting.instanceId, Path: DISK_METRIC.path } : { InstanceId: hosting.instanceId };
      const action = spec.ec2Action;
      const alarmActions: pulumi.Input<string>[] = action ? [pulumi.output(args.region).apply((r) => ec2ActionArn(r, action)), topic.arn] : [topic.arn];
      return new aws.cloudwatch.MetricAlarm(
        `${name}-${spec.role}`,
        {
          alarmDescription: spec.description,
          namespace: spec.namespace,
          metricName: spec.metricName,
          dimensions,
          statistic: spec.statistic,
          period: spec.periodSeconds,
          evaluationPeriods: spec.evaluationPeriods,
          comparisonOperator: spec.comparisonOperator,
          threshold: spec.threshold,
          treatMissingData: spec.treatMissingData ?? "missing",
          alarmActions,
          okActions: [topic.arn],
          tags: args.tags,
        },
        { parent: this },
      );
    });
  }
}
