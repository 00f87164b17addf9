import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { isSecret, valueOf } from "../../lib/engine";
import { stackRun, testDatabaseLogins } from "../support/fixtures";
import { APP, APP_DB_PASSWORD, args, connection, DATABASE_URL, DB_PASSWORD, deploy, Deployed, DIGEST, HOST_KEY,
  PRIVATE_KEY, replaceOnChanges, REPO, settle, SHA_A, SHA_B, startMocks, urnOf } from "../support/deployment";
import { hostBaseDir } from "../../components/layout";
import {
  BOOT_DIAL_ERROR_LIMIT,
  BOOT_PER_DIAL_TIMEOUT,
  ComposeDeployment,
  DEFAULT_HOST_PORTS,
  remoteSpecFor,
  sha256Hex,
} from "../../components/deployment";
import * as remote from "../../components/remote";

/** A resource the deployment may depend on (a firewall rule, the database). */
class StandIn extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:StandIn", name, {});
  }
}

describe("ComposeDeployment", () => {
  // The spec the deployment builds from its args (remoteSpecFor is its one source; remote.test.ts covers the lines).
  const spec = remoteSpecFor(args().appName, args().connection.baseDir, APP);
  // One run with the default args serves every test that only inspects it (mocked runs cost ~0.2 s).
  let d: Deployed;
  before(async () => {
    d = await deploy();
  });

  it("sends exactly remote.ts's command lines", async () => {
    assert.strictEqual(d.waitReady.inputs.create, remote.waitReadyCommand(spec));
    assert.strictEqual(d.deploy.inputs.create, remote.deployCommand(spec, SHA_A));
    assert.strictEqual(d.teardown.inputs.delete, remote.teardownFromRunnerScript());
    assert.strictEqual(d.teardown.inputs.environment.TEARDOWN_COMMAND, remote.destroyCommand(spec));
    const c = connection();
    const teardownTarget = { host: c.address, port: c.port, user: c.user, privateKey: PRIVATE_KEY, hostKey: HOST_KEY };
    assert.deepStrictEqual({ ...d.teardown.inputs.environment }, { ...remote.teardownEnvironment(teardownTarget, spec),
      TEARDOWN_INSTANCE: c.instanceId });
    assert.strictEqual(spec.httpPort, DEFAULT_HOST_PORTS.http,
      "the edge listens on the default HTTP port unless a test asks for another");
    assert.strictEqual(d.upload.inputs.create, remote.runnerScript("upload"));
    const release = { sha256: SHA_A, manifest: `.pulumi-bundles/${SHA_A}.manifest`, store: ".pulumi-bundles/store" };
    assert.deepStrictEqual({ ...d.upload.inputs.environment }, remote.uploadEnvironment(teardownTarget, spec, release));
    assert.strictEqual(await valueOf(d.deployment.releaseId), SHA_A);
  });

  it("uploads from the machine running Pulumi: the manifest and the local store, paths relative to the project", async () => {
    assert.strictEqual(d.upload.type, "command:local:Command");
    assert.deepStrictEqual(d.upload.inputs.interpreter, ["/bin/bash", "-c"]);
    const env = d.upload.inputs.environment;
    assert.deepStrictEqual([env.UPLOAD_MANIFEST, env.UPLOAD_STORE, env.UPLOAD_PROXY_COMMAND], [
      `.pulumi-bundles/${SHA_A}.manifest`,
      ".pulumi-bundles/store",
      "",
    ]);
    assert.strictEqual(env.UPLOAD_MISSING_COMMAND, remote.uploadCommand(spec, SHA_A, "missing"));
    assert.strictEqual(env.UPLOAD_RECEIVE_COMMAND, remote.uploadCommand(spec, SHA_A, "receive"));
    assert.strictEqual(d.upload.inputs.addPreviousOutputInEnv, false);
  });

  it("never puts the DB password, DATABASE_URL or the secret key in a command line or trigger", async () => {
    const envFile = await valueOf(d.deployment.envFile);
    const secretKey = /^SECRET_KEY='([^']+)'$/m.exec(envFile)?.[1];
    assert.ok(secretKey && secretKey.length === 64, "secret key present in .env");
    const secrets = [DB_PASSWORD, APP_DB_PASSWORD, DATABASE_URL, secretKey];
    for (const r of [d.waitReady, d.upload, d.dbUser, d.deploy, d.teardown]) {
      // Everything the provider shows or logs: all inputs except stdin (the .env), the connection (the key)
      // and the teardown's environment (the key, secret; checked below).
      const visible = Object.fromEntries(
        Object.entries(r.inputs).filter(([k]) => !["stdin", "connection", "environment"].includes(k)),
      );
      const text = JSON.stringify(visible);
      for (const s of secrets) assert.ok(!text.includes(s), `${r.name} must not contain a secret outside stdin`);
    }
    // The .env travels on stdin, and its trigger is a hash.
    assert.strictEqual(d.deploy.inputs.stdin, envFile);
    assert.ok(envFile.includes(`DATABASE_URL='${DATABASE_URL}'`));
    assert.ok(d.deploy.inputs.triggers.includes(sha256Hex(envFile)));
  });

  it("marks stdin, the .env and the deploy output secret", async () => {
    assert.ok(d.deploy.secretInputs.includes("stdin"), "stdin arrives as a secret");
    assert.ok(await isSecret(d.deployment.envFile));
    assert.ok(await isSecret(d.deployment.deployOutput));
    for (const k of ["stdout", "stderr", "stdin"]) {
      assert.ok(d.deploy.options.additionalSecretOutputs.includes(k), `${k} secret`);
    }
    assert.ok(d.deploy.secretInputs.includes("connection"), "the private key keeps the connection secret");
    assert.ok(d.teardown.secretInputs.includes("environment"),
      "the private key keeps the teardown's environment secret");
    const teardownEnv = { ...d.teardown.inputs.environment, TEARDOWN_KEY: "" };
    for (const s of [DB_PASSWORD, APP_DB_PASSWORD, DATABASE_URL]) {
      assert.ok(!JSON.stringify(teardownEnv).includes(s), "only the SSH key is secret in the teardown's environment");
    }
  });

  it("keeps the output of everything that reads the .env out of the logs", async () => {
    assert.strictEqual(d.deploy.inputs.logging, "none");
    assert.strictEqual(d.teardown.inputs.logging, "none");
    for (const k of ["stdout", "stderr"]) {
      assert.ok(d.teardown.options.additionalSecretOutputs.includes(k), `teardown ${k} secret`);
    }
    // wait-ready gets no stdin and runs before any .env exists: its progress may be shown.
    assert.strictEqual(d.waitReady.inputs.logging, "stdoutAndStderr");
  });

  it("gives the same triggers for the same bundle and env, and new ones when either changes", async () => {
    const first = d.deploy.inputs.triggers;
    const again = (await deploy()).deploy.inputs.triggers;
    assert.deepStrictEqual(again, first);
    assert.deepStrictEqual(first.slice(0, 1), [SHA_A]);

    const changed = await deploy(
      args({
        bundle: { path: `x/${SHA_B}.manifest`, sha256: SHA_B, storeDir: "x/store", files: ["docker-compose.prod.yml"] },
      }),
    );
    const newBundle = changed.deploy;
    assert.notDeepStrictEqual(newBundle.inputs.triggers, first);
    assert.strictEqual(newBundle.inputs.create, remote.deployCommand(spec, SHA_B));
    assert.deepStrictEqual(changed.upload.inputs.triggers, [SHA_B, "i-0123456789abcdef0"], "a new release is uploaded");
    assert.deepStrictEqual((await deploy()).upload.inputs.triggers, d.upload.inputs.triggers,
      "the same release is not");

    const newEnv = (await deploy(args({ app: { ...APP, env: { FEATURE_FLAG: "off" } } }))).deploy.inputs.triggers;
    assert.notDeepStrictEqual(newEnv, first);
    assert.strictEqual(newEnv[0], SHA_A, "same bundle");
    assert.notStrictEqual(newEnv[1], first[1], "env hash changed");

    const newDbUrl =
      (await deploy(args({ database: testDatabaseLogins({ appUrl: `${DATABASE_URL}&connect_timeout=5` }) })))
        .deploy.inputs.triggers;
    assert.notStrictEqual(newDbUrl[1], first[1]);
  });

  it("re-runs wait-ready, upload and deploy for a new instance only", async () => {
    const b = await deploy(args({ connection: connection({ instanceId: "i-0fedcba9876543210" }) }));
    assert.deepStrictEqual(d.waitReady.inputs.triggers, ["i-0123456789abcdef0"]);
    assert.deepStrictEqual(b.waitReady.inputs.triggers, ["i-0fedcba9876543210"]);
    assert.deepStrictEqual(d.upload.inputs.triggers, [SHA_A, "i-0123456789abcdef0"]);
    assert.deepStrictEqual(b.upload.inputs.triggers, [SHA_A, "i-0fedcba9876543210"]);
    assert.notDeepStrictEqual(b.deploy.inputs.triggers, d.deploy.inputs.triggers);
  });

  it("logs in with the host's connection: its address, port, user and key", async () => {
    const up = d.upload.inputs.environment;
    assert.deepStrictEqual([up.UPLOAD_TARGET, up.UPLOAD_PORT, up.UPLOAD_USER, up.UPLOAD_HOST_KEY], ["203.0.113.10",
      "22", "ec2-user", HOST_KEY]);
    assert.match(up.UPLOAD_KEY, /BEGIN OPENSSH PRIVATE KEY/);
    for (const r of [d.waitReady, d.deploy]) {
      const c = r.inputs.connection;
      assert.deepStrictEqual([c.host, c.port, c.user], ["203.0.113.10", 22, "ec2-user"]);
      assert.match(c.privateKey, /BEGIN OPENSSH PRIVATE KEY/);
      assert.strictEqual(c.hostKey, HOST_KEY, "every remote connection verifies the pinned host key");
    }
    const env = d.teardown.inputs.environment;
    assert.deepStrictEqual([env.TEARDOWN_USER, env.TEARDOWN_PORT, env.TEARDOWN_HOST_KEY], ["ec2-user", "22", HOST_KEY]);
    const pinned = await deploy(
      args({ connection: connection({ port: 2222, hostKey: "ssh-ed25519 AAAAC3Nz other" }) }),
    );
    assert.strictEqual(pinned.deploy.inputs.connection.hostKey, "ssh-ed25519 AAAAC3Nz other");
    assert.strictEqual(pinned.deploy.inputs.connection.port, 2222);
    assert.strictEqual(pinned.teardown.inputs.environment.TEARDOWN_PORT, "2222");
  });

  it("finds the app under the connection's base directory", async () => {
    const baseDir = hostBaseDir("ubuntu");
    const other = await deploy(args({ connection: connection({ user: "ubuntu", baseDir }) }));
    const otherSpec = remoteSpecFor(args().appName, baseDir, APP);
    assert.strictEqual(other.upload.inputs.environment.UPLOAD_MISSING_COMMAND,
      remote.uploadCommand(otherSpec, SHA_A, "missing"));
    assert.ok(other.upload.inputs.environment.UPLOAD_MISSING_COMMAND.includes(remote.shellQuote(`${baseDir}/store`)));
    assert.strictEqual(other.deploy.inputs.create, remote.deployCommand(otherSpec, SHA_A));
    assert.ok(other.deploy.inputs.create.includes(`'--base-dir' ${remote.shellQuote(baseDir)}`));
  });

  it("tolerates a booting instance with dialErrorLimit and perDialTimeout", async () => {
    for (const r of [d.waitReady, d.deploy]) {
      assert.strictEqual(r.inputs.connection.dialErrorLimit, BOOT_DIAL_ERROR_LIMIT);
      assert.strictEqual(r.inputs.connection.perDialTimeout, BOOT_PER_DIAL_TIMEOUT);
    }
  });

  it("tears down from the machine running Pulumi, so a host that is already gone does not block destroy", async () => {
    assert.strictEqual(d.teardown.type, "command:local:Command");
    assert.deepStrictEqual(d.teardown.inputs.interpreter, ["/bin/bash", "-c"]);
    const env = d.teardown.inputs.environment;
    assert.deepStrictEqual([env.TEARDOWN_HOST, env.TEARDOWN_PORT, env.TEARDOWN_INSTANCE], ["203.0.113.10", "22",
      "i-0123456789abcdef0"]);
    // The script probes the SSH port (bounded) and treats silence as "gone"; tests/host runs it for real.
    assert.match(d.teardown.inputs.delete, /\/dev\/tcp\/\$0\/\$1/);
    assert.match(d.teardown.inputs.delete, /the host is gone/);
  });

  it("runs compose down only from a teardown that is never replaced", async () => {
    assert.strictEqual(d.teardown.inputs.create, "true",
      "a no-op create: nothing runs on up (and no perpetual diff, pulumi-command#920)");
    assert.strictEqual(d.teardown.inputs.triggers, undefined,
      "no triggers: never replaced, so its delete runs only on destroy");
    assert.strictEqual(d.deploy.inputs.delete, undefined,
      "the deploy is replaced per release; a delete there would stop the new release");
    assert.strictEqual(d.waitReady.inputs.delete, undefined);
    // Why: the SDK makes any trigger change a replacement (create new, then delete old).
    assert.deepStrictEqual(replaceOnChanges.get("app-deploy"), ["triggers[*]"]);
  });

  it("orders the steps: upload after wait-ready, deploy after the upload and the teardown", async () => {
    assert.ok(d.upload.options.dependencies.includes(urnOf(d.waitReady)), "upload depends on wait-ready");
    assert.ok(d.deploy.options.dependencies.includes(urnOf(d.upload)), "deploy depends on upload");
    assert.ok(d.deploy.options.dependencies.includes(urnOf(d.teardown)), "deploy depends on teardown");
  });

  it("keeps the SSH access until the teardown is done: wait-ready and the teardown depend on it", async () => {
    const mock = await startMocks();
    const rule = new StandIn("fw-web-ssh-x");
    const db = new StandIn("db-instance");
    const deployment = new ComposeDeployment("ordered", args({ sshAccess: [rule], teardownBefore: [db] }));
    await valueOf(deployment.deployOutput);
    await settle(mock);
    const ruleUrn = await valueOf(rule.urn);
    const dbUrn = await valueOf(db.urn);
    const deps = (n: string) => mock.resources.find((r) => r.name === n)!.options.dependencies;
    assert.ok(deps("ordered-wait-ready").includes(ruleUrn), "wait-ready waits for the SSH rule");
    assert.ok(deps("ordered-teardown").includes(ruleUrn), "destroy deletes the SSH rule only after the teardown");
    assert.ok(deps("ordered-teardown").includes(dbUrn), "destroy deletes the database only after the teardown");
  });

  it("never re-runs commands with the previous output in their environment", async () => {
    for (const r of [d.waitReady, d.deploy, d.teardown]) assert.strictEqual(r.inputs.addPreviousOutputInEnv, false);
  });

  it("refuses a bundle whose sha256 is not a digest before registering anything", async () => {
    const mock = await startMocks();
    const before = mock.resources.length;
    assert.throws(
      () =>
        new ComposeDeployment("badsha",
          args({ bundle: { path: "x", sha256: "abc; rm -rf /", storeDir: "s", files: ["docker-compose.prod.yml"] } })),
      /sha256/,
    );
    await settle(mock);
    assert.ok(!mock.resources.slice(before).some((r) => r.name.startsWith("badsha-")),
      "no child of the deployment registered");
  });

  it("refuses a bundle without the compose file", async () => {
    await startMocks();
    assert.throws(
      () =>
        new ComposeDeployment("nocompose",
          args({ bundle: { path: "x", sha256: SHA_A, storeDir: "s", files: ["manage.py"] } })),
      /no docker-compose\.prod\.yml/,
    );
  });

  it("passes registry image refs to the host and requires them exactly in registry mode", async () => {
    const registryApp = { ...APP, deployMode: "registry" as const };
    const d = await deploy(args({ app: registryApp, imageRefs: { web: `${REPO}@${DIGEST}` } }));
    const envFile = await valueOf(d.deployment.envFile);
    assert.ok(envFile.includes(`WEB_IMAGE='${REPO}'`));
    assert.ok(envFile.includes(`WEB_IMAGE_REF='${REPO}@${DIGEST}'`));
    assert.ok(d.deploy.inputs.triggers.includes(`web=${REPO}@${DIGEST}`));
    assert.strictEqual(d.deploy.inputs.create, remote.deployCommand({ ...spec, deployMode: "registry" }, SHA_A));
    await startMocks();
    assert.throws(() => new ComposeDeployment("noimages", args({ app: registryApp })), /needs imageRefs/);
    assert.throws(() => new ComposeDeployment("hostimages", args({ imageRefs: { web: `${REPO}@${DIGEST}` } })),
      /do not pass imageRefs/);
  });
});

describe("the stack's destroy order", () => {
  for (const stack of ["dev", "prod"] as const) {
    it(`${stack}: the teardown and wait-ready depend on every firewall rule, so SSH (when open) stays open until compose is down`, async () => {
      const { mock } = await stackRun(stack);
      const teardown = mock.resources.find((r) => r.name === "app-teardown")!;
      const waitReady = mock.resources.find((r) => r.name === "app-wait-ready")!;
      const rules = mock.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
      const sshRules = rules.filter((r) => r.inputs.fromPort === 22);
      assert.strictEqual(sshRules.length > 0, stack === "dev", "dev (transport ssh) opens SSH, prod (ssm) does not");
      for (const rule of rules) {
        assert.ok(teardown.options.dependencies.includes(rule.options.urn!), `teardown depends on ${rule.name}`);
        assert.ok(waitReady.options.dependencies.includes(rule.options.urn!), `wait-ready depends on ${rule.name}`);
      }
      const db = mock.one("aws:rds/instance:Instance");
      assert.ok(teardown.options.dependencies.includes(db.options.urn!), "teardown runs before the database goes");
    });
  }
});
