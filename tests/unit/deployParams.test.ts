// host/release/params.sh: the deploy's parameters written once. What deploy.sh took is recorded in
// <baseDir>/deploy-settings, read back by the ops verbs, and replayed to a kept release's deploy.sh
// (ops rollback, the switch back); run for real with bash on a scratch base directory.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { deployArgs, RELEASE_DIR } from "../support/host";

const FLAGS = deployArgs();

/** Parse FLAGS as deploy.sh does, record them, forget them, read them back and replay them for SCRIPTS_DIR. */
function roundTrip(base: string,
  scriptsDir: string): { record: string; replay: string[]; stderr: string; status: number | null } {
  const script = [
    "set -euo pipefail",
    `source ${JSON.stringify(path.join(RELEASE_DIR, "records.sh"))}`,
    'base="$1"; scripts="$2"; shift 2',
    "param_defaults",
    'read_flags --base-dir "${base}" "$@"',
    "param_checks",
    "write_settings",
    // The edge's own record, as deploy-edge.sh leaves it.
    'edge_paths; write_edge_settings http_port=80 https_port=443 proxy_port=8080 acme_port=8402 hsts=on "domains=${domains}" "acme_email=${acme_email}" "acme_server=${acme_server}"',
    // Everything forgotten but the base directory, as an ops verb starts.
    'param_defaults; base_dir="${base}"',
    "read_settings; read_edge_settings",
    'param_replay_args "${scripts}"',
    'printf "%s\\0" "${replay_args[@]}"',
  ].join("\n");
  const r = spawnSync("bash", ["-c", script, "params-test", base, scriptsDir, ...FLAGS], { encoding: "utf8",
    timeout: 10000 });
  const record = fs.existsSync(path.join(base, "deploy-settings"))
    ? fs.readFileSync(path.join(base, "deploy-settings"), "utf8")
    : "";
  return { record, replay: r.stdout.split("\0").slice(0, -1), stderr: r.stderr, status: r.status };
}

/** FLAGS as flag → value. */
function pairs(args: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) m.set(args[i], args[i + 1]);
  return m;
}

describe("the deploy's parameters: recorded, read back and replayed from one table", () => {
  const temps: string[] = [];
  const temp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-params-"));
    temps.push(d);
    return d;
  };
  after(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it("records the same keys the ops verbs have always read, no secrets and no edge settings", () => {
    const r = roundTrip(temp(), RELEASE_DIR);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.deepStrictEqual(r.record.trim().split("\n"), [
      "app_name=shop",
      "compose_file=docker-compose.prod.yml",
      "web_service=web",
      "proxy_service=nginx",
      "worker_services=worker beat",
      "web_port=8000",
      "env_file=.env.prod",
      "health_source=probe",
      "health_path=/healthz",
      "timeout=120",
      "busy_timeout=45",
      "keep_releases=5",
      "mode=registry",
      "http_port=80",
      "proxy_port=8080",
    ]);
  });

  it("replays every flag the deploy took to a release with these scripts, the edge's from the edge's record", () => {
    const base = temp();
    const r = roundTrip(base, RELEASE_DIR);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.deepStrictEqual(pairs(r.replay), new Map([["--base-dir", base], ...pairs(FLAGS)]));
  });

  it("leaves out a flag the kept release's scripts do not know (deployed before it existed)", () => {
    const old = temp();
    const known = FLAGS.filter((f) => f.startsWith("--") && f !== "--busy-timeout");
    fs.writeFileSync(path.join(old, "deploy.sh"), `usage: deploy.sh --base-dir DIR ${known.join(" ")}\n`);
    const r = roundTrip(temp(), old);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.ok(!r.replay.includes("--busy-timeout"), r.replay.join(" "));
    assert.strictEqual(pairs(r.replay).get("--keep-releases"), "5");
  });
});
