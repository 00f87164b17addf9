// Shared by the monitoring tests (tests/unit/monitoring-*.test.ts): the resource types they look for,
// the instance they watch and the disk metric script the host runs.
import * as path from "path";
import { AwsMock, MockResource, PROJECT_ROOT } from "../../lib/engine";

export const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
export const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
export const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
/** The instance the alarms and the disk metric name. */
export const INSTANCE_ID = "i-0123456789abcdef0";
/** host/cloud-init/disk-metric.sh as it is in the repository. */
export const DISK_METRIC_SCRIPT = path.join(PROJECT_ROOT, "host", "cloud-init", "disk-metric.sh");

/** The Monitoring component's alarm for `role` (resource monitoring-<role>). */
export const alarm = (mock: AwsMock, role: string): MockResource => mock.one(ALARM, `monitoring-${role}`);
