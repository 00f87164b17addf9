// components/monitoring.ts, its pure rules: per-stage log retention, settings refused with their fix, the alarms'
// EC2 actions and units, the instance role's policy, Docker's awslogs driver and the host files.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { monitoringDefaults, STAGES, type Stage } from "../../components/config";
import { alarmSpecs } from "../../components/alarms";
import { dockerDaemonLogConfig, HOST_METRICS_NAMESPACE, HOST_MONITORING_PATHS, instanceMonitoringPolicy,
  monitoringHostFiles } from "../../components/hostMonitoring";
import { LOG_RETENTION_DAYS, monitoringSettingsProblems } from "../../components/monitoring";
import { DISK_METRIC_SCRIPT } from "../support/monitoring";

describe("monitoring", () => {
  describe("pure rules", () => {
    it("defaults every stage to a retention CloudWatch Logs accepts, shortest for sandboxes and longest in prod", () => {
      for (const s of STAGES.map((stage) => monitoringDefaults(stage))) {
        assert.deepStrictEqual(monitoringSettingsProblems(s), []);
      }
      const days = (stage: Stage) => monitoringDefaults(stage).logRetentionDays;
      assert.ok(days("sandbox") < days("dev") && days("dev") < days("prod"),
        `${days("sandbox")} < ${days("dev")} < ${days("prod")}`);
    });

    it("refuses bad settings with the setting, the value and the fix", () => {
      const base = monitoringDefaults("dev");
      for (const bad of [0, 2, 4000]) {
        const [problem] = monitoringSettingsProblems({ ...base, logRetentionDays: bad });
        assert.match(problem, new RegExp(`^logRetentionDays ${bad} .*use one of 1, 3, 5, 7, 14`));
      }
      assert.match(monitoringSettingsProblems({ ...base, alertEmail: "ops at example" })[0],
        /^alertEmail "ops at example" .*ops@example.com/);
      assert.match(monitoringSettingsProblems({ ...base, diskHighPercent: 101 })[0], /^diskHighPercent 101 .*1\.\.100/);
      assert.match(monitoringSettingsProblems({ ...base, dbFreeStorageLowGb: 0 })[0],
        /^dbFreeStorageLowGb 0 .*1 or more/);
      assert.deepStrictEqual(LOG_RETENTION_DAYS.includes(0), false, "never-expiring logs are not a retention");
    });

    it("recovers on a failed system check, reboots on a failed instance check, and takes no EC2 action otherwise", () => {
      const specs = alarmSpecs(monitoringDefaults("prod"));
      assert.deepStrictEqual(
        specs.map((s) => [s.metricName, s.ec2Action ?? "-"]),
        [["StatusCheckFailed_System", "recover"], ["StatusCheckFailed_Instance", "reboot"], ["CPUUtilization", "-"], [
          "disk_used_percent",
          "-",
        ], ["FreeStorageSpace", "-"], ["CPUUtilization", "-"]],
      );
    });

    it("compares RDS free storage in bytes, as CloudWatch reports it", () => {
      const storage = alarmSpecs({ ...monitoringDefaults("dev"), dbFreeStorageLowGb: 3 }).find((s) =>
        s.metricName === "FreeStorageSpace"
      )!;
      assert.deepStrictEqual([storage.comparisonOperator, storage.threshold], ["LessThanThreshold", 3 * 1024 ** 3]);
    });

    it("scopes the log actions to one log group and the metric publishing to the host namespace", () => {
      const arn = "arn:aws:logs:us-east-1:123456789012:log-group:/p/s/containers";
      const statements = instanceMonitoringPolicy(arn).Statement as { Action: string[]; Resource: string | string[];
        Condition?: unknown }[];
      const logs = statements.filter((s) => s.Action.some((a) => a.startsWith("logs:")));
      assert.deepStrictEqual(logs.flatMap((s) => s.Action).sort(), ["logs:CreateLogStream", "logs:PutLogEvents"]);
      for (const r of logs.flatMap((s) => [s.Resource].flat())) {
        assert.ok(r.startsWith(`${arn}`) && !r.includes("*:*"), r);
      }
      const metrics = statements.find((s) => s.Action.includes("cloudwatch:PutMetricData"))!;
      assert.deepStrictEqual(metrics.Condition, { StringEquals: { "cloudwatch:namespace": HOST_METRICS_NAMESPACE } });
      assert.deepStrictEqual(statements.flatMap((s) => s.Action).sort(), ["cloudwatch:PutMetricData",
        "logs:CreateLogStream", "logs:PutLogEvents"]);
    });

    it("points Docker's awslogs driver at the stack's log group without letting it create groups, never blocking the app", () => {
      const config = dockerDaemonLogConfig("/compose-on-ec2/dev/containers", "eu-west-1") as { "log-driver": string;
        "log-opts": Record<string, unknown> };
      assert.strictEqual(config["log-driver"], "awslogs");
      const opts = config["log-opts"];
      assert.deepStrictEqual([opts["awslogs-group"], opts["awslogs-region"], opts["awslogs-create-group"], opts.mode], [
        "/compose-on-ec2/dev/containers",
        "eu-west-1",
        "false",
        "non-blocking",
      ]);
      for (const [k, v] of Object.entries(opts)) {
        assert.strictEqual(typeof v, "string", `dockerd accepts only string log-opts (${k})`);
      }
    });

    it("renders the host files: daemon.json, the disk script as shipped, and a timer that runs it with the alarm's namespace", () => {
      const { files, timerUnit } = monitoringHostFiles("/compose-on-ec2/dev/containers", "us-east-1");
      const byPath = new Map(files.map((f) => [f.path, f]));
      assert.deepStrictEqual(JSON.parse(byPath.get(HOST_MONITORING_PATHS.dockerDaemonConfig)!.content),
        dockerDaemonLogConfig("/compose-on-ec2/dev/containers", "us-east-1"));
      assert.strictEqual(byPath.get(HOST_MONITORING_PATHS.diskMetricScript)!.content,
        fs.readFileSync(DISK_METRIC_SCRIPT, "utf8"));
      assert.strictEqual(byPath.get(HOST_MONITORING_PATHS.diskMetricScript)!.permissions, "0755");
      const exec = byPath.get(HOST_MONITORING_PATHS.diskMetricService)!.content.split("\n").find((l) =>
        l.startsWith("ExecStart=")
      )!;
      assert.strictEqual(exec,
        `ExecStart=${HOST_MONITORING_PATHS.diskMetricScript} --namespace ${HOST_METRICS_NAMESPACE} --metric disk_used_percent --region us-east-1 --path /`);
      assert.strictEqual(timerUnit, path.basename(HOST_MONITORING_PATHS.diskMetricTimer));
      const service = byPath.get(HOST_MONITORING_PATHS.diskMetricService)!.content;
      assert.match(service, /^Environment=PATH=.*:\/snap\/bin$/m, "Ubuntu's AWS CLI snap is on the service's PATH");
    });
  });
});
