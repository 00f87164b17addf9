// Which peers the example app's gunicorn believes X-Forwarded-* from (app/bin/gunicorn_hooks.py),
// run with python3 on a routing table in the kernel's format: /proc/net/route prints each route's
// destination, gateway and mask as the raw 32-bit value in hex, so byte-reversed on little-endian
// hosts (Linux net/ipv4/fib_trie.c fib_route_seq_show).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const APP_BIN = path.resolve(__dirname, "..", "..", "app", "bin");

// A container on two compose networks: 172.18.0.0/16 (its default route's) and 10.213.6.0/24.
const ROUTE_TABLE = [
  "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
  "eth0\t00000000\t010012AC\t0003\t0\t0\t0\t00000000\t0\t0\t0",
  "eth0\t000012AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0",
  "eth1\t0006D50A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0",
  "",
].join("\n");

/** python3 with gunicorn_hooks imported (FORWARDED_ALLOW_IPS set, so importing it needs no gunicorn), then `body`. */
function hooks(body: string, env: Record<string, string> = {}): string {
  const r = spawnSync("python3", ["-c",
    `import sys; sys.path.insert(0, ${JSON.stringify(APP_BIN)}); import gunicorn_hooks as g\n${body}`], {
    encoding: "utf8",
    env: { ...process.env, FORWARDED_ALLOW_IPS: "203.0.113.1", ...env },
  });
  assert.strictEqual(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe("the example app's trusted proxies (gunicorn forwarded_allow_ips)", () => {
  let dir: string;
  let table: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "app-forwarded-"));
    table = path.join(dir, "route");
    fs.writeFileSync(table, ROUTE_TABLE);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads the networks the container is directly on, not the default route", () => {
    assert.strictEqual(hooks(`print(",".join(g.local_networks(${JSON.stringify(table)})))`),
      "172.18.0.0/16,10.213.6.0/24");
  });

  it("trusts those networks where gunicorn takes networks (24.1 on), and no peer but 127.0.0.1 before", () => {
    const at = (version: string) =>
      hooks(`g.local_networks = lambda: ["172.18.0.0/16", "10.213.6.0/24"]\nprint(g.proxy_networks(${version}))`);
    assert.strictEqual(at("(24, 1, 1)"), "172.18.0.0/16,10.213.6.0/24");
    assert.strictEqual(at("(26, 0, 0)"), "172.18.0.0/16,10.213.6.0/24");
    for (const older of ["(24, 0, 0)", "(23, 0, 0)", "(22, 0, 0)", "(20, 1, 0)"]) {
      assert.strictEqual(at(older), "127.0.0.1", older);
    }
  });

  it("never trusts every peer, and takes FORWARDED_ALLOW_IPS when it is set", () => {
    assert.strictEqual(hooks("print(g.forwarded_allow_ips)"), "203.0.113.1");
    assert.doesNotMatch(fs.readFileSync(path.join(APP_BIN, "start.sh"), "utf8"), /forwarded-allow-ips/,
      "start.sh leaves it to the hooks file");
  });

  it("reads no networks from a missing or empty table", () => {
    assert.strictEqual(
      hooks(`print(g.local_networks(${JSON.stringify(path.join(dir, "missing"))}), g.local_networks("/dev/null"))`),
      "[] []",
    );
  });
});
