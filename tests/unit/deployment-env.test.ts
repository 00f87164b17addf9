// What the deployment writes on the host and names the app by, as pure functions: the .env file
// (renderEnvFile), the deployment's own entries (deploymentEnv) and the compose project name.
import * as assert from "assert";
import { deploymentEnv, imageRefsTrigger, renderEnvFile } from "../../components/deployment";
import { stackResourceName } from "../../components/config";

const SHA_A = "a".repeat(64);
const DATABASE_URL = `postgres://app_admin:${"Sup3r-Secret-Pw!x"}@db.example.internal:5432/app`;
const DIGEST = `sha256:${"c".repeat(64)}`;
const REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app-dev/web";

describe("renderEnvFile", () => {
  it("writes sorted KEY='value' lines", () => {
    assert.strictEqual(renderEnvFile({ B: "2", A: "x y", C: "" }).split("\n").slice(1).join("\n"),
      "A='x y'\nB='2'\nC=''\n");
  });

  it("keeps characters compose reads literally inside single quotes", () => {
    const text = renderEnvFile({ URL: 'postgres://u:p%40!#$x*()=+[]{}<>?~^`|;"@h:5432/d' });
    assert.ok(text.includes(`URL='postgres://u:p%40!#$x*()=+[]{}<>?~^\`|;"@h:5432/d'`));
  });

  it("refuses invalid names, line breaks and characters compose v1 and v2 read differently", () => {
    assert.throws(() => renderEnvFile({ "1BAD": "x" }), /valid variable name/);
    assert.throws(() => renderEnvFile({ "A-B": "x" }), /valid variable name/);
    assert.throws(() => renderEnvFile({ A: "x\ny" }), /line break/);
    assert.throws(() => renderEnvFile({ A: "x\ry" }), /line break/);
    assert.throws(() => renderEnvFile({ A: "it's" }), /read differently/);
    assert.throws(() => renderEnvFile({ A: "back\\slash" }), /read differently/);
    assert.throws(() => renderEnvFile({ A: "${HOME}" }), /interpolate/);
  });

  it("names the key but never the value in its errors", () => {
    try {
      renderEnvFile({ DATABASE_URL: "postgres://u:hunter2'@h/d" });
      assert.fail("expected an error");
    } catch (e) {
      assert.ok((e as Error).message.includes("DATABASE_URL"));
      assert.ok(!(e as Error).message.includes("hunter2"));
    }
  });
});

describe("deploymentEnv", () => {
  const base = { appEnv: {}, databaseUrl: DATABASE_URL, secretKey: "k".repeat(64), releaseId: SHA_A,
    allowedHosts: ["a.example", "1.2.3.4"] };

  it("holds DATABASE_URL, the secret key, RELEASE_ID and ALLOWED_HOSTS", () => {
    const env = deploymentEnv(base);
    assert.strictEqual(env.DATABASE_URL, DATABASE_URL);
    assert.strictEqual(env.SECRET_KEY, "k".repeat(64));
    assert.strictEqual(env.DJANGO_SECRET_KEY, "k".repeat(64));
    assert.strictEqual(env.RELEASE_ID, SHA_A);
    assert.strictEqual(env.ALLOWED_HOSTS, "a.example,1.2.3.4");
    assert.strictEqual(env.WEB_IMAGE, undefined);
  });

  it("adds appEnv entries but refuses ones the deployment owns", () => {
    assert.strictEqual(deploymentEnv({ ...base, appEnv: { LOG_LEVEL: "info" } }).LOG_LEVEL, "info");
    assert.throws(() => deploymentEnv({ ...base, appEnv: { DATABASE_URL: "x" } }), /may not set DATABASE_URL/);
  });

  it("maps each registry image to <SERVICE>_IMAGE (repository) and <SERVICE>_IMAGE_REF (digest ref)", () => {
    const env = deploymentEnv({ ...base,
      imageRefs: { web: `${REPO}:${SHA_A}@${DIGEST}`, "celery-worker": `${REPO}w@${DIGEST}` } });
    assert.strictEqual(env.WEB_IMAGE, REPO);
    assert.strictEqual(env.WEB_IMAGE_REF, `${REPO}:${SHA_A}@${DIGEST}`);
    assert.strictEqual(env.CELERY_WORKER_IMAGE, `${REPO}w`);
  });

  it("orders image refs stably in the trigger", () => {
    assert.strictEqual(imageRefsTrigger({ web: "w@x", api: "a@y" }), "api=a@y,web=w@x");
    assert.strictEqual(imageRefsTrigger(undefined), "");
  });
});

describe("stackResourceName (the compose project name)", () => {
  it("lowercases and replaces what compose project names do not allow", () => {
    assert.strictEqual(stackResourceName("compose-on-ec2", "dev"), "compose-on-ec2-dev");
    assert.strictEqual(stackResourceName("Compose_On_EC2", "PR-42.sandbox"), "compose-on-ec2-pr-42-sandbox");
  });

  it("stays within 63 characters and distinct for long names", () => {
    const a = stackResourceName("p", "x".repeat(80));
    const b = stackResourceName("p", `${"x".repeat(79)}y`);
    assert.ok(a.length <= 63 && b.length <= 63);
    assert.notStrictEqual(a, b);
    assert.match(a, /^[a-z0-9][a-z0-9-]*$/);
  });
});
