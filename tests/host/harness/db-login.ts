// The app's own database login, for real: the deployment's db-user step against the test's
// PostgreSQL (TLS from its own CA), refused with a CA that did not sign the server's certificate, and
// what the running app then is to the database: its own login, over TLS, unable to create roles.
import { APP_DB_USER } from "../../../components/config";
import { tail } from "./commands";
import type { Context } from "./context";
import { hostCompose } from "./host";
import { runDbUser } from "./releases";
import { securityProbe } from "./security";

/** What the web container's Django sees of its connection: the login, TLS, its role's powers, a CREATE ROLE. */
const PROBE = [
  "from django.db import connection",
  "c = connection.cursor()",
  'c.execute("select current_user, (select ssl from pg_stat_ssl where pid = pg_backend_pid()), r.rolsuper, r.rolcreaterole, r.rolcreatedb from pg_roles r where r.rolname = current_user")',
  "print('LOGIN', *c.fetchone())",
  "try:",
  "    c.execute('create role compose_probe_role')",
  "    print('CREATEROLE allowed')",
  "except Exception as e:",
  "    print('CREATEROLE refused:', type(e).__name__)",
].join("\n");

/** The db-user step: refused with a stranger CA, then done with the database's own; false when it failed. */
export async function makeAppLogin(ctx: Context): Promise<boolean> {
  const stranger = await runDbUser(ctx, ctx.spec, ctx.env.dbStrangerCaFile);
  const strangerOut = `${stranger.stdout}\n${stranger.stderr}`;
  securityProbe(ctx, "db-user refuses a database whose certificate does not chain to the CA bundle (verify-full)",
    stranger.code !== 0 && /certificate verify failed|SSL error/i.test(strangerOut), tail(stranger, 8));
  const r = await runDbUser(ctx);
  const out = `${r.stdout}\n${r.stderr}${strangerOut}`;
  securityProbe(ctx, "db-user's output shows neither the master's nor the app's password",
    !out.includes(ctx.secrets.DB_PASSWORD) && !out.includes(ctx.secrets.APP_DB_PASSWORD));
  return ctx.checks.check("db-user makes the app's own login over verified TLS", r.code === 0, tail(r, 15));
}

/** The serving app's connection, seen from its web container. */
export async function probeAppLogin(ctx: Context): Promise<void> {
  const r = await hostCompose(ctx, "the app's database login", ["exec", "-T", ctx.spec.webService, "python3",
    "manage.py", "shell", "-c", PROBE]);
  const login = /^LOGIN (\S+) (\S+) (\S+) (\S+) (\S+)$/m.exec(r.stdout);
  securityProbe(ctx, `the app connects as ${APP_DB_USER} (not the master user) over TLS`,
    login !== null && login[1] === APP_DB_USER && login[2] === "True", login?.[0] ?? tail(r, 10));
  securityProbe(ctx, "the app's login is no superuser and cannot create roles or databases",
    login !== null && login.slice(3).every((x) => x === "False") && /^CREATEROLE refused/m.test(r.stdout),
    `${login?.[0] ?? ""} ${/^CREATEROLE.*$/m.exec(r.stdout)?.[0] ?? tail(r, 10)}`);
}
