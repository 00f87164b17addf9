// Sandboxes without the Pulumi CLI: the pure rules directly, the commands through a fake workspace
// that records every call, and the precondition checks with injected env / runner / file checks.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  CommandContext,
  destroySandbox,
  formatSandboxTable,
  listSandboxes,
  reapSandboxes,
  SandboxStack,
  SandboxWorkspace,
  upSandbox,
} from "../../scripts/lib/sandbox/commands";
import {
  checkAwsCredentials,
  checkPulumiCli,
  PINNED_PULUMI_VERSION,
  prepareLocalBackend,
  resolveBackend,
  RunResult,
} from "../../scripts/lib/sandbox/environment";
import {
  ConfigMap,
  expiresAt,
  formatDuration,
  isExpired,
  isSandbox,
  nameProblems,
  parseTtl,
  readRecord,
  resolveOwner,
  SandboxError,
  sandboxConfig,
} from "../../scripts/lib/sandbox/rules";
import { main } from "../../scripts/sandbox";
import { openWorkspace } from "../../scripts/lib/sandbox/workspace";
import { parseConfig } from "../../components/config";

// js-yaml ships with @pulumi/pulumi (it reads stack settings with it) but without type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as { load(text: string): unknown };

const PROJECT = "compose-on-ec2";
const HOUR = 3_600_000;
const NOW = new Date("2026-11-23T12:00:00.000Z");

const DEV_SETTINGS: Record<string, unknown> = {
  "aws:region": "eu-central-1",
  [`${PROJECT}:instanceType`]: "t3.small",
  [`${PROJECT}:dbInstanceClass`]: "db.t4g.small",
  [`${PROJECT}:dbMultiAz`]: true,
  [`${PROJECT}:dbBackupRetentionDays`]: 7,
  [`${PROJECT}:dbMaxAllocatedStorageGb`]: 100,
  [`${PROJECT}:sshPublicKey`]: "ssh-ed25519 AAAA dev",
  [`${PROJECT}:sshPrivateKey`]: { secure: "v1:abc" },
  [`${PROJECT}:sshCidrs`]: ["203.0.113.0/24"],
  [`${PROJECT}:tags`]: { team: "web" },
  [`${PROJECT}:appEnv`]: { API_TOKEN: { secure: "v1:def" } },
  [`${PROJECT}:dbUsername`]: { secure: "v1:ghi" },
  keepReleases: 3,
  [`${PROJECT}:stage`]: "dev",
};

describe("sandbox names", () => {
  it("accepts lowercase names with digits and single hyphens", () => {
    for (const name of ["pr-42", "alice-try-redis", "a", "x".repeat(40)]) assert.deepStrictEqual(nameProblems(name), [], name);
  });

  it("rejects dev and prod, which are shared stacks", () => {
    assert.match(nameProblems("dev").join(), /shared stack/);
    assert.match(nameProblems("prod").join(), /shared stack/);
  });

  it("rejects names Pulumi or AWS would refuse or mangle", () => {
    const cases: [string, RegExp][] = [
      ["", /empty/],
      ["PR-42", /lowercase/],
      ["pr_42", /lowercase/],
      ["pr.42", /lowercase/],
      ["42-pr", /start with a lowercase letter/],
      ["-pr", /start with a lowercase letter/],
      ["pr-", /end with '-'/],
      ["pr--42", /'--'/],
      ["x".repeat(41), /41 characters; at most 40/],
    ];
    for (const [name, problem] of cases) assert.match(nameProblems(name).join("; "), problem, name);
  });
});

describe("sandbox TTL", () => {
  it("parses minutes, hours and days", () => {
    assert.strictEqual(parseTtl("90m"), 1.5 * HOUR);
    assert.strictEqual(parseTtl("72h"), 72 * HOUR);
    assert.strictEqual(parseTtl("7d"), 7 * 24 * HOUR);
  });

  it("accepts exactly the bounds 1h and 30d", () => {
    assert.strictEqual(parseTtl("1h"), HOUR);
    assert.strictEqual(parseTtl("60m"), HOUR);
    assert.strictEqual(parseTtl("30d"), 30 * 24 * HOUR);
  });

  it("rejects TTLs below 1h or above 30d", () => {
    assert.throws(() => parseTtl("30m"), /too short: at least 1h/);
    assert.throws(() => parseTtl("31d"), /too long: at most 30d/);
    assert.throws(() => parseTtl("721h"), /too long/);
  });

  it("rejects TTLs without a unit, with fractions, zero or other units", () => {
    for (const text of ["72", "1.5h", "0h", "2w", "h", "-1h", ""]) assert.throws(() => parseTtl(text), SandboxError, text);
  });

  it("computes the expiry as now + TTL in ISO-8601 UTC", () => {
    assert.strictEqual(expiresAt(NOW, parseTtl("72h")), "2026-11-26T12:00:00.000Z");
  });

  it("renders durations in days/hours/minutes and negative ones as expired", () => {
    assert.strictEqual(formatDuration(2 * 24 * HOUR + 3 * HOUR + 5 * 60_000), "2d 3h");
    assert.strictEqual(formatDuration(5 * HOUR + 10 * 60_000), "5h 10m");
    assert.strictEqual(formatDuration(12 * 60_000), "12m");
    assert.strictEqual(formatDuration(-1), "expired");
  });
});

describe("sandbox owner", () => {
  it("prefers --owner, then GITHUB_ACTOR, then git email, then USER", () => {
    assert.strictEqual(resolveOwner({ flag: "carol", githubActor: "octo", gitEmail: "a@b.c", user: "root" }), "carol");
    assert.strictEqual(resolveOwner({ githubActor: "octo", gitEmail: "a@b.c", user: "root" }), "octo");
    assert.strictEqual(resolveOwner({ githubActor: " ", gitEmail: "a@b.c", user: "root" }), "a@b.c");
    assert.strictEqual(resolveOwner({ user: "root" }), "root");
    assert.strictEqual(resolveOwner({}), "unknown");
  });
});

describe("sandbox settings", () => {
  const { config, skippedSecrets } = sandboxConfig(DEV_SETTINGS, { project: PROJECT, owner: "alice", expiresAt: "2026-11-26T12:00:00.000Z" });
  const value = (key: string): unknown => config[`${PROJECT}:${key}`];

  it("sets stage sandbox (no deletion protection, no final snapshot) and records owner and expiry", () => {
    assert.strictEqual(value("stage"), "sandbox");
    assert.strictEqual(value("sandboxOwner"), "alice");
    assert.strictEqual(value("sandboxExpiresAt"), "2026-11-26T12:00:00.000Z");
  });

  it("uses the smallest sizes, single-AZ and one day of backups", () => {
    assert.strictEqual(value("instanceType"), "t3.micro");
    assert.strictEqual(value("dbInstanceClass"), "db.t4g.micro");
    assert.strictEqual(value("dbAllocatedStorageGb"), 20);
    assert.strictEqual(value("dbMultiAz"), false);
    assert.strictEqual(value("dbBackupRetentionDays"), 1);
  });

  it("keeps dev's architecture: a Graviton dev gets t4g.micro", () => {
    const arm = sandboxConfig({ [`${PROJECT}:instanceType`]: "m7g.large" }, { project: PROJECT, owner: "a", expiresAt: "x" });
    assert.strictEqual(arm.config[`${PROJECT}:instanceType`], "t4g.micro");
  });

  it("leaves the SSH key unset so the program generates one, and drops storage autoscaling", () => {
    assert.strictEqual(value("sshPublicKey"), undefined);
    assert.strictEqual(value("sshPrivateKey"), undefined);
    assert.strictEqual(value("dbMaxAllocatedStorageGb"), undefined);
  });

  it("skips dev's encrypted values and names them", () => {
    assert.deepStrictEqual(skippedSecrets, [`${PROJECT}:appEnv`, `${PROJECT}:dbUsername`]);
    assert.strictEqual(value("appEnv"), undefined);
  });

  it("copies dev's other settings with their YAML types, so lists stay lists for the project schema", () => {
    assert.strictEqual(config["aws:region"], "eu-central-1");
    assert.deepStrictEqual(value("sshCidrs"), ["203.0.113.0/24"]);
    assert.deepStrictEqual(value("tags"), { team: "web" });
    assert.strictEqual(value("keepReleases"), 3, "a key without namespace belongs to the project");
  });
});

describe("sandbox settings from the committed Pulumi.dev.yaml", () => {
  it("parse with the program's own config rules into a small, unprotected, tagged sandbox", () => {
    const file = path.join(__dirname, "..", "..", "Pulumi.dev.yaml");
    const devSettings = (yaml.load(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> }).config;
    const { config } = sandboxConfig(devSettings, { project: PROJECT, owner: "octocat", expiresAt: "2026-11-26T12:00:00.000Z" });
    const raw: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(config)) {
      if (key.startsWith(`${PROJECT}:`)) raw[key.slice(PROJECT.length + 1)] = entry;
    }
    const parsed = parseConfig(raw, { project: PROJECT, stack: "pr-7", region: String(config["aws:region"]), fileExists: () => true });
    assert.strictEqual(parsed.stage, "sandbox");
    assert.strictEqual(parsed.database.protectData, false);
    assert.strictEqual(parsed.database.multiAz, false);
    assert.strictEqual(parsed.database.backupRetentionDays, 1);
    assert.strictEqual(parsed.database.instanceClass, "db.t4g.micro");
    assert.strictEqual(parsed.database.maxAllocatedStorageGb, undefined);
    assert.strictEqual(parsed.host.sshPublicKey, undefined);
    assert.match(parsed.host.instanceType, /^t(3|4g)\.micro$/);
    assert.strictEqual(parsed.tags.owner, "octocat");
    assert.strictEqual(parsed.tags["expires-at"], "2026-11-26T12:00:00.000Z");
  });
});

describe("sandbox records", () => {
  const recorded = (stage: string, expires?: string): ConfigMap => ({
    [`${PROJECT}:stage`]: { value: stage },
    [`${PROJECT}:sandboxOwner`]: { value: "alice" },
    ...(expires ? { [`${PROJECT}:sandboxExpiresAt`]: { value: expires } } : {}),
  });

  it("reads stage, owner and expiry from the recorded config", () => {
    const record = readRecord(recorded("sandbox", "2026-11-23T11:00:00Z"), PROJECT);
    assert.deepStrictEqual(record, { stage: "sandbox", owner: "alice", expiresAt: new Date("2026-11-23T11:00:00Z") });
  });

  it("treats an unparseable expiry as none", () => {
    assert.strictEqual(readRecord(recorded("sandbox", "soon"), PROJECT).expiresAt, undefined);
  });

  it("is expired at or after the recorded expiry, never without one", () => {
    assert.ok(isExpired(readRecord(recorded("sandbox", "2026-11-23T12:00:00Z"), PROJECT), NOW));
    assert.ok(!isExpired(readRecord(recorded("sandbox", "2026-11-23T12:00:01Z"), PROJECT), NOW));
    assert.ok(!isExpired(readRecord(recorded("sandbox"), PROJECT), NOW));
  });

  it("never counts dev or prod as a sandbox, even qualified or mislabelled", () => {
    const sandboxRecord = readRecord(recorded("sandbox"), PROJECT);
    assert.ok(isSandbox("pr-1", sandboxRecord));
    for (const name of ["dev", "prod", "acme/prod", "acme/compose-on-ec2/dev"]) assert.ok(!isSandbox(name, sandboxRecord), name);
    assert.ok(!isSandbox("staging", readRecord(recorded("prod"), PROJECT)));
  });
});

describe("sandbox preconditions", () => {
  const ok = (stdout: string): RunResult => ({ status: 0, stdout, stderr: "" });

  it("reports a missing Pulumi CLI with the install link and the pinned version", () => {
    const missing = (): RunResult => ({ error: Object.assign(new Error("spawn pulumi ENOENT"), { code: "ENOENT" }), status: null, stdout: "", stderr: "" });
    assert.throws(
      () => checkPulumiCli(missing, () => undefined),
      (err: Error) =>
        err instanceof SandboxError &&
        /not on PATH/.test(err.message) &&
        err.message.includes(`--version ${PINNED_PULUMI_VERSION}`) &&
        err.message.includes("https://www.pulumi.com/docs/"),
    );
  });

  it("reports a Pulumi CLI that fails to run", () => {
    const broken = (): RunResult => ({ status: 1, stdout: "", stderr: "segfault" });
    assert.throws(() => checkPulumiCli(broken, () => undefined), /'pulumi version' failed: segfault/);
  });

  it("accepts the pinned CLI silently and warns about another minor version", () => {
    const warnings: string[] = [];
    assert.strictEqual(checkPulumiCli(() => ok(`v${PINNED_PULUMI_VERSION}\n`), (w) => warnings.push(w)), PINNED_PULUMI_VERSION);
    assert.strictEqual(warnings.length, 0);
    checkPulumiCli(() => ok("v3.100.0\n"), (w) => warnings.push(w));
    assert.match(warnings.join(), /3\.100\.0 differs from the pinned/);
  });

  it("reports missing AWS credentials and names the fix", () => {
    assert.throws(
      () => checkAwsCredentials({ AWS_PROFILE: "" }, "/home/nobody", () => false),
      (err: Error) => err instanceof SandboxError && /no AWS credentials/.test(err.message) && /AWS_PROFILE/.test(err.message) && /role-to-assume/.test(err.message),
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

/** A stack in the fake backend. */
interface FakeStackState {
  history: { startTime: Date; config: ConfigMap }[];
  outputs: Record<string, unknown>;
  failDestroy?: string;
}

/** Records every call the commands make; stacks live in a map instead of a backend. */
class FakeWorkspace implements SandboxWorkspace {
  readonly calls: string[] = [];
  readonly stacks = new Map<string, FakeStackState>();
  devSettings: Record<string, unknown> = DEV_SETTINGS;

  async projectName(): Promise<string> {
    return PROJECT;
  }
  async stackSettingsConfig(stackName: string): Promise<Record<string, unknown>> {
    this.calls.push(`stackSettings ${stackName}`);
    return this.devSettings;
  }
  async listStacks(): Promise<string[]> {
    this.calls.push("listStacks");
    return [...this.stacks.keys()];
  }
  async selectStack(name: string): Promise<SandboxStack | undefined> {
    this.calls.push(`select ${name}`);
    return this.stacks.has(name) ? this.stack(name) : undefined;
  }
  async createOrSelectStack(name: string): Promise<SandboxStack> {
    this.calls.push(`createOrSelect ${name}`);
    if (!this.stacks.has(name)) this.stacks.set(name, { history: [], outputs: {} });
    return this.stack(name);
  }
  async removeStack(name: string): Promise<void> {
    this.calls.push(`removeStack ${name}`);
    this.stacks.delete(name);
  }

  /** Adds a stack whose last update ran with `config`, first updated `ageMs` before NOW. */
  addStack(name: string, config: ConfigMap, opts: { ageMs?: number; url?: string; failDestroy?: string } = {}): void {
    const startTime = new Date(NOW.getTime() - (opts.ageMs ?? HOUR));
    this.stacks.set(name, { history: [{ startTime, config }], outputs: opts.url ? { url: opts.url } : {}, failDestroy: opts.failDestroy });
  }

  private stack(name: string): SandboxStack {
    const state = (): FakeStackState => {
      const found = this.stacks.get(name);
      if (!found) throw new Error(`fake: stack ${name} is gone`);
      return found;
    };
    let pendingConfig: ConfigMap = {};
    return {
      name,
      writeConfig: async (config) => {
        this.calls.push(`writeConfig ${name}`);
        // What the engine records for an update: every value as text, structures as JSON.
        pendingConfig = Object.fromEntries(
          Object.entries(config).map(([key, v]) => [key, { value: typeof v === "object" ? JSON.stringify(v) : String(v) }]),
        );
      },
      up: async (onOutput) => {
        this.calls.push(`up ${name}`);
        onOutput(`Updating (${name})\n`);
        state().history.unshift({ startTime: NOW, config: pendingConfig });
        state().outputs = { url: `http://${name}.example.test` };
      },
      destroy: async (onOutput) => {
        this.calls.push(`destroy ${name}`);
        if (state().failDestroy) throw new Error(state().failDestroy);
        onOutput(`Destroying (${name})\n`);
      },
      outputs: async () => state().outputs,
      history: async () => state().history,
    };
  }
}

function sandboxRecordConfig(expires: string, owner = "alice", stage = "sandbox"): ConfigMap {
  return {
    [`${PROJECT}:stage`]: { value: stage },
    [`${PROJECT}:sandboxOwner`]: { value: owner },
    [`${PROJECT}:sandboxExpiresAt`]: { value: expires },
  };
}

function context(workspace: FakeWorkspace, opts: { credentials?: boolean } = {}): CommandContext & { printed: string[]; logged: string[] } {
  const printed: string[] = [];
  const logged: string[] = [];
  return {
    workspace,
    now: () => NOW,
    print: (line) => printed.push(line),
    log: (text) => logged.push(text),
    checkAwsCredentials: () => {
      workspace.calls.push("checkAwsCredentials");
      if (opts.credentials === false) throw new SandboxError("no AWS credentials found");
    },
    printed,
    logged,
  };
}

describe("sandbox up", () => {
  it("creates a new sandbox from dev's settings, checks credentials first, deploys and returns its URL", async () => {
    const ws = new FakeWorkspace();
    const ctx = context(ws);
    const result = await upSandbox(ctx, "pr-7", { ttlMs: 72 * HOUR, owner: "alice" });
    assert.deepStrictEqual(ws.calls, ["stackSettings dev", "select pr-7", "checkAwsCredentials", "createOrSelect pr-7", "writeConfig pr-7", "up pr-7"]);
    assert.deepStrictEqual(result, { name: "pr-7", url: "http://pr-7.example.test", owner: "alice", expiresAt: "2026-11-26T12:00:00.000Z", created: true });
    const recorded = ws.stacks.get("pr-7")?.history[0].config ?? {};
    assert.strictEqual(recorded[`${PROJECT}:stage`].value, "sandbox");
    assert.strictEqual(recorded[`${PROJECT}:sandboxExpiresAt`].value, "2026-11-26T12:00:00.000Z");
    assert.match(ctx.logged.join(""), /not copied .*appEnv, compose-on-ec2:dbUsername/);
    assert.match(ctx.logged.join(""), /Updating \(pr-7\)/);
  });

  it("updates an existing sandbox in place and renews its expiry", async () => {
    const ws = new FakeWorkspace();
    ws.addStack("pr-7", sandboxRecordConfig("2026-11-23T13:00:00Z"));
    const result = await upSandbox(context(ws), "pr-7", { ttlMs: 24 * HOUR, owner: "bob" });
    assert.ok(!ws.calls.some((call) => call.startsWith("createOrSelect")));
    assert.deepStrictEqual([result.created, result.expiresAt], [false, "2026-11-24T12:00:00.000Z"]);
  });

  it("refuses to turn an existing non-sandbox stack into a sandbox", async () => {
    const ws = new FakeWorkspace();
    ws.addStack("staging", sandboxRecordConfig("2026-11-23T13:00:00Z", "ops", "prod"));
    await assert.rejects(upSandbox(context(ws), "staging", { ttlMs: HOUR, owner: "a" }), /not a sandbox .*stage prod/);
    assert.ok(!ws.calls.some((call) => /^(writeConfig|up) /.test(call)));
  });

  it("stops before changing anything when AWS credentials are missing", async () => {
    const ws = new FakeWorkspace();
    await assert.rejects(upSandbox(context(ws, { credentials: false }), "pr-7", { ttlMs: HOUR, owner: "a" }), /no AWS credentials/);
    assert.ok(!ws.calls.some((call) => /^(createOrSelect|writeConfig|up) /.test(call)));
  });

  it("rejects a bad name before touching the workspace", async () => {
    const ws = new FakeWorkspace();
    await assert.rejects(upSandbox(context(ws), "prod", { ttlMs: HOUR, owner: "a" }), /invalid sandbox name 'prod'/);
    assert.deepStrictEqual(ws.calls, []);
  });

  it("explains a missing Pulumi.dev.yaml", async () => {
    const ws = new FakeWorkspace();
    ws.stackSettingsConfig = async () => {
      throw new Error("failed to find stack settings file");
    };
    await assert.rejects(upSandbox(context(ws), "pr-7", { ttlMs: HOUR, owner: "a" }), /cannot read Pulumi\.dev\.yaml/);
  });
});

describe("sandbox destroy", () => {
  it("destroys the sandbox, then removes its stack", async () => {
    const ws = new FakeWorkspace();
    ws.addStack("pr-7", sandboxRecordConfig("2026-11-26T12:00:00Z"));
    const ctx = context(ws);
    assert.strictEqual(await destroySandbox(ctx, "pr-7"), true);
    assert.deepStrictEqual(ws.calls, ["select pr-7", "checkAwsCredentials", "destroy pr-7", "removeStack pr-7"]);
    assert.ok(!ws.stacks.has("pr-7"));
    assert.match(ctx.printed.join(), /destroyed and its stack removed/);
  });

  it("succeeds and says so when the sandbox never existed, without needing credentials", async () => {
    const ws = new FakeWorkspace();
    const ctx = context(ws, { credentials: false });
    assert.strictEqual(await destroySandbox(ctx, "pr-404"), false);
    assert.deepStrictEqual(ws.calls, ["select pr-404"]);
    assert.deepStrictEqual(ctx.printed, ["sandbox pr-404 does not exist; nothing to destroy"]);
  });

  it("refuses to destroy a stack that is not a sandbox", async () => {
    const ws = new FakeWorkspace();
    ws.addStack("staging", sandboxRecordConfig("2026-11-26T12:00:00Z", "ops", "dev"));
    await assert.rejects(destroySandbox(context(ws), "staging"), /not a sandbox/);
    assert.ok(!ws.calls.some((call) => call.startsWith("destroy")));
  });

  it("refuses dev and prod by name", async () => {
    const ws = new FakeWorkspace();
    await assert.rejects(destroySandbox(context(ws), "dev"), /shared stack/);
    assert.deepStrictEqual(ws.calls, []);
  });
});

describe("sandbox list", () => {
  it("shows sandboxes only, with owner, age, TTL left and URL; never opens dev or prod", async () => {
    const ws = new FakeWorkspace();
    ws.addStack("pr-7", sandboxRecordConfig("2026-11-24T12:00:00Z"), { ageMs: 2 * HOUR, url: "http://pr-7.example.test" });
    ws.addStack("dev", sandboxRecordConfig("2026-11-24T12:00:00Z", "ops", "dev"));
    ws.addStack("prod", sandboxRecordConfig("2026-11-24T12:00:00Z", "ops", "prod"));
    ws.addStack("staging", sandboxRecordConfig("2026-11-24T12:00:00Z", "ops", "prod"));
    const rows = await listSandboxes(context(ws));
    assert.deepStrictEqual(rows, [
      { name: "pr-7", owner: "alice", ageMs: 2 * HOUR, ttlLeftMs: 24 * HOUR, expiresAt: "2026-11-24T12:00:00.000Z", url: "http://pr-7.example.test" },
    ]);
    assert.ok(!ws.calls.includes("select dev") && !ws.calls.includes("select prod"));
    const table = formatSandboxTable(rows).split("\n");
    assert.match(table[0], /^NAME\s+OWNER\s+AGE\s+TTL LEFT\s+URL$/);
    assert.match(table[1], /^pr-7\s+alice\s+2h 0m\s+1d 0h\s+http:\/\/pr-7\.example\.test$/);
  });

  it("says so when there are no sandboxes", () => {
    assert.strictEqual(formatSandboxTable([]), "no sandboxes");
  });
});

describe("sandbox reap", () => {
  function world(): FakeWorkspace {
    const ws = new FakeWorkspace();
    ws.addStack("pr-1", sandboxRecordConfig("2026-11-23T11:00:00Z"));
    ws.addStack("pr-2", sandboxRecordConfig("2026-11-23T13:00:00Z"));
    ws.addStack("pr-3", sandboxRecordConfig("2026-11-20T00:00:00Z"), { failDestroy: "resource busy" });
    ws.addStack("pr-4", sandboxRecordConfig("2026-11-22T00:00:00Z"));
    // Expired-looking records on shared stacks must never be reaped.
    ws.addStack("dev", sandboxRecordConfig("2020-01-01T00:00:00Z"));
    ws.addStack("staging", sandboxRecordConfig("2020-01-01T00:00:00Z", "ops", "prod"));
    return ws;
  }

  it("destroys and removes only expired sandboxes, keeps going after a failure and reports it", async () => {
    const ws = world();
    const result = await reapSandboxes(context(ws), { dryRun: false });
    assert.deepStrictEqual(result.destroyed, ["pr-1", "pr-4"]);
    assert.deepStrictEqual(result.kept, ["pr-2"]);
    assert.deepStrictEqual(result.failed, [{ name: "pr-3", error: "resource busy" }]);
    assert.deepStrictEqual(ws.calls.filter((call) => /^(destroy|removeStack) /.test(call)), ["destroy pr-1", "removeStack pr-1", "destroy pr-3", "destroy pr-4", "removeStack pr-4"]);
    assert.ok(ws.stacks.has("dev") && ws.stacks.has("staging") && ws.stacks.has("pr-2") && ws.stacks.has("pr-3"));
  });

  it("changes nothing in a dry run", async () => {
    const ws = world();
    const ctx = context(ws, { credentials: false });
    const result = await reapSandboxes(ctx, { dryRun: true });
    assert.deepStrictEqual(result.destroyed, ["pr-1", "pr-3", "pr-4"]);
    assert.ok(!ws.calls.some((call) => /^(destroy|removeStack|checkAwsCredentials)/.test(call)));
    assert.match(ctx.printed.join("\n"), /would destroy pr-1/);
  });

  it("needs no credentials when nothing has expired", async () => {
    const ws = new FakeWorkspace();
    ws.addStack("pr-2", sandboxRecordConfig("2026-11-23T13:00:00Z"));
    const result = await reapSandboxes(context(ws, { credentials: false }), { dryRun: false });
    assert.deepStrictEqual(result, { destroyed: [], failed: [], kept: ["pr-2"] });
  });

  it("refuses to destroy anything when AWS credentials are missing", async () => {
    const ws = world();
    await assert.rejects(reapSandboxes(context(ws, { credentials: false }), { dryRun: false }), /no AWS credentials/);
    assert.ok(!ws.calls.some((call) => call.startsWith("destroy")));
  });
});

describe("sandbox command line", () => {
  it("rejects an unknown command, a missing name and a bad TTL before looking for the CLI", async () => {
    await assert.rejects(main(["frobnicate"]), /unknown command 'frobnicate'/);
    await assert.rejects(main(["up"]), /'up' needs a sandbox name/);
    await assert.rejects(main(["up", "Pr_1"]), /invalid sandbox name/);
    await assert.rejects(main(["up", "pr-1", "--ttl", "45d"]), /too long/);
    await assert.rejects(main(["list", "extra"]), /unexpected argument/);
  });

  it("stops with the install instructions when no pulumi is on PATH", async () => {
    const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), "no-pulumi-"));
    const savedPath = process.env.PATH;
    process.env.PATH = emptyDir;
    try {
      await assert.rejects(main(["list"]), (err: Error) => /not on PATH/.test(err.message) && err.message.includes(PINNED_PULUMI_VERSION));
    } finally {
      process.env.PATH = savedPath;
      fs.rmSync(emptyDir, { recursive: true, force: true });
    }
  });
});

/**
 * A stand-in `pulumi` (a Node script first on PATH) that keeps stacks in a JSON file and logs every
 * call with the backend env it received. It answers only the commands the adapter sends besides
 * up/destroy, so the test shows the adapter's real Automation API calls and what reaches the CLI.
 */
const STAND_IN_PULUMI = `#!/usr/bin/env node
const fs = require("fs");
const path = require("path");
const dir = process.env.STAND_IN_DIR;
const stateFile = path.join(dir, "stacks.json");
const stacks = fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, "utf8")) : {};
const args = process.argv.slice(2);
fs.appendFileSync(path.join(dir, "calls.log"), JSON.stringify({ args, backend: process.env.PULUMI_BACKEND_URL, passphraseFile: process.env.PULUMI_CONFIG_PASSPHRASE_FILE }) + "\\n");
const flag = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const save = () => fs.writeFileSync(stateFile, JSON.stringify(stacks));
const positional = args.filter((a) => !a.startsWith("-"));
const cmd = positional.slice(0, 2).join(" ");
if (args[0] === "version") { console.log("v3.248.0"); process.exit(0); }
if (cmd === "stack select") {
  if (stacks[flag("--stack")]) process.exit(0);
  console.error("error: no stack named '" + flag("--stack") + "' found"); process.exit(255);
}
if (cmd === "stack init") {
  stacks[positional[2]] = { history: [], outputs: {} }; save();
  fs.writeFileSync("Pulumi." + positional[2] + ".yaml", "encryptionsalt: v1:stand-in-salt\\n");
  process.exit(0);
}
if (cmd === "stack ls") { console.log(JSON.stringify(Object.keys(stacks).map((name) => ({ name, current: false })))); process.exit(0); }
if (cmd === "stack history") { console.log(JSON.stringify(stacks[flag("--stack")].history)); process.exit(0); }
if (cmd === "stack output") { console.log(JSON.stringify(stacks[flag("--stack")].outputs)); process.exit(0); }
if (cmd === "stack rm") { delete stacks[positional[2]]; save(); process.exit(0); }
console.error("stand-in pulumi: unhandled " + args.join(" ")); process.exit(1);
`;

describe("sandbox LocalWorkspace adapter (stand-in pulumi CLI)", () => {
  let dir: string;
  let projectDir: string;
  let savedPath: string | undefined;
  const calls = (): { args: string[]; backend?: string; passphraseFile?: string }[] =>
    fs.readFileSync(path.join(dir, "calls.log"), "utf8").trim().split("\n").map((line) => JSON.parse(line));

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stand-in-pulumi-"));
    projectDir = path.join(dir, "project");
    fs.mkdirSync(path.join(dir, "bin"));
    fs.mkdirSync(projectDir);
    fs.writeFileSync(path.join(dir, "bin", "pulumi"), STAND_IN_PULUMI, { mode: 0o755 });
    fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), "name: compose-on-ec2\nruntime: nodejs\n");
    fs.writeFileSync(path.join(projectDir, "Pulumi.dev.yaml"), "config:\n  aws:region: us-east-1\n  compose-on-ec2:sshCidrs:\n    - 203.0.113.0/24\n");
    fs.writeFileSync(
      path.join(dir, "stacks.json"),
      JSON.stringify({
        "pr-1": {
          history: [{ kind: "update", startTime: "2026-11-23T10:00:00.000Z", config: { "compose-on-ec2:stage": { value: "sandbox", secret: false } } }],
          outputs: { url: "http://203.0.113.7" },
        },
      }),
    );
    savedPath = process.env.PATH;
    process.env.PATH = `${path.join(dir, "bin")}${path.delimiter}${savedPath}`;
    process.env.STAND_IN_DIR = dir;
  });

  after(() => {
    process.env.PATH = savedPath;
    delete process.env.STAND_IN_DIR;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reads settings, selects, creates, writes typed config, reads history and outputs, removes; backend env reaches every CLI call", async function () {
    this.timeout(20_000);
    const backend = resolveBackend({}, projectDir);
    const ws = await openWorkspace(projectDir, backend);
    assert.strictEqual(await ws.projectName(), "compose-on-ec2");
    assert.deepStrictEqual(await ws.stackSettingsConfig("dev"), { "aws:region": "us-east-1", "compose-on-ec2:sshCidrs": ["203.0.113.0/24"] });
    assert.strictEqual(await ws.selectStack("pr-404"), undefined);

    const existing = await ws.selectStack("pr-1");
    assert.ok(existing);
    const history = await existing.history();
    assert.deepStrictEqual(history.map((h) => [h.startTime.toISOString(), h.config["compose-on-ec2:stage"].value]), [["2026-11-23T10:00:00.000Z", "sandbox"]]);
    assert.deepStrictEqual(await existing.outputs(), { url: "http://203.0.113.7" });

    const created = await ws.createOrSelectStack("pr-2");
    await created.writeConfig({ "compose-on-ec2:sshCidrs": ["203.0.113.0/24"], "compose-on-ec2:dbMultiAz": false, "compose-on-ec2:sandboxExpiresAt": "2026-11-26T12:00:00.000Z" });
    const written = yaml.load(fs.readFileSync(path.join(projectDir, "Pulumi.pr-2.yaml"), "utf8"));
    assert.deepStrictEqual(written, {
      encryptionsalt: "v1:stand-in-salt",
      config: { "compose-on-ec2:sshCidrs": ["203.0.113.0/24"], "compose-on-ec2:dbMultiAz": false, "compose-on-ec2:sandboxExpiresAt": "2026-11-26T12:00:00.000Z" },
    });
    assert.deepStrictEqual((await ws.listStacks()).sort(), ["pr-1", "pr-2"]);
    await ws.removeStack("pr-1");
    assert.deepStrictEqual(await ws.listStacks(), ["pr-2"]);

    const log = calls();
    const line = (pattern: RegExp): string[] | undefined => log.map((c) => c.args).find((args) => pattern.test(args.join(" ")));
    assert.ok(line(/^stack init pr-2 --secrets-provider passphrase/), "creates with the passphrase provider");
    assert.ok(!line(/^stack history .*--show-secrets/), "reads history without decrypting secrets");
    assert.ok(line(/^stack rm --yes pr-1 /));
    for (const call of log.filter((c) => c.args[0] !== "version")) {
      assert.strictEqual(call.backend, `file://${projectDir}/.pulumi-state`, call.args.join(" "));
      assert.strictEqual(call.passphraseFile, path.join(projectDir, ".pulumi-state", "passphrase"), call.args.join(" "));
    }
  });
});
