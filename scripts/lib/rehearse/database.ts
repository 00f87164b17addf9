// The rehearsal's throwaway database: the engine's official image standing in for RDS.
import { databaseUrl } from "../../../components/database";
import type { StackConfig } from "../../../components/config";
import { run } from "./commands";

/**
 * The database stand-in per engine: the official image of the engine at the stack's major, started
 * as its docs say (the POSTGRES_* or MARIADB_/MYSQL_* variables create the database and its user), and
 * the engine's own client inside that container: readiness over TCP (only the final server listens on
 * TCP: the images' first-run init servers listen on none) and the migrations' tables.
 * docker-library/postgres docker-entrypoint.sh; MariaDB/mariadb-docker docker-entrypoint.sh (its 11.x
 * images have no mysql* client names, so mariadb-admin and mariadb); docker-library/mysql.
 */
export function dbStandIn(engine: string, version: string,
  a: { username: string; dbName: string; host: string; port: number }
): {
  image: string;
  env: string[];
  command: string[];
  ready: string[];
  tables: string[];
  passwordEnv: string;
} {
  if (engine === "postgres") {
    return {
      image: `postgres:${version.split(".")[0]}`,
      env: [`POSTGRES_USER=${a.username}`, "POSTGRES_PASSWORD", `POSTGRES_DB=${a.dbName}`],
      command: ["postgres", "-c", `listen_addresses=${a.host}`, "-c", `port=${a.port}`],
      ready: ["pg_isready", "-q", "-h", a.host, "-p", String(a.port), "-U", a.username, "-d", a.dbName],
      tables: ["psql", "-h", a.host, "-p", String(a.port), "-U", a.username, "-d", a.dbName, "-Atc",
        "select table_name from information_schema.tables where table_schema = current_schema() order by 1"],
      passwordEnv: "PGPASSWORD",
    };
  }
  const mariadb = engine === "mariadb";
  const prefix = mariadb ? "MARIADB" : "MYSQL";
  return {
    image: `${engine}:${version}`,
    env: [`${prefix}_ROOT_PASSWORD`, `${prefix}_DATABASE=${a.dbName}`, `${prefix}_USER=${a.username}`,
      `${prefix}_PASSWORD`],
    command: [`--bind-address=${a.host}`, `--port=${a.port}`],
    ready: [mariadb ? "mariadb-admin" : "mysqladmin", "ping", `-h${a.host}`, `-P${a.port}`, "--silent"],
    tables: [mariadb ? "mariadb" : "mysql", `-h${a.host}`, `-P${a.port}`, `-u${a.username}`, "-N", "-e", "show tables",
      a.dbName],
    passwordEnv: "MYSQL_PWD",
  };
}

/** How long the database stand-in may take to accept connections (a first run initialises its data). */
const DB_READY_TIMEOUT_MS = 90_000;

/** The throwaway database: the engine's image on the host network, listening on the bridge gateway only; ready when it returns. */
export async function startDatabase(
  settings: Pick<StackConfig["database"], "engine" | "engineVersion" | "dbName" | "username">,
  name: string,
  gateway: string,
  port: number,
  password: string,
): Promise<{ image: string; url: string; tables: () => Promise<{ tables?: string[]; error?: string }> }> {
  const { engine, engineVersion, dbName, username } = settings;
  const db = dbStandIn(engine, engineVersion, { username, dbName, host: gateway, port });
  // The password reaches docker through the environment, never its command line.
  const secretEnv = { POSTGRES_PASSWORD: password, MYSQL_ROOT_PASSWORD: password, MYSQL_PASSWORD: password,
    MARIADB_ROOT_PASSWORD: password, MARIADB_PASSWORD: password };
  const started = await run("docker", ["run", "-d", "--name", name, "--network", "host", "--label",
    "compose-on-ec2.rehearsal=1", ...db.env.flatMap((e) => ["-e", e]), db.image, ...db.command], { env: secretEnv,
    timeoutMs: 300_000 });
  if (started.code !== 0) {
    throw new Error(
      `the database stand-in ${db.image} did not start: ${started.out.trim().split("\n").slice(-3).join(" ")}`
        + (/no such image|pull access denied|not found|manifest unknown/i.test(started.out)
          ? ` (docker could not get ${db.image}: \`docker pull ${db.image}\` on a machine that reaches Docker Hub, or load it with \`docker load\`)`
          : ""),
    );
  }
  const deadline = Date.now() + DB_READY_TIMEOUT_MS;
  for (let attempt = 0;; attempt++) {
    if ((await run("docker", ["exec", name, ...db.ready], { timeoutMs: 10_000 })).code === 0) break;
    const state = (await run("docker", ["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name], {
      timeoutMs: 10_000,
    })).out.trim();
    const gone = !state.startsWith("running");
    if (gone || Date.now() > deadline || attempt >= 400) {
      const logs = (await run("docker", ["logs", "--tail", "8", name], { timeoutMs: 10_000 })).out.trim().split("\n")
        .join(" | ");
      throw new Error(
        `the database stand-in ${db.image} ${
          gone
            ? `exited (${state})`
            : `does not accept connections on ${gateway}:${port} after ${DB_READY_TIMEOUT_MS / 1000} s`
        }; its log: ${logs}`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const tables = async () => {
    const r = await run("docker", ["exec", "-e", db.passwordEnv, name, ...db.tables], {
      env: { [db.passwordEnv]: password },
      timeoutMs: 30_000,
    });
    return r.code === 0
      ? { tables: r.out.split("\n").map((l) => l.trim()).filter(Boolean) }
      : { error: r.out.trim().slice(-200) };
  };
  return { image: db.image, url: databaseUrl(engine, username, password, gateway, port, dbName), tables };
}
