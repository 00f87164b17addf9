/* eslint-disable @typescript-eslint/no-explicit-any -- provider inputs are untyped JSON here */
// The AWS mock's model of CloudWatch Logs, CloudWatch alarms, SNS and inline IAM role policies: the
// outputs AWS computes and the requests AWS rejects, written from the API references
// (CreateLogGroup, PutRetentionPolicy, PutMetricAlarm, CreateTopic, Subscribe, PutRolePolicy).
import * as crypto from "crypto";

/** What the model needs from the mock that calls it. */
export interface ModelContext {
  region: string;
  accountId: string;
  /** Records and returns the rejection AWS would send. */
  fail(message: string): Error;
  /** True when a resource of that type with that field value (or id) was registered. */
  exists(type: string, field: string, value: unknown): boolean;
  /** The name Pulumi would generate from the resource name. */
  autoname(name: string, type: string): string;
}

/** PutRetentionPolicy's accepted values (0 = the provider's "never expire", no policy set). */
const RETENTION_DAYS = [0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const COMPARISON_OPERATORS = [
  "GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold",
  "LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold",
];
const STATISTICS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"];
const TREAT_MISSING = ["breaching", "notBreaching", "ignore", "missing"];
const SNS_PROTOCOLS = ["http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose"];

const uuid = (...parts: unknown[]): string => {
  const h = crypto.createHash("sha256").update(JSON.stringify(parts)).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const TOPIC = "aws:sns/topic:Topic";

/** Outputs of a monitoring-related resource, or undefined when the type is not one of them. */
export function computeMonitoringResource(type: string, name: string, inputs: Record<string, any>, ctx: ModelContext): { id: string; computed: Record<string, any> } | undefined {
  switch (type) {
    case LOG_GROUP:
      return logGroup(name, inputs, ctx);
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return metricAlarm(name, inputs, ctx);
    case TOPIC: {
      const topicName: string = inputs.name ?? ctx.autoname(name, type);
      if (!/^[A-Za-z0-9_-]{1,256}$/.test(topicName)) throw ctx.fail(`InvalidParameter: topic name ${topicName} (1-256 letters, digits, - or _)`);
      const arn = `arn:aws:sns:${ctx.region}:${ctx.accountId}:${topicName}`;
      return { id: arn, computed: { name: topicName, arn, owner: ctx.accountId } };
    }
    case "aws:sns/topicSubscription:TopicSubscription": {
      if (!ctx.exists(TOPIC, "arn", inputs.topic)) throw ctx.fail(`NotFound: topic ${inputs.topic} does not exist`);
      if (!SNS_PROTOCOLS.includes(inputs.protocol)) throw ctx.fail(`InvalidParameter: protocol ${inputs.protocol}`);
      if (inputs.protocol.startsWith("email") && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(inputs.endpoint ?? "")) throw ctx.fail(`InvalidParameter: endpoint ${inputs.endpoint} is not an e-mail address`);
      const arn = `${inputs.topic}:${uuid("sub", name, inputs.endpoint)}`;
      return { id: arn, computed: { arn, ownerId: ctx.accountId, pendingConfirmation: inputs.protocol.startsWith("email"), confirmationWasAuthenticated: false } };
    }
    case "aws:iam/rolePolicy:RolePolicy":
      return rolePolicy(name, inputs, ctx);
    default:
      return undefined;
  }
}

function logGroup(name: string, inputs: Record<string, any>, ctx: ModelContext): { id: string; computed: Record<string, any> } {
  const groupName: string = inputs.name ?? ctx.autoname(name, LOG_GROUP);
  if (!/^[.\-_/#A-Za-z0-9]{1,512}$/.test(groupName)) throw ctx.fail(`InvalidParameterException: log group name ${groupName} (1-512 of letters, digits, . - _ / #)`);
  if (ctx.exists(LOG_GROUP, "name", groupName)) throw ctx.fail(`ResourceAlreadyExistsException: log group ${groupName} already exists`);
  if (inputs.retentionInDays !== undefined && !RETENTION_DAYS.includes(inputs.retentionInDays)) {
    throw ctx.fail(`InvalidParameterException: retentionInDays ${inputs.retentionInDays} is not one of ${RETENTION_DAYS.join(", ")}`);
  }
  // The provider strips the API's ":*" suffix from the ARN.
  const arn = `arn:aws:logs:${ctx.region}:${ctx.accountId}:log-group:${groupName}`;
  return { id: groupName, computed: { name: groupName, arn, retentionInDays: inputs.retentionInDays ?? 0, logGroupClass: inputs.logGroupClass ?? "STANDARD" } };
}

function checkAlarmAction(action: string, inputs: Record<string, any>, ctx: ModelContext): void {
  const ec2 = /^arn:aws:automate:([a-z0-9-]+):ec2:(stop|terminate|reboot|recover)$/.exec(action);
  if (ec2) {
    if (ec2[1] !== ctx.region) throw ctx.fail(`ValidationError: action ${action} names region ${ec2[1]}, not the alarm's ${ctx.region}`);
    if (!inputs.dimensions?.InstanceId) throw ctx.fail(`ValidationError: EC2 action ${action} needs an alarm on a per-instance metric (InstanceId dimension)`);
    return;
  }
  if (action.startsWith("arn:aws:sns:")) {
    if (!ctx.exists(TOPIC, "arn", action)) throw ctx.fail(`ValidationError: SNS topic ${action} does not exist`);
    return;
  }
  throw ctx.fail(`ValidationError: ${action} is not a valid alarm action ARN`);
}

function metricAlarm(name: string, inputs: Record<string, any>, ctx: ModelContext): { id: string; computed: Record<string, any> } {
  const alarmName: string = inputs.name ?? ctx.autoname(name, "aws:cloudwatch/metricAlarm:MetricAlarm");
  if (alarmName.length > 255) throw ctx.fail("ValidationError: alarm name longer than 255 characters");
  if (!COMPARISON_OPERATORS.includes(inputs.comparisonOperator)) throw ctx.fail(`ValidationError: comparisonOperator ${inputs.comparisonOperator}`);
  if (!Number.isInteger(inputs.evaluationPeriods) || inputs.evaluationPeriods < 1) throw ctx.fail(`ValidationError: evaluationPeriods ${inputs.evaluationPeriods} (at least 1)`);
  if (inputs.treatMissingData !== undefined && !TREAT_MISSING.includes(inputs.treatMissingData)) throw ctx.fail(`ValidationError: treatMissingData ${inputs.treatMissingData}`);
  if (inputs.metricQueries === undefined) {
    if (!inputs.namespace || !inputs.metricName) throw ctx.fail("ValidationError: namespace and metricName are required without metricQueries");
    if ((inputs.statistic === undefined) === (inputs.extendedStatistic === undefined)) throw ctx.fail("ValidationError: exactly one of statistic and extendedStatistic");
    if (inputs.statistic !== undefined && !STATISTICS.includes(inputs.statistic)) throw ctx.fail(`ValidationError: statistic ${inputs.statistic}`);
    const period = inputs.period;
    if (!Number.isInteger(period) || !([10, 20, 30].includes(period) || (period > 0 && period % 60 === 0))) throw ctx.fail(`ValidationError: period ${period} (10, 20, 30 or a multiple of 60)`);
    if (period * inputs.evaluationPeriods > 86400) throw ctx.fail("ValidationError: period × evaluationPeriods exceeds one day");
    if (Object.keys(inputs.dimensions ?? {}).length > 30) throw ctx.fail("ValidationError: more than 30 dimensions");
  }
  if (inputs.threshold === undefined && inputs.thresholdMetricId === undefined) throw ctx.fail("ValidationError: threshold is required");
  for (const list of ["alarmActions", "okActions", "insufficientDataActions"]) {
    const actions: string[] = inputs[list] ?? [];
    if (actions.length > 5) throw ctx.fail(`ValidationError: ${list} has more than 5 actions`);
    for (const action of actions) checkAlarmAction(action, inputs, ctx);
  }
  const arn = `arn:aws:cloudwatch:${ctx.region}:${ctx.accountId}:alarm:${alarmName}`;
  return { id: alarmName, computed: { name: alarmName, arn } };
}

function rolePolicy(name: string, inputs: Record<string, any>, ctx: ModelContext): { id: string; computed: Record<string, any> } {
  if (!ctx.exists("aws:iam/role:Role", "name", inputs.role)) throw ctx.fail(`NoSuchEntity: role ${inputs.role}`);
  let doc: { Version?: string; Statement?: Record<string, any>[] };
  try {
    doc = JSON.parse(inputs.policy);
  } catch {
    throw ctx.fail("MalformedPolicyDocument: policy is not JSON");
  }
  if (Buffer.byteLength(inputs.policy) > 10240) throw ctx.fail("LimitExceeded: inline role policies are limited to 10,240 characters");
  if (doc.Version !== "2012-10-17" && doc.Version !== "2008-10-17") throw ctx.fail(`MalformedPolicyDocument: Version ${doc.Version}`);
  if (!Array.isArray(doc.Statement) || doc.Statement.length === 0) throw ctx.fail("MalformedPolicyDocument: no Statement list");
  for (const s of doc.Statement) {
    if (s.Effect !== "Allow" && s.Effect !== "Deny") throw ctx.fail(`MalformedPolicyDocument: Effect ${s.Effect}`);
    const actions = [s.Action].flat();
    const resources = [s.Resource].flat();
    if (actions.length === 0 || actions.some((a) => typeof a !== "string" || !/^([a-z0-9-]+:[A-Za-z0-9*]+|\*)$/.test(a))) throw ctx.fail(`MalformedPolicyDocument: Action ${JSON.stringify(s.Action)}`);
    if (resources.length === 0 || resources.some((r) => typeof r !== "string" || !(r === "*" || r.startsWith("arn:")))) throw ctx.fail(`MalformedPolicyDocument: Resource ${JSON.stringify(s.Resource)}`);
  }
  const policyName: string = inputs.name ?? ctx.autoname(name, "aws:iam/rolePolicy:RolePolicy");
  return { id: `${inputs.role}:${policyName}`, computed: { name: policyName } };
}
