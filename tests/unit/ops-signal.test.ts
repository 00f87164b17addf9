// scripts/ops.ts as a process: stopped by a signal while its ssh session waits, it removes the
// stack's key file before it exits. The Pulumi CLI is the stand-in (tests/host/lib/standins/pulumi.sh);
// the "host" is a TCP listener on 127.0.0.1 that accepts and never answers, so ssh waits for its
// banner with the key file in place.
import * as assert from "assert";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { signalledOps } from "../host/harness/ops-signal";

const FAKE_KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-not-a-real-key\n-----END OPENSSH PRIVATE KEY-----";

describe("ops stopped by a signal", function() {
  this.timeout(60_000);
  let server: net.Server;
  let port = 0;
  let workDir: string;
  const sockets: net.Socket[] = [];
  before(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "ops-signal-unit-"));
    server = net.createServer((s) => {
      sockets.push(s);
      s.on("error", () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => {
    sockets.forEach((s) => s.destroy());
    server.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  for (const signal of ["SIGTERM"] as const) {
    it(`${signal}: exits 128+n and leaves no key file (nor its directory) behind`, async () => {
      const r = await signalledOps(workDir, { host: "127.0.0.1", port, user: "ec2-user", privateKey: FAKE_KEY,
        hostPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIStandinHostKey",
        baseDir: "/home/ec2-user/compose-on-ec2" }, ["status"], signal);
      assert.ok(r.keySeen, `ops never wrote its key file: ${r.stderr}`);
      assert.strictEqual(r.code, signal === "SIGTERM" ? 143 : 130, r.stderr);
      assert.deepStrictEqual(r.leftover, []);
      assert.ok(!r.stderr.includes("not-a-real-key"));
    });
  }
});
