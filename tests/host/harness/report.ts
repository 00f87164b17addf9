// What the host tests print: pure formatting of the measurements (no I/O), tested in
// tests/unit/host-report.test.ts.
import { BreakdownStep, describeBreakdown } from "./breakdown";
import { describeKeepAlive, keepAliveErrors, KeepAliveStats } from "./keepalive";
import { describeSecurityProbes, SecurityProbes } from "./security";

/** What a request loop saw. */
export interface LoopStats {
  total: number;
  errors: number;
  non2xx: number;
  /** X-Release-Id of each 2xx answer → count. */
  releases: Record<string, number>;
  durationMs: number;
  /** Requests started before stop() was called, i.e. while the deploy ran. */
  duringDeploy: number;
  /** A few failure descriptions, for the log. */
  samples: string[];
}

/** The deploys whose failed requests the zero-downtime line reports. */
export type ZeroDowntimeDeploy = "code_change" | "image_change" | "rollback" | "registry_pull";

/** The runs the keep-alive clients watched: the zero-downtime deploys and the rsync pipeline's command. */
export type KeepAliveRun = ZeroDowntimeDeploy | "rsync_pipeline";

/** The deploys whose keep-alive errors add up to the summary's keepalive_errors. */
export const KEEPALIVE_SUMMED: KeepAliveRun[] = ["code_change", "image_change", "rollback"];

/** Everything the scenarios measure; the summary is printed from it. */
export interface Results {
  firstDeployMs?: number;
  /** The code-change redeploy over SSH, under the request loop. */
  redeployMs?: number;
  /** A bare `compose up -d` of the stopped release until /healthz answers through nginx. */
  restartFloorMs?: number;
  /** Force-recreate of web alone until the new container answers /healthz. */
  webRecreateMs?: number;
  /** Failed requests during the code-change redeploy. */
  failedRequests?: number;
  /** POSTs that failed during the code-change redeploy, of those sent (a loop beside the GET loop). */
  postFailed?: { failed: number; total: number };
  /** Failed requests during the redeploy of the bring-your-own app (app-byo). */
  byoFailedRequests?: number;
  /** The rehearsal: the clean app's time, and how many of the planted defects the defect-planted app's named. */
  rehearsal?: { ms: number; found: number; planted: number };
  zeroDowntime: Partial<Record<ZeroDowntimeDeploy, number>>;
  /** The old pipeline's restart (compose up -d --force-recreate) under the request loop. */
  oldPipelineRestart?: { ms: number; failed: number; total: number };
  /** What the keep-alive clients (wrk, no retries) saw, per URL, during each run they watched. */
  keepAlive: Partial<Record<KeepAliveRun, KeepAliveStats[]>>;
  /**
   * The old rsync pipeline's command (`compose up --build -d` in a copy of the changed tree) under
   * the same loads, until the new code answers.
   */
  rsyncPipeline?: { ms: number; failed: number; total: number };
  /** The code-change redeploy step by step (breakdown.ts). */
  redeployBreakdown?: BreakdownStep[];
  /**
   * The big app (the example app plus ~100 MiB of random files): bytes its one-line change sent
   * (manifest + contents, as upload.sh counted them) and rsync's for the same change, the manifest's
   * share, its first deploy, both redeploy times (upload + deploy) and the new release's own disk.
   */
  bigApp?: {
    redeployBytes?: number;
    manifestBytes?: number;
    entries?: number;
    rsyncBytes?: number;
    rsyncFirstBytes?: number;
    firstBytes?: number;
    firstMs?: number;
    redeployMs?: number;
    smallRedeployMs?: number;
    releaseDiskBytes?: number;
    appBytes: number;
    /** The upload's share of each redeploy (upload.sh's run). */
    uploadMs?: number;
    smallUploadMs?: number;
    /** Registry mode's measure: bytes each image push added to a loopback registry (the small app's one-line change, the big app's first push and its change). */
    registryPushBytes?: { smallChange: number; bigFirst: number; bigChange: number };
  };
  /** During the code-change redeploy: requests the old web container answered after its stop began, nginx's upstream errors. */
  switchEffect?: { oldAfterStop?: { total: number; health: number };
    upstreamRetries: { total: number; kinds: Record<string, number> } };
  /** Failed requests while `ops rollback` switched back to the previous release (no build). */
  rollbackFailedRequests?: number;
  /** Names of the faults after which every expectation held. */
  faultsSurvived: string[];
  /**
   * The web container's address changed outside a deploy: requests through nginx that failed from
   * web's return until nginx followed, and how long that took (undefined: it did not follow).
   */
  addressChange?: { failed: number; recoverMs?: number };
  /** Failed requests over HTTPS (through the edge) during a code-change redeploy. */
  httpsFailedRequests?: number;
  /** A code change deployed while as many clients as workers asked the slow view: exit 0 (1), slow requests that failed. */
  busyDeploy?: { ok: 0 | 1; slowFailed: number; slowTotal: number };
  /** 1 when the app received every appSecrets entry and no value showed in argv, output, failure log or ops status; 0 when not; unset when not run. */
  appSecretsOk?: 0 | 1;
  /** Failed requests over HTTPS while the certificate was renewed (forced). */
  certRenewalFailedRequests?: number;
  /** Failed requests over HTTPS while a renewal installed a chain in Let's Encrypt's byte layout (blank line before each chain certificate). */
  leChainRenewalFailedRequests?: number;
  /** `ops db verify` after `ops db copy`: tables of the old database found equal (rows and checksum) in the stack's, of all. */
  dbCopyTables?: { equal: number; total: number };
  /** A dump of the stack's database restored into a fresh one verified equal, table by table (1) or not (0). */
  dbRestoreEqual?: 0 | 1;
  /** `ops media sync` from a directory: the volume then holds every file with its size and content (1) or not (0). */
  mediaSyncEqual?: 0 | 1;
  /** Security probes passed, of those run (harness/security.ts securityProbe, from every scenario that probes). */
  securityProbes?: SecurityProbes;
  /** Jobs web accepted (202) that the worker never finished, across a deploy and a rollback each with a long job in flight. */
  workerJobsLost?: number;
}

export function emptyResults(): Results {
  return { zeroDowntime: {}, faultsSurvived: [], keepAlive: {} };
}

/** Failed requests: transport errors plus answers outside 2xx. */
export function failedRequests(stats: LoopStats): number {
  return stats.errors + stats.non2xx;
}

/** Seconds with one decimal, as printed in the summary. */
export function seconds(ms: number | undefined): string {
  return ms === undefined ? "n/a" : (ms / 1000).toFixed(1);
}

export function ratio(numeratorMs: number | undefined, denominatorMs: number | undefined): string {
  return numeratorMs !== undefined && denominatorMs !== undefined && denominatorMs > 0
    ? (numeratorMs / denominatorMs).toFixed(2)
    : "n/a";
}

function count(n: number | undefined): string {
  return n === undefined ? "n/a" : String(n);
}

/** One line per request loop, for the log. */
export function describeLoop(stats: LoopStats): string {
  const releases = Object.entries(stats.releases)
    .map(([id, n]) => `${id.slice(0, 12)}×${n}`)
    .join(", ");
  return (
    `${stats.total} requests (${stats.duringDeploy} while the deploy ran) in ${seconds(stats.durationMs)}s, `
    + `${failedRequests(stats)} failed `
    + `(${stats.errors} errors, ${stats.non2xx} non-2xx); releases seen: ${releases}`
    + (stats.samples.length ? `; first failures: ${stats.samples.join(" | ")}` : "")
  );
}

/** The last line of `npm run test:host`. */
export function summaryLine(results: Results, faultCount: number): string {
  return (
    `host-e2e: first_deploy_s=${seconds(results.firstDeployMs)} redeploy_s=${seconds(results.redeployMs)} `
    + `restart_floor_s=${seconds(results.restartFloorMs)} redeploy_ratio=${
      ratio(results.redeployMs, results.restartFloorMs)
    } `
    + `failed_requests=${count(results.failedRequests)} post_failed_requests=${
      results.postFailed ? `${results.postFailed.failed}/${results.postFailed.total}` : "n/a"
    } `
    + `byo_failed_requests=${count(results.byoFailedRequests)} `
    + `faults_survived=${results.faultsSurvived.length}/${faultCount} `
    + `rollback_failed_requests=${count(results.rollbackFailedRequests)} `
    + `address_change_failed_requests=${count(results.addressChange?.failed)} address_change_recover_s=${
      seconds(results.addressChange?.recoverMs)
    } `
    + `keepalive_errors=${count(summedKeepAliveErrors(results))} rsync_pipeline_s=${
      seconds(results.rsyncPipeline?.ms)
    } `
    + `rsync_pipeline_failed_requests=${
      results.rsyncPipeline ? `${results.rsyncPipeline.failed}/${results.rsyncPipeline.total}` : "n/a"
    }`
    + ` https_failed_requests=${count(results.httpsFailedRequests)} cert_renewal_failed_requests=${
      count(results.certRenewalFailedRequests)
    }`
    + ` le_chain_renewal_failed_requests=${count(results.leChainRenewalFailedRequests)}`
    + ` busy_deploy_ok=${count(results.busyDeploy?.ok)} slow_requests_failed=${count(results.busyDeploy?.slowFailed)}`
    + ` app_secrets_ok=${count(results.appSecretsOk)}`
    + ` rehearse_s=${seconds(results.rehearsal?.ms)} rehearse_found=${
      results.rehearsal ? `${results.rehearsal.found}/${results.rehearsal.planted}` : "n/a"
    }`
    + ` db_copy_tables_equal=${
      results.dbCopyTables ? `${results.dbCopyTables.equal}/${results.dbCopyTables.total}` : "n/a"
    }`
    + ` db_restore_equal=${count(results.dbRestoreEqual)} media_sync_equal=${count(results.mediaSyncEqual)}`
    + ` security_probes_passed=${describeSecurityProbes(results.securityProbes)}`
    + ` worker_jobs_lost=${count(results.workerJobsLost)}`
    + ` big_app_redeploy_bytes=${count(results.bigApp?.redeployBytes)} rsync_bytes=${count(results.bigApp?.rsyncBytes)}`
    + ` big_app_redeploy_s=${seconds(results.bigApp?.redeployMs)}`
  );
}

/** The big app's line: what its first deploy and its one-line change sent, against rsync; times; disk. */
export function bigAppLine(results: Results): string {
  const b = results.bigApp;
  if (!b) return "big app: n/a";
  const perEntry = b.manifestBytes !== undefined && b.entries ? (b.manifestBytes / b.entries).toFixed(1) : "n/a";
  return (
    `big app (${(b.appBytes / 1048576).toFixed(0)} MiB of random files): first_deploy_bytes=${
      count(b.firstBytes)
    } first_deploy_s=${seconds(b.firstMs)} `
    + `rsync_first_bytes=${count(b.rsyncFirstBytes)} | one-line change: sent_bytes=${count(b.redeployBytes)} `
    + `(manifest ${count(b.manifestBytes)} for ${count(b.entries)} entries, ${perEntry} bytes/entry gzip) rsync_bytes=${
      count(b.rsyncBytes)
    } `
    + `big_app_redeploy_s=${seconds(b.redeployMs)} small_app_redeploy_s=${seconds(b.smallRedeployMs)} `
    + `big/small=${ratio(b.redeployMs, b.smallRedeployMs)} (uploads ${seconds(b.uploadMs)}s and ${
      seconds(b.smallUploadMs)
    }s) `
    + `new_release_disk_bytes=${count(b.releaseDiskBytes)} | `
    + `registry push: small_change_bytes=${count(b.registryPushBytes?.smallChange)} big_first_bytes=${
      count(b.registryPushBytes?.bigFirst)
    } `
    + `big_change_bytes=${count(b.registryPushBytes?.bigChange)}`
  );
}

/** Keep-alive errors over the KEEPALIVE_SUMMED deploys; undefined unless every one of them was read. */
export function summedKeepAliveErrors(results: Results): number | undefined {
  let sum = 0;
  for (const run of KEEPALIVE_SUMMED) {
    const stats = results.keepAlive[run];
    if (!stats || stats.length === 0) return undefined;
    for (const s of stats) {
      const n = keepAliveErrors(s);
      if (n === undefined) return undefined;
      sum += n;
    }
  }
  return sum;
}

/** One line per run the keep-alive clients watched. */
function keepAliveLines(results: Results): string[] {
  return Object.entries(results.keepAlive).map(([run, stats]) =>
    `keep-alive ${run}: ${(stats ?? []).map(describeKeepAlive).join("; ")}`
  );
}

/** The per-step breakdown of the code-change redeploy with its ratios to both floors, and what its switch did to requests. */
function breakdownLines(results: Results): string[] {
  const effect = results.switchEffect;
  const kinds = Object.entries(effect?.upstreamRetries.kinds ?? {}).map(([k, n]) => `${k}×${n}`).join(", ");
  return [
    `redeploy breakdown: ${results.redeployBreakdown ? describeBreakdown(results.redeployBreakdown) : "n/a"} | `
    + `redeploy_s=${seconds(results.redeployMs)} redeploy/restart_floor=${
      ratio(results.redeployMs, results.restartFloorMs)
    } `
    + `redeploy/web_recreate=${ratio(results.redeployMs, results.webRecreateMs)}`,
    `redeploy switch: old_after_stop=${count(effect?.oldAfterStop?.total)} upstream_retries=${
      count(effect?.upstreamRetries.total)
    }`
    + (effect?.oldAfterStop ? ` (health checks among old_after_stop: ${effect.oldAfterStop.health})` : "")
    + (kinds ? ` (nginx: ${kinds})` : ""),
  ];
}

/**
 * The closing lines: zero-downtime deploys, the keep-alive clients, the old pipeline's restart and
 * its rsync command, the web-only floor, the redeploy's breakdown, the summary.
 */
export function closingLines(results: Results, faultCount: number): string[] {
  const z = results.zeroDowntime;
  const old = results.oldPipelineRestart;
  const rsync = results.rsyncPipeline;
  return [
    `zero-downtime: code_change=${count(z.code_change)} image_change=${count(z.image_change)} `
    + `rollback=${count(z.rollback)} registry_pull=${count(z.registry_pull)}`,
    ...keepAliveLines(results),
    old
      ? `old-pipeline restart: force_recreate_s=${seconds(old.ms)} failed_requests=${old.failed}/${old.total}`
      : "old-pipeline restart: n/a",
    rsync
      ? `old-pipeline rsync deploy: up_build_s=${seconds(rsync.ms)} failed_requests=${rsync.failed}/${rsync.total} `
        + `redeploy/rsync_pipeline=${ratio(results.redeployMs, rsync.ms)}`
      : "old-pipeline rsync deploy: n/a",
    `web-recreate floor: web_recreate_s=${seconds(results.webRecreateMs)} `
    + `redeploy_ratio_vs_web_recreate=${ratio(results.redeployMs, results.webRecreateMs)}`,
    ...breakdownLines(results),
    bigAppLine(results),
    summaryLine(results, faultCount),
  ];
}

/** Names of the secrets whose value occurs in a text (never the values). Values under 8 characters are not searched. */
export function leakedSecrets(text: string, secrets: Record<string, string>): string[] {
  return Object.entries(secrets)
    .filter(([, value]) => value.length >= 8 && text.includes(value))
    .map(([name]) => name);
}

/** The text with every secret value replaced by ***. */
export function maskSecrets(text: string, secrets: Record<string, string>): string {
  return Object.values(secrets)
    .filter((value) => value.length >= 8)
    .reduce((masked, value) => masked.split(value).join("***"), text);
}

/** Whether the release id the app reports names this bundle: its sha256 (ComposeDeployment) or a prefix of it. */
export function isReleaseOf(releaseId: string | undefined, sha256: string): boolean {
  return releaseId !== undefined && releaseId.length >= 7 && sha256.startsWith(releaseId);
}
