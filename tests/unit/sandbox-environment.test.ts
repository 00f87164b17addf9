// What a sandbox needs before it starts: the Pulumi CLI, AWS credentials and a state backend,
// checked with injected env, runner and file checks.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkAwsCredentials, checkPulumiCli, PINNED_PULUMI_VERSION, prepareLocalBackend, resolveBackend,
  RunResult } from "../../scripts/lib/sandbox/environment";
import { SandboxError } from "../../scripts/lib/sandbox/rules";

describe("sandbox preconditions", () => {
  const ok = (stdout: string): RunResult => ({ status: 0, stdout, stderr: "" });

  it("reports a missing Pulumi CLI with the install link and the pinned version", () => {
    const missing = (): RunResult => ({ error: Object.assign(new Error("spawn pulumi ENOENT"), { code: "ENOENT" }),
      status: null, stdout: "", stderr: "" });
    assert.throws(
      () => checkPulumiCli(missing, () => undefined),
      (err: Error) =>
        err instanceof SandboxError
        && /not on PATH/.test(err.message)
        && err.message.includes(`--version ${PINNED_PULUMI_VERSION}`)
        && err.message.includes("https://www.pulumi.com/docs/"),
    );
  });

  it("reports a Pulumi CLI that fails to run", () => {
    const broken = (): RunResult => ({ status: 1, stdout: "", stderr: "segfault" });
    assert.throws(() => checkPulumiCli(broken, () => undefined), /'pulumi version' failed: segfault/);
  });

  it("accepts the pinned CLI silently and warns about another minor version", () => {
    const warnings: string[] = [];
    assert.strictEqual(checkPulumiCli(() => ok(`v${PINNED_PULUMI_VERSION}\n`), (w) => warnings.push(w)),
      PINNED_PULUMI_VERSION);
    assert.strictEqual(warnings.length, 0);
    checkPulumiCli(() => ok("v3.100.0\n"), (w) => warnings.push(w));
    assert.match(warnings.join(), /3\.100\.0 differs from the pinned/);
  });

  it("reports missing AWS credentials and names the fix", () => {
    assert.throws(
      () => checkAwsCredentials({ AWS_PROFILE: "" }, "/home/nobody", () => false),
      (err: Error) =>
        err instanceof SandboxError && /no AWS credentials/.test(err.message) && /AWS_PROFILE/.test(err.message)
        && /role-to-assume/.test(err.message),
    );
  });

  it("finds AWS credentials in env (keys, profile, OIDC token file) or in ~/.aws", () => {
    for (const name of ["AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE"]) {
      checkAwsCredentials({ [name]: "x" }, "/home/nobody", () => false);
    }
    checkAwsCredentials({}, "/home/me", (file) => file === "/home/me/.aws/credentials");
    checkAwsCredentials({}, "/home/me", (file) => file === "/home/me/.aws/config");
  });
});

describe("sandbox state backend", () => {
  it("defaults to a file backend inside the project with a generated passphrase file", () => {
    const backend = resolveBackend({}, "/repo");
    assert.strictEqual(backend.kind, "local");
    assert.strictEqual(backend.url, "file:///repo/.pulumi-state");
    assert.strictEqual(backend.envVars.PULUMI_BACKEND_URL, "file:///repo/.pulumi-state");
    assert.strictEqual(backend.envVars.PULUMI_CONFIG_PASSPHRASE_FILE, "/repo/.pulumi-state/passphrase");
    assert.strictEqual(backend.secretsProvider, "passphrase");
  });

  it("keeps a passphrase the user exported for the local backend", () => {
    const backend = resolveBackend({ PULUMI_CONFIG_PASSPHRASE: "mine" }, "/repo");
    assert.strictEqual(backend.envVars.PULUMI_CONFIG_PASSPHRASE_FILE, undefined);
    assert.strictEqual(backend.passphraseFileToCreate, undefined);
  });

  it("honours PULUMI_BACKEND_URL: a self-managed backend needs the team's passphrase", () => {
    assert.throws(() => resolveBackend({ PULUMI_BACKEND_URL: "s3://state/app" }, "/repo"), /PULUMI_CONFIG_PASSPHRASE/);
    const s3 = resolveBackend({ PULUMI_BACKEND_URL: "s3://state/app", PULUMI_CONFIG_PASSPHRASE: "team" }, "/repo");
    assert.deepStrictEqual([s3.kind, s3.url, s3.secretsProvider], ["self-managed", "s3://state/app", "passphrase"]);
  });

  it("honours PULUMI_BACKEND_URL: Pulumi Cloud keeps its own secrets provider", () => {
    const cloud = resolveBackend({ PULUMI_BACKEND_URL: "https://api.pulumi.com" }, "/repo");
    assert.deepStrictEqual([cloud.kind, cloud.secretsProvider], ["cloud", undefined]);
  });

  it("generates the local passphrase once, readable only by the owner", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sandbox-test-"));
    try {
      const backend = resolveBackend({}, dir);
      assert.strictEqual(prepareLocalBackend(backend), true);
      const file = path.join(dir, ".pulumi-state", "passphrase");
      const first = fs.readFileSync(file, "utf8");
      assert.ok(first.length >= 40);
      assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
      assert.strictEqual(prepareLocalBackend(backend), false);
      assert.strictEqual(fs.readFileSync(file, "utf8"), first);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
