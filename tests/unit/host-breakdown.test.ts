// The redeploy's per-step breakdown and the keep-alive clients' report are pure functions over what
// the host and wrk wrote: checked here on recorded-style text, without a host.
import * as assert from "assert";
import {
  describeBreakdown,
  oldAfterStop,
  parseDeployLog,
  parseDockerEvents,
  parseTimestampedLog,
  redeployBreakdown,
  SwitchObservation,
  upstreamRetries,
} from "../../tests/host/harness/breakdown";
import { keepAliveErrors, parseWrkCounts } from "../../tests/host/harness/keepalive";

const T0 = 1_800_000_000_000; // the deploy script's start, epoch ms
const OLD = "a".repeat(64);
const NEW = "b".repeat(64);
const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString().replace("Z", "123456Z");
const event = (action: string, id: string, offsetMs: number) =>
  JSON.stringify({ status: action, id, Type: "container", Action: action, Actor: { ID: id, Attributes: {} },
    time: Math.floor((T0 + offsetMs) / 1000), timeNano: (T0 + offsetMs) * 1e6 });

const DEPLOY_LOG = [
  "[deploy] unpacked 0123 into /home/deploy/compose-on-ec2/releases/0123",
  `[deploy +0.0s] clock: script started at epoch_us=${T0 * 1000}`,
  "[deploy +0.1s] release 0123 (app e2e, docker-compose, host mode)",
  "[deploy +0.3s] building nginx on the host (in the background)",
  "[deploy +0.3s] building web and starting the new container beside 1 running one(s)",
  "Step 1/7 : FROM python:3.12-slim",
  "[deploy +6.0s] new container(s) healthy: bbbb…",
  "[deploy +6.1s] routing to old and new",
  "[deploy +6.6s] retiring the old container(s): aaaa",
  "[deploy +6.7s] nginx unchanged (same config hash and image, running): not recreated",
  "[deploy +6.9s] waiting for http://127.0.0.1:28080/healthz through nginx (up to 60s)",
  "[deploy +7.4s] the edge serves the app on port 28080 (200)",
  "[deploy +8.0s] retired aaaa",
  "[deploy +8.2s] current → releases/0123",
  "[deploy +9.0s] deployed 0123",
].join("\n");

function observed(): SwitchObservation {
  return {
    sshStartMs: T0 - 400,
    sshEndMs: T0 + 9100,
    uploadMs: 250,
    deployLog: DEPLOY_LOG,
    events: parseDockerEvents(
      [event("create", NEW, 3000), event("start", NEW, 3200), event("kill", OLD, 6600), event("die", OLD, 7500),
        event("destroy", OLD, 7900), '{"cut'].join("\n"),
    ),
    oldWebIds: [OLD],
    newWebIds: [NEW],
    newWebLog: parseTimestampedLog(
      `${iso(4000)} Operations to perform:\n${
        iso(4500)
      } [2026-11-27 10:00:00 +0000] [1] [INFO] Listening at: http://0.0.0.0:8000 (1)\n`,
    ),
    oldWebLog: parseTimestampedLog([
      `${iso(6500)} 172.18.0.3 - - [27/Nov/2026:10:00:06 +0000] "GET / HTTP/1.0" 200 310 "-" "-"`,
      `${iso(6700)} 172.18.0.3 - - [27/Nov/2026:10:00:06 +0000] "GET / HTTP/1.0" 200 310 "-" "-"`,
      `${iso(6800)} [2026-11-27 10:00:06 +0000] [1] [INFO] Handling signal: term`,
      `${iso(6900)} 127.0.0.1 - - [27/Nov/2026:10:00:06 +0000] "GET /healthz HTTP/1.1" 200 3 "-" "-"`,
    ].join("\n")),
    proxyLog: parseTimestampedLog([
      `${
        iso(-5000)
      } 2026/11/27 10:00:00 [error] 30#30: *1 connect() failed (111: Connection refused) while connecting to upstream`,
      `${
        iso(6650)
      } 2026/11/27 10:00:06 [error] 30#30: *9 recv() failed (104: Connection reset by peer) while reading response header from upstream`,
      `${
        iso(6660)
      } 2026/11/27 10:00:06 [error] 30#30: *10 recv() failed (104: Connection reset by peer) while reading response header from upstream`,
      `${
        iso(6700)
      } 2026/11/27 10:00:06 [error] 30#30: *11 upstream prematurely closed connection while reading response header from upstream`,
      `${iso(6800)} 2026/11/27 10:00:06 [notice] 1#1: signal process started`,
    ].join("\n")),
  };
}

describe("host test redeploy breakdown", () => {
  it("anchors the deploy log's +seconds to the clock line, and reads nothing without it", () => {
    const lines = parseDeployLog(DEPLOY_LOG);
    assert.strictEqual(lines.length, 13);
    assert.deepStrictEqual(lines[3], { atMs: T0 + 300,
      text: "building web and starting the new container beside 1 running one(s)" });
    assert.deepStrictEqual(parseDeployLog(DEPLOY_LOG.replace(/^.*clock:.*$/m, "")), []);
  });

  it("splits the redeploy into steps that add up to the deploy command's time, with the old container's retirement beside them", () => {
    const steps = redeployBreakdown(observed());
    const ms = Object.fromEntries(steps.map((s) => [s.name, s.ms]));
    assert.deepStrictEqual(ms, {
      upload: 250,
      connect_verify_unpack: 400,
      lock_env_prepare: 300,
      build: 2700,
      create_to_start: 200,
      start_to_listening: 1300,
      listening_to_healthy: 1500,
      switch: 600,
      others_up: 300,
      final_check_edge: 500,
      retire_wait: 800,
      promote_prune: 800,
      hand_back: 100,
      old_stop: 900,
      old_retire: 1400,
    });
    const criticalPath = steps.filter((s) => !s.parallel).reduce((sum, s) => sum + (s.ms ?? 0), 0);
    assert.strictEqual(criticalPath, observed().sshEndMs - observed().sshStartMs);
    assert.ok(describeBreakdown(steps).startsWith("connect_verify_unpack=0.4 lock_env_prepare=0.3 build=2.7 "));
    assert.ok(describeBreakdown(steps).endsWith(" | beside: upload=0.3 old_stop=0.9 old_retire=1.4"));
  });

  it("prints n/a for a step whose start or end was not recorded", () => {
    const o = { ...observed(), events: [], newWebLog: [] };
    const ms = Object.fromEntries(redeployBreakdown(o).map((s) => [s.name, s.ms]));
    assert.strictEqual(ms.build, undefined);
    assert.strictEqual(ms.start_to_listening, undefined);
    assert.strictEqual(ms.switch, 600);
    assert.ok(describeBreakdown(redeployBreakdown(o)).includes("build=n/a"));
  });

  it("counts the requests the old container answered after Docker began to stop it", () => {
    assert.deepStrictEqual(oldAfterStop(observed()), { total: 2, health: 1 });
    assert.strictEqual(oldAfterStop({ ...observed(), events: [] }), undefined);
  });

  it("counts nginx's upstream errors during the deploy only, by kind", () => {
    assert.deepStrictEqual(upstreamRetries(observed()), {
      total: 3,
      kinds: { "Connection reset by peer": 2, "upstream prematurely closed": 1 },
    });
  });
});

describe("host test keep-alive clients", () => {
  it("reads wrk's counts and adds socket errors and non-2xx answers", () => {
    const output =
      "Running 15m test @ http://127.0.0.1:28080/\n  Socket errors: connect 0, read 31, write 0, timeout 0\n"
      + "wrk-counts: requests=608274 non2xx=2 connect=0 read=31 write=1 timeout=0 duration_us=12000000 p99_us=3500\n";
    const stats = parseWrkCounts("/static/hello/style.css", output);
    assert.strictEqual(stats.problem, undefined);
    assert.strictEqual(stats.requests, 608274);
    assert.strictEqual(keepAliveErrors(stats), 34);
    assert.strictEqual(stats.durationMs, 12000);
  });

  it("reports a wrk run without its counts line as unread, never as zero errors", () => {
    const stats = parseWrkCounts("/", "unable to connect to 127.0.0.1:28080 Connection refused\n");
    assert.match(stats.problem ?? "", /no wrk-counts line.*Connection refused/);
    assert.strictEqual(keepAliveErrors(stats), undefined);
  });
});
