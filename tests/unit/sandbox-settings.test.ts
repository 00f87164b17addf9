// A sandbox's settings: derived from dev's, small and unprotected, and accepted by the program's own config rules.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { sandboxConfig } from "../../scripts/lib/sandbox/rules";
import { parseConfig } from "../../components/config";
import { DEV_SETTINGS, PROJECT, yaml } from "../support/sandbox";

describe("sandbox settings", () => {
  const { config, skippedSecrets } = sandboxConfig(DEV_SETTINGS, { project: PROJECT, owner: "alice",
    expiresAt: "2026-11-26T12:00:00.000Z" });
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
    const arm = sandboxConfig({ [`${PROJECT}:instanceType`]: "m7g.large" }, { project: PROJECT, owner: "a",
      expiresAt: "x" });
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
    const { config } = sandboxConfig(devSettings, { project: PROJECT, owner: "octocat",
      expiresAt: "2026-11-26T12:00:00.000Z" });
    const raw: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(config)) {
      if (key.startsWith(`${PROJECT}:`)) raw[key.slice(PROJECT.length + 1)] = entry;
    }
    const parsed = parseConfig(raw, { project: PROJECT, stack: "pr-7", region: String(config["aws:region"]),
      fileExists: () => true });
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
