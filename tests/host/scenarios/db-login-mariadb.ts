// The db-user step against MariaDB, for real: a MariaDB server (the mariadb:10.11 stand-in) speaking
// TLS with the test CA's certificate for the address containers reach it at, and a master user with
// every privilege WITH GRANT OPTION, as RDS's MariaDB master has them (no SUPER: "Master user account
// privileges", https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.MasterAccounts.html).
// The deployment's very command line (components/remote.ts dbUserCommand, client mariadb:11.4, whose
// stand-in is the same Debian MariaDB client) makes the app's user over SSH; then the app's user is
// probed: TLS verified, its database only, no CREATE USER, refused without TLS.
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { APP_DB_USER } from "../../../components/config";
import { appDatabaseUrl } from "../../../components/database";
import { DB_CA } from "../../../components/layout";
import * as remote from "../../../components/remote";
import { CommandResult, log, tail } from "../harness/commands";
import type { Context } from "../harness/context";
import { runDbUser } from "../harness/releases";
import { scenario } from "../harness/scenario";
import { securityProbe } from "../harness/security";
import { pinTooOld } from "../../../scripts/lib/plan/driverWarnings";

const REPO = path.resolve(__dirname, "../../..");
const CONTAINER = "compose-on-ec2-e2e-mariadb";
/** Published on the test dockerd's bridge gateway, the address the server's certificate names. */
const PORT = 25306;
const DB_NAME = "shop";
const MASTER = "shop_admin";

interface Server {
  host: string;
  masterPassword: string;
  appPassword: string;
  /** Where the db-user step puts the CA bundle on the host (a scratch base directory). */
  spec: remote.RemoteSpec;
}

/** The server: TLS from the test CA (the PostgreSQL stand-in's certificate, same address), a master user. */
async function startServer(ctx: Context, rootPassword: string): Promise<Server> {
  const tlsDir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-mariadb-tls-"));
  for (const f of ["ca.pem", "server.pem", "server.key"]) {
    fs.copyFileSync(path.join(path.dirname(ctx.env.dbCaFile), f), path.join(tlsDir, f));
    fs.chmodSync(path.join(tlsDir, f), 0o644); // read by the server's own user inside the container
  }
  fs.chmodSync(tlsDir, 0o755);
  const server = { host: ctx.env.dbHost, masterPassword: crypto.randomBytes(18).toString("base64url"),
    appPassword: crypto.randomBytes(18).toString("base64url"),
    spec: { ...ctx.spec, baseDir: `${ctx.spec.baseDir}-mariadb` } };
  await ctx.commands.run("remove an old MariaDB", "docker", ["rm", "-f", CONTAINER]);
  const r = await ctx.commands.run("MariaDB with TLS", "docker", ["run", "-d", "--name", CONTAINER, "-e",
    "MARIADB_ROOT_PASSWORD", "-e", `MARIADB_DATABASE=${DB_NAME}`, "-v", `${tlsDir}:/tls:ro`, "-p",
    `${server.host}:${PORT}:3306`, "mariadb:10.11", "mariadbd", "--bind-address=0.0.0.0", "--ssl-cert=/tls/server.pem",
    "--ssl-key=/tls/server.key", "--ssl-ca=/tls/ca.pem"], { env: { MARIADB_ROOT_PASSWORD: rootPassword } });
  if (r.code !== 0) throw new Error(`MariaDB did not start:\n${tail(r)}`);
  return server;
}

/** Bounded: the server answers as root over its socket, then the master user exists. */
async function makeMaster(ctx: Context, s: Server, rootPassword: string): Promise<boolean> {
  // Idempotent: the image's entrypoint first runs a temporary server to initialise, then restarts it;
  // a try cut off between the two statements by that restart must not make every later try fail.
  const sql = `CREATE USER IF NOT EXISTS '${MASTER}'@'%' IDENTIFIED BY '${s.masterPassword}';\n`
    + `GRANT ALL PRIVILEGES ON *.* TO '${MASTER}'@'%' WITH GRANT OPTION;\n`;
  for (let i = 0; i < 60; i++) {
    const r = await ctx.commands.run("MariaDB: the master user", "docker", ["exec", "-i", "-e", "MYSQL_PWD", CONTAINER,
      "mariadb", "-uroot"], { input: sql, env: { MYSQL_PWD: rootPassword }, timeoutMs: 20_000 });
    if (r.code === 0) return true;
    await new Promise((done) => setTimeout(done, 1000));
  }
  return false;
}

/** The deployment's db-user step over SSH (harness/releases.ts runDbUser) against this server. */
function dbUser(ctx: Context, s: Server, caFile: string): Promise<CommandResult> {
  return runDbUser(ctx, s.spec, caFile, {
    target: { engine: "mariadb", address: s.host, port: PORT, dbName: DB_NAME, masterUser: MASTER,
      appUser: APP_DB_USER },
    masterPassword: s.masterPassword,
    appPassword: s.appPassword,
  });
}

/** SQL as the app's user from a client container: TLS verified against the bundle the step installed, or none. */
function asApp(ctx: Context, s: Server, sql: string, tls: boolean): Promise<CommandResult> {
  const caDir = path.join(s.spec.baseDir, "db-ca");
  const flags = tls ? ["--ssl", `--ssl-ca=${DB_CA.mount}/${DB_CA.file}`, "--ssl-verify-server-cert"] : ["--skip-ssl"];
  return ctx.commands.run("MariaDB as the app's user", "docker", ["run", "--rm", "-i", "-e", "MYSQL_PWD", "-v",
    `${caDir}:${DB_CA.mount}:ro`, "--entrypoint", "mariadb", "mariadb:10.11", `--host=${s.host}`, `--port=${PORT}`,
    `--user=${APP_DB_USER}`, "--batch", "--skip-column-names", ...flags], { input: sql,
    env: { MYSQL_PWD: s.appPassword }, timeoutMs: 60_000 });
}

/**
 * The app's MySQL URL through app/site_config/database_url.py into Debian bookworm's mysqlclient
 * (python3-mysqldb 1.4.6, built against MariaDB's client library): the refusal the plan's mysqlclient
 * warning names (scripts/lib/plan/driverWarnings.ts), read from the driver itself rather than from its
 * source. 2.2's success is not run here (Debian has no mysqlclient 2.2; no PyPI).
 */
async function probeOldDriver(ctx: Context, s: Server): Promise<void> {
  const url = appDatabaseUrl("mariadb", s.appPassword, s.host, PORT, DB_NAME);
  const script = [
    "import os, sys, MySQLdb",
    "sys.path.insert(0, '/app')",
    "from database_url import parse_database_url",
    "d = parse_database_url(os.environ['DATABASE_URL'])",
    "print('mysqlclient', '.'.join(map(str, MySQLdb.version_info[:3])))",
    "try:",
    "    MySQLdb.connect(host=d['HOST'], port=int(d['PORT']), user=d['USER'], passwd=d['PASSWORD'], db=d['NAME'], **d['OPTIONS'])",
    "    print('connected')",
    "except Exception as e:",
    "    print('refused', type(e).__name__, e)",
  ].join("\n");
  const r = await ctx.commands.run("MariaDB: the app's URL through Debian's mysqlclient", "docker", ["run", "--rm",
    "-e", "DATABASE_URL", "-v", `${path.join(REPO, "app", "site_config")}:/app:ro`, "-v",
    `${path.join(s.spec.baseDir, "db-ca")}:${DB_CA.mount}:ro`, "--entrypoint", "python3", "mariadb:10.11", "-c",
    script], { env: { DATABASE_URL: url }, timeoutMs: 60_000 });
  const version = /^mysqlclient (\d+)\.(\d+)/m.exec(r.stdout);
  ctx.checks.check(
    "MariaDB: Debian's mysqlclient (before 2.2) refuses the URL's ssl_mode, as the plan warns",
    version !== null && pinTooOld(`==${version[1]}.${version[2]}`)
      && /^refused (TypeError|NotSupportedError) .*ssl_mode/m.test(r.stdout),
    tail(r, 4),
  );
}

async function probeAppUser(ctx: Context, s: Server): Promise<void> {
  const seen = await asApp(ctx, s, "SHOW DATABASES;\nSHOW STATUS LIKE 'Ssl_cipher';\n", true);
  const lines = seen.stdout.trim().split("\n");
  securityProbe(ctx, "MariaDB: the app's user connects over TLS verified by the installed bundle",
    seen.code === 0 && lines.some((l) => /^Ssl_cipher\s+\S+/.test(l)), tail(seen, 6));
  securityProbe(ctx, "MariaDB: the app's user sees its database only",
    seen.code === 0 && lines.filter((l) => !l.startsWith("Ssl_cipher")).sort().join(",")
        === ["information_schema", DB_NAME].join(","), lines.join(" | "));
  const create = await asApp(ctx, s, "CREATE USER 'intruder'@'%';\n", true);
  securityProbe(ctx, "MariaDB: the app's user cannot create users",
    create.code !== 0 && /CREATE USER privilege/.test(create.stderr), tail(create, 4));
  const plain = await asApp(ctx, s, "SELECT 1;\n", false);
  securityProbe(ctx, "MariaDB: the app's user is refused without TLS (REQUIRE SSL)",
    plain.code !== 0 && /Access denied/.test(plain.stderr), tail(plain, 4));
}

export default scenario("database login on MariaDB: the db-user step over verified TLS, the app's user confined",
  async (ctx) => {
    const rootPassword = crypto.randomBytes(18).toString("base64url");
    try {
      const s = await startServer(ctx, rootPassword);
      if (!ctx.checks.check("MariaDB with TLS starts and has a master user", await makeMaster(ctx, s, rootPassword))) {
        return;
      }
      const stranger = await dbUser(ctx, s, ctx.env.dbStrangerCaFile);
      securityProbe(ctx, "MariaDB: db-user refuses a server whose certificate does not chain to the bundle",
        stranger.code !== 0 && /certificate|TLS\/SSL error/i.test(`${stranger.stdout}${stranger.stderr}`),
        tail(stranger, 6));
      const made = await dbUser(ctx, s, ctx.env.dbCaFile);
      log(`  db-user on MariaDB: exit ${made.code}`);
      if (!ctx.checks.check("MariaDB: db-user makes the app's user over verified TLS", made.code === 0,
        tail(made, 12))) {
        return;
      }
      const again = await dbUser(ctx, s, ctx.env.dbCaFile);
      ctx.checks.check("MariaDB: db-user runs again without change (idempotent)", again.code === 0, tail(again, 8));
      const out = `${stranger.stdout}${stranger.stderr}${made.stdout}${made.stderr}`;
      securityProbe(ctx, "MariaDB: db-user's output shows neither password",
        !out.includes(s.masterPassword) && !out.includes(s.appPassword));
      await probeAppUser(ctx, s);
      await probeOldDriver(ctx, s);
    } finally {
      await ctx.commands.run("remove MariaDB", "docker", ["rm", "-f", CONTAINER]);
    }
  });
