// CloudWatch for the stack: the containers' logs in one log group (ContainerLogs owns it), an SNS
// topic (plus an optional e-mail subscription) that every alarm notifies, and the alarms: EC2 system
// status check → automatic recovery, instance status check → reboot, host CPU and disk high, RDS free
// storage low and CPU high. The instance role gets only what shipping logs and the disk metric need.
//
// How logs and the disk metric leave the host: components/hostMonitoring.ts. The alarms: components/alarms.ts.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { LOG_RETENTION_DAYS, monitoringRefusals } from "./config";
import type { MonitoringSettings } from "./config";
import { alarmSpecs, ec2ActionArn, ecsAlarmSpecs } from "./alarms";
import { DISK_METRIC, HOST_METRICS_NAMESPACE, instanceMonitoringPolicy } from "./hostMonitoring";

export { LOG_RETENTION_DAYS };
export type { MonitoringSettings };

/**
 * What is wrong with the settings, one sentence per problem naming the setting, the value and the fix
 * (the config's own rules; the database size bounds the free-storage threshold when known).
 */
export function monitoringSettingsProblems(s: MonitoringSettings,
  dbAllocatedStorageGb = Number.POSITIVE_INFINITY): string[] {
  return monitoringRefusals(s, dbAllocatedStorageGb).map(({ key, value, refusal }) =>
    `${key} ${JSON.stringify(value)} ${refusal.why}; ${refusal.fix}`
  );
}

// The log group itself (name and resource) has one owner, components/containerLogs.ts.
export { containerLogGroupName } from "./containerLogs";

/** What the alarms watch besides the database: the ec2 host, or the ecs path's load balancer and services. */
export type MonitoredHosting =
  /** instanceRoleName: the host's instance role, which gets the log-shipping and metric policy. */
  | { kind: "ec2"; instanceId: pulumi.Input<string>; instanceRoleName: pulumi.Input<string> }
  /** services: compose name → ECS service name (web first, then workers and beat). */
  | { kind: "ecs"; clusterName: pulumi.Input<string>; services: { service: string; name: pulumi.Input<string> }[];
    loadBalancerArnSuffix: pulumi.Input<string>; targetGroupArnSuffix: pulumi.Input<string> };

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
    if (problems.length > 0) {
      throw new Error(`Invalid monitoring settings:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
    super("compose-on-ec2:monitoring:Monitoring", name, {}, opts);

    if (args.hosting.kind === "ec2") this.grantInstanceRole(name, args.hosting.instanceRoleName, args.logGroup.arn);
    const topic = this.createAlertTopic(name, args);
    const alarms = this.createAlarms(name, args, topic);

    this.logGroupName = pulumi.output(args.logGroup.name);
    this.logGroupArn = pulumi.output(args.logGroup.arn);
    this.alarmTopicArn = topic.arn;
    this.alarmNames = pulumi.all(alarms.map((a) => a.name));
    this.registerOutputs({ logGroupName: this.logGroupName, logGroupArn: this.logGroupArn,
      alarmTopicArn: this.alarmTopicArn, alarmNames: this.alarmNames });
  }

  private grantInstanceRole(name: string, roleName: pulumi.Input<string>,
    logGroupArn: pulumi.Input<string>): aws.iam.RolePolicy {
    return new aws.iam.RolePolicy(
      `${name}-instance-policy`,
      { role: roleName,
        policy: pulumi.output(logGroupArn).apply((arn) => JSON.stringify(instanceMonitoringPolicy(arn))) },
      { parent: this },
    );
  }

  private createAlertTopic(name: string, args: MonitoringArgs): aws.sns.Topic {
    const topic = new aws.sns.Topic(`${name}-alerts`, { tags: args.tags }, { parent: this });
    if (args.settings.alertEmail !== undefined) {
      new aws.sns.TopicSubscription(`${name}-alert-email`, { topic: topic.arn, protocol: "email",
        endpoint: args.settings.alertEmail }, { parent: this });
    }
    return topic;
  }

  private createAlarms(name: string, args: MonitoringArgs, topic: aws.sns.Topic): aws.cloudwatch.MetricAlarm[] {
    const hosting = args.hosting;
    const specs = hosting.kind === "ec2"
      ? alarmSpecs(args.settings)
      : ecsAlarmSpecs(args.settings, hosting.services.map((s) => s.service));
    return specs.map((spec) => {
      let dimensions: Record<string, pulumi.Input<string>>;
      if (spec.target === "db") dimensions = { DBInstanceIdentifier: args.dbInstanceIdentifier };
      else if (hosting.kind === "ecs" && spec.target === "lb") {
        dimensions = spec.metricName === "UnHealthyHostCount"
          ? { LoadBalancer: hosting.loadBalancerArnSuffix, TargetGroup: hosting.targetGroupArnSuffix }
          : { LoadBalancer: hosting.loadBalancerArnSuffix };
      } else if (hosting.kind === "ecs") {
        dimensions = { ClusterName: hosting.clusterName,
          ServiceName: hosting.services.find((s) => s.service === spec.service)!.name };
      } else {
        dimensions = spec.namespace === HOST_METRICS_NAMESPACE
          ? { InstanceId: hosting.instanceId, Path: DISK_METRIC.path }
          : { InstanceId: hosting.instanceId };
      }
      const action = spec.ec2Action;
      const alarmActions: pulumi.Input<string>[] = action
        ? [pulumi.output(args.region).apply((r) => ec2ActionArn(r, action)), topic.arn]
        : [topic.arn];
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
