// Sandbox rules as pure functions: names, TTLs, owners and what a stack's recorded config says.

import * as assert from "assert";
import { expiresAt, formatDuration, isExpired, isSandbox, nameProblems, parseTtl, readRecord, resolveOwner,
  SandboxError, ConfigMap } from "../../scripts/lib/sandbox/rules";
import { HOUR, NOW, PROJECT } from "../support/sandbox";

describe("sandbox names", () => {
  it("accepts lowercase names with digits and single hyphens", () => {
    for (const name of ["pr-42", "alice-try-redis", "a", "x".repeat(40)]) {
      assert.deepStrictEqual(nameProblems(name), [], name);
    }
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
    for (const text of ["72", "1.5h", "0h", "2w", "h", "-1h", ""]) {
      assert.throws(() => parseTtl(text), SandboxError, text);
    }
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
    for (const name of ["dev", "prod", "acme/prod", "acme/compose-on-ec2/dev"]) {
      assert.ok(!isSandbox(name, sandboxRecord), name);
    }
    assert.ok(!isSandbox("staging", readRecord(recorded("prod"), PROJECT)));
  });
});
