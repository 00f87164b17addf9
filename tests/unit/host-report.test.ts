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
} from "../../tests/host/harness/report";

function measured(): Results {
  return {
    ...emptyResults(),
    firstDeployMs: 4900,
    redeployMs: 5300,
    restartFloorMs: 7100,
    webRecreateMs: 2000,
    failedRequests: 0,
    rollbackFailedRequests: 0,
    zeroDowntime: { code_change: 0, image_change: 0, rollback: 0, registry_pull: 0 },
    oldPipelineRestart: { ms: 7500, failed: 825, total: 2003 },
    faultsSurvived: ["a", "b", "c", "d", "e"],
    addressChange: { failed: 37, recoverMs: 4200 },
  };
}

describe("host test report", () => {
  it("prints the host-e2e summary with seconds, the redeploy/restart ratio, faults survived of all faults and the address-change figures", () => {
    assert.strictEqual(
      summaryLine(measured(), 5),
      "host-e2e: first_deploy_s=4.9 redeploy_s=5.3 restart_floor_s=7.1 redeploy_ratio=0.75 failed_requests=0 byo_failed_requests=n/a faults_survived=5/5 rollback_failed_requests=0 address_change_failed_requests=37 address_change_recover_s=4.2 https_failed_requests=n/a cert_renewal_failed_requests=n/a",
    );
  });

  it("prints n/a for what was not measured and counts only the faults survived", () => {
    const results = { ...emptyResults(), redeployMs: 5000, faultsSurvived: ["a"] };
    assert.strictEqual(
      summaryLine(results, 5),
      "host-e2e: first_deploy_s=n/a redeploy_s=5.0 restart_floor_s=n/a redeploy_ratio=n/a failed_requests=n/a byo_failed_requests=n/a faults_survived=1/5 rollback_failed_requests=n/a address_change_failed_requests=n/a address_change_recover_s=n/a https_failed_requests=n/a cert_renewal_failed_requests=n/a",
    );
  });

  it("ends with the summary, after the zero-downtime, old-pipeline restart and web-recreate lines", () => {
    const lines = closingLines(measured(), 5);
    assert.deepStrictEqual(lines.slice(0, 3), [
      "zero-downtime: code_change=0 image_change=0 rollback=0 registry_pull=0",
      "old-pipeline restart: force_recreate_s=7.5 failed_requests=825/2003",
      "web-recreate floor: web_recreate_s=2.0 redeploy_ratio_vs_web_recreate=2.65",
    ]);
    assert.strictEqual(lines[3], summaryLine(measured(), 5));
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
