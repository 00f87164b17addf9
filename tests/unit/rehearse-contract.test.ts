// The rehearsal's judgements of what a running release answered: each failure names its cause and
// the fix with the file and line of the app directory; the command line's usage and exit paths.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { judgeCsrf, judgeHealth, judgeHostNames, judgeMigrations, judgeMounts,
  judgeProxyForwardsProto } from "../../scripts/lib/rehearse/contract";
import { parseArgs } from "../../scripts/rehearse";
import { dbStandIn } from "../../scripts/lib/rehearse/database";
import { rehearse } from "../../scripts/lib/rehearse/run";

function appWith(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rehearse-app-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const SETTINGS =
  'import os\nALLOWED_HOSTS = os.environ["DJANGO_ALLOWED_HOSTS"].split(" ")\nMIDDLEWARE = [\n]\nDATABASES = {"default": {}}\n';

describe("the rehearsal's contract checks", () => {
  const dir = appWith({ "proj/settings.py": SETTINGS,
    "nginx/default.conf": "server {\n  location / {\n    proxy_set_header X-Forwarded-Proto $scheme;\n  }\n}\n" });
  const rel = (p: string) => path.relative(process.cwd(), path.join(dir, p));

  it("names a missing health route with the MIDDLEWARE line to add it at", () => {
    const f = judgeHealth("/healthz", { status: 404, body: "Not Found" }, dir);
    assert.strictEqual(f.ok, false);
    assert.match(f.cause ?? "", /no route for \/healthz/);
    assert.match(f.fix ?? "", new RegExp(`${rel("proj/settings.py")}:3`));
    assert.strictEqual(judgeHealth("/healthz", { status: 200, body: "ok" }, dir).ok, true);
  });

  it("blames ALLOWED_HOSTS read under another name when a stack name gets 400", () => {
    const f = judgeHostNames([{ host: "shop.example.com", answer: { status: 400, body: "Bad Request (400)" } }], dir);
    assert.strictEqual(f.ok, false);
    assert.match(f.fix ?? "", new RegExp(`os.environ.get\\("ALLOWED_HOSTS".*${rel("proj/settings.py")}:2`));
  });

  it("finds the proxy line that replaces X-Forwarded-Proto, and passes one that forwards the edge's", () => {
    const f = judgeProxyForwardsProto(
      "# configuration file /etc/nginx/conf.d/default.conf:\n    proxy_set_header X-Forwarded-Proto $scheme;\n",
      dir,
    );
    assert.strictEqual(f.ok, false);
    assert.match(f.fix ?? "", new RegExp(`${rel("nginx/default.conf")}:3`));
    assert.strictEqual(judgeProxyForwardsProto("proxy_set_header X-Forwarded-Proto $forwarded_proto;\n", dir).ok, true);
  });

  it("reads Django's Referer rule: a token without a Referer accepted over forwarded HTTPS means the app does not see HTTPS", () => {
    const csrf403 = { status: 403, body: "<h1>Forbidden (403)</h1><p>CSRF verification failed. Request aborted.</p>" };
    const [https, post] = judgeCsrf({ noToken: csrf403, secureNoReferer: { status: 200, body: "ok" },
      fullPost: { status: 200, body: "ok" } }, "https://shop.example.com", dir);
    assert.strictEqual(https.ok, false);
    assert.match(https.fix ?? "", /SECURE_PROXY_SSL_HEADER = \("HTTP_X_FORWARDED_PROTO", "https"\)/);
    assert.strictEqual(post.ok, true);
    const noReferer = { status: 403,
      body: "CSRF verification failed. You are seeing this message because this HTTPS site requires a Referer header" };
    const [ok, refused] = judgeCsrf({ noToken: csrf403, secureNoReferer: noReferer,
      fullPost: { status: 403, body: "CSRF verification failed" } }, "https://shop.example.com", dir);
    assert.strictEqual(ok.ok, true);
    assert.match(refused.fix ?? "", /CSRF_TRUSTED_ORIGINS = \["https:\/\/shop\.example\.com"\]/);
  });

  it("fails when the migrations' tables are not in the stand-in database, naming DATABASES", () => {
    const f = judgeMigrations([], undefined, dir);
    assert.strictEqual(f.ok, false);
    assert.match(f.fix ?? "", new RegExp(`${rel("proj/settings.py")}:5`));
    assert.strictEqual(judgeMigrations(["django_migrations", "hello_visit"], undefined, dir).ok, true);
  });

  it("fails a container binding a release directory, by its path or through the active link", () => {
    const roots = ["/b/releases", "/b/active"];
    const f = judgeMounts([{ service: "proxy", source: "/b/releases/abc/static", destination: "/static" }], roots,
      "app/docker-compose.prod.yml");
    assert.strictEqual(f.ok, false);
    assert.strictEqual(
      judgeMounts([{ service: "proxy", source: "/b/active/staticfiles", destination: "/static" }], roots, "c.yml").ok,
      false,
    );
    assert.strictEqual(
      judgeMounts([{ service: "nginx", source: "/b/maintenance", destination: "/maintenance" }], roots, "c.yml").ok,
      true,
    );
  });

  it("tells a missing health route from a host check that stops a route: the same path asked with the stack's own name", () => {
    const disallowed = { status: 400, body: "Bad Request (400)" };
    const missing = judgeHealth("/healthz", disallowed, dir, undefined, { status: 404, body: "Not Found" });
    assert.match(missing.cause ?? "",
      /^the app has no route for \/healthz \(and Host: 127\.0\.0\.1 is refused by ALLOWED_HOSTS before any view runs\)/);
    assert.match(missing.fix ?? "", new RegExp(`middleware first in MIDDLEWARE.*${rel("proj/settings.py")}:3`));
    const stopped = judgeHealth("/healthz", disallowed, dir, undefined, { status: 200, body: "ok" });
    assert.match(stopped.cause ?? "", /^ALLOWED_HOSTS refuses Host: 127\.0\.0\.1 before the health view runs/);
  });

  it("blames the proxy, not the settings, for an app that does not see HTTPS when the proxy replaces X-Forwarded-Proto", () => {
    const csrf403 = { status: 403, body: "CSRF verification failed. Request aborted." };
    const proxy = judgeProxyForwardsProto("proxy_set_header X-Forwarded-Proto $scheme;\n", dir);
    const [https] = judgeCsrf({ noToken: csrf403, secureNoReferer: { status: 200, body: "ok" },
      fullPost: { status: 200, body: "ok" } }, "https://shop.example.com", dir, proxy);
    assert.strictEqual(https.ok, false);
    assert.match(https.cause ?? "", /^the proxy replaces X-Forwarded-Proto/);
    assert.strictEqual(https.fix, proxy.fix);
  });
});

describe("npm run rehearse's arguments", () => {
  it("takes --stack, --set and --keep, answers --help, refuses the rest", () => {
    assert.deepStrictEqual(parseArgs(["--stack", "dev", "--set", "appDir=myapp", "--keep"]), { stack: "dev",
      set: { appDir: "myapp" }, keep: true });
    assert.strictEqual(parseArgs(["--help"]), "help");
    assert.throws(() => parseArgs([]), /--stack is required/);
    assert.throws(() => parseArgs(["--stack", "dev", "--frobnicate"]), /unknown argument/);
    assert.throws(() => parseArgs(["--stack", "dev", "--set", "nope"]), /not KEY=VALUE/);
  });
});

describe("the rehearsal's database stand-in", () => {
  const where = { username: "app", dbName: "appdb", host: "10.0.0.1", port: 45432 };

  it("runs the engine's official image at the stack's major, its password only by variable name", () => {
    const pg = dbStandIn("postgres", "16", where);
    assert.strictEqual(pg.image, "postgres:16");
    assert.deepStrictEqual(pg.env, ["POSTGRES_USER=app", "POSTGRES_PASSWORD", "POSTGRES_DB=appdb"]);
    assert.deepStrictEqual(pg.command, ["postgres", "-c", "listen_addresses=10.0.0.1", "-c", "port=45432"]);
    const maria = dbStandIn("mariadb", "10.11", where);
    assert.strictEqual(maria.image, "mariadb:10.11");
    assert.deepStrictEqual(maria.env, ["MARIADB_ROOT_PASSWORD", "MARIADB_DATABASE=appdb", "MARIADB_USER=app",
      "MARIADB_PASSWORD"]);
    assert.strictEqual(dbStandIn("mysql", "8.0", where).image, "mysql:8.0");
  });

  it("asks readiness over TCP at the address the app uses, with the engine's own client (mariadb 11 images have no mysql* names)", () => {
    assert.deepStrictEqual(dbStandIn("postgres", "16", where).ready, ["pg_isready", "-q", "-h", "10.0.0.1", "-p",
      "45432", "-U", "app", "-d", "appdb"]);
    assert.strictEqual(dbStandIn("mariadb", "11.4", where).ready[0], "mariadb-admin");
    assert.strictEqual(dbStandIn("mariadb", "11.4", where).tables[0], "mariadb");
    assert.strictEqual(dbStandIn("mysql", "8.4", where).ready[0], "mysqladmin");
  });
});

describe("npm run rehearse without Docker", () => {
  it("says Docker is missing and how to get it, and runs nothing", async function() {
    this.timeout(60_000);
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${path.join(os.tmpdir(), `no-docker-${process.pid}.sock`)}`;
    try {
      const result = await rehearse({ stack: "dev", log: () => undefined });
      assert.deepStrictEqual(result.findings, []);
      assert.ok(
        result.missing.some((m) =>
          /^docker: no Docker daemon answers at DOCKER_HOST=unix:\/\/.*\(install Docker and start it, or set DOCKER_HOST\)$/
            .test(m)
        ),
        result.missing.join("\n"),
      );
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});
