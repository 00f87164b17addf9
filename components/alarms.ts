// The stack's CloudWatch alarms as pure data (components/monitoring.ts creates them): EC2 system
// status check → automatic recovery, instance status check → reboot, host CPU and disk high, RDS free
// storage low and CPU high; on ecs, the load balancer's 5xx and unhealthy targets and each service's
// CPU and memory.
import type { MonitoringSettings } from "./config";
import { DISK_METRIC, HOST_METRICS_NAMESPACE } from "./hostMonitoring";

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
      role: "lb-target-5xx",
      target: "lb",
      namespace: "AWS/ApplicationELB",
      metricName: "HTTPCode_Target_5XX_Count",
      description: `The tasks answered more than ${TARGET_5XX_PER_5_MINUTES} requests with 5xx in 5 minutes`,
      statistic: "Sum",
      periodSeconds: 300,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanThreshold",
      threshold: TARGET_5XX_PER_5_MINUTES,
      treatMissingData: "notBreaching",
    },
    {
      role: "lb-unhealthy-targets",
      target: "lb",
      namespace: "AWS/ApplicationELB",
      metricName: "UnHealthyHostCount",
      description: "A web task has failed the load balancer's health check for 3 minutes",
      statistic: "Maximum",
      periodSeconds: 60,
      evaluationPeriods: 3,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
    },
    ...services.flatMap((service): AlarmSpec[] => [
      {
        role: `${service}-cpu-high`,
        target: "service",
        service,
        namespace: "AWS/ECS",
        metricName: "CPUUtilization",
        description:
          `The ${service} service's CPU has been above ${s.cpuHighPercent}% of its tasks' size for 15 minutes`,
        statistic: "Average",
        periodSeconds: 300,
        evaluationPeriods: 3,
        comparisonOperator: "GreaterThanThreshold",
        threshold: s.cpuHighPercent,
      },
      {
        role: `${service}-memory-high`,
        target: "service",
        service,
        namespace: "AWS/ECS",
        metricName: "MemoryUtilization",
        description:
          `The ${service} service's memory has been above ${s.cpuHighPercent}% of its tasks' size for 15 minutes`,
        statistic: "Average",
        periodSeconds: 300,
        evaluationPeriods: 3,
        comparisonOperator: "GreaterThanThreshold",
        threshold: s.cpuHighPercent,
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
      role: "host-system-check",
      target: "host",
      namespace: "AWS/EC2",
      metricName: "StatusCheckFailed_System",
      description:
        "The EC2 host's system status check failed for 2 minutes (AWS hardware, network or power): recovering the instance onto healthy hardware",
      statistic: "Maximum",
      periodSeconds: 60,
      evaluationPeriods: 2,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      ec2Action: "recover",
    },
    {
      role: "host-instance-check",
      target: "host",
      namespace: "AWS/EC2",
      metricName: "StatusCheckFailed_Instance",
      description:
        "The EC2 host's instance status check failed for 3 minutes (kernel, memory, network config): rebooting it",
      statistic: "Maximum",
      periodSeconds: 60,
      evaluationPeriods: 3,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      ec2Action: "reboot",
    },
    {
      role: "host-cpu-high",
      target: "host",
      namespace: "AWS/EC2",
      metricName: "CPUUtilization",
      description: `The EC2 host's CPU has been above ${s.cpuHighPercent}% for 15 minutes`,
      statistic: "Average",
      periodSeconds: 300,
      evaluationPeriods: 3,
      comparisonOperator: "GreaterThanThreshold",
      threshold: s.cpuHighPercent,
    },
    {
      role: "host-disk-high",
      target: "host",
      namespace: HOST_METRICS_NAMESPACE,
      metricName: DISK_METRIC.name,
      description: `The EC2 host's root filesystem is more than ${s.diskHighPercent}% full (images, logs, releases)`,
      statistic: "Maximum",
      periodSeconds: DISK_METRIC.everyMinutes * 60,
      evaluationPeriods: 2,
      comparisonOperator: "GreaterThanThreshold",
      threshold: s.diskHighPercent,
    },
    {
      role: "db-storage-low",
      target: "db",
      namespace: "AWS/RDS",
      metricName: "FreeStorageSpace",
      description: `The database has less than ${s.dbFreeStorageLowGb} GiB of free storage`,
      statistic: "Minimum",
      periodSeconds: 300,
      evaluationPeriods: 2,
      comparisonOperator: "LessThanThreshold",
      threshold: s.dbFreeStorageLowGb * GIB,
    },
    {
      role: "db-cpu-high",
      target: "db",
      namespace: "AWS/RDS",
      metricName: "CPUUtilization",
      description: `The database's CPU has been above ${s.dbCpuHighPercent}% for 15 minutes`,
      statistic: "Average",
      periodSeconds: 300,
      evaluationPeriods: 3,
      comparisonOperator: "GreaterThanThreshold",
      threshold: s.dbCpuHighPercent,
    },
  ];
}

/** The EC2 action ARN CloudWatch alarms use to recover or reboot an instance. */
export function ec2ActionArn(region: string, action: "recover" | "reboot"): string {
  return `arn:aws:automate:${region}:ec2:${action}`;
}
