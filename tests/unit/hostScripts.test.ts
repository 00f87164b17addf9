// host/release: what the scripts every release carries do on their own, run for real with bash
// (no docker needed): required flags, and failure output kept on the host.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { deployArgs, RELEASE_DIR } from "../support/host";

const PASSWORD = "S3cret-Passw0rd-x";
const DATABASE_URL = `postgres://app:${PASSWORD}@db.internal:5432/app`;

function bash(script: string, args: string[], input = "") {
  const r = spawnSync("bash", ["-c", script, "host-test", ...args], { input, encoding: "utf8", timeout: 10000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A step of a host script that writes its output to the host log and stops as NAME does. */
function loggedStep(body: string): string {
  return [
    "set -euo pipefail",
    "script_name=deploy",
    `source ${JSON.stringify(path.join(RELEASE_DIR, "lib.sh"))}`,
    'base_dir="$1"',
    "trap 'finish_host_log $? \"$base_dir/.env\"' EXIT",
    "start_host_log deploy-test",
    body,
  ].join("\n");
}

describe("host scripts", () => {
  const temps: string[] = [];
  const tempBase = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "host-scripts-"));
    temps.push(dir);
    fs.writeFileSync(path.join(dir, ".env"), `DATABASE_URL='${DATABASE_URL}'\nRELEASE_ID='abc'\n`, { mode: 0o600 });
    return dir;
  };
  after(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  describe("a failure", () => {
    const failing = loggedStep(
      [
        'echo "compose: invalid interpolation in DATABASE_URL=' + DATABASE_URL + '"',
        'echo "container log: connecting to ' + DATABASE_URL + '" >&2',
        'die "compose could not read DATABASE_URL=' + DATABASE_URL + ': nothing was switched"',
      ].join("\n"),
    );

    it("hands back only its own reason, with the .env's values masked, and where the full log is", () => {
      const base = tempBase();
      const r = bash(failing, [base]);
      assert.strictEqual(r.status, 1);
      assert.ok(!`${r.stdout}${r.stderr}`.includes(PASSWORD), "no secret in what the caller receives");
      assert.strictEqual(r.stdout, "");
      const lines = r.stderr.trim().split("\n");
      assert.strictEqual(lines.length, 2, r.stderr);
      assert.strictEqual(lines[0], "[deploy] ERROR: compose could not read DATABASE_URL=***: nothing was switched");
      assert.match(lines[1],
        new RegExp(
          `^\\[deploy\\] the full output stays on the host \\(mode 0600\\): ${base}/logs/deploy-test-\\d{8}T\\d{6}Z-\\d+\\.log$`,
        ));
    });

    it("keeps the full output on the host in a 0600 log in a 0700 directory", () => {
      const base = tempBase();
      const r = bash(failing, [base]);
      const log = r.stderr.trim().split(": ").pop()!;
      assert.strictEqual(fs.statSync(log).mode & 0o777, 0o600);
      assert.strictEqual(fs.statSync(path.dirname(log)).mode & 0o777, 0o700);
      const text = fs.readFileSync(log, "utf8");
      assert.match(text, /compose: invalid interpolation/);
      assert.match(text, /container log: connecting to/);
    });

    it("without an ERROR line of its own, says it stopped unexpectedly instead of quoting other output", () => {
      const r = bash(loggedStep('echo "ERROR: app said ' + DATABASE_URL + '"\nfalse'), [tempBase()]);
      assert.strictEqual(r.status, 1);
      assert.match(r.stderr, /^\[deploy\] ERROR: stopped at an unexpected failure \(exit 1\)$/m);
      assert.ok(!r.stderr.includes(PASSWORD));
    });
  });

  it("on success, hands back the whole log and keeps only the newest logs", () => {
    const base = tempBase();
    fs.mkdirSync(path.join(base, "logs"), { mode: 0o700 });
    for (let i = 0; i < 22; i++) fs.writeFileSync(path.join(base, "logs", `old-${i}.log`), "");
    const r = bash(loggedStep('log "step one"\nlog "done"'), [base]);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\[deploy \+[0-9.]+s\] step one\n\[deploy \+[0-9.]+s\] done\n$/);
    assert.strictEqual(fs.readdirSync(path.join(base, "logs")).length, 20);
  });

  describe("flags the deployment always passes are required (no second default)", () => {
    // The deployment's flags with the one named wrong or left out.
    const deploy = (changes: Record<string, string | undefined>) => ["--base-dir", "/tmp/x", ...deployArgs(changes)];
    const cases: [string, string[], string][] = [
      ["deploy.sh", deploy({ "--compose-file": undefined }), "--compose-file is required"],
      ["deploy.sh", deploy({ "--proxy-service": undefined }), "--proxy-service is required"],
      ["deploy.sh", deploy({ "--web-port": undefined }), "--web-port must be a whole number"],
      ["deploy.sh", deploy({ "--env-file": "../.env" }), "--env-file must be a path inside the release"],
      ["deploy.sh", deploy({ "--health-source": undefined }), "--health-source must be compose or probe"],
      ["deploy.sh", deploy({ "--timeout": undefined }), "--timeout must be a whole number"],
      ["destroy.sh", ["--base-dir", "/tmp/x", "--app-name", "shop"], "--compose-file is required"],
    ];
    for (const [script, args, error] of cases) {
      it(`${script} without it stops, naming it: ${error}`, () => {
        const r = spawnSync("bash", [path.join(RELEASE_DIR, script), ...args], { input: "", encoding: "utf8",
          timeout: 10000 });
        assert.strictEqual(r.status, 1, r.stderr);
        assert.ok(r.stderr.includes(error), r.stderr);
      });
    }
  });
});
