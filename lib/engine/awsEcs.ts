/* eslint-disable @typescript-eslint/no-explicit-any -- provider inputs are untyped JSON here */
// The AWS mock's model of what an ecs stack runs: ECS (CreateCluster, RegisterTaskDefinition,
// CreateService), Application Auto Scaling (RegisterScalableTarget, PutScalingPolicy) and SSM
// (PutParameter); its load balancer and certificate are awsElb.ts, its Route 53 records
// awsRoute53.ts. Each refusal follows the API reference of the call named above it; nothing here
// asks the program's code.
import { LISTENER, TG } from "./awsElb";
import { arnOf as arn, exists, inRange, type Account, type Computed, type Fail, type Model } from "./awsModel";
import { RECORD, record } from "./awsRoute53";
import { autoname, sha, uuidOf } from "./ids";

const CLUSTER = "aws:ecs/cluster:Cluster";
const TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition";
const SERVICE = "aws:ecs/service:Service";
const TARGET = "aws:appautoscaling/target:Target";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const ROLE = "aws:iam/role:Role";

/**
 * Fargate task sizes (RegisterTaskDefinition, `cpu` and `memory`: "If you're using the Fargate
 * launch type, this field is required and you must use one of the following values"), in MiB.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html
 */
const FARGATE_MEMORY: Record<string, number[]> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: Array.from({ length: 13 }, (_, i) => 4096 + i * 1024),
  4096: Array.from({ length: 23 }, (_, i) => 8192 + i * 1024),
  8192: Array.from({ length: 12 }, (_, i) => 16384 + i * 4096),
  16384: Array.from({ length: 12 }, (_, i) => 32768 + i * 8192),
};

// ---- ECS ----

/** CreateCluster, clusterName: "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed." */
function cluster(a: Account, name: string, inputs: Record<string, any>, fail: Fail): Computed {
  const clusterName: string = inputs.name ?? autoname(name, CLUSTER);
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(clusterName)) throw fail(`InvalidParameterException: cluster name ${clusterName}`);
  for (const s of inputs.settings ?? []) {
    if (s.name !== "containerInsights" || !["enabled", "disabled", "enhanced"].includes(s.value)) {
      throw fail(`InvalidParameterException: cluster setting ${s.name}=${s.value}`);
    }
  }
  const clusterArn = arn(a, "ecs", `cluster/${clusterName}`);
  return { id: clusterArn, computed: { name: clusterName, arn: clusterArn } };
}

/** One container definition (RegisterTaskDefinition, ContainerDefinition). */
function checkContainer(c: Record<string, any>, task: Record<string, any>, names: string[], volumes: string[],
  fail: Fail): void {
  if (!c.name || !/^[A-Za-z0-9_-]{1,255}$/.test(c.name)) {
    throw fail(`ClientException: container name ${c.name} (up to 255 letters, numbers, underscores, hyphens)`);
  }
  if (!c.image) throw fail(`ClientException: container ${c.name} has no image`);
  // awsvpc: "hostPort can be left blank or it must be the same value as the containerPort".
  for (const p of c.portMappings ?? []) {
    if (p.hostPort !== undefined && p.hostPort !== p.containerPort) {
      throw fail(`ClientException: awsvpc: hostPort ${p.hostPort} must equal containerPort ${p.containerPort}`);
    }
  }
  for (const m of c.mountPoints ?? []) {
    if (!volumes.includes(m.sourceVolume)) {
      throw fail(`ClientException: mount point source volume ${m.sourceVolume} is not a volume of the task`);
    }
  }
  for (const d of c.dependsOn ?? []) {
    if (!names.includes(d.containerName)) {
      throw fail(`ClientException: ${c.name} depends on ${d.containerName}, not a container of the task`);
    }
  }
  // "The awslogs log driver ... requires a task execution role"; so do secrets ("Specifying sensitive data").
  if (c.logConfiguration?.logDriver === "awslogs" && !task.executionRoleArn) {
    throw fail("ClientException: awslogs needs executionRoleArn");
  }
  if ((c.secrets ?? []).length > 0 && !task.executionRoleArn) {
    throw fail("ClientException: secrets need executionRoleArn");
  }
  for (const s of c.secrets ?? []) {
    if (!s.name || !s.valueFrom) throw fail(`ClientException: secret of ${c.name} needs name and valueFrom`);
  }
  const hc = c.healthCheck;
  // HealthCheck: interval 5–300, timeout 2–120, retries 1–10, startPeriod 0–300 seconds.
  if (hc
    && (!inRange(hc.interval, 5, 300) || !inRange(hc.timeout, 2, 120) || !inRange(hc.retries, 1, 10)
      || !inRange(hc.startPeriod, 0, 300))) throw fail(`ClientException: health check of ${c.name} out of range`);
  // stopTimeout on Fargate: "The max stop timeout value is 120 seconds".
  if (c.stopTimeout !== undefined && !inRange(c.stopTimeout, 0, 120)) {
    throw fail(`ClientException: stopTimeout ${c.stopTimeout} of ${c.name} (at most 120)`);
  }
}

function taskDefinition(a: Account, _name: string, inputs: Record<string, any>, fail: Fail): Computed {
  const family: string = inputs.family ?? "";
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(family)) {
    throw fail(`ClientException: family ${family} (up to 255 letters, numbers, hyphens, underscores)`);
  }
  let containers: Record<string, any>[];
  try {
    containers = JSON.parse(inputs.containerDefinitions);
  } catch {
    throw fail("ClientException: containerDefinitions is not JSON");
  }
  if (!Array.isArray(containers) || containers.length === 0 || containers.length > 10) {
    throw fail("ClientException: a task definition has 1 to 10 containers");
  }
  const names = containers.map((c) => c.name);
  if (new Set(names).size !== names.length) {
    throw fail("ClientException: container names must be unique within a task definition");
  }
  if (!containers.some((c) => c.essential !== false)) {
    throw fail("ClientException: at least one container must be essential");
  }
  const volumes = (inputs.volumes ?? []).map((v: { name: string }) => v.name);
  for (const c of containers) checkContainer(c, inputs, names, volumes, fail);
  if ((inputs.requiresCompatibilities ?? []).includes("FARGATE")) {
    if (inputs.networkMode !== "awsvpc") throw fail("ClientException: Fargate requires network mode awsvpc");
    const memory = Number(inputs.memory);
    if (!FARGATE_MEMORY[String(inputs.cpu)]?.includes(memory)) {
      throw fail(
        `ClientException: No Fargate configuration exists for given values: ${inputs.cpu} CPU, ${inputs.memory} memory`,
      );
    }
    const reserved = containers.reduce((sum, c) => sum + (c.memory ?? c.memoryReservation ?? 0), 0);
    if (reserved > memory) {
      throw fail(`ClientException: containers reserve ${reserved} MiB, more than the task's ${memory}`);
    }
  }
  for (const role of [inputs.executionRoleArn, inputs.taskRoleArn]) {
    if (role !== undefined && !exists(a, ROLE, "arn", role)) throw fail(`ClientException: role ${role} does not exist`);
  }
  const base = arn(a, "ecs", `task-definition/${family}`);
  return { id: family, computed: { arn: `${base}:1`, arnWithoutRevision: base, revision: 1 } };
}

/** CreateService (service with a load balancer, on Fargate). */
function service(a: Account, name: string, inputs: Record<string, any>, fail: Fail): Computed {
  const serviceName: string = inputs.name ?? autoname(name, SERVICE);
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(serviceName)) throw fail(`InvalidParameterException: service name ${serviceName}`);
  const clusterRecord = a.existing(CLUSTER, "arn", inputs.cluster) ?? a.existing(CLUSTER, "name", inputs.cluster);
  if (!clusterRecord) throw fail(`ClusterNotFoundException: ${inputs.cluster}`);
  const task = a.existing(TASK_DEF, "arn", inputs.taskDefinition);
  if (!task) throw fail(`InvalidParameterException: task definition ${inputs.taskDefinition} does not exist`);
  const containers: Record<string, any>[] = JSON.parse(task.inputs.containerDefinitions);
  if (inputs.launchType === "FARGATE" && !(task.inputs.requiresCompatibilities ?? []).includes("FARGATE")) {
    throw fail("InvalidParameterException: task definition does not support launch_type FARGATE");
  }
  const vpc = inputs.networkConfiguration;
  if (task.inputs.networkMode === "awsvpc" && !vpc) {
    throw fail(
      "InvalidParameterException: Network Configuration must be provided when networkMode 'awsvpc' is specified",
    );
  }
  if (vpc) {
    if ((vpc.subnets ?? []).length < 1 || vpc.subnets.length > 16) {
      throw fail("InvalidParameterException: 1 to 16 subnets");
    }
    for (const s of vpc.subnets) a.subnetById(s);
    if ((vpc.securityGroups ?? []).length > 5) throw fail("InvalidParameterException: at most 5 security groups");
    for (const sg of vpc.securityGroups ?? []) {
      if (!exists(a, SG, "id", sg)) throw fail(`InvalidParameterException: security group ${sg} does not exist`);
    }
  }
  for (const lb of inputs.loadBalancers ?? []) {
    const tg = a.existing(TG, "arn", lb.targetGroupArn);
    if (!tg) throw fail(`InvalidParameterException: target group ${lb.targetGroupArn} does not exist`);
    if (task.inputs.networkMode === "awsvpc" && tg.inputs.targetType !== "ip") {
      throw fail("InvalidParameterException: awsvpc tasks need a target group of target type ip");
    }
    if (!a.created(LISTENER).some((l) => JSON.stringify(l.inputs.defaultActions ?? []).includes(lb.targetGroupArn))) {
      throw fail(
        `InvalidParameterException: The target group ${lb.targetGroupArn} does not have an associated load balancer`,
      );
    }
    const container = containers.find((c) => c.name === lb.containerName);
    if (!container) {
      throw fail(`InvalidParameterException: container ${lb.containerName} is not in the task definition`);
    }
    if (!(container.portMappings ?? []).some((p: { containerPort: number }) => p.containerPort === lb.containerPort)) {
      throw fail(
        `InvalidParameterException: container ${lb.containerName} has no port mapping for ${lb.containerPort}`,
      );
    }
  }
  if (inputs.healthCheckGracePeriodSeconds !== undefined && (inputs.loadBalancers ?? []).length === 0) {
    throw fail("InvalidParameterException: health check grace period is only valid for services with load balancers");
  }
  if (inputs.deploymentCircuitBreaker && inputs.deploymentController?.type
    && inputs.deploymentController.type !== "ECS") {
    throw fail(
      "InvalidParameterException: the deployment circuit breaker needs the rolling update (ECS) deployment controller",
    );
  }
  if (!inRange(inputs.deploymentMinimumHealthyPercent, 0, 100)) {
    throw fail(`InvalidParameterException: minimumHealthyPercent ${inputs.deploymentMinimumHealthyPercent} (0 to 100)`);
  }
  if (inputs.deploymentMaximumPercent !== undefined
    && inputs.deploymentMaximumPercent < (inputs.deploymentMinimumHealthyPercent ?? 100)) {
    throw fail("InvalidParameterException: maximumPercent below minimumHealthyPercent");
  }
  const serviceArn = arn(a, "ecs", `service/${clusterRecord.state.name}/${serviceName}`);
  return { id: serviceArn, computed: { name: serviceName, arn: serviceArn, cluster: inputs.cluster } };
}
// ---- Application Auto Scaling ----

/** RegisterScalableTarget for ECS: ResourceId "service/<cluster-name>/<service-name>", dimension ecs:service:DesiredCount, MinCapacity ≤ MaxCapacity. */
function scalableTarget(a: Account, _name: string, inputs: Record<string, any>, fail: Fail): Computed {
  if (inputs.serviceNamespace !== "ecs" || inputs.scalableDimension !== "ecs:service:DesiredCount") {
    throw fail(
      `ValidationException: ${inputs.serviceNamespace}/${inputs.scalableDimension} is not the ECS service dimension`,
    );
  }
  const m = /^service\/([^/]+)\/([^/]+)$/.exec(inputs.resourceId ?? "");
  if (!m) throw fail(`ValidationException: resourceId ${inputs.resourceId} is not service/<cluster>/<service>`);
  if (!a.created(SERVICE).some((s) => s.state.name === m[2] && a.existing(CLUSTER, "name", m[1]))) {
    throw fail(`ObjectNotFoundException: ECS service ${inputs.resourceId} does not exist`);
  }
  if (!Number.isInteger(inputs.minCapacity) || !Number.isInteger(inputs.maxCapacity) || inputs.minCapacity < 0
    || inputs.minCapacity > inputs.maxCapacity) {
    throw fail(`ValidationException: capacity ${inputs.minCapacity}..${inputs.maxCapacity}`);
  }
  return { id: inputs.resourceId,
    computed: {
      arn: arn(a, "application-autoscaling", `scalable-target/${sha("target", inputs.resourceId).slice(0, 30)}`),
    } };
}

/** PutScalingPolicy: the target must be registered; an ECS target-tracking metric from the predefined list; a positive target. */
function scalingPolicy(a: Account, name: string, inputs: Record<string, any>, fail: Fail): Computed {
  if (!a.created(TARGET).some((t) =>
    t.inputs.resourceId === inputs.resourceId && t.inputs.scalableDimension === inputs.scalableDimension
  )) throw fail(`ObjectNotFoundException: no scalable target ${inputs.resourceId}`);
  if (!["TargetTrackingScaling", "StepScaling"].includes(inputs.policyType)) {
    throw fail(`ValidationException: policy type ${inputs.policyType}`);
  }
  const tt = inputs.targetTrackingScalingPolicyConfiguration;
  if (inputs.policyType === "TargetTrackingScaling") {
    const metric = tt?.predefinedMetricSpecification?.predefinedMetricType;
    if (!["ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization", "ALBRequestCountPerTarget"].includes(
      metric,
    ) && !tt?.customizedMetricSpecification) throw fail(`ValidationException: metric ${metric} is not an ECS metric`);
    if (metric === "ALBRequestCountPerTarget" && !tt.predefinedMetricSpecification.resourceLabel) {
      throw fail("ValidationException: ALBRequestCountPerTarget needs a resource label");
    }
    if (!(tt.targetValue > 0)) throw fail(`ValidationException: target value ${tt.targetValue}`);
  }
  const policyName: string = inputs.name ?? autoname(name, "aws:appautoscaling/policy:Policy");
  return { id: policyName,
    computed: { name: policyName,
      arn: arn(a, "autoscaling",
        `scalingPolicy:${uuidOf("policy", name)}:resource/ecs/${inputs.resourceId}:policyName/${policyName}`),
      alarmArns: [] } };
}

// ---- SSM Parameter Store ----

/**
 * PutParameter (docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html): names of a-zA-Z0-9_.-/ (a hierarchy starts with /, at most 15 levels), not starting
 * with aws or ssm; type String, StringList or SecureString; a standard parameter's value ≤ 4 KB.
 */
function parameter(a: Account, _name: string, inputs: Record<string, any>, fail: Fail): Computed {
  const n: string = inputs.name ?? "";
  if (!/^[A-Za-z0-9_./-]{1,1011}$/.test(n) || /^\/?(aws|ssm)/i.test(n) || n.split("/").length - 1 > 15) {
    throw fail(`ValidationException: parameter name ${n}`);
  }
  if (!["String", "StringList", "SecureString"].includes(inputs.type)) {
    throw fail(`ValidationException: parameter type ${inputs.type}`);
  }
  if (typeof inputs.value !== "string"
    || Buffer.byteLength(inputs.value) > ((inputs.tier ?? "Standard") === "Standard" ? 4096 : 8192)) {
    throw fail("ValidationException: parameter value too long for its tier");
  }
  if (a.existing("aws:ssm/parameter:Parameter", "name", n)) throw fail(`ParameterAlreadyExists: ${n}`);
  // KeyId: a KMS key of the account by id or ARN, or an alias (alias/aws/ssm is the AWS-managed key);
  // one that does not exist is InvalidKeyId (PutParameter, Errors).
  const keyId = inputs.keyId;
  if (keyId !== undefined && keyId !== "") {
    const known = String(keyId).startsWith("alias/") || a.existing("aws:kms/key:Key", "arn", keyId)
      || a.existing("aws:kms/key:Key", "id", keyId);
    if (!known) throw fail(`InvalidKeyId: ${keyId}`);
  }
  return { id: n,
    computed: { name: n, arn: arn(a, "ssm", `parameter/${n.replace(/^\//, "")}`), version: 1,
      tier: inputs.tier ?? "Standard" } };
}
/** Models of the ecs resource types, by type token (merged into the mock's model table). */
export const ECS_MODELS: Record<string, Model> = {
  [CLUSTER]: cluster,
  [TASK_DEF]: taskDefinition,
  [SERVICE]: service,
  [RECORD]: record,
  [TARGET]: scalableTarget,
  "aws:appautoscaling/policy:Policy": scalingPolicy,
  "aws:ssm/parameter:Parameter": parameter,
};
