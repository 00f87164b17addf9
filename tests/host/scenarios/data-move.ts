// Moving in, for real: a second database on the test's PostgreSQL stands in for the old one (a few
// thousand rows over tables with foreign keys, sequences and a binary column). `ops db copy` moves it
// into the stack's database while the request loop runs, and `ops db verify` finds every table equal
// (rows and checksum); the sequences carry on where they were. `ops db dump` of the stack's database,
// restored with `ops db restore` into a fresh database (a second host layout whose release names it),
// verifies equal too. `ops media sync --from DIR` puts a directory into the media volume; both sides
// then match in names, sizes and content, and a second sync sends nothing; `ops media sync --bucket`
// puts the same directory into a bucket of an S3 API on 127.0.0.1 (s3rver, reached through the AWS
// SDK's AWS_ENDPOINT_URL_S3), matched the same way (the media half: harness/media-sync.ts). Database URLs reach ops only through the
// environment (--from env:NAME), never an argument.
import * as fs from "fs";
import * as path from "path";
import { HOST_LAYOUT, hostPath } from "../../../components/layout";
import { CommandResult, log, tail } from "../harness/commands";
import { Context } from "../harness/context";
import { mediaSync, mediaSyncToBucket } from "../harness/media-sync";
import { ops } from "../harness/ops";
import { startLoad } from "../harness/releases";
import { describeLoop, failedRequests, leakedSecrets } from "../harness/report";
import { scenario } from "../harness/scenario";

const LIB_DIR = path.resolve(__dirname, "../lib");
/**
 * The tools image, named as an operator would (it is also db.sh's default): tests/host/lib/base-images.sh
 * builds its stand-in from Debian's PostgreSQL 15, whose clients match the test's server.
 */
const TOOLS = ["--image", "postgres:16"];
const OLD_DB = "old_shop";
const RESTORED_DB = "restored";

/** The old database's schema and rows: foreign keys, sequences (one standalone), a bytea column, NULLs and non-ASCII text. */
const OLD_DATA = `
create table customers (id bigserial primary key, name text not null, email text unique, joined timestamptz not null default '2020-01-01');
create table orders (id serial primary key, customer_id bigint not null references customers(id), total numeric(12,2), note text);
create table attachments (id bigserial primary key, order_id int not null references orders(id) on delete cascade, filename text not null, body bytea not null);
create sequence invoice_no start 1000;
insert into customers (name, email, joined) select 'customer ' || g, 'c' || g || '@example.com', '2020-01-01'::timestamptz + g * interval '1 hour' from generate_series(1, 1000) g;
insert into orders (customer_id, total, note) select 1 + g % 1000, (g * 7.13)::numeric(12,2), case when g % 5 = 0 then null else 'order ' || g || ' — grüße' end from generate_series(1, 3000) g;
insert into attachments (order_id, filename, body) select 1 + g % 3000, 'file' || g || '.bin', '\\x00ff00'::bytea || decode(repeat(md5(g::text), 1 + g % 40), 'hex') from generate_series(1, 1500) g;
select setval('invoice_no', 1234);
delete from orders where id % 97 = 0;
`;
const SEQUENCES = ["customers_id_seq", "orders_id_seq", "attachments_id_seq", "invoice_no"];

function dbUrl(ctx: Context, database: string): string {
  return `postgres://${ctx.env.dbUser}:${ctx.secrets.DB_PASSWORD}@${ctx.env.dbHost}:${ctx.env.dbPort}/${database}`;
}

/** psql on this host against one database of the test's PostgreSQL (the password in the environment). */
async function psql(ctx: Context, database: string, sql: string): Promise<CommandResult> {
  const bin = (await ctx.commands.run("pg-bin", "bash", [path.join(LIB_DIR, "packages.sh"), "pg-bin"])).stdout.trim();
  return ctx.commands.run(`psql ${database}`, path.join(bin, "psql"), ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1",
    "-h", "127.0.0.1", "-p", ctx.env.dbPort, "-U", ctx.env.dbUser, "-d", database, "-f", "-"], { input: sql,
    env: { PGPASSWORD: ctx.secrets.DB_PASSWORD } });
}

async function createDatabase(ctx: Context, name: string): Promise<boolean> {
  const r = await ctx.commands.run(`postgres.sh createdb ${name}`, "bash", [path.join(LIB_DIR, "postgres.sh"),
    "createdb", name], { timeoutMs: 60_000 });
  return ctx.checks.check(`a fresh database ${name} beside the stack's`, r.code === 0, tail(r));
}

/** `verify: tables_equal=N/M` of ops db verify. */
function tablesEqual(r: CommandResult): { equal: number; total: number } | undefined {
  const m = /verify: tables_equal=(\d+)\/(\d+)/.exec(r.stdout);
  return m ? { equal: Number(m[1]), total: Number(m[2]) } : undefined;
}

function noLeak(ctx: Context, what: string, r: CommandResult): void {
  const leaked = leakedSecrets(`${r.stdout}${r.stderr}`, { DB_PASSWORD: ctx.secrets.DB_PASSWORD,
    APP_DB_PASSWORD: ctx.secrets.APP_DB_PASSWORD });
  ctx.checks.check(`${what}: the database password is not in its output`, leaked.length === 0,
    `leaked: ${leaked.join(", ")}`);
}

async function copyUnderLoad(ctx: Context): Promise<void> {
  if (!(await createDatabase(ctx, OLD_DB))) return;
  const filled = await psql(ctx, OLD_DB, OLD_DATA);
  if (!ctx.checks.check("the old database is filled", filled.code === 0, tail(filled))) return;
  const env = { OLD_DATABASE_URL: dbUrl(ctx, OLD_DB) };

  // The stack's database has the app's tables (its migrations ran at the first deploy).
  const refused = await ops(ctx, ["db", "copy", "--from", "env:OLD_DATABASE_URL", ...TOOLS], [], env);
  ctx.checks.check("db copy into a database that has tables is refused without --force, naming it",
    refused.code === 1 && /already has \d+ table\(s\).*--force/.test(refused.stderr),
    `exit ${refused.code}: ${tail(refused, 4)}`);

  const loop = startLoad(ctx);
  const copy = await ops(ctx, ["db", "copy", "--force", "--from", "env:OLD_DATABASE_URL", ...TOOLS], [], env);
  const stats = await loop.stop();
  log(`  ops db copy: exit ${copy.code} in ${(copy.ms / 1000).toFixed(1)}s; load: ${describeLoop(stats)}`);
  ctx.checks.check("ops db copy --from env:NAME moves the old database into the stack's", copy.code === 0,
    tail(copy, 12));
  ctx.checks.check("no failed requests while the database was copied", failedRequests(stats) === 0,
    describeLoop(stats));
  noLeak(ctx, "ops db copy", copy);

  const verify = await ops(ctx, ["db", "verify", "--from", "env:OLD_DATABASE_URL", ...TOOLS], [], env);
  log(`  ops db verify:\n${verify.stdout.trimEnd()}`);
  const counted = tablesEqual(verify);
  ctx.results.dbCopyTables = counted;
  ctx.checks.check("ops db verify: every table of the old database is in the stack's with its rows and checksum",
    verify.code === 0 && counted?.total === 3 && counted.equal === 3, `exit ${verify.code}: ${tail(verify, 6)}`);
  noLeak(ctx, "ops db verify", verify);

  const seqSql = SEQUENCES.map((s) => `select '${s}', last_value from ${s};`).join("\n");
  const [oldSeq, newSeq] = [await psql(ctx, OLD_DB, seqSql), await psql(ctx, ctx.env.dbName, seqSql)];
  ctx.checks.check("the sequences carry on where the old database left them",
    oldSeq.code === 0 && newSeq.stdout === oldSeq.stdout && /invoice_no\|1234/.test(newSeq.stdout),
    `old: ${oldSeq.stdout.trim().replace(/\n/g, ", ")}; stack: ${newSeq.stdout.trim().replace(/\n/g, ", ")}`);
  const join = await psql(ctx, ctx.env.dbName,
    "select count(*) from attachments a join orders o on o.id = a.order_id join customers c on c.id = o.customer_id;");
  ctx.checks.check("the foreign keys hold in the copy (attachments → orders → customers)",
    join.code === 0 && Number(join.stdout.trim()) > 1000, join.stdout.trim());
}

/**
 * A host layout beside the real one whose release names another database: the real release's ops
 * scripts and settings, and an env file with that database's URL (what a second stack on the host
 * would have). Owned by the deploy user.
 */
function layoutFor(ctx: Context, database: string): string {
  const dir = path.join(ctx.env.deployHome, `ops-${database}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const release = fs.realpathSync(hostPath(ctx.spec.baseDir, "current"));
  const current = path.join(dir, HOST_LAYOUT.current);
  const envDir = path.join(current, path.dirname(ctx.spec.composeFile));
  fs.mkdirSync(envDir, { recursive: true });
  fs.symlinkSync(path.join(release, HOST_LAYOUT.releaseScripts), path.join(current, HOST_LAYOUT.releaseScripts));
  fs.copyFileSync(hostPath(ctx.spec.baseDir, "settings"), path.join(dir, HOST_LAYOUT.settings));
  fs.writeFileSync(path.join(envDir, ctx.spec.envFile), `DATABASE_URL=${dbUrl(ctx, database)}\n`, { mode: 0o600 });
  const { uid, gid } = fs.statSync(ctx.env.deployHome);
  for (const p of [dir, current, envDir, path.join(dir, HOST_LAYOUT.settings), path.join(envDir, ctx.spec.envFile)]) {
    fs.chownSync(p, uid, gid);
  }
  return dir;
}

async function dumpAndRestore(ctx: Context): Promise<void> {
  const file = path.join(ctx.env.workDir, "stack.dump");
  const dump = await ops(ctx, ["db", "dump", "--out", file, ...TOOLS]);
  const magic = fs.existsSync(file) ? fs.readFileSync(file).subarray(0, 5).toString("latin1") : "";
  log(
    `  ops db dump: exit ${dump.code} in ${(dump.ms / 1000).toFixed(1)}s, ${
      fs.existsSync(file) ? fs.statSync(file).size : 0
    } bytes`,
  );
  if (!ctx.checks.check("ops db dump --out writes a pg_dump custom-format archive",
    dump.code === 0 && magic === "PGDMP", `${magic}; ${tail(dump, 6)}`)) return;
  if (!(await createDatabase(ctx, RESTORED_DB))) return;
  const fresh = layoutFor(ctx, RESTORED_DB);
  const restore = await ops(ctx, ["db", "restore", "--in", file, ...TOOLS], ["--base-dir", fresh]);
  ctx.checks.check("ops db restore --in puts the dump into a fresh database", restore.code === 0, tail(restore, 8));
  const verify = await ops(ctx, ["db", "verify", "--from", "env:STACK_DATABASE_URL", ...TOOLS], ["--base-dir", fresh], {
    STACK_DATABASE_URL: dbUrl(ctx, ctx.env.dbName),
  });
  log(`  ops db verify (restored vs the stack's):\n${verify.stdout.trimEnd()}`);
  const counted = tablesEqual(verify);
  const equal = verify.code === 0 && !!counted && counted.total > 3 && counted.equal === counted.total;
  ctx.results.dbRestoreEqual = equal ? 1 : 0;
  ctx.checks.check("the restored database equals the stack's, table by table", equal,
    `exit ${verify.code}: ${tail(verify, 6)}`);
  fs.rmSync(fresh, { recursive: true, force: true });
  fs.rmSync(file, { force: true });
}
export default scenario("data move (db copy, dump/restore, media sync)", async (ctx) => {
  await copyUnderLoad(ctx);
  await dumpAndRestore(ctx);
  await mediaSync(ctx);
  const bucketEqual = await mediaSyncToBucket(ctx);
  ctx.results.mediaSyncEqual = ctx.results.mediaSyncEqual === 1 && bucketEqual ? 1 : 0;
});
