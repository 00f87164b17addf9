/* eslint-disable @typescript-eslint/no-explicit-any -- provider inputs are untyped JSON here */
// The AWS mock's model of CloudWatch Logs, CloudWatch alarms, SNS and inline IAM role policies: the
// outputs AWS computes and the requests AWS rejects, written from the API references
// (CreateLogGroup, PutRetentionPolicy, PutMetricAlarm, CreateTopic, Subscribe, PutRolePolicy).
import { exists, type Account, type Computed, type Fail, type Model } from "./awsModel";
import { autoname, uuidOf } from "./ids";

/** PutRetentionPolicy's accepted values (0 = the provider's "never expire", no policy set). */
const RETENTION_DAYS = [0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
  3288, 3653];
const COMPARISON_OPERATORS = [
  "GreaterThanOrEqualToThreshold",
  "GreaterThanThreshold",
  "LessThanThreshold",
  "LessThanOrEqualToThreshold",
  "LessThanLowerOrGreaterThanUpperThreshold",
  "LessThanLowerThreshold",
  "GreaterThanUpperThreshold",
];
const STATISTICS = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"];
const TREAT_MISSING = ["breaching", "notBreaching", "ignore", "missing"];
const SNS_PROTOCOLS = ["http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose"];

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const TOPIC = "aws:sns/topic:Topic";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";

/** Models of the monitoring resource types, by type token (merged into the mock's model table). */
export const MONITORING_MODELS: Record<string, Model> = {
  [LOG_GROUP]: (a, name, inputs, fail) => logGroup(a, name, inputs, fail),
  [ALARM]: (a, name, inputs, fail) => metricAlarm(a, name, inputs, fail),
  [TOPIC]: (a, name, inputs, fail) => {
    const topicName: string = inputs.name ?? autoname(name, TOPIC);
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(topicName)) {
      throw fail(`InvalidParameter: topic name ${topicName} (1-256 letters, digits, - or _)`);
    }
    const arn = `arn:aws:sns:${a.region}:${a.accountId}:${topicName}`;
    return { id: arn, computed: { name: topicName, arn, owner: a.accountId } };
  },
  "aws:sns/topicSubscription:TopicSubscription": (a, name, inputs, fail) => {
    if (!exists(a, TOPIC, "arn", inputs.topic)) throw fail(`NotFound: topic ${inputs.topic} does not exist`);
    if (!SNS_PROTOCOLS.includes(inputs.protocol)) throw fail(`InvalidParameter: protocol ${inputs.protocol}`);
    if (inputs.protocol.startsWith("email") && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(inputs.endpoint ?? "")) {
      throw fail(`InvalidParameter: endpoint ${inputs.endpoint} is not an e-mail address`);
    }
    const arn = `${inputs.topic}:${uuidOf("sub", name, inputs.endpoint)}`;
    return { id: arn,
      computed: { arn, ownerId: a.accountId, pendingConfirmation: inputs.protocol.startsWith("email"),
        confirmationWasAuthenticated: false } };
  },
  [ROLE_POLICY]: (a, name, inputs, fail) => rolePolicy(a, name, inputs, fail),
};

function logGroup(a: Account, name: string, inputs: Record<string, any>, fail: Fail): Computed {
  const groupName: string = inputs.name ?? autoname(name, LOG_GROUP);
  if (!/^[.\-_/#A-Za-z0-9]{1,512}$/.test(groupName)) {
    throw fail(`InvalidParameterException: log group name ${groupName} (1-512 of letters, digits, . - _ / #)`);
  }
  if (exists(a, LOG_GROUP, "name", groupName)) {
    throw fail(`ResourceAlreadyExistsException: log group ${groupName} already exists`);
  }
  if (inputs.retentionInDays !== undefined && !RETENTION_DAYS.includes(inputs.retentionInDays)) {
    throw fail(
      `InvalidParameterException: retentionInDays ${inputs.retentionInDays} is not one of ${RETENTION_DAYS.join(", ")}`,
    );
  }
  // The provider strips the API's ":*" suffix from the ARN.
  const arn = `arn:aws:logs:${a.region}:${a.accountId}:log-group:${groupName}`;
  return { id: groupName,
    computed: { name: groupName, arn, retentionInDays: inputs.retentionInDays ?? 0,
      logGroupClass: inputs.logGroupClass ?? "STANDARD" } };
}

function checkAlarmAction(a: Account, action: string, inputs: Record<string, any>, fail: Fail): void {
  const ec2 = /^arn:aws:automate:([a-z0-9-]+):ec2:(stop|terminate|reboot|recover)$/.exec(action);
  if (ec2) {
    if (ec2[1] !== a.region) {
      throw fail(`ValidationError: action ${action} names region ${ec2[1]}, not the alarm's ${a.region}`);
    }
    if (!inputs.dimensions?.InstanceId) {
      throw fail(
        `ValidationError: EC2 action ${action} needs an alarm on a per-instance metric (InstanceId dimension)`,
      );
    }
    return;
  }
  if (action.startsWith("arn:aws:sns:")) {
    if (!exists(a, TOPIC, "arn", action)) throw fail(`ValidationError: SNS topic ${action} does not exist`);
    return;
  }
  throw fail(`ValidationError: ${action} is not a valid alarm action ARN`);
}

/** PutMetricAlarm for a single-metric alarm (metricQueries alarms only need a threshold here). */
function checkSingleMetric(inputs: Record<string, any>, fail: Fail): void {
  if (!inputs.namespace || !inputs.metricName) {
    throw fail("ValidationError: namespace and metricName are required without metricQueries");
  }
  if ((inputs.statistic === undefined) === (inputs.extendedStatistic === undefined)) {
    throw fail("ValidationError: exactly one of statistic and extendedStatistic");
  }
  if (inputs.statistic !== undefined && !STATISTICS.includes(inputs.statistic)) {
    throw fail(`ValidationError: statistic ${inputs.statistic}`);
  }
  const period = inputs.period;
  if (!Number.isInteger(period) || !([10, 20, 30].includes(period) || (period > 0 && period % 60 === 0))) {
    throw fail(`ValidationError: period ${period} (10, 20, 30 or a multiple of 60)`);
  }
  if (period * inputs.evaluationPeriods > 86400) {
    throw fail("ValidationError: period × evaluationPeriods exceeds one day");
  }
  if (Object.keys(inputs.dimensions ?? {}).length > 30) throw fail("ValidationError: more than 30 dimensions");
}

function metricAlarm(a: Account, name: string, inputs: Record<string, any>, fail: Fail): Computed {
  const alarmName: string = inputs.name ?? autoname(name, ALARM);
  if (alarmName.length > 255) throw fail("ValidationError: alarm name longer than 255 characters");
  if (!COMPARISON_OPERATORS.includes(inputs.comparisonOperator)) {
    throw fail(`ValidationError: comparisonOperator ${inputs.comparisonOperator}`);
  }
  if (!Number.isInteger(inputs.evaluationPeriods) || inputs.evaluationPeriods < 1) {
    throw fail(`ValidationError: evaluationPeriods ${inputs.evaluationPeriods} (at least 1)`);
  }
  if (inputs.treatMissingData !== undefined && !TREAT_MISSING.includes(inputs.treatMissingData)) {
    throw fail(`ValidationError: treatMissingData ${inputs.treatMissingData}`);
  }
  if (inputs.metricQueries === undefined) checkSingleMetric(inputs, fail);
  if (inputs.threshold === undefined && inputs.thresholdMetricId === undefined) {
    throw fail("ValidationError: threshold is required");
  }
  for (const list of ["alarmActions", "okActions", "insufficientDataActions"]) {
    const actions: string[] = inputs[list] ?? [];
    if (actions.length > 5) throw fail(`ValidationError: ${list} has more than 5 actions`);
    for (const action of actions) checkAlarmAction(a, action, inputs, fail);
  }
  const arn = `arn:aws:cloudwatch:${a.region}:${a.accountId}:alarm:${alarmName}`;
  return { id: alarmName, computed: { name: alarmName, arn } };
}

function rolePolicy(a: Account, name: string, inputs: Record<string, any>, fail: Fail): Computed {
  if (!exists(a, "aws:iam/role:Role", "name", inputs.role)) throw fail(`NoSuchEntity: role ${inputs.role}`);
  let doc: { Version?: string; Statement?: Record<string, any>[] };
  try {
    doc = JSON.parse(inputs.policy);
  } catch {
    throw fail("MalformedPolicyDocument: policy is not JSON");
  }
  if (Buffer.byteLength(inputs.policy) > 10240) {
    throw fail("LimitExceeded: inline role policies are limited to 10,240 characters");
  }
  if (doc.Version !== "2012-10-17" && doc.Version !== "2008-10-17") {
    throw fail(`MalformedPolicyDocument: Version ${doc.Version}`);
  }
  if (!Array.isArray(doc.Statement) || doc.Statement.length === 0) {
    throw fail("MalformedPolicyDocument: no Statement list");
  }
  for (const s of doc.Statement) {
    if (s.Effect !== "Allow" && s.Effect !== "Deny") throw fail(`MalformedPolicyDocument: Effect ${s.Effect}`);
    const actions = [s.Action].flat();
    const resources = [s.Resource].flat();
    if (actions.length === 0
      || actions.some((x) => typeof x !== "string" || !/^([a-z0-9-]+:[A-Za-z0-9*]+|\*)$/.test(x))) {
      throw fail(`MalformedPolicyDocument: Action ${JSON.stringify(s.Action)}`);
    }
    if (resources.length === 0
      || resources.some((r) => typeof r !== "string" || !(r === "*" || r.startsWith("arn:")))) {
      throw fail(`MalformedPolicyDocument: Resource ${JSON.stringify(s.Resource)}`);
    }
  }
  const policyName: string = inputs.name ?? autoname(name, ROLE_POLICY);
  return { id: `${inputs.role}:${policyName}`, computed: { name: policyName } };
}
