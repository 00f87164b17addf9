// The sandbox commands (up, destroy, list, reap) through a fake workspace that records every call,
// and the command line's argument checks.

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { destroySandbox, unlockSandbox, upSandbox } from "../../scripts/lib/sandbox/commands";
import { buildsImages } from "../../scripts/lib/sandbox/context";
import { formatSandboxTable, listSandboxes, reapSandboxes } from "../../scripts/lib/sandbox/inventory";
import { checkDockerDaemon, PINNED_PULUMI_VERSION } from "../../scripts/lib/sandbox/environment";
import { main } from "../../scripts/sandbox";
import { context, DEV_SETTINGS, FakeWorkspace, HOUR, PROJECT, sandboxRecordConfig } from "../support/sandbox";

describe("sandbox up", () => {
  it("creates a new sandbox from dev's settings, checks credentials first, deploys and returns its URL", async () => {
    const ws = new FakeWorkspace();
    const ctx = context(ws);
    const result = await upSandbox(ctx, "pr-7", { ttlMs: 72 * HOUR, owner: "alice" });
    assert.deepStrictEqual(ws.calls, ["stackSettings dev", "select pr-7", "checkAwsCredentials", "createOrSelect pr-7",
      "writeConfig pr-7", "up pr-7"]);
    assert.deepStrictEqual(result, { name: "pr-7", url: "http://pr-7.example.test", owner: "alice",
      expiresAt: "2026-11-26T12:00:00.000Z", created: true });
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
    await assert.rejects(upSandbox(context(ws, { credentials: false }), "pr-7", { ttlMs: HOUR, owner: "a" }),
      /no AWS credentials/);
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
    // An interrupted up may have left the stack locked: released first, or the destroy would fail.
    assert.deepStrictEqual(ws.calls, ["select pr-7", "checkAwsCredentials", "cancel pr-7", "destroy pr-7",
      "removeStack pr-7"]);
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
    ws.addStack("pr-7", sandboxRecordConfig("2026-11-24T12:00:00Z"), { ageMs: 2 * HOUR,
      url: "http://pr-7.example.test" });
    ws.addStack("dev", sandboxRecordConfig("2026-11-24T12:00:00Z", "ops", "dev"));
    ws.addStack("prod", sandboxRecordConfig("2026-11-24T12:00:00Z", "ops", "prod"));
    ws.addStack("staging", sandboxRecordConfig("2026-11-24T12:00:00Z", "ops", "prod"));
    const rows = await listSandboxes(context(ws));
    assert.deepStrictEqual(rows, [
      { name: "pr-7", owner: "alice", ageMs: 2 * HOUR, ttlLeftMs: 24 * HOUR, expiresAt: "2026-11-24T12:00:00.000Z",
        url: "http://pr-7.example.test" },
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
    assert.deepStrictEqual(ws.calls.filter((call) => /^(destroy|removeStack) /.test(call)), ["destroy pr-1",
      "removeStack pr-1", "destroy pr-3", "destroy pr-4", "removeStack pr-4"]);
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

describe("sandbox lock recovery and the Docker daemon", () => {
  const registry = (expires: string) => ({ ...sandboxRecordConfig(expires),
    [`${PROJECT}:deployMode`]: { value: "registry" } });

  it("unlock releases the lock an interrupted up left, and only on a sandbox", async () => {
    const ws = new FakeWorkspace();
    ws.addStack("pr-7", sandboxRecordConfig("2026-11-26T12:00:00Z"));
    ws.addStack("staging", sandboxRecordConfig("2026-11-26T12:00:00Z", "ops", "prod"));
    const ctx = context(ws);
    assert.strictEqual(await unlockSandbox(ctx, "pr-7"), true);
    assert.deepStrictEqual(ws.calls, ["select pr-7", "cancel pr-7"]);
    assert.match(ctx.printed.join(), /sandbox pr-7 unlocked/);
    await assert.rejects(unlockSandbox(ctx, "staging"), /not a sandbox/);
    assert.ok(!ws.calls.includes("cancel staging"));
    assert.strictEqual(await unlockSandbox(ctx, "pr-404"), false);
  });

  it("reap releases each expired sandbox's lock before destroying it, never a live one's", async () => {
    const ws = new FakeWorkspace();
    ws.addStack("pr-1", sandboxRecordConfig("2026-11-23T11:00:00Z"));
    ws.addStack("pr-2", sandboxRecordConfig("2026-11-23T13:00:00Z"));
    await reapSandboxes(context(ws), { dryRun: false });
    assert.deepStrictEqual(ws.calls.filter((c) => /^(cancel|destroy) /.test(c)), ["cancel pr-1", "destroy pr-1"]);
  });

  it("checks for a Docker daemon up front when the sandbox builds images (registry mode), and stops before touching the stack without one", async () => {
    const ws = new FakeWorkspace();
    ws.devSettings = { ...DEV_SETTINGS, [`${PROJECT}:deployMode`]: "registry" };
    await assert.rejects(upSandbox(context(ws, { docker: false }), "pr-7", { ttlMs: 24 * HOUR, owner: "alice" }),
      /needs a running Docker daemon/);
    assert.ok(ws.calls.includes("checkDocker"));
    assert.ok(!ws.calls.some((c) => /^(createOrSelect|writeConfig|up) /.test(c)));

    const destroyWs = new FakeWorkspace();
    destroyWs.addStack("pr-8", registry("2026-11-26T12:00:00Z"));
    await assert.rejects(destroySandbox(context(destroyWs, { docker: false }), "pr-8"), /Docker daemon/);
    assert.ok(!destroyWs.calls.some((c) => /^(cancel|destroy) /.test(c)));
  });

  it("says which daemon check failed and how to fix it: no docker binary, or no daemon answering", () => {
    assert.throws(
      () =>
        checkDockerDaemon(() => ({ error: new Error("spawnSync docker ENOENT"), status: null, stdout: "",
          stderr: "" })
        ),
      /docker is not installed or not on PATH.*Fix: start Docker/s,
    );
    assert.throws(
      () =>
        checkDockerDaemon(() => ({ status: 1, stdout: "",
          stderr:
            "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n" })
        ),
      /no Docker daemon answered `docker info`: Cannot connect to the Docker daemon/,
    );
    assert.doesNotThrow(() => checkDockerDaemon(() => ({ status: 0, stdout: "24.0.7\n", stderr: "" })));
  });

  it("does not ask for Docker when nothing is built here (host mode on ec2)", async () => {
    const ws = new FakeWorkspace();
    await upSandbox(context(ws, { docker: false }), "pr-7", { ttlMs: 24 * HOUR, owner: "alice" });
    assert.ok(!ws.calls.includes("checkDocker"));
    assert.strictEqual(buildsImages({ [`${PROJECT}:hosting`]: { value: "ecs" } }, PROJECT), true);
    assert.strictEqual(buildsImages({ [`${PROJECT}:deployMode`]: "host" }, PROJECT), false);
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
      await assert.rejects(main(["list"]),
        (err: Error) => /not on PATH/.test(err.message) && err.message.includes(PINNED_PULUMI_VERSION));
    } finally {
      process.env.PATH = savedPath;
      fs.rmSync(emptyDir, { recursive: true, force: true });
    }
  });
});
