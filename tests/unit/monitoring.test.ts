// components/monitoring.ts: container logs in CloudWatch with a per-stage retention, alarms that notify
// one SNS topic (and recover or reboot the host), and an instance role allowed only what that needs.
import * as assert from "assert";
import { ContainerLogs } from "../../components/containerLogs";
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { AwsMock, MockResource, PROJECT, PROJECT_ROOT, captureRegistrationOptions, valueOf } from "../../lib/engine";
import { stackRun } from "../support/fixtures";
import { monitoringDefaults, STAGES, type Stage } from "../../components/config";
import { alarmSpecs } from "../../components/alarms";
import { dockerDaemonLogConfig, HOST_METRICS_NAMESPACE, HOST_MONITORING_PATHS, instanceMonitoringPolicy, monitoringHostFiles } from "../../components/hostMonitoring";
import { containerLogGroupName, LOG_RETENTION_DAYS, Monitoring, MonitoringSettings, monitoringSettingsProblems } from "../../components/monitoring";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const INSTANCE_ID = "i-0123456789abcdef0";
const DB_ID = "compose-on-ec2-dev";
const SCRIPT = path.join(PROJECT_ROOT, "host", "cloud-init", "disk-metric.sh");

async function settle(mock: AwsMock): Promise<void> {
  for (let i = 0, quiet = 0; i < 500 && quiet < 3; i++) {
    await new Promise((r) => setImmediate(r));
    quiet = mock.pending === 0 ? quiet + 1 : 0;
  }
}

/** Runs the component alone under the AWS mock, next to an instance role as the Host creates it. */
async function runMonitoring(stage: Stage, overrides: Partial<MonitoringSettings> = {}, region = "us-east-1"): Promise<{ mock: AwsMock; monitoring: Monitoring }> {
  const mock = new AwsMock({ region });
  await pulumi.runtime.setMocks(mock, PROJECT, stage, false);
  captureRegistrationOptions(mock);
  const role = new aws.iam.Role("host-role", { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) });
  const settings = { ...monitoringDefaults(stage), ...overrides };
  const logs = new ContainerLogs("logs", { project: PROJECT, stack: stage, retentionDays: settings.logRetentionDays, tags: { project: PROJECT, stage } });
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

const alarm = (mock: AwsMock, role: string): MockResource => mock.one(ALARM, `monitoring-${role}`);

describe("monitoring", () => {
  describe("pure rules", () => {
    it("defaults every stage to a retention CloudWatch Logs accepts, shortest for sandboxes and longest in prod", () => {
      for (const s of STAGES.map((stage) => monitoringDefaults(stage))) assert.deepStrictEqual(monitoringSettingsProblems(s), []);
      const days = (stage: Stage) => monitoringDefaults(stage).logRetentionDays;
      assert.ok(days("sandbox") < days("dev") && days("dev") < days("prod"), `${days("sandbox")} < ${days("dev")} < ${days("prod")}`);
    });

    it("refuses bad settings with the setting, the value and the fix", () => {
      const base = monitoringDefaults("dev");
      for (const bad of [0, 2, 4000]) {
        const [problem] = monitoringSettingsProblems({ ...base, logRetentionDays: bad });
        assert.match(problem, new RegExp(`^logRetentionDays ${bad} .*use one of 1, 3, 5, 7, 14`));
      }
      assert.match(monitoringSettingsProblems({ ...base, alertEmail: "ops at example" })[0], /^alertEmail "ops at example" .*ops@example.com/);
      assert.match(monitoringSettingsProblems({ ...base, diskHighPercent: 101 })[0], /^diskHighPercent 101 .*1\.\.100/);
      assert.match(monitoringSettingsProblems({ ...base, dbFreeStorageLowGb: 0 })[0], /^dbFreeStorageLowGb 0 .*1 or more/);
      assert.deepStrictEqual(LOG_RETENTION_DAYS.includes(0), false, "never-expiring logs are not a retention");
    });

    it("recovers on a failed system check, reboots on a failed instance check, and takes no EC2 action otherwise", () => {
      const specs = alarmSpecs(monitoringDefaults("prod"));
      assert.deepStrictEqual(
        specs.map((s) => [s.metricName, s.ec2Action ?? "-"]),
        [["StatusCheckFailed_System", "recover"], ["StatusCheckFailed_Instance", "reboot"], ["CPUUtilization", "-"], ["disk_used_percent", "-"], ["FreeStorageSpace", "-"], ["CPUUtilization", "-"]],
      );
    });

    it("compares RDS free storage in bytes, as CloudWatch reports it", () => {
      const storage = alarmSpecs({ ...monitoringDefaults("dev"), dbFreeStorageLowGb: 3 }).find((s) => s.metricName === "FreeStorageSpace")!;
      assert.deepStrictEqual([storage.comparisonOperator, storage.threshold], ["LessThanThreshold", 3 * 1024 ** 3]);
    });

    it("scopes the log actions to one log group and the metric publishing to the host namespace", () => {
      const arn = "arn:aws:logs:us-east-1:123456789012:log-group:/p/s/containers";
      const statements = instanceMonitoringPolicy(arn).Statement as { Action: string[]; Resource: string | string[]; Condition?: unknown }[];
      const logs = statements.filter((s) => s.Action.some((a) => a.startsWith("logs:")));
      assert.deepStrictEqual(logs.flatMap((s) => s.Action).sort(), ["logs:CreateLogStream", "logs:PutLogEvents"]);
      for (const r of logs.flatMap((s) => [s.Resource].flat())) assert.ok(r.startsWith(`${arn}`) && !r.includes("*:*"), r);
      const metrics = statements.find((s) => s.Action.includes("cloudwatch:PutMetricData"))!;
      assert.deepStrictEqual(metrics.Condition, { StringEquals: { "cloudwatch:namespace": HOST_METRICS_NAMESPACE } });
      assert.deepStrictEqual(statements.flatMap((s) => s.Action).sort(), ["cloudwatch:PutMetricData", "logs:CreateLogStream", "logs:PutLogEvents"]);
    });

    it("points Docker's awslogs driver at the stack's log group without letting it create groups, never blocking the app", () => {
      const config = dockerDaemonLogConfig("/compose-on-ec2/dev/containers", "eu-west-1") as { "log-driver": string; "log-opts": Record<string, unknown> };
      assert.strictEqual(config["log-driver"], "awslogs");
      const opts = config["log-opts"];
      assert.deepStrictEqual([opts["awslogs-group"], opts["awslogs-region"], opts["awslogs-create-group"], opts.mode], ["/compose-on-ec2/dev/containers", "eu-west-1", "false", "non-blocking"]);
      for (const [k, v] of Object.entries(opts)) assert.strictEqual(typeof v, "string", `dockerd accepts only string log-opts (${k})`);
    });

    it("renders the host files: daemon.json, the disk script as shipped, and a timer that runs it with the alarm's namespace", () => {
      const { files, timerUnit } = monitoringHostFiles("/compose-on-ec2/dev/containers", "us-east-1");
      const byPath = new Map(files.map((f) => [f.path, f]));
      assert.deepStrictEqual(JSON.parse(byPath.get(HOST_MONITORING_PATHS.dockerDaemonConfig)!.content), dockerDaemonLogConfig("/compose-on-ec2/dev/containers", "us-east-1"));
      assert.strictEqual(byPath.get(HOST_MONITORING_PATHS.diskMetricScript)!.content, fs.readFileSync(SCRIPT, "utf8"));
      assert.strictEqual(byPath.get(HOST_MONITORING_PATHS.diskMetricScript)!.permissions, "0755");
      const exec = byPath.get(HOST_MONITORING_PATHS.diskMetricService)!.content.split("\n").find((l) => l.startsWith("ExecStart="))!;
      assert.strictEqual(exec, `ExecStart=${HOST_MONITORING_PATHS.diskMetricScript} --namespace ${HOST_METRICS_NAMESPACE} --metric disk_used_percent --region us-east-1 --path /`);
      assert.strictEqual(timerUnit, path.basename(HOST_MONITORING_PATHS.diskMetricTimer));
      const service = byPath.get(HOST_MONITORING_PATHS.diskMetricService)!.content;
      assert.match(service, /^Environment=PATH=.*:\/snap\/bin$/m, "Ubuntu's AWS CLI snap is on the service's PATH");
    });
  });

  describe("under the AWS mock", () => {
    for (const stage of ["dev", "prod", "sandbox"] as const) {
      it(`keeps ${stage} container logs for ${monitoringDefaults(stage).logRetentionDays} days in the stack's own log group`, async () => {
        const { mock, monitoring } = await runMonitoring(stage);
        const group = mock.one(LOG_GROUP);
        assert.deepStrictEqual([group.inputs.name, group.inputs.retentionInDays], [`/${PROJECT}/${stage}/containers`, monitoringDefaults(stage).logRetentionDays]);
        assert.strictEqual(await valueOf(monitoring.logGroupArn), `arn:aws:logs:us-east-1:123456789012:log-group:/${PROJECT}/${stage}/containers`);
      });
    }

    it("recovers the host on a failed system check and reboots it on a failed instance check, in the stack's region, and tells the topic", async () => {
      const { mock, monitoring } = await runMonitoring("prod", {}, "eu-west-1");
      const topicArn = await valueOf(monitoring.alarmTopicArn);
      const system = alarm(mock, "host-system-check");
      assert.deepStrictEqual([system.inputs.namespace, system.inputs.metricName, system.inputs.dimensions], ["AWS/EC2", "StatusCheckFailed_System", { InstanceId: INSTANCE_ID }]);
      assert.deepStrictEqual(system.inputs.alarmActions, ["arn:aws:automate:eu-west-1:ec2:recover", topicArn]);
      const instance = alarm(mock, "host-instance-check");
      assert.deepStrictEqual([instance.inputs.metricName, instance.inputs.alarmActions], ["StatusCheckFailed_Instance", ["arn:aws:automate:eu-west-1:ec2:reboot", topicArn]]);
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
      const { mock } = await runMonitoring("dev", { cpuHighPercent: 75, diskHighPercent: 90, dbFreeStorageLowGb: 4, dbCpuHighPercent: 70 });
      const summary = (role: string) => {
        const a = alarm(mock, role).inputs;
        return [a.namespace, a.metricName, a.dimensions, a.comparisonOperator, a.threshold];
      };
      assert.deepStrictEqual(summary("host-cpu-high"), ["AWS/EC2", "CPUUtilization", { InstanceId: INSTANCE_ID }, "GreaterThanThreshold", 75]);
      assert.deepStrictEqual(summary("host-disk-high"), [HOST_METRICS_NAMESPACE, "disk_used_percent", { InstanceId: INSTANCE_ID, Path: "/" }, "GreaterThanThreshold", 90]);
      assert.deepStrictEqual(summary("db-storage-low"), ["AWS/RDS", "FreeStorageSpace", { DBInstanceIdentifier: DB_ID }, "LessThanThreshold", 4 * 1024 ** 3]);
      assert.deepStrictEqual(summary("db-cpu-high"), ["AWS/RDS", "CPUUtilization", { DBInstanceIdentifier: DB_ID }, "GreaterThanThreshold", 70]);
    });

    it("subscribes alertEmail to the topic only when it is set", async () => {
      const without = await runMonitoring("dev");
      assert.strictEqual(without.mock.ofType(SUBSCRIPTION).length, 0);
      const withEmail = await runMonitoring("dev", { alertEmail: "ops@example.com" });
      const sub = withEmail.mock.one(SUBSCRIPTION);
      assert.deepStrictEqual([sub.inputs.protocol, sub.inputs.endpoint, sub.inputs.topic], ["email", "ops@example.com", await valueOf(withEmail.monitoring.alarmTopicArn)]);
    });

    it("gives the instance role log writing on its own log group only (no '*' resource) and metrics in one namespace", async () => {
      const { mock, monitoring } = await runMonitoring("prod");
      const policy = mock.one("aws:iam/rolePolicy:RolePolicy", "monitoring-instance-policy");
      assert.strictEqual(policy.inputs.role, mock.one("aws:iam/role:Role").state.name);
      const groupArn = await valueOf(monitoring.logGroupArn);
      const statements = JSON.parse(policy.inputs.policy).Statement as { Action: string[]; Resource: string | string[]; Condition?: Record<string, unknown> }[];
      for (const s of statements) {
        const resources = [s.Resource].flat();
        if (s.Action.some((a) => a.startsWith("logs:"))) {
          assert.ok(resources.every((r) => r === groupArn || r === `${groupArn}:log-stream:*`), JSON.stringify(resources));
        } else {
          assert.deepStrictEqual([s.Action, s.Condition], [["cloudwatch:PutMetricData"], { StringEquals: { "cloudwatch:namespace": HOST_METRICS_NAMESPACE } }]);
        }
      }
      assert.ok(!statements.some((s) => s.Action.some((a) => a === "logs:CreateLogGroup" || a.endsWith(":*"))), "no group creation, no wildcard actions");
    });

    it("makes every child a child of the component, named after it", async () => {
      const { mock } = await runMonitoring("dev", { alertEmail: "ops@example.com" });
      const children = mock.resources.filter((r) => r.name.startsWith("monitoring-"));
      // 6 alarms, the topic, its e-mail subscription, the role policy; the log group belongs to ContainerLogs.
      assert.strictEqual(children.length, 9);
      for (const c of children) assert.match(c.options.parent, /compose-on-ec2:monitoring:Monitoring::monitoring$/, c.name);
    });

    it("refuses bad settings before creating anything", async () => {
      const mock = new AwsMock();
      await pulumi.runtime.setMocks(mock, PROJECT, "dev", false);
      const settings = { ...monitoringDefaults("dev"), logRetentionDays: 10 };
      const common = { logGroup: { name: "/x/dev/containers", arn: "arn:aws:logs:us-east-1:123456789012:log-group:/x/dev/containers" }, hosting: { kind: "ec2" as const, instanceId: INSTANCE_ID, instanceRoleName: "r" }, dbInstanceIdentifier: DB_ID, region: "us-east-1", tags: {} };
      assert.throws(() => new Monitoring("monitoring", { ...common, settings }), /logRetentionDays 10 is not a retention CloudWatch Logs accepts/);
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

  describe("wired into the program (ec2 hosting)", () => {
    for (const stack of ["dev", "prod"] as const) {
      const days = monitoringDefaults(stack).logRetentionDays;
      it(`keeps ${stack}'s container logs ${days} days (the stage default), in the group the host's Docker ships to`, async () => {
        const { mock } = await stackRun(stack);
        const group = mock.one(LOG_GROUP);
        assert.deepStrictEqual([group.inputs.name, group.inputs.retentionInDays], [containerLogGroupName(PROJECT, stack), days]);
        const userData = String(mock.one("aws:ec2/instance:Instance").inputs.userData);
        assert.ok(userData.includes(`path: ${HOST_MONITORING_PATHS.dockerDaemonConfig}`), "cloud-init writes daemon.json");
        const daemon = monitoringHostFiles(group.inputs.name, "us-east-1").files.find((f) => f.path === HOST_MONITORING_PATHS.dockerDaemonConfig)!;
        assert.ok(userData.includes(JSON.stringify(daemon.content)), "with the stack's log group and region");
        assert.match(userData, /"compose-on-ec2-disk-metric\.timer"\]/, "provision.sh is told to enable the disk metric timer");
      });
    }

    it("alarms on the stack's own host and database, and gives the host's role the log and metric policy", async () => {
      const { mock } = await stackRun("prod");
      const instance = mock.one("aws:ec2/instance:Instance");
      const db = mock.one("aws:rds/instance:Instance");
      assert.strictEqual(mock.ofType(ALARM).length, 6);
      for (const a of mock.ofType(ALARM)) {
        const dims = a.inputs.dimensions as Record<string, string>;
        assert.ok(dims.InstanceId === instance.id || dims.DBInstanceIdentifier === db.state.identifier, `${a.name}: ${JSON.stringify(dims)}`);
      }
      assert.deepStrictEqual(alarm(mock, "db-storage-low").inputs.threshold, monitoringDefaults("prod").dbFreeStorageLowGb * 1024 ** 3);
      const policy = mock.one("aws:iam/rolePolicy:RolePolicy", "monitoring-instance-policy");
      assert.strictEqual(policy.inputs.role, mock.one("aws:iam/role:Role", "host-role").state.name);
      assert.strictEqual(mock.ofType(SUBSCRIPTION).length, 0, "no alertEmail in the stack file: no subscription");
    });

    it("starts no container before the log group and the role policy exist (the deploy waits for them)", async () => {
      const { mock } = await stackRun("dev");
      const teardown = mock.one("command:local:Command", "app-teardown");
      const deploy = mock.one("command:remote:Command", "app-deploy");
      for (const needed of [mock.one(LOG_GROUP), mock.one("aws:iam/rolePolicy:RolePolicy", "monitoring-instance-policy")]) {
        assert.ok(teardown.options.dependencies.includes(needed.urn!), `teardown (and so the deploy) waits for ${needed.name}`);
      }
      assert.ok(deploy.options.dependencies.includes(teardown.urn!), "the deploy waits for the teardown resource");
    });
  });

  describe("the disk metric script, run for real", () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "disk-metric-"));
      // A stand-in for the AWS CLI that records its arguments.
      fs.writeFileSync(path.join(dir, "aws"), `#!/usr/bin/env bash\nprintf '%s\\n' "$@" > "${dir}/aws-args"\n`, { mode: 0o755 });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const env = () => ({ ...process.env, PATH: `${dir}:${process.env.PATH}` });
    const args = ["--namespace", HOST_METRICS_NAMESPACE, "--metric", "disk_used_percent", "--region", "us-east-1", "--path", "/"];
    const dfPercent = () => Number(/(\d+)%/.exec(execFileSync("df", ["-P", "/"], { encoding: "utf8" }).split("\n")[1])![1]);
    const recorded = () => fs.readFileSync(path.join(dir, "aws-args"), "utf8").trim().split("\n");

    it("publishes df's use of / as a percentage with the instance and path as dimensions", () => {
      execFileSync("bash", [SCRIPT, ...args, "--instance-id", INSTANCE_ID], { env: env(), encoding: "utf8" });
      const a = recorded();
      const flag = (name: string) => a[a.indexOf(name) + 1];
      assert.deepStrictEqual(a.slice(0, 2), ["cloudwatch", "put-metric-data"]);
      assert.deepStrictEqual([flag("--region"), flag("--namespace"), flag("--metric-name"), flag("--unit"), flag("--dimensions")], ["us-east-1", HOST_METRICS_NAMESPACE, "disk_used_percent", "Percent", `InstanceId=${INSTANCE_ID},Path=/`]);
      assert.ok(Math.abs(Number(flag("--value")) - dfPercent()) <= 1, `${flag("--value")} vs df ${dfPercent()}`);
    });

    it("asks IMDSv2 for the instance id when none is given, sending the token as a header", async () => {
      const seen: string[] = [];
      const server = http.createServer((req, res) => {
        seen.push(`${req.method} ${req.url}`);
        if (req.method === "PUT" && req.url === "/latest/api/token" && req.headers["x-aws-ec2-metadata-token-ttl-seconds"]) {
          res.end("tok-123");
        } else if (req.method === "GET" && req.url === "/latest/meta-data/instance-id" && req.headers["x-aws-ec2-metadata-token"] === "tok-123") {
          res.end("i-0fedcba9876543210");
        } else {
          res.statusCode = 401;
          res.end();
        }
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const port = (server.address() as { port: number }).port;
      try {
        await new Promise<void>((resolve, reject) =>
          execFile("bash", [SCRIPT, ...args], { env: { ...env(), IMDS_ENDPOINT: `http://127.0.0.1:${port}` }, timeout: 15000 }, (e) => (e ? reject(e) : resolve())),
        );
      } finally {
        server.close();
      }
      assert.deepStrictEqual(seen, ["PUT /latest/api/token", "GET /latest/meta-data/instance-id"]);
      assert.ok(recorded().includes("InstanceId=i-0fedcba9876543210,Path=/"));
    });

    it("says why it stops: no AWS CLI, or a path that is not there", () => {
      fs.rmSync(path.join(dir, "aws"));
      const run = (extra: string[], pathVar: string) => {
        try {
          execFileSync("bash", [SCRIPT, ...extra], { env: { ...process.env, PATH: pathVar }, encoding: "utf8", stdio: "pipe" });
          return "exit 0";
        } catch (e) {
          return String((e as { stderr: string }).stderr);
        }
      };
      assert.match(run([...args, "--instance-id", INSTANCE_ID], "/usr/bin:/bin"), /the AWS CLI \(aws\) is not installed/);
      assert.match(run([...args.slice(0, 6), "--path", "/no/such/dir", "--instance-id", INSTANCE_ID], "/usr/bin:/bin"), /path '\/no\/such\/dir' is not a directory/);
    });
  });
});
