// host/release/health.sh: how the deploy asks a new web container without a compose healthcheck
// whether it serves, run for real with bash and curl against a server on 127.0.0.1 (no docker).
import * as assert from "assert";
import { execFile } from "child_process";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { RELEASE_DIR } from "../support/host";

/** Runs `body` with lib.sh and health.sh sourced; async, so this process's server can answer meanwhile. */
function probeScript(body: string, vars: Record<string, string>): Promise<{ status: number; stdout: string }> {
  const script = [
    "set -euo pipefail",
    `source ${JSON.stringify(path.join(RELEASE_DIR, "lib.sh"))}`,
    `source ${JSON.stringify(path.join(RELEASE_DIR, "health.sh"))}`,
    ...Object.entries(vars).map(([k, v]) => `${k}=${JSON.stringify(v)}`),
    body,
  ].join("\n");
  return new Promise((resolve) => {
    execFile("bash", ["-c", script], { timeout: 15000 }, (error, stdout) => {
      resolve({ status: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout });
    });
  });
}

describe("deploy probe (no compose healthcheck)", () => {
  let server: http.Server;
  let port = 0;
  const hosts: string[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      hosts.push(String(req.headers.host));
      res.writeHead(req.url === "/healthz" ? 200 : req.url === "/starting" ? 503 : 404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  it("tells a 2xx answer from another HTTP answer and from no answer at all", async () => {
    const r = await probeScript(
      'for p in /healthz /starting; do rc=0; health_path="$p"; http_probe curl "http://127.0.0.1:${web_port}$p" || rc=$?; echo "$p $rc ${probe_last}"; done\n'
        + 'rc=0; web_port=1; http_probe curl "http://127.0.0.1:1/healthz" || rc=$?; echo "closed $rc ${probe_last}"',
      { web_port: String(port), health_path: "/healthz" },
    );
    assert.deepStrictEqual(r.stdout.trim().split("\n"), ["/healthz 0 ", "/starting 1 GET /starting answered HTTP 503",
      "closed 2 no answer on port 1"]);
  });

  it("asks with the Host the deploy's check through the proxy uses", async () => {
    hosts.length = 0;
    await probeScript('http_probe curl "http://127.0.0.1:${web_port}/healthz"', { web_port: String(port),
      health_path: "/healthz" });
    assert.deepStrictEqual(hosts, ["127.0.0.1"]);
  });

  it("reads from a process's /proc whether its network namespace listens on the web port", async () => {
    const r = await probeScript(
      `rc=0; port_listening ${process.pid} ${port} || rc=$?; echo "$rc"; rc=0; port_listening ${process.pid} 1 || rc=$?; echo "$rc"`,
      {},
    );
    assert.deepStrictEqual(r.stdout.trim().split("\n"), ["0", "1"]);
  });

  it("without a port, counts any listener of the namespace (the compose healthcheck's wait to probe)", async () => {
    const r = await probeScript(
      `rc=0; port_listening ${process.pid} || rc=$?; echo "$rc"; rc=0; port_listening 999999999 || rc=$?; echo "$rc"`,
      {},
    );
    assert.deepStrictEqual(r.stdout.trim().split("\n"), ["0", "2"]);
  });
});
