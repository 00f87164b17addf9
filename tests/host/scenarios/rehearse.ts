// The rehearsal (npm run rehearse) on this machine's Docker: app-byo/ after the edits the plan asks
// for rehearses clean (exit 0, every check passed); a copy with four planted defects (no health route,
// settings that ignore DATABASE_URL, a proxy that replaces X-Forwarded-Proto, a relative static bind)
// fails, and the rehearsal names each. The clean rehearsal's time (every check, the redeploy under
// load among them) is the summary's rehearse_s, how many defects it named rehearse_found; the
// benchmark of the example app's rehearsal is bench/rehearse/run.sh.
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { stackResourceName } from "../../../components/config";
import { log, tail } from "../harness/commands";
import { Context } from "../harness/context";
import { scenario } from "../harness/scenario";
import { startDatabase } from "../../../scripts/lib/rehearse/database";
import { bridgeGateway, freePort } from "../../../scripts/lib/rehearse/machine";

const REPO = path.resolve(__dirname, "../../..");
const APP_SOURCE = path.join(REPO, "app");
const BYO_DIR = path.join(REPO, "app-byo");
/** The example app's Django code, which app-byo/ shares. */
const SHARED_CODE = ["manage.py", "hello", "site_config"];

/** Each planted defect: the edit that plants it, and how the rehearsal's output names it. */
const DEFECTS: { name: string; file: string; from: string | RegExp; to: string; named: RegExp }[] = [
  { name: "no health route", file: "site_config/settings.py", from: '    "hello.health.HealthCheckMiddleware",\n',
    to: "", named: /^FAIL health: .*\n\s+cause: the app has no route for \/healthz/m },
  { name: "no health route (url)", file: "site_config/urls.py", from: '    path("healthz", views.healthz),\n', to: "",
    named: /^FAIL health: /m },
  {
    name: "settings that ignore DATABASE_URL",
    file: "site_config/settings.py",
    from: 'DATABASES = {"default": parse_database_url(DATABASE_URL)} if DATABASE_URL else {}',
    to:
      'DATABASES = {"default": {"ENGINE": os.environ.get("SQL_ENGINE", "django.db.backends.sqlite3"), "NAME": os.environ.get("SQL_DATABASE", "/tmp/db.sqlite3"), "HOST": os.environ.get("SQL_HOST", ""), "PORT": os.environ.get("SQL_PORT", "")}}',
    named: /^FAIL database: .*\n\s+cause: the app's migrations ran against another database/m,
  },
  {
    name: "a proxy that replaces X-Forwarded-Proto",
    file: "nginx/nginx.conf",
    from: "        proxy_set_header Host $host;\n",
    to: "        proxy_set_header Host $host;\n        proxy_set_header X-Forwarded-Proto $scheme;\n",
    named: /^FAIL proxy: .*\n\s+cause: the proxy replaces X-Forwarded-Proto[^\n]*\n\s+fix: at \S*nginx\.conf:\d+/m,
  },
  {
    name: "a relative static bind",
    file: "docker-compose.prod.yml",
    from: /(proxy:[\s\S]*?)- static_volume:\/home\/app\/web\/staticfiles/,
    to: "$1- ./staticfiles/:/home/app/web/staticfiles/",
    named: /^FAIL (plan: \S+docker-compose\.prod\.yml:\d+|mounts: )/m,
  },
];
/** Defects counted in rehearse_found (the health route is one defect planted in two files). */
const PLANTED = ["no health route", "settings that ignore DATABASE_URL", "a proxy that replaces X-Forwarded-Proto",
  "a relative static bind"];

export default scenario("rehearse: app-byo rehearses clean; planted defects are each named with cause and fix",
  async (ctx) => {
    const clean = assemble(ctx, "rehearse-clean");
    const cleanRun = await rehearseApp(ctx, "clean", clean);
    ctx.checks.check("rehearse: app-byo after the plan's edits rehearses clean (exit 0)", cleanRun.code === 0,
      tail({ code: cleanRun.code, stdout: cleanRun.out, stderr: "", ms: 0, startedAt: 0, timedOut: false }, 30));
    const judged =
      /^PASS app: sees HTTPS.*: a POST without a Referer over forwarded HTTPS got Django's "no Referer" refusal/m.test(
        cleanRun.out,
      ) && /^PASS csrf: .*: HTTP 200/m.test(cleanRun.out);
    ctx.checks.check("rehearse: the CSRF POST over forwarded HTTPS was judged and accepted (the app sees HTTPS)",
      judged, cleanRun.out.split("\n").filter((l) => /^(PASS|FAIL) (app|csrf):/.test(l)).join("\n"));
    ctx.checks.check("rehearse: it removed what it started", await nothingLeft(ctx),
      "containers labelled with the rehearsal's project or database");

    // dbEngine mariadb: the example app has no MySQL driver, so its stand-in alone, as the rehearsal starts it.
    const maria = await mariadbStandIn();
    ctx.checks.check(
      "rehearse: the MariaDB stand-in (mariadb:10.11) becomes ready and shows the app user's tables in its database",
      maria.ok,
      maria.detail,
    );

    const broken = assemble(ctx, "rehearse-defects");
    for (const d of DEFECTS) plant(broken, d);
    const brokenRun = await rehearseApp(ctx, "planted defects", broken);
    ctx.checks.check("rehearse: the app with planted defects fails (exit 1)", brokenRun.code === 1,
      `exit ${brokenRun.code}`);
    const found = PLANTED.filter((name) =>
      DEFECTS.filter((d) => d.name.startsWith(name)).every((d) => d.named.test(brokenRun.out))
    );
    for (const name of PLANTED) {
      ctx.checks.check(`rehearse: names the planted defect "${name}" with its cause and fix`, found.includes(name),
        brokenRun.out.split("\n").filter((l) => /^FAIL|cause:|fix:/.test(l.trim())).join("\n"));
    }
    ctx.results.rehearsal = { ms: cleanRun.ms, found: found.length, planted: PLANTED.length };
    ctx.checks.check("rehearse: it removed what it started (after a failed rehearsal too)", await nothingLeft(ctx), "");
  });

/** app/'s Django code with app-byo/ over it, after the three edits the plan asks for. */
function assemble(ctx: Context, label: string): string {
  const dir = path.join(ctx.appsDir, label);
  fs.rmSync(dir, { recursive: true, force: true });
  for (const name of SHARED_CODE) fs.cpSync(path.join(APP_SOURCE, name), path.join(dir, name), { recursive: true });
  fs.cpSync(BYO_DIR, dir, { recursive: true });
  plant(dir, { name: "plan edit: container_name", file: "docker-compose.prod.yml", from: "    container_name: web\n",
    to: "" });
  plant(dir, { name: "plan edit: proxy port", file: "docker-compose.prod.yml", from: "      - 80:80",
    to: '      - "${HTTP_PORT:-80}:80"' });
  plant(dir, { name: "plan edit: the database's CA bundle", file: "docker-compose.prod.yml",
    from: "      - static_volume:/home/app/web/staticfiles\n",
    to: "      - static_volume:/home/app/web/staticfiles\n      - ${DB_CA_DIR:-./db-ca}:/db-ca:ro\n" });
  // As in a typical Django app, POSTs pass Django's CSRF check, so the rehearsal's CSRF checks judge.
  plant(dir, { name: "CSRF middleware", file: "site_config/settings.py",
    from: '    "django.middleware.common.CommonMiddleware",\n',
    to: '    "django.middleware.common.CommonMiddleware",\n    "django.middleware.csrf.CsrfViewMiddleware",\n' });
  return dir;
}

function plant(dir: string, d: { name: string; file: string; from: string | RegExp; to: string }): void {
  const file = path.join(dir, d.file);
  const text = fs.readFileSync(file, "utf8");
  const changed = text.replace(d.from, d.to);
  if (changed === text) throw new Error(`${d.name}: the text to replace is not in ${d.file}`);
  fs.writeFileSync(file, changed);
}

async function rehearseApp(ctx: Context, label: string,
  dir: string): Promise<{ code: number | null; out: string; ms: number }> {
  const r = await ctx.commands.run(`rehearse ${label}`, "npx", ["--no-install", "ts-node", "--transpile-only",
    path.join(REPO, "scripts/rehearse.ts"), "--stack", "dev", "--set", `appDir=${path.relative(REPO, dir)}`, "--set",
    "healthTimeoutSeconds=45"], { timeoutMs: 1_200_000, env: { DOCKER_HOST: ctx.env.dockerHost } });
  const out = `${r.stdout}${r.stderr}`;
  log(
    `  rehearse ${label}: exit ${r.code} in ${(r.ms / 1000).toFixed(1)}s\n${
      out.split("\n").filter((l) => /^(PASS|FAIL|rehearse)|cause:|fix:/.test(l.trim())).map((l) => `    ${l}`).join(
        "\n",
      )
    }`,
  );
  return { code: r.code, out, ms: r.ms };
}

/** The rehearsal's MariaDB stand-in: started and readied as for dbEngine mariadb, a table made as the app's user, listed, removed. */
async function mariadbStandIn(): Promise<{ ok: boolean; detail: string }> {
  const name = `${stackResourceName("compose-on-ec2", "dev")}-rehearsal-mariadb`;
  const password = crypto.randomBytes(16).toString("hex");
  const settings = { engine: "mariadb" as const, engineVersion: "10.11", dbName: "app", username: "app" };
  try {
    const gateway = await bridgeGateway();
    const port = await freePort();
    const db = await startDatabase(settings, name, gateway, port, password);
    const made = spawnSync("docker", ["exec", "-e", "MYSQL_PWD", name, "mariadb", `-h${gateway}`, `-P${port}`, "-uapp",
      "-e", "create table django_migrations (id int)", "app"], { env: { ...process.env, MYSQL_PWD: password },
      timeout: 30_000, encoding: "utf8" });
    const t = await db.tables();
    return { ok: made.status === 0 && (t.tables ?? []).includes("django_migrations"),
      detail: `${db.image}: create exit ${made.status} ${made.stderr.trim()}; tables ${
        t.tables?.join(", ") ?? t.error
      }` };
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  } finally {
    spawnSync("docker", ["rm", "-f", "-v", name], { timeout: 60_000 });
  }
}

async function nothingLeft(ctx: Context): Promise<boolean> {
  const r = await ctx.commands.run("rehearsal leftovers", "docker", ["ps", "-aq", "--filter",
    "label=compose-on-ec2.rehearsal=1"]);
  const p = await ctx.commands.run("rehearsal project leftovers", "docker", ["ps", "-aq", "--filter",
    `label=com.docker.compose.project=${stackResourceName("compose-on-ec2", "dev")}-rehearsal`]);
  return r.stdout.trim() === "" && p.stdout.trim() === "";
}
