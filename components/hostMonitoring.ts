// What the ec2 host runs for CloudWatch, rendered for cloud-init, and what its instance role may do for it.
// How logs and the disk metric leave the host (the files are rendered by monitoringHostFiles):
// - Docker's own awslogs driver, set as the daemon's default in /etc/docker/daemon.json. No agent
//   to install or keep running; dockerd (a host process, so IMDSv2's hop limit does not matter) ships
//   each container's stdout/stderr with the instance role; `docker logs` / `docker compose logs` keep
//   working through Docker's dual-logging cache; mode non-blocking keeps a slow CloudWatch from ever
//   blocking the app's writes.
// - A tiny systemd timer (AL2023 has no cron) running host/cloud-init/disk-metric.sh every 5 minutes: one
//   custom metric with exactly the dimensions the alarm watches, nothing resident in memory, and the
//   script is exercised for real by the unit tests. The CloudWatch agent would add a resident daemon
//   and per-OS dimensions (device, fstype) the alarm would have to match.
import * as fs from "fs";
import * as path from "path";

/** Custom metric namespace the host publishes to; the instance role may publish nowhere else. */
export const HOST_METRICS_NAMESPACE = "ComposeOnEc2/Host";
/** The host's disk metric and the filesystem it measures (Docker's data lives on the root volume). */
export const DISK_METRIC = { name: "disk_used_percent", path: "/", everyMinutes: 5 };

/** Where the host-side files go on the instance. */
export const HOST_MONITORING_PATHS = {
  dockerDaemonConfig: "/etc/docker/daemon.json",
  diskMetricScript: "/usr/local/libexec/compose-on-ec2/disk-metric.sh",
  diskMetricService: "/etc/systemd/system/compose-on-ec2-disk-metric.service",
  diskMetricTimer: "/etc/systemd/system/compose-on-ec2-disk-metric.timer",
};

/**
 * /etc/docker/daemon.json: every container logs to CloudWatch, one stream per container
 * ("<container name>/<short id>"). The group must exist (the stack creates it; the role may not).
 */
export function dockerDaemonLogConfig(logGroupName: string, region: string): Record<string, unknown> {
  return {
    "log-driver": "awslogs",
    "log-opts": {
      "awslogs-region": region,
      "awslogs-group": logGroupName,
      "awslogs-create-group": "false",
      tag: "{{.Name}}/{{.ID}}",
      mode: "non-blocking",
      "max-buffer-size": "4m",
    },
  };
}

/** A file cloud-init writes (write_files). */
export interface HostFile {
  path: string;
  permissions: string;
  content: string;
}

/** The script that publishes the disk metric, as shipped in this repository. */
export function diskMetricScript(): string {
  return fs.readFileSync(path.join(__dirname, "..", "host", "cloud-init", "disk-metric.sh"), "utf8");
}

/** The PATH the disk metric runs with: systemd's default plus /snap/bin, where Ubuntu's AWS CLI (a snap) lives. */
const METRIC_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin";

/**
 * Every file the host needs for monitoring, for cloud-init's write_files (they are written before
 * Docker is installed, so its first start already logs to CloudWatch), and the timer unit that
 * host/cloud-init/provision.sh enables once the AWS CLI is there.
 */
export function monitoringHostFiles(logGroupName: string, region: string): { files: HostFile[]; timerUnit: string } {
  const p = HOST_MONITORING_PATHS;
  const service = [
    "[Unit]",
    "Description=Publish the root filesystem's use to CloudWatch (compose-on-ec2 disk alarm)",
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=oneshot",
    `Environment=PATH=${METRIC_PATH}`,
    `ExecStart=${p.diskMetricScript} --namespace ${HOST_METRICS_NAMESPACE} --metric ${DISK_METRIC.name} --region ${region} --path ${DISK_METRIC.path}`,
    "",
  ].join("\n");
  const timer = [
    "[Unit]",
    "Description=Publish the disk metric every few minutes",
    "",
    "[Timer]",
    "OnBootSec=1min",
    `OnUnitActiveSec=${DISK_METRIC.everyMinutes}min`,
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
  ].join("\n");
  return {
    files: [
      { path: p.dockerDaemonConfig, permissions: "0644",
        content: `${JSON.stringify(dockerDaemonLogConfig(logGroupName, region), null, 2)}\n` },
      { path: p.diskMetricScript, permissions: "0755", content: diskMetricScript() },
      { path: p.diskMetricService, permissions: "0644", content: service },
      { path: p.diskMetricTimer, permissions: "0644", content: timer },
    ],
    timerUnit: path.basename(p.diskMetricTimer),
  };
}

/**
 * The instance role's only monitoring permissions: write log streams of this one log group (what
 * Docker's awslogs driver calls: CreateLogStream and PutLogEvents), and publish metrics to the
 * host namespace only (PutMetricData has no resource type, so a namespace condition scopes it).
 */
export function instanceMonitoringPolicy(logGroupArn: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ShipContainerLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [logGroupArn, `${logGroupArn}:log-stream:*`] },
      {
        Sid: "PublishHostMetrics",
        Effect: "Allow",
        Action: ["cloudwatch:PutMetricData"],
        Resource: "*",
        Condition: { StringEquals: { "cloudwatch:namespace": HOST_METRICS_NAMESPACE } },
      },
    ],
  };
}
