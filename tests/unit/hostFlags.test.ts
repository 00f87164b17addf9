// host/release: how deploy.sh and destroy.sh read their flags (lib.sh's read_flags), run
// for real with bash: anything they do not know is a usage error (exit 2, the script's own usage).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { RELEASE_DIR } from "../support/host";

function run(script: string, args: string[]) {
  return spawnSync("bash", [path.join(RELEASE_DIR, script), ...args], { input: "", encoding: "utf8", timeout: 10000 });
}

describe("host script flags", () => {
  const misuses: [string, string[]][] = [
    ["deploy.sh", ["--no-such-flag", "x"]],
    ["deploy.sh", ["stray"]],
    ["destroy.sh", ["--images-built"]],
    ["destroy.sh", ["--base-dir", "/tmp/x", ""]],
    ["destroy.sh", ["--"]],
    ["destroy.sh", ["--@", "x"]],
  ];
  for (const [script, args] of misuses) {
    it(`${script} ${JSON.stringify(args)} is a usage error: exit 2 with ${script}'s usage`, () => {
      const r = run(script, args);
      assert.strictEqual(r.status, 2, r.stderr);
      assert.ok(r.stderr.startsWith(`usage: ${script} --base-dir DIR`), r.stderr);
    });
  }

  it("deploy.sh takes --images-built anywhere without a value, and the last of a repeated flag", () => {
    const r = run("deploy.sh", ["--images-built", "--base-dir", "/tmp/x", "--app-name", "a", "--app-name", "",
      "--compose-file", "c.yml"]);
    assert.strictEqual(r.status, 1, r.stderr);
    assert.ok(r.stderr.includes("--app-name is required"), r.stderr);
  });
});
