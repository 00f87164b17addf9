// The edge's certificate on its way into HAProxy (host/release/edge-lib.sh, acme.sh), run for real
// with bash, openssl and socat on a chain in Let's Encrypt's byte layout: leaf, a blank line, the
// intermediate (Boulder writes "\n" before each chain certificate: letsencrypt/boulder
// cmd/boulder-wfe2/main.go loadChain), then the key (lego appends it: go-acme/lego
// cmd/certs_storage.go). HAProxy's runtime API ends a payload at the first empty line
// (haproxy/haproxy doc/management.txt), so that blank line must never reach it.
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RELEASE_DIR } from "../support/host";

function run(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}) {
  const r = spawnSync(cmd, args, { ...opts, encoding: "utf8", timeout: 20000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** bash with lib.sh, edge-lib.sh (and acme.sh's functions, or lego.sh's) sourced, base_dir and the edge's paths set. */
function edgeBash(baseDir: string, body: string, args: string[] = [], sourced = "acme.sh") {
  const script = [
    "set -euo pipefail",
    "script_name=test",
    `source ${JSON.stringify(path.join(RELEASE_DIR, "lib.sh"))}`,
    `source ${JSON.stringify(path.join(RELEASE_DIR, "edge-lib.sh"))}`,
    `source ${JSON.stringify(path.join(RELEASE_DIR, sourced))}`,
    'base_dir="$1"; shift',
    "edge_paths",
    body,
  ].join("\n");
  return run("bash", ["-c", script, "edge-test", baseDir, ...args]);
}

/** A root, an intermediate and a leaf (EC P-256), and lego's .pem in Let's Encrypt's layout. */
function letsEncryptStylePem(dir: string): { pem: string; leaf: string; intermediate: string; key: string } {
  const sh = (line: string) => {
    const r = run("bash", ["-c", line], { cwd: dir });
    assert.strictEqual(r.status, 0, r.stderr);
  };
  const key = (name: string) =>
    sh(`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ${name}.key 2>/dev/null`);
  for (const n of ["root", "int", "leaf"]) key(n);
  sh("openssl req -x509 -new -key root.key -subj /CN=test-root -days 2 -out root.pem");
  sh("printf 'basicConstraints=critical,CA:true\\nkeyUsage=critical,keyCertSign\\n' > ca.ext");
  sh(
    "openssl req -new -key int.key -subj /CN=test-intermediate | openssl x509 -req -CA root.pem -CAkey root.key -set_serial 2 -days 2 -extfile ca.ext -out int.pem 2>/dev/null",
  );
  sh("printf 'subjectAltName=DNS:app.test,DNS:www.app.test\\n' > leaf.ext");
  sh(
    "openssl req -new -key leaf.key -subj /CN=app.test | openssl x509 -req -CA int.pem -CAkey int.key -set_serial 0x03ECC19BA54B25E85ABA46EE561B9A10D26F -days 2 -extfile leaf.ext -out leaf.pem 2>/dev/null",
  );
  const leaf = fs.readFileSync(path.join(dir, "leaf.pem"), "utf8");
  const intermediate = fs.readFileSync(path.join(dir, "int.pem"), "utf8");
  const privateKey = fs.readFileSync(path.join(dir, "leaf.key"), "utf8");
  return { pem: leaf + "\n" + intermediate + privateKey, leaf, intermediate, key: privateKey };
}

describe("the edge's certificate payload (Let's Encrypt's chain layout)", function() {
  this.timeout(30000);
  let dir = "";
  let chain: ReturnType<typeof letsEncryptStylePem>;
  let legoPem = "";
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "edge-cert-"));
    chain = letsEncryptStylePem(dir);
    legoPem = path.join(dir, "lego.pem");
    fs.writeFileSync(legoPem, chain.pem, { mode: 0o600 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the fixture has Let's Encrypt's blank line between the leaf and the intermediate", () => {
    assert.match(chain.pem, /-----END CERTIFICATE-----\n\n-----BEGIN CERTIFICATE-----/);
  });

  it("pem_payload drops the blank line and keeps leaf, intermediate and key byte for byte, in order", () => {
    const r = edgeBash(dir, 'pem_payload "$1"', [legoPem]);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.ok(!/\n\s*\n/.test(r.stdout), "no empty line left");
    assert.strictEqual(r.stdout, chain.leaf + chain.intermediate + chain.key);
  });

  it("edge_api refuses a payload with an empty line, before anything reaches the socket", () => {
    const r = edgeBash(dir, 'edge_api "set ssl cert $edge_cert" "$(cat "$1")"', [legoPem]);
    assert.notStrictEqual(r.status, 0);
    assert.match(r.stderr, /has an empty line/);
  });

  it("edge_api sends the command, <<, the whole PEM and one empty line that ends it", async () => {
    const base = path.join(dir, "api");
    fs.mkdirSync(path.join(base, "edge", "run"), { recursive: true });
    const sock = path.join(base, "edge", "run", "admin.sock");
    const got = path.join(dir, "received");
    const server = spawn("socat", ["-u", `UNIX-LISTEN:${sock}`, `CREATE:${got}`]);
    try {
      for (let i = 0; i < 50 && !fs.existsSync(sock); i++) await new Promise((res) => setTimeout(res, 100));
      const r = edgeBash(base, 'edge_api "set ssl cert $edge_cert" "$(pem_payload "$1")"', [legoPem]);
      assert.strictEqual(r.status, 0, r.stderr);
      await new Promise((res) => server.once("exit", res));
    } finally {
      server.kill();
    }
    const sent = fs.readFileSync(got, "utf8");
    const firstLine = `set ssl cert ${path.join(base, "edge", "certs", "site.pem")} <<\n`;
    assert.ok(sent.startsWith(firstLine), sent.slice(0, 120));
    // HAProxy's payload: everything up to the first empty line, which must be the last line.
    const payload = sent.slice(firstLine.length);
    assert.strictEqual(payload.indexOf("\n\n"), payload.length - 2);
    assert.strictEqual(payload.slice(0, -1), chain.leaf + chain.intermediate + chain.key);
  });

  it("served_certificate reads the serial and notAfter from HAProxy's `show ssl cert <file>`", async () => {
    const base = path.join(dir, "show");
    fs.mkdirSync(path.join(base, "edge", "run"), { recursive: true });
    const sock = path.join(base, "edge", "run", "admin.sock");
    // The answer's format: haproxy/haproxy doc/management.txt "show ssl cert", src/ssl_ckch.c.
    const answer = path.join(dir, "show-answer");
    fs.writeFileSync(answer, [
      `Filename: ${path.join(base, "edge", "certs", "site.pem")}`,
      "Status: Used",
      "Serial: 03ECC19BA54B25E85ABA46EE561B9A10D26F",
      "notBefore: Sep 13 21:20:24 2019 GMT",
      "notAfter: Dec 12 21:20:24 2019 GMT",
      "Subject Alternative Name: DNS:app.test, DNS:www.app.test",
      "Algorithm: EC256",
      "SHA1 FingerPrint: 417A11CAE25F607B24F638B4A8AEE51D1E211477",
      "Subject: /CN=app.test",
      "Issuer: /CN=test-intermediate",
      "",
      "",
    ].join("\n"));
    // -t 5: after the client's request ends, wait for cat's answer (socat's default 0.5 s is too short on a busy machine).
    const server = spawn("socat", ["-t", "5", `UNIX-LISTEN:${sock}`, `SYSTEM:cat ${answer}`]);
    try {
      for (let i = 0; i < 50 && !fs.existsSync(sock); i++) await new Promise((res) => setTimeout(res, 100));
      const r = edgeBash(base, "served_certificate");
      assert.strictEqual(r.status, 0, r.stderr);
      assert.strictEqual(r.stdout, "serial 03ECC19BA54B25E85ABA46EE561B9A10D26F, valid until Dec 12 21:20:24 2019 GMT");
    } finally {
      server.kill();
    }
  });

  it("served_certificate fails when the edge does not answer", () => {
    const r = edgeBash(path.join(dir, "nothing-here"), "served_certificate");
    assert.notStrictEqual(r.status, 0);
  });
});

describe("first issuance waits for DNS (lego.sh dns_points_here)", () => {
  it("passes when every name resolves to this host's address", () => {
    const r = edgeBash(os.tmpdir(), "dns_points_here 127.0.0.1 localhost", [], "lego.sh");
    assert.strictEqual(r.status, 0, r.stderr);
  });

  it("waits, naming the name, what it resolves to and the address it should, when it points elsewhere", () => {
    const r = edgeBash(os.tmpdir(), "dns_points_here 192.0.2.10 localhost", [], "lego.sh");
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr, /waiting for DNS: localhost resolves to 127\.0\.0\.1, not to this host \(192\.0\.2\.10\)/);
  });

  it("says a name that does not resolve resolves to nothing", () => {
    const r = edgeBash(os.tmpdir(), "dns_points_here 192.0.2.10 no-such-name.invalid", [], "lego.sh");
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr, /no-such-name\.invalid resolves to nothing/);
  });
});
