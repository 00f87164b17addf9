// The host tests' closing lines and secret scan are pure functions: checked here without a host.
import * as assert from "assert";
import {
  closingLines,
  emptyResults,
  isReleaseOf,
  leakedSecrets,
  maskSecrets,
  Results,
  summaryLine,
  summedKeepAliveErrors,
} from "../../tests/host/harness/report";
import { KeepAliveStats } from "../../tests/host/harness/keepalive";

function wrk(urlPath: string, read: number, non2xx: number): KeepAliveStats {
  return { path: urlPath, requests: 1000, non2xx, connect: 0, read, write: 0, timeout: 0, durationMs: 9000,
    p99Ms: 3.5 };
}

function measured(): Results {
  return {
    ...emptyResults(),
    firstDeployMs: 4900,
    redeployMs: 5300,
    restartFloorMs: 7100,
    webRecreateMs: 2000,
    failedRequests: 0,
    postFailed: { failed: 0, total: 130 },
    busyDeploy: { ok: 1, slowFailed: 0, slowTotal: 8 },
    rollbackFailedRequests: 0,
    zeroDowntime: { code_change: 0, image_change: 0, rollback: 0, registry_pull: 0 },
    oldPipelineRestart: { ms: 7500, failed: 825, total: 2003 },
    faultsSurvived: ["a", "b", "c", "d", "e"],
    addressChange: { failed: 37, recoverMs: 4200 },
    keepAlive: {
      code_change: [wrk("/static/hello/style.css", 31, 0), wrk("/", 0, 0)],
      image_change: [wrk("/static/hello/style.css", 29, 1), wrk("/", 0, 0)],
      rollback: [wrk("/static/hello/style.css", 0, 0), wrk("/", 2, 0)],
      rsync_pipeline: [wrk("/static/hello/style.css", 400, 17), wrk("/", 9, 120)],
    },
    rsyncPipeline: { ms: 21200, failed: 1385, total: 2003 },
    leChainRenewalFailedRequests: 0,
    dbCopyTables: { equal: 3, total: 3 },
    dbRestoreEqual: 1,
    mediaSyncEqual: 0,
    securityProbes: { passed: 4, total: 5 },
    workerJobsLost: 0,
    bigApp: {
      redeployBytes: 3712,
      manifestBytes: 2500,
      entries: 250,
      rsyncBytes: 6456,
      rsyncFirstBytes: 105_000_000,
      firstBytes: 104_900_000,
      firstMs: 30_000,
      redeployMs: 9800,
      smallRedeployMs: 9100,
      releaseDiskBytes: 61_440,
      appBytes: 200 * 512 * 1024,
      uploadMs: 1200,
      smallUploadMs: 1400,
    },
  };
}

describe("host test report", () => {
  it("prints the host-e2e summary with seconds, the redeploy/restart ratio, faults survived of all faults and the address-change figures", () => {
    assert.strictEqual(
      summaryLine(measured(), 5),
      "host-e2e: first_deploy_s=4.9 redeploy_s=5.3 restart_floor_s=7.1 redeploy_ratio=0.75 failed_requests=0 post_failed_requests=0/130 byo_failed_requests=n/a faults_survived=5/5 rollback_failed_requests=0 address_change_failed_requests=37 address_change_recover_s=4.2 keepalive_errors=63 rsync_pipeline_s=21.2 rsync_pipeline_failed_requests=1385/2003 https_failed_requests=n/a cert_renewal_failed_requests=n/a le_chain_renewal_failed_requests=0 busy_deploy_ok=1 slow_requests_failed=0 app_secrets_ok=n/a rehearse_s=n/a rehearse_found=n/a db_copy_tables_equal=3/3 db_restore_equal=1 media_sync_equal=0 security_probes_passed=4/5 worker_jobs_lost=0 big_app_redeploy_bytes=3712 rsync_bytes=6456 big_app_redeploy_s=9.8",
    );
  });

  it("prints n/a for what was not measured and counts only the faults survived", () => {
    const results = { ...emptyResults(), redeployMs: 5000, faultsSurvived: ["a"] };
    assert.strictEqual(
      summaryLine(results, 5),
      "host-e2e: first_deploy_s=n/a redeploy_s=5.0 restart_floor_s=n/a redeploy_ratio=n/a failed_requests=n/a post_failed_requests=n/a byo_failed_requests=n/a faults_survived=1/5 rollback_failed_requests=n/a address_change_failed_requests=n/a address_change_recover_s=n/a keepalive_errors=n/a rsync_pipeline_s=n/a rsync_pipeline_failed_requests=n/a https_failed_requests=n/a cert_renewal_failed_requests=n/a le_chain_renewal_failed_requests=n/a busy_deploy_ok=n/a slow_requests_failed=n/a app_secrets_ok=n/a rehearse_s=n/a rehearse_found=n/a db_copy_tables_equal=n/a db_restore_equal=n/a media_sync_equal=n/a security_probes_passed=n/a worker_jobs_lost=n/a big_app_redeploy_bytes=n/a rsync_bytes=n/a big_app_redeploy_s=n/a",
    );
  });

  it("ends with the summary, after the zero-downtime, keep-alive, old-pipeline, web-recreate, breakdown and big-app lines", () => {
    const lines = closingLines(measured(), 5);
    assert.deepStrictEqual(lines.slice(0, 8), [
      "zero-downtime: code_change=0 image_change=0 rollback=0 registry_pull=0",
      "keep-alive code_change: /static/hello/style.css: 31 errors of 1000 requests (socket connect 0 read 31 write 0 timeout 0, non-2xx 0; p99 3.5 ms over 9.0s); /: 0 errors of 1000 requests (socket connect 0 read 0 write 0 timeout 0, non-2xx 0; p99 3.5 ms over 9.0s)",
      lines[2],
      lines[3],
      lines[4],
      "old-pipeline restart: force_recreate_s=7.5 failed_requests=825/2003",
      "old-pipeline rsync deploy: up_build_s=21.2 failed_requests=1385/2003 redeploy/rsync_pipeline=0.25",
      "web-recreate floor: web_recreate_s=2.0 redeploy_ratio_vs_web_recreate=2.65",
    ]);
    assert.ok(lines[4].startsWith("keep-alive rsync_pipeline: /static/hello/style.css: 417 errors"));
    assert.strictEqual(lines[8],
      "redeploy breakdown: n/a | redeploy_s=5.3 redeploy/restart_floor=0.75 redeploy/web_recreate=2.65");
    assert.strictEqual(lines[9], "redeploy switch: old_after_stop=n/a upstream_retries=n/a");
    assert.strictEqual(lines[10],
      "big app (100 MiB of random files): first_deploy_bytes=104900000 first_deploy_s=30.0 rsync_first_bytes=105000000 | "
        + "one-line change: sent_bytes=3712 (manifest 2500 for 250 entries, 10.0 bytes/entry gzip) rsync_bytes=6456 big_app_redeploy_s=9.8 "
        + "small_app_redeploy_s=9.1 big/small=1.08 (uploads 1.2s and 1.4s) new_release_disk_bytes=61440 | registry push: small_change_bytes=n/a big_first_bytes=n/a big_change_bytes=n/a");
    assert.strictEqual(lines[11], summaryLine(measured(), 5));
    assert.strictEqual(lines.length, 12);
  });

  it("adds up keep-alive errors (socket errors and non-2xx) of the code change, the image change and the rollback only", () => {
    assert.strictEqual(summedKeepAliveErrors(measured()), 31 + 29 + 1 + 2);
    const missing = measured();
    delete missing.keepAlive.image_change;
    assert.strictEqual(summedKeepAliveErrors(missing), undefined);
    const unread = measured();
    unread.keepAlive.rollback = [{ ...wrk("/", 0, 0), problem: "no wrk-counts line" }];
    assert.strictEqual(summedKeepAliveErrors(unread), undefined);
  });

  it("names leaked secrets without their values and masks them in a line", () => {
    const secrets = { DB_PASSWORD: "p4ssw0rd-long", SECRET_KEY: "k".repeat(48), SHORT: "abc" };
    const text = `psql postgres://u:${secrets.DB_PASSWORD}@db abc`;
    assert.deepStrictEqual(leakedSecrets(text, secrets), ["DB_PASSWORD"]);
    const masked = maskSecrets(text, secrets);
    assert.ok(!masked.includes(secrets.DB_PASSWORD));
    assert.ok(masked.includes("u:***@db"));
  });

  it("takes a release id as the bundle's when it is a prefix of its sha256 of at least 7 characters", () => {
    const sha = "0123456789abcdef".repeat(4);
    assert.ok(isReleaseOf(sha, sha));
    assert.ok(isReleaseOf(sha.slice(0, 7), sha));
    assert.ok(!isReleaseOf(sha.slice(0, 6), sha));
    assert.ok(!isReleaseOf("fedcba9", sha));
    assert.ok(!isReleaseOf(undefined, sha));
  });
});
