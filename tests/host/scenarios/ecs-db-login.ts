// hosting: ecs's db-login container, for real: the container definition the program builds
// (components/ecsDbLogin.ts dbLoginContainer, the one every task definition carries) run the way ECS
// runs it, against the test's PostgreSQL (TLS from the test CA, an RDS-like master user). What ECS
// itself does is reproduced from its documentation, not run (no AWS here): the definition's entryPoint
// and command, its `environment`, each of its `secrets` as an environment variable of the container
// ("Amazon ECS injects the sensitive data into your container as environment variables",
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html), and
// the task volume as a volume the task's containers share, empty at first (bind-mounts.html). Then the
// app's side: a container that mounts that volume read-only at /db-ca connects with the app's own
// DATABASE_URL (compose_app, sslmode=verify-full).
import * as crypto from "crypto";
import * as fs from "fs";
import { APP_DB_USER } from "../../../components/config";
import { dbLoginContainer } from "../../../components/ecsDbLogin";
import { DB_CA } from "../../../components/layout";
import { CommandResult, log, tail } from "../harness/commands";
import type { Context } from "../harness/context";
import { appDbUrl, postgresLogin } from "../harness/releases";
import { scenario } from "../harness/scenario";
import { securityProbe } from "../harness/security";

interface Definition {
  image: string;
  entryPoint: string[];
  command: string[];
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
  mountPoints: { sourceVolume: string; containerPath: string; readOnly: boolean }[];
}

/** The program's db-login definition for the test's database, its CA bundle from `caFile`. */
function definitionFor(ctx: Context, caFile: string): Definition {
  return dbLoginContainer({ target: postgresLogin(ctx).target, caBundle: fs.readFileSync(caFile, "utf8"),
    secretArns: { "db/master-password": "arn:test:master", "db/app-password": "arn:test:app" } },
    undefined) as unknown as Definition;
}

/**
 * One run of the definition as ECS would start it in a task: `secrets` become environment variables
 * (their values from this run's passwords), the task volume is the docker volume `volume`. Values
 * travel in docker's environment (`-e NAME`), never on its command line.
 */
function runAsTask(ctx: Context, d: Definition, volume: string, label: string): Promise<CommandResult> {
  const values: Record<string, string> = { DB_MASTER_PASSWORD: ctx.secrets.DB_PASSWORD,
    DB_APP_PASSWORD: ctx.secrets.APP_DB_PASSWORD };
  const env: Record<string, string> = {};
  for (const e of d.environment) env[e.name] = e.value;
  for (const s of d.secrets) env[s.name] = values[s.name];
  const mounts = d.mountPoints.flatMap((m) => ["-v", `${volume}:${m.containerPath}${m.readOnly ? ":ro" : ""}`]);
  return ctx.commands.run(label, "docker", ["run", "--rm", ...mounts, ...Object.keys(env).flatMap((n) => ["-e", n]),
    "--entrypoint", d.entryPoint[0], d.image, ...d.entryPoint.slice(1), ...d.command], { env, timeoutMs: 120_000 });
}

/** SQL as the master user (verify-full against the test CA), from a client container. */
function asMaster(ctx: Context, sql: string): Promise<CommandResult> {
  const t = postgresLogin(ctx).target;
  return ctx.commands.run("ecs: SQL as the master user", "docker", ["run", "--rm", "-i", "-v",
    `${ctx.env.dbCaFile}:/ca.pem:ro`, "-e", "PGPASSWORD", "--entrypoint", "psql", "postgres:16", "-X", "-At", "-v",
    "ON_ERROR_STOP=1", "-f", "-",
    `host=${t.address} port=${t.port} dbname=${t.dbName} user=${t.masterUser} sslmode=verify-full sslrootcert=/ca.pem`],
    { input: sql, env: { PGPASSWORD: ctx.secrets.DB_PASSWORD }, timeoutMs: 60_000 });
}

/** A schema of the master user's with a table, a sequence, a type and a function, as a moved-in app's data may have. */
const LEGACY_SCHEMA = "DROP SCHEMA IF EXISTS e2e_legacy CASCADE;\nCREATE SCHEMA e2e_legacy;\n"
  + "CREATE TABLE e2e_legacy.orders (id serial PRIMARY KEY);\n"
  + "CREATE SEQUENCE e2e_legacy.invoice_no;\n"
  + "CREATE TYPE e2e_legacy.mood AS ENUM ('ok', 'late');\n"
  + "CREATE FUNCTION e2e_legacy.two() RETURNS int LANGUAGE sql AS 'select 2';\n";
const LEGACY_OWNERS = "SELECT string_agg(x, ' ' ORDER BY x) FROM ("
  + "SELECT 'schema:' || nspowner::regrole AS x FROM pg_namespace WHERE nspname = 'e2e_legacy' UNION ALL "
  + "SELECT c.relname || ':' || c.relowner::regrole FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
  + "WHERE n.nspname = 'e2e_legacy' UNION ALL "
  + "SELECT t.typname || ':' || t.typowner::regrole FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
  + "WHERE n.nspname = 'e2e_legacy' AND t.typtype = 'e' UNION ALL "
  + "SELECT p.proname || '():' || p.proowner::regrole FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
  + "WHERE n.nspname = 'e2e_legacy') o;\n";

/** The app's side: the task volume read-only at /db-ca, DATABASE_URL as ecs hands it to web. */
function asApp(ctx: Context, volume: string): Promise<CommandResult> {
  const sql = "select current_user, ssl from pg_stat_ssl where pid = pg_backend_pid()";
  return ctx.commands.run("ecs: the app's connection", "docker", ["run", "--rm", "-v", `${volume}:${DB_CA.mount}:ro`,
    "-e", "DATABASE_URL", "--entrypoint", "bash", "postgres:16", "-c", `exec psql "$DATABASE_URL" -X -At -c '${sql}'`],
    { env: { DATABASE_URL: appDbUrl(ctx) }, timeoutMs: 60_000 });
}

export default scenario("ecs: each task's db-login container makes the app's login and hands it the CA bundle",
  async (ctx) => {
    const volume = `compose-on-ec2-e2e-db-ca-${crypto.randomBytes(4).toString("hex")}`;
    const strangerVolume = `${volume}-stranger`;
    try {
      const stranger = await runAsTask(ctx, definitionFor(ctx, ctx.env.dbStrangerCaFile), strangerVolume,
        "ecs db-login (stranger CA)");
      const strangerOut = `${stranger.stdout}${stranger.stderr}`;
      securityProbe(ctx, "ecs: db-login refuses a database whose certificate does not chain to its bundle",
        stranger.code !== 0 && /certificate verify failed|SSL error/i.test(strangerOut), tail(stranger, 6));
      const legacy = await asMaster(ctx, LEGACY_SCHEMA);
      ctx.checks.check("ecs: the master user owns a schema of its own with a table, a sequence, a type and a function",
        legacy.code === 0, tail(legacy, 6));
      // Two tasks starting at once (a rollout of two): both succeed, one after the other under the lock.
      const d = definitionFor(ctx, ctx.env.dbCaFile);
      const runs = await Promise.all([runAsTask(ctx, d, volume, "ecs db-login (task 1)"),
        runAsTask(ctx, d, `${volume}-2`, "ecs db-login (task 2)")]);
      log(`  ecs db-login: exits ${runs.map((r) => r.code).join(", ")} in ${runs.map((r) => r.ms).join(", ")} ms`);
      const done = ctx.checks.check("ecs: two tasks' db-login containers, started at once, both exit 0",
        runs.every((r) => r.code === 0), runs.map((r) => tail(r, 8)).join("\n---\n"));
      const out = [stranger, ...runs].map((r) => `${r.stdout}${r.stderr}`).join("");
      securityProbe(ctx, "ecs: db-login's output (its CloudWatch log) shows neither password",
        !out.includes(ctx.secrets.DB_PASSWORD) && !out.includes(ctx.secrets.APP_DB_PASSWORD));
      if (!done) return;
      const app = await asApp(ctx, volume);
      securityProbe(ctx, `ecs: the app connects as ${APP_DB_USER} over TLS verified by the bundle db-login wrote`,
        app.code === 0 && app.stdout.trim() === `${APP_DB_USER}|t`, tail(app, 6));
      const owners = await asMaster(ctx, LEGACY_OWNERS);
      const want = ["invoice_no", "mood", "orders", "orders_id_seq", "orders_pkey", "schema", "two()"].map((o) =>
        `${o}:${APP_DB_USER}`
      )
        .join(" ");
      ctx.checks.check("ecs: db-login hands the app the master user's schemas and what is in them",
        owners.code === 0 && owners.stdout.trim() === want, `${owners.stdout.trim()} (want ${want})`);
    } finally {
      await asMaster(ctx, "DROP SCHEMA IF EXISTS e2e_legacy CASCADE;\n");
      await ctx.commands.run("remove the task volumes", "docker", ["volume", "rm", "-f", volume, `${volume}-2`,
        strangerVolume]);
    }
  });
