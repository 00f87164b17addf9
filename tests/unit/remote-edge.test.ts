// The edge's settings on their way to the host: remote.ts passes the edge's ports and, with a
// domain, the ACME settings to deploy.sh as flags; deployment.ts builds them from the host's ports
// and refuses ports the edge cannot use before any resource exists.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_HOST_PORTS, remoteSpecFor } from "../../components/deployment";
import { deployCommand, RemoteSpec, shellQuote } from "../../components/remote";
import type { TlsSettings } from "../../components/config";
import { testAppSettings, testRemoteSpec as spec } from "../support/fixtures";
import { hostBaseDir } from "../../components/layout";

const ROOT = path.join(__dirname, "..", "..");
const SHA = "b".repeat(64);
const TLS: TlsSettings = { domains: ["shop.example.com", "www.shop.example.com"], acmeEmail: "ops@example.com",
  acmeServer: "https://acme-staging-v02.api.letsencrypt.org/directory", hsts: false };

/** The arguments host/release/deploy.sh receives: the deploy command run with its script swapped for one that prints them. */
function deployArgs(s: RemoteSpec): string[] {
  const script = fs.readFileSync(path.join(ROOT, "host", "bootstrap", "deploy.sh"), "utf8");
  const command = deployCommand(s, SHA);
  assert.ok(command.includes(shellQuote(script)));
  const printing = command.replace(shellQuote(script), shellQuote('shift 4; printf "%s\\0" "$@"'));
  const r = spawnSync("bash", ["-c", printing], { encoding: "utf8", timeout: 10000 });
  assert.strictEqual(r.status, 0, r.stderr);
  return r.stdout.split("\0").slice(0, -1);
}

/** The value after a flag, or undefined when the flag is not passed. */
function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

describe("remote: the edge's flags to deploy.sh", () => {
  it("passes the edge's ports, and hsts off, without a domain", () => {
    const s = spec();
    const args = deployArgs(s);
    assert.deepStrictEqual(
      ["--http-port", "--https-port", "--proxy-port", "--acme-port", "--hsts"].map((f) => flag(args, f)),
      [...[s.httpPort, s.httpsPort, s.proxyPort, s.acmePort].map(String), "off"],
    );
  });

  it("passes no --domains, --acme-email or --acme-server without tls", () => {
    const args = deployArgs(spec());
    for (const f of ["--domains", "--acme-email", "--acme-server"]) {
      assert.ok(!args.includes(f), `${f} passed without tls`);
    }
  });

  it("passes the domains as one argument joined by a space, with the ACME email and server", () => {
    const args = deployArgs(spec({ tls: TLS }));
    assert.deepStrictEqual(["--domains", "--acme-email", "--acme-server"].map((f) => flag(args, f)), [
      "shop.example.com www.shop.example.com",
      "ops@example.com",
      TLS.acmeServer,
    ]);
  });

  it("turns hsts on only when tls asks for it", () => {
    assert.strictEqual(flag(deployArgs(spec({ tls: TLS })), "--hsts"), "off");
    assert.strictEqual(flag(deployArgs(spec({ tls: { ...TLS, hsts: true } })), "--hsts"), "on");
  });
});

/** host/release/params.sh's table: each row's flag and its default ("-": none). */
function hostParams(): Map<string, string> {
  const text = fs.readFileSync(path.join(ROOT, "host", "release", "params.sh"), "utf8");
  const table = /^deploy_params_table='\n([\s\S]*?)^'$/m.exec(text);
  assert.ok(table, "params.sh has no deploy_params_table");
  const rows = table[1].split("\n").filter((l) => l.trim() !== "").map((l) => l.trim().split(/\s+/));
  for (const row of rows) {
    assert.strictEqual(row.length, 7, `params.sh row with ${row.length} columns: ${row.join(" ")}`);
  }
  return new Map(rows.map((r) => [r[0], r[4]]));
}

describe("the deploy's flags: remote.ts and host/release/params.sh name the same ones", () => {
  const table = hostParams();
  const passed = deployArgs(spec({ tls: { ...TLS, hsts: true } })).filter((a) => a.startsWith("--"));

  it("the table lists the flags deploy.sh takes, each once", () => {
    assert.ok(table.size >= 20, `only ${table.size} rows`);
    assert.ok(table.has("--keep-releases") && table.has("--base-dir"));
  });

  it("remote.ts passes each flag once, and only flags the table lists", () => {
    assert.strictEqual(new Set(passed).size, passed.length, `a flag passed twice: ${passed.join(" ")}`);
    for (const f of passed) {
      assert.ok(table.has(f), `remote.ts passes ${f}, which host/release/params.sh does not list`);
    }
  });

  it("remote.ts passes every flag the table gives no default", () => {
    for (const [f, fallback] of table) {
      if (fallback === "-") {
        assert.ok(passed.includes(f),
          `host/release/params.sh lists ${f} without a default, and remote.ts does not pass it`);
      }
    }
  });
});

describe("deployment: the host's ports for the edge", () => {
  const specWith = (ports: Parameters<typeof remoteSpecFor>[3], tls?: TlsSettings) =>
    remoteSpecFor("shop", hostBaseDir("ec2-user"), testAppSettings(), ports, tls);

  it("defaults to 80 and 443 for the edge, 8080 and 8402 on loopback behind it", () => {
    const s = specWith({});
    assert.deepStrictEqual([s.httpPort, s.httpsPort, s.proxyPort, s.acmePort], [80, 443, 8080, 8402]);
    assert.deepStrictEqual(DEFAULT_HOST_PORTS, { http: 80, https: 443, proxy: 8080, acme: 8402 });
  });

  it("takes each port given and keeps the defaults for the others", () => {
    const s = specWith({ http: 18080, acme: 18402 });
    assert.deepStrictEqual([s.httpPort, s.httpsPort, s.proxyPort, s.acmePort], [18080, 443, 8080, 18402]);
  });

  it("carries tls through unchanged, and none when not given", () => {
    assert.deepStrictEqual(specWith({}, TLS).tls, TLS);
    assert.strictEqual(specWith({}).tls, undefined);
  });

  for (const [name, ports, message] of [
    ["port 0", { proxy: 0 }, "ComposeDeployment: port proxy 0 must be a whole number from 1 to 65535"],
    ["a port above 65535", { https: 65536 },
      "ComposeDeployment: port https 65536 must be a whole number from 1 to 65535"],
    ["a fractional port", { acme: 8402.5 },
      "ComposeDeployment: port acme 8402.5 must be a whole number from 1 to 65535"],
  ] as const) {
    it(`refuses ${name}, naming the port and the range`, () => {
      assert.throws(() => specWith(ports), (err: Error) => err.message === message);
    });
  }

  it("refuses two of the host's ports being the same, listing them", () => {
    assert.throws(() => specWith({ proxy: 80 }), (err: Error) =>
      err.message
      === 'ComposeDeployment: the host\'s ports must differ ({"http":80,"https":443,"proxy":80,"acme":8402})');
  });
});
