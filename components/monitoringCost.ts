// What the monitoring costs a month, for the plan. Prices are us-east-1 list prices only (the only
// region sourced); other regions get "unknown price" rather than a guess.
//
// Sources (read 2026-11-27, stored copies of public pages):
// - Standard-resolution metric alarm $0.10 per alarm-month: https://c3x.dev/resources/aws/aws_cloudwatch_metric_alarm
//   (figures from https://aws.amazon.com/cloudwatch/pricing/); the free tier's 10 alarm metrics are
//   per account and not subtracted here.
// - Logs ingestion (Standard class) $0.50 per GB: https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/ (2026-06-13)
// - Custom metric $0.30 per metric-month (first 10,000): https://signoz.io/guides/cloudwatch-pricing (2026-02-15)
// - Logs storage $0.03 per GB-month and PutMetricData $0.01 per 1,000 requests: AWS's CloudWatch
//   pricing page (us-east-1); not found in the stored copies, so check these two before relying on them.
import { alarmSpecs, DISK_METRIC, HOST_METRICS_NAMESPACE, MonitoringSettings } from "./monitoring";

export interface MonitoringPrices {
  alarmMonth: number;
  logsIngestionGb: number;
  logsStorageGbMonth: number;
  customMetricMonth: number;
  apiRequestsPer1000: number;
}

export const MONITORING_PRICES: Record<string, MonitoringPrices> = {
  "us-east-1": { alarmMonth: 0.1, logsIngestionGb: 0.5, logsStorageGbMonth: 0.03, customMetricMonth: 0.3, apiRequestsPer1000: 0.01 },
};

/** Container log volume the estimate assumes when none is given (a small Django app behind nginx). */
export const ASSUMED_LOG_GB_PER_MONTH = 1;

const DAYS_PER_MONTH = 30.4;
const MINUTES_PER_MONTH = DAYS_PER_MONTH * 24 * 60;

/** One priced line (same shape as the plan's cost items); monthly undefined = unknown price. */
export interface MonitoringCostItem {
  what: string;
  monthly?: number;
  note?: string;
}

/** A resource as the plan sees it (type and inputs). */
export interface PricedResource {
  type: string;
  inputs: Record<string, unknown>;
}

/**
 * Priced items of one monitoring resource, or undefined when the type is not one of them. Alarms
 * cost per alarm-month; the alarm on the host's own metric also carries that metric and the host's
 * PutMetricData calls; the log group carries ingestion and storage at the retention's steady state
 * (uncompressed: an upper bound, AWS bills compressed bytes). SNS and IAM cost nothing here (a few
 * e-mails a month).
 */
export function monitoringResourceCost(node: PricedResource, region: string, logGbPerMonth = ASSUMED_LOG_GB_PER_MONTH): MonitoringCostItem[] | undefined {
  const p = MONITORING_PRICES[region];
  const price = (f: (q: MonitoringPrices) => number): number | undefined => (p === undefined ? undefined : f(p));
  const note = p === undefined ? `no ${region} CloudWatch prices in the table: unknown price` : undefined;
  switch (node.type) {
    case "aws:cloudwatch/metricAlarm:MetricAlarm": {
      const items: MonitoringCostItem[] = [{ what: "standard-resolution alarm", monthly: price((q) => q.alarmMonth), note }];
      if (node.inputs.namespace === HOST_METRICS_NAMESPACE) {
        const puts = MINUTES_PER_MONTH / DISK_METRIC.everyMinutes;
        items.push({ what: `custom metric ${DISK_METRIC.name} and ${Math.round(puts)} PutMetricData calls`, monthly: price((q) => q.customMetricMonth + (puts / 1000) * q.apiRequestsPer1000), note });
      }
      return items;
    }
    case "aws:cloudwatch/logGroup:LogGroup": {
      const days = typeof node.inputs.retentionInDays === "number" && node.inputs.retentionInDays > 0 ? node.inputs.retentionInDays : undefined;
      const storedGb = days === undefined ? undefined : logGbPerMonth * (days / DAYS_PER_MONTH);
      return [
        { what: `log ingestion, assumed ${logGbPerMonth} GB/month`, monthly: price((q) => logGbPerMonth * q.logsIngestionGb), note: note ?? "assumption: depends on the app's log volume" },
        storedGb === undefined
          ? { what: "log storage, never expiring", note: "grows without bound: unknown price" }
          : { what: `log storage, ${days} d retention (≤ ${round2(storedGb)} GB)`, monthly: price((q) => storedGb * q.logsStorageGbMonth), note },
      ];
    }
    case "aws:sns/topic:Topic":
    case "aws:sns/topicSubscription:TopicSubscription":
    case "aws:iam/rolePolicy:RolePolicy":
      return [];
    default:
      return undefined;
  }
}

/** Monthly cost of the monitoring these settings create: the log group and every alarm. */
export function monthlyCostOfMonitoring(settings: MonitoringSettings, region: string, logGbPerMonth = ASSUMED_LOG_GB_PER_MONTH): MonitoringCostItem[] {
  const nodes: PricedResource[] = [
    { type: "aws:cloudwatch/logGroup:LogGroup", inputs: { retentionInDays: settings.logRetentionDays } },
    ...alarmSpecs(settings).map((a) => ({ type: "aws:cloudwatch/metricAlarm:MetricAlarm", inputs: { namespace: a.namespace } })),
  ];
  return nodes.flatMap((n) => monitoringResourceCost(n, region, logGbPerMonth) ?? []);
}

/** Sum of the known monthly prices. */
export function totalMonthly(items: MonitoringCostItem[]): number {
  return round2(items.reduce((sum, i) => sum + (i.monthly ?? 0), 0));
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
