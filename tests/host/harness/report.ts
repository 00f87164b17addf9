// What the host tests print: pure formatting of the measurements (no I/O), tested in
// tests/unit/host-report.test.ts.

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
  /** Failed requests during the redeploy of the bring-your-own app (app-byo). */
  byoFailedRequests?: number;
  zeroDowntime: Partial<Record<ZeroDowntimeDeploy, number>>;
  /** The old pipeline's restart (compose up -d --force-recreate) under the request loop. */
  oldPipelineRestart?: { ms: number; failed: number; total: number };
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
  /** Failed requests over HTTPS while the certificate was renewed (forced). */
  certRenewalFailedRequests?: number;
}

export function emptyResults(): Results {
  return { zeroDowntime: {}, faultsSurvived: [] };
}

/** Failed requests: transport errors plus answers outside 2xx. */
export function failedRequests(stats: LoopStats): number {
  return stats.errors + stats.non2xx;
}

/** Seconds with one decimal, as printed in the summary. */
export function seconds(ms: number | undefined): string {
  return ms === undefined ? "n/a" : (ms / 1000).toFixed(1);
}

function ratio(numeratorMs: number | undefined, denominatorMs: number | undefined): string {
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
    `${stats.total} requests (${stats.duringDeploy} while the deploy ran) in ${seconds(stats.durationMs)}s, ` +
    `${failedRequests(stats)} failed ` +
    `(${stats.errors} errors, ${stats.non2xx} non-2xx); releases seen: ${releases}` +
    (stats.samples.length ? `; first failures: ${stats.samples.join(" | ")}` : "")
  );
}

/** The last line of `npm run test:host`. */
export function summaryLine(results: Results, faultCount: number): string {
  return (
    `host-e2e: first_deploy_s=${seconds(results.firstDeployMs)} redeploy_s=${seconds(results.redeployMs)} ` +
    `restart_floor_s=${seconds(results.restartFloorMs)} redeploy_ratio=${ratio(results.redeployMs, results.restartFloorMs)} ` +
    `failed_requests=${count(results.failedRequests)} byo_failed_requests=${count(results.byoFailedRequests)} ` +
    `faults_survived=${results.faultsSurvived.length}/${faultCount} ` +
    `rollback_failed_requests=${count(results.rollbackFailedRequests)} ` +
    `address_change_failed_requests=${count(results.addressChange?.failed)} address_change_recover_s=${seconds(results.addressChange?.recoverMs)} ` +
    `https_failed_requests=${count(results.httpsFailedRequests)} cert_renewal_failed_requests=${count(results.certRenewalFailedRequests)}`
  );
}

/** The four closing lines: zero-downtime deploys, the old pipeline's restart, the web-only floor, the summary. */
export function closingLines(results: Results, faultCount: number): string[] {
  const z = results.zeroDowntime;
  const old = results.oldPipelineRestart;
  return [
    `zero-downtime: code_change=${count(z.code_change)} image_change=${count(z.image_change)} ` +
      `rollback=${count(z.rollback)} registry_pull=${count(z.registry_pull)}`,
    old
      ? `old-pipeline restart: force_recreate_s=${seconds(old.ms)} failed_requests=${old.failed}/${old.total}`
      : "old-pipeline restart: n/a",
    `web-recreate floor: web_recreate_s=${seconds(results.webRecreateMs)} ` +
      `redeploy_ratio_vs_web_recreate=${ratio(results.redeployMs, results.webRecreateMs)}`,
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
