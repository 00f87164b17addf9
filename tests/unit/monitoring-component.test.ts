// components/monitoring.ts under the AWS mock, alone: container logs in CloudWatch with a per-stage retention,
// alarms that notify one SNS topic (and recover or reboot the host), and an instance role allowed only what that needs.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ContainerLogs } from "../../components/containerLogs";
import { AwsMock, PROJECT, captureRegistrationOptions, valueOf } from "../../lib/engine";
import { monitoringDefaults, type Stage } from "../../components/config";
import { HOST_METRICS_NAMESPACE } from "../../components/hostMonitoring";
import { Monitoring, MonitoringSettings } from "../../components/monitoring";
import { alarm, ALARM, INSTANCE_ID, LOG_GROUP, SUBSCRIPTION } from "../support/monitoring";

const DB_ID = "compose-on-ec2-dev";

async function settle(mock: AwsMock): Promise<void> {
  for (let i = 0, quiet = 0; i < 500 && quiet < 3; i++) {
    await new Promise((r) => setImmediate(r));
    quiet = mock.pending === 0 ? quiet + 1 : 0;
  }
}

/** Runs the component alone under the AWS mock, next to an instance role as the Host creates it. */
async function runMonitoring(stage: Stage, overrides: Partial<MonitoringSettings> = {},
  region = "us-east-1"): Promise<{ mock: AwsMock; monitoring: Monitoring }> {
  const mock = new AwsMock({ region });
  await pulumi.runtime.setMocks(mock, PROJECT, stage, false);
  captureRegistrationOptions(mock);
  const role = new aws.iam.Role("host-role", {
    assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [] }),
  });
  const settings = { ...monitoringDefaults(stage), ...overrides };
  const logs = new ContainerLogs("logs", { project: PROJECT, stack: stage, retentionDays: settings.logRetentionDays,
    tags: { project: PROJECT, stage } });
  const monitoring = new Monitoring("monitoring", {
    settings,
    logGroup: { name: logs.groupName, arn: logs.groupArn },
    hosting: { kind: "ec2", instanceId: INSTANCE_ID, instanceRoleName: role.name },
    dbInstanceIdentifier: DB_ID,
    region,
    tags: { project: PROJECT, stage },
  });
  await valueOf(monitoring.alarmNames);
  await settle(mock);
  if (mock.errors.length > 0) throw new Error(`AWS would reject this:\n${mock.errors.join("\n")}`);
  return { mock, monitoring };
}

describe("monitoring", () => {
  describe("under the AWS mock", () => {
    for (const stage of ["dev", "prod", "sandbox"] as const) {
      it(`keeps ${stage} container logs for ${monitoringDefaults(stage).logRetentionDays} days in the stack's own log group`, async () => {
        const { mock, monitoring } = await runMonitoring(stage);
        const group = mock.one(LOG_GROUP);
        assert.deepStrictEqual([group.inputs.name, group.inputs.retentionInDays], [`/${PROJECT}/${stage}/containers`,
          monitoringDefaults(stage).logRetentionDays]);
        assert.strictEqual(await valueOf(monitoring.logGroupArn),
          `arn:aws:logs:us-east-1:123456789012:log-group:/${PROJECT}/${stage}/containers`);
      });
    }

    it("recovers the host on a failed system check and reboots it on a failed instance check, in the stack's region, and tells the topic", async () => {
      const { mock, monitoring } = await runMonitoring("prod", {}, "eu-west-1");
      const topicArn = await valueOf(monitoring.alarmTopicArn);
      const system = alarm(mock, "host-system-check");
      assert.deepStrictEqual([system.inputs.namespace, system.inputs.metricName, system.inputs.dimensions], ["AWS/EC2",
        "StatusCheckFailed_System", { InstanceId: INSTANCE_ID }]);
      assert.deepStrictEqual(system.inputs.alarmActions, ["arn:aws:automate:eu-west-1:ec2:recover", topicArn]);
      const instance = alarm(mock, "host-instance-check");
      assert.deepStrictEqual([instance.inputs.metricName, instance.inputs.alarmActions], ["StatusCheckFailed_Instance",
        ["arn:aws:automate:eu-west-1:ec2:reboot", topicArn]]);
    });

    it("notifies the one topic from every alarm, on alarm and on recovery", async () => {
      const { mock, monitoring } = await runMonitoring("dev");
      const topicArn = await valueOf(monitoring.alarmTopicArn);
      const alarms = mock.ofType(ALARM);
      assert.strictEqual(alarms.length, 6);
      for (const a of alarms) {
        assert.ok(a.inputs.alarmActions.includes(topicArn), a.name);
        assert.deepStrictEqual(a.inputs.okActions, [topicArn], a.name);
      }
      assert.deepStrictEqual((await valueOf(monitoring.alarmNames)).length, 6);
    });

    it("watches host CPU and disk on the instance and RDS storage and CPU on the database, at the configured thresholds", async () => {
      const { mock } = await runMonitoring("dev", { cpuHighPercent: 75, diskHighPercent: 90, dbFreeStorageLowGb: 4,
        dbCpuHighPercent: 70 });
      const summary = (role: string) => {
        const a = alarm(mock, role).inputs;
        return [a.namespace, a.metricName, a.dimensions, a.comparisonOperator, a.threshold];
      };
      assert.deepStrictEqual(summary("host-cpu-high"), ["AWS/EC2", "CPUUtilization", { InstanceId: INSTANCE_ID },
        "GreaterThanThreshold", 75]);
      assert.deepStrictEqual(summary("host-disk-high"), [HOST_METRICS_NAMESPACE, "disk_used_percent", {
        InstanceId: INSTANCE_ID,
        Path: "/",
      }, "GreaterThanThreshold", 90]);
      assert.deepStrictEqual(summary("db-storage-low"), ["AWS/RDS", "FreeStorageSpace", { DBInstanceIdentifier: DB_ID },
        "LessThanThreshold", 4 * 1024 ** 3]);
      assert.deepStrictEqual(summary("db-cpu-high"), ["AWS/RDS", "CPUUtilization", { DBInstanceIdentifier: DB_ID },
        "GreaterThanThreshold", 70]);
    });

    it("subscribes alertEmail to the topic only when it is set", async () => {
      const without = await runMonitoring("dev");
      assert.strictEqual(without.mock.ofType(SUBSCRIPTION).length, 0);
      const withEmail = await runMonitoring("dev", { alertEmail: "ops@example.com" });
      const sub = withEmail.mock.one(SUBSCRIPTION);
      assert.deepStrictEqual([sub.inputs.protocol, sub.inputs.endpoint, sub.inputs.topic], ["email", "ops@example.com",
        await valueOf(withEmail.monitoring.alarmTopicArn)]);
    });

    it("gives the instance role log writing on its own log group only (no '*' resource) and metrics in one namespace", async () => {
      const { mock, monitoring } = await runMonitoring("prod");
      const policy = mock.one("aws:iam/rolePolicy:RolePolicy", "monitoring-instance-policy");
      assert.strictEqual(policy.inputs.role, mock.one("aws:iam/role:Role").state.name);
      const groupArn = await valueOf(monitoring.logGroupArn);
      const statements = JSON.parse(policy.inputs.policy).Statement as { Action: string[]; Resource: string | string[];
        Condition?: Record<string, unknown> }[];
      for (const s of statements) {
        const resources = [s.Resource].flat();
        if (s.Action.some((a) => a.startsWith("logs:"))) {
          assert.ok(resources.every((r) => r === groupArn || r === `${groupArn}:log-stream:*`),
            JSON.stringify(resources));
        } else {
          assert.deepStrictEqual([s.Action, s.Condition], [["cloudwatch:PutMetricData"], {
            StringEquals: { "cloudwatch:namespace": HOST_METRICS_NAMESPACE },
          }]);
        }
      }
      assert.ok(!statements.some((s) => s.Action.some((a) => a === "logs:CreateLogGroup" || a.endsWith(":*"))),
        "no group creation, no wildcard actions");
    });

    it("makes every child a child of the component, named after it", async () => {
      const { mock } = await runMonitoring("dev", { alertEmail: "ops@example.com" });
      const children = mock.resources.filter((r) => r.name.startsWith("monitoring-"));
      // 6 alarms, the topic, its e-mail subscription, the role policy; the log group belongs to ContainerLogs.
      assert.strictEqual(children.length, 9);
      for (const c of children) {
        assert.match(c.options.parent, /compose-on-ec2:monitoring:Monitoring::monitoring$/, c.name);
      }
    });

    it("refuses bad settings before creating anything", async () => {
      const mock = new AwsMock();
      await pulumi.runtime.setMocks(mock, PROJECT, "dev", false);
      const settings = { ...monitoringDefaults("dev"), logRetentionDays: 10 };
      const common = {
        logGroup: { name: "/x/dev/containers", arn: "arn:aws:logs:us-east-1:123456789012:log-group:/x/dev/containers" },
        hosting: { kind: "ec2" as const, instanceId: INSTANCE_ID, instanceRoleName: "r" },
        dbInstanceIdentifier: DB_ID,
        region: "us-east-1",
        tags: {},
      };
      assert.throws(() => new Monitoring("monitoring", { ...common, settings }),
        /logRetentionDays 10 is not a retention CloudWatch Logs accepts/);
      await settle(mock);
      assert.deepStrictEqual(mock.resources.map((r) => r.type), []);
    });

    it("is caught by the mock when a retention AWS refuses slips past the settings check", async () => {
      const mock = new AwsMock();
      await pulumi.runtime.setMocks(mock, PROJECT, "dev", false);
      new aws.cloudwatch.LogGroup("direct", { name: "/x/direct", retentionInDays: 45 });
      await settle(mock);
      assert.match(mock.errors.join("\n"), /retentionInDays 45 is not one of/);
    });
  });
});
