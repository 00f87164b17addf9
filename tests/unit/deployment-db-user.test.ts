// The deployment's db-user step: the app's own database login, made before the deploy, with the
// passwords and the CA bundle on stdin only; the app's .env names that login, TLS verified.
import * as assert from "assert";
import * as child_process from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { APP_DB_USER } from "../../components/config";
import { appDatabaseUrl, rdsCaBundle, verifiedTlsQuery } from "../../components/database";
import { remoteSpecFor, sha256Hex } from "../../components/deployment";
import { DB_CA } from "../../components/layout";
import * as remote from "../../components/remote";
import { isSecret, valueOf } from "../../lib/engine";
import { APP, APP_DB_PASSWORD, args, DATABASE_URL, DB_PASSWORD, deploy, Deployed, urnOf } from "../support/deployment";
import { TEST_CA_BUNDLE, TEST_DB, testDatabaseLogins } from "../support/fixtures";

describe("ComposeDeployment's db-user step", () => {
  const spec = remoteSpecFor(args().appName, args().connection.baseDir, APP);
  let d: Deployed;
  before(async () => {
    d = await deploy();
  });

  it("sends remote.ts's db-user line for the database's endpoint, the master user and the app's login", () => {
    const expected = remote.dbUserCommand(spec, { engine: "postgres", address: TEST_DB.address, port: TEST_DB.port,
      dbName: TEST_DB.dbName, masterUser: TEST_DB.username, appUser: APP_DB_USER });
    assert.strictEqual(d.dbUser.inputs.create, expected);
    for (const part of ["db-user.sh", TEST_DB.address, "postgres:16", `${spec.baseDir}/db-ca`, DB_CA.mount]) {
      assert.ok(expected.includes(part), `the line names ${part}`);
    }
  });

  it("sends both passwords and the CA bundle on stdin, secret, and triggers on their hash only", async () => {
    const stdin = remote.dbUserStdin(DB_PASSWORD, APP_DB_PASSWORD, TEST_CA_BUNDLE);
    assert.strictEqual(d.dbUser.inputs.stdin, stdin);
    assert.ok(d.dbUser.secretInputs.includes("stdin"));
    for (const k of ["stdout", "stderr", "stdin"]) assert.ok(d.dbUser.options.additionalSecretOutputs.includes(k));
    assert.deepStrictEqual(d.dbUser.inputs.triggers, [sha256Hex(stdin), "i-0123456789abcdef0"]);
    assert.strictEqual(d.dbUser.inputs.logging, "none", "the client may echo a failing statement");
    const visible = JSON.stringify({ ...d.dbUser.inputs, stdin: undefined, connection: undefined });
    for (const secret of [DB_PASSWORD, APP_DB_PASSWORD]) assert.ok(!visible.includes(secret));
  });

  it("runs before the deploy, once the host is ready", () => {
    assert.ok(d.deploy.options.dependencies.includes(urnOf(d.dbUser)), "deploy waits for the app's login");
    assert.ok(d.dbUser.options.dependencies.includes(urnOf(d.waitReady)), "docker answers first");
  });

  it("runs again when a password changes, and not when nothing did", async () => {
    const again = await deploy();
    assert.deepStrictEqual(again.dbUser.inputs.triggers, d.dbUser.inputs.triggers);
    const newApp = await deploy(args({ database: testDatabaseLogins({ appPassword: "An0ther-App-Pw~0123456789" }) }));
    assert.notDeepStrictEqual(newApp.dbUser.inputs.triggers, d.dbUser.inputs.triggers);
  });

  it("gives the app its own login, TLS verified against the mounted CA bundle, never the master's", async () => {
    const env = await valueOf(d.deployment.envFile);
    assert.ok(await isSecret(d.deployment.envFile));
    assert.ok(env.includes(`DATABASE_URL='${DATABASE_URL}'`));
    assert.ok(DATABASE_URL.startsWith(`postgres://${APP_DB_USER}:`), DATABASE_URL);
    assert.ok(DATABASE_URL.endsWith(`?sslmode=verify-full&sslrootcert=${DB_CA.mount}/${DB_CA.file}`));
    assert.ok(!env.includes(DB_PASSWORD), "the master password is not in the app's .env");
  });
});

describe("the app's database URL", () => {
  it("asks each engine's client for a verified certificate", () => {
    assert.strictEqual(verifiedTlsQuery("postgres"), "sslmode=verify-full&sslrootcert=/db-ca/ca.pem");
    assert.strictEqual(verifiedTlsQuery("mysql"), "ssl-mode=VERIFY_IDENTITY&ssl-ca=/db-ca/ca.pem");
    assert.strictEqual(appDatabaseUrl("mariadb", "p~w", "h", 3306, "app"),
      "mysql://compose_app:p~w@h:3306/app?ssl-mode=VERIFY_IDENTITY&ssl-ca=/db-ca/ca.pem");
  });

  it("is checked against RDS's CA bundle in a real program", () => {
    const pem = rdsCaBundle();
    assert.ok((pem.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length > 100, "the bundle holds every region's CAs");
  });

  it("refuses a password that would split db-user's stdin", () => {
    assert.throws(() => remote.dbUserStdin("a\nb", "x", TEST_CA_BUNDLE), /master password is empty or spans lines/);
    assert.throws(() => remote.dbUserStdin("a", "", TEST_CA_BUNDLE), /app password is empty/);
  });
});

describe("db-user.sh on the host (its docker client replaced by a recorder)", () => {
  // The real script, with `docker` on PATH a recorder of its arguments, environment and stdin: what
  // `docker inspect` would show of the client container is what the command line and -e flags carry.
  it("hands the one-off client container both passwords on stdin only, never in its environment or arguments", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "db-user-"));
    const recorder = path.join(dir, "docker");
    fs.writeFileSync(recorder,
      `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/args"\nenv > "${dir}/env"\ncat > "${dir}/stdin"\n`, { mode: 0o755 });
    const spec = { ...remoteSpecFor(args().appName, dir, APP), baseDir: dir };
    const line = remote.dbUserCommand(spec, { engine: "postgres", address: TEST_DB.address, port: TEST_DB.port,
      dbName: TEST_DB.dbName, masterUser: TEST_DB.username, appUser: APP_DB_USER });
    const r = child_process.spawnSync("bash", ["-c", line], {
      input: remote.dbUserStdin(DB_PASSWORD, APP_DB_PASSWORD, TEST_CA_BUNDLE),
      env: { PATH: `${dir}:${process.env.PATH}` },
      encoding: "utf8",
    });
    assert.strictEqual(r.status, 0, r.stderr);
    const argv = fs.readFileSync(path.join(dir, "args"), "utf8");
    const envFlags = argv.split("\n").filter((_, i, all) => all[i - 1] === "-e");
    assert.deepStrictEqual(envFlags.map((f) => f.split("=")[0]), ["DB_ENGINE", "DB_HOST", "DB_PORT", "DB_NAME",
      "DB_MASTER_USER", "DB_APP_USER", "DB_CA_FILE"]);
    for (const secret of [DB_PASSWORD, APP_DB_PASSWORD]) {
      assert.ok(!argv.includes(secret), "no password among docker's arguments");
      assert.ok(!fs.readFileSync(path.join(dir, "env"), "utf8").includes(secret), "nor in docker's environment");
    }
    assert.strictEqual(fs.readFileSync(path.join(dir, "stdin"), "utf8"), `${DB_PASSWORD}\n${APP_DB_PASSWORD}\n`);
    assert.strictEqual(fs.readFileSync(path.join(dir, "db-ca", DB_CA.file), "utf8"), `${TEST_CA_BUNDLE.trimEnd()}\n`);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
