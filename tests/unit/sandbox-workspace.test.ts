// The LocalWorkspace adapter against a stand-in pulumi CLI: its real Automation API calls and the
// backend env that reaches the CLI.

import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { resolveBackend } from "../../scripts/lib/sandbox/environment";
import { openWorkspace } from "../../scripts/lib/sandbox/workspace";
import { installStandIns, yaml } from "../support/sandbox";

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
if (args[0] === "up") process.exit(0);
if (cmd === "stack rm") { delete stacks[positional[2]]; save(); process.exit(0); }
console.error("stand-in pulumi: unhandled " + args.join(" ")); process.exit(1);
`;

describe("sandbox LocalWorkspace adapter (stand-in pulumi CLI)", () => {
  let dir: string;
  let projectDir: string;
  let standIns: { dir: string; remove: () => void };
  const calls = (): { args: string[]; backend?: string; passphraseFile?: string }[] =>
    fs.readFileSync(path.join(dir, "calls.log"), "utf8").trim().split("\n").map((line) => JSON.parse(line));

  before(() => {
    standIns = installStandIns("stand-in-pulumi-", { pulumi: STAND_IN_PULUMI });
    dir = standIns.dir;
    projectDir = path.join(dir, "project");
    fs.mkdirSync(projectDir);
    fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), "name: compose-on-ec2\nruntime: nodejs\n");
    fs.writeFileSync(path.join(projectDir, "Pulumi.dev.yaml"),
      "config:\n  aws:region: us-east-1\n  compose-on-ec2:sshCidrs:\n    - 203.0.113.0/24\n");
    fs.writeFileSync(
      path.join(dir, "stacks.json"),
      JSON.stringify({
        "pr-1": {
          history: [{ kind: "update", startTime: "2026-11-23T10:00:00.000Z",
            config: { "compose-on-ec2:stage": { value: "sandbox", secret: false } } }],
          outputs: { url: "http://203.0.113.7" },
        },
      }),
    );
  });

  after(() => standIns.remove());

  it("reads settings, selects, creates, writes typed config, reads history and outputs, removes; backend env reaches every CLI call", async function() {
    this.timeout(20_000);
    const backend = resolveBackend({}, projectDir);
    const ws = await openWorkspace(projectDir, backend);
    assert.strictEqual(await ws.projectName(), "compose-on-ec2");
    assert.deepStrictEqual(await ws.stackSettingsConfig("dev"), { "aws:region": "us-east-1",
      "compose-on-ec2:sshCidrs": ["203.0.113.0/24"] });
    assert.strictEqual(await ws.selectStack("pr-404"), undefined);

    const existing = await ws.selectStack("pr-1");
    assert.ok(existing);
    const history = await existing.history();
    assert.deepStrictEqual(history.map((h) => [h.startTime.toISOString(), h.config["compose-on-ec2:stage"].value]), [[
      "2026-11-23T10:00:00.000Z",
      "sandbox",
    ]]);
    assert.deepStrictEqual(await existing.outputs(), { url: "http://203.0.113.7" });

    const created = await ws.createOrSelectStack("pr-2");
    await created.writeConfig({ "compose-on-ec2:sshCidrs": ["203.0.113.0/24"], "compose-on-ec2:dbMultiAz": false,
      "compose-on-ec2:sandboxExpiresAt": "2026-11-26T12:00:00.000Z" });
    const written = yaml.load(fs.readFileSync(path.join(projectDir, "Pulumi.pr-2.yaml"), "utf8"));
    assert.deepStrictEqual(written, {
      encryptionsalt: "v1:stand-in-salt",
      config: { "compose-on-ec2:sshCidrs": ["203.0.113.0/24"], "compose-on-ec2:dbMultiAz": false,
        "compose-on-ec2:sandboxExpiresAt": "2026-11-26T12:00:00.000Z" },
    });
    await created.up(() => undefined);
    assert.deepStrictEqual((await ws.listStacks()).sort(), ["pr-1", "pr-2"]);
    await ws.removeStack("pr-1");
    assert.deepStrictEqual(await ws.listStacks(), ["pr-2"]);

    const log = calls();
    const line = (pattern: RegExp): string[] | undefined =>
      log.map((c) => c.args).find((args) => pattern.test(args.join(" ")));
    assert.ok(line(/^stack init pr-2 --secrets-provider passphrase/), "creates with the passphrase provider");
    // The adapter's history read does not decrypt; the one-entry read (--page-size 1) with --show-secrets
    // is the Automation API's own summary after `up` (automation/stack.js info()), which has the secrets provider anyway.
    assert.ok(
      !log.some((c) =>
        c.args[0] === "stack" && c.args[1] === "history" && c.args.includes("--show-secrets")
        && !c.args.includes("--page-size")
      ),
      "reads history without decrypting secrets",
    );
    assert.ok(line(/^stack rm --yes pr-1 /));
    // Every sandbox up runs the policy pack with the sandbox stage's reviewed config.
    const up = line(/^up /) ?? [];
    assert.strictEqual(up[up.indexOf("--policy-pack") + 1], path.join(projectDir, "policy"), up.join(" "));
    assert.strictEqual(up[up.indexOf("--policy-pack-config") + 1],
      path.join(projectDir, "policy", "config.sandbox.json"), up.join(" "));
    for (const call of log.filter((c) => c.args[0] !== "version")) {
      assert.strictEqual(call.backend, `file://${projectDir}/.pulumi-state`, call.args.join(" "));
      assert.strictEqual(call.passphraseFile, path.join(projectDir, ".pulumi-state", "passphrase"),
        call.args.join(" "));
    }
  });
});
