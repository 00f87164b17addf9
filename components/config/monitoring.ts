// Section parser: CloudWatch (container log retention, the alert address, alarm thresholds). The rules
// are pure functions shared with the Monitoring component, which refuses the same values when it is
// given settings that did not come through here.
import { LOG_RETENTION_DAYS } from "./aws";
import { defaultFor } from "./specs";
import { Reader } from "./reader";
import type { MonitoringSettings, Stage } from "./types";

/** Why and how to fix, for one bad value. */
export interface Refusal {
  why: string;
  fix: string;
}

export function logRetentionProblem(days: number): Refusal | undefined {
  if (LOG_RETENTION_DAYS.includes(days)) return undefined;
  return { why: "is not a retention CloudWatch Logs accepts", fix: `use one of ${LOG_RETENTION_DAYS.join(", ")}` };
}

export function alertEmailProblem(email: string): Refusal | undefined {
  if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return undefined;
  return { why: "is not an e-mail address", fix: "give one like ops@example.com, or leave it unset" };
}

export function percentProblem(value: number): Refusal | undefined {
  if (Number.isInteger(value) && value >= 1 && value <= 100) return undefined;
  return { why: "is not a whole percentage", fix: "use 1..100" };
}

/** The free-storage threshold must be a whole number of GiB below the storage the database starts with. */
export function dbFreeStorageProblem(gb: number, allocatedGb: number): Refusal | undefined {
  if (Number.isInteger(gb) && gb >= 1 && gb < allocatedGb) return undefined;
  if (!Number.isFinite(allocatedGb)) {
    return { why: "is not a whole number of GiB", fix: "use 1 or more (below the allocated storage)" };
  }
  return { why: `is not a whole number of GiB from 1 to below dbAllocatedStorageGb (${allocatedGb})`,
    fix: `use 1..${allocatedGb - 1}, or raise dbAllocatedStorageGb` };
}

/** Every problem of a monitoring slice, as (setting, value, refusal). */
export function monitoringRefusals(s: MonitoringSettings,
  allocatedGb: number): { key: keyof MonitoringSettings; value: unknown; refusal: Refusal }[] {
  const found: { key: keyof MonitoringSettings; value: unknown; refusal: Refusal | undefined }[] = [
    { key: "logRetentionDays", value: s.logRetentionDays, refusal: logRetentionProblem(s.logRetentionDays) },
    { key: "alertEmail", value: s.alertEmail,
      refusal: s.alertEmail === undefined ? undefined : alertEmailProblem(s.alertEmail) },
    { key: "cpuHighPercent", value: s.cpuHighPercent, refusal: percentProblem(s.cpuHighPercent) },
    { key: "diskHighPercent", value: s.diskHighPercent, refusal: percentProblem(s.diskHighPercent) },
    { key: "dbCpuHighPercent", value: s.dbCpuHighPercent, refusal: percentProblem(s.dbCpuHighPercent) },
    { key: "dbFreeStorageLowGb", value: s.dbFreeStorageLowGb,
      refusal: dbFreeStorageProblem(s.dbFreeStorageLowGb, allocatedGb) },
  ];
  return found.filter((f): f is { key: keyof MonitoringSettings; value: unknown; refusal: Refusal } =>
    f.refusal !== undefined
  );
}

export function parseMonitoring(r: Reader, dbAllocatedStorageGb: number): MonitoringSettings {
  const settings: MonitoringSettings = {
    logRetentionDays: r.count("logRetentionDays"),
    alertEmail: r.string("alertEmail"),
    cpuHighPercent: r.count("cpuHighPercent"),
    diskHighPercent: r.count("diskHighPercent"),
    dbFreeStorageLowGb: r.count("dbFreeStorageLowGb"),
    dbCpuHighPercent: r.count("dbCpuHighPercent"),
  };
  for (const { key, value, refusal } of monitoringRefusals(settings, dbAllocatedStorageGb)) {
    r.bad(key, value, refusal.why, `${refusal.fix} (pulumi config set ${key} …)`);
  }
  return settings;
}

/** The spec's defaults of a stage (with the stage's default database size), for callers without a stack config. */
export function monitoringDefaults(stage: Stage): MonitoringSettings {
  return parseMonitoring(new Reader({}, "compose-on-ec2", stage), defaultFor("dbAllocatedStorageGb", stage) as number);
}
