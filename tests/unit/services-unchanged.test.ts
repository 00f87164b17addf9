// host/release/fingerprints.sh: when the deploy may skip `compose up` of the other services because compose
// would change nothing. Run for real with bash on a real release directory (compose file, env
// files); docker and compose are shell functions that answer as a host with one nginx container
// would (no docker here). compose's `config --hash` answers as the pinned plugin's does: the same
// hash whatever the env files hold (docker/compose cmd/compose/config.go, runHash, v2.22 to v5.4).
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const LIB = path.resolve(__dirname, "..", "..", "host", "release", "fingerprints.sh");

const COMPOSE = [
  "services:",
  "  web:",
  "    image: e2e_web",
  "    env_file: .env",
  "  nginx:",
  "    image: e2e_nginx",
  "    env_file:",
  "      - ./shared.env",
  "      - ./nginx.env",
  "      - path: ./optional.env",
  "        required: false",
  "",
].join("\n");

interface Host {
  /** What `compose config --hash` prints for nginx (env files play no part, as in the pinned plugin). */
  hash: string;
  /** nginx's containers: "id status image-id" each. */
  containers: string[];
  /** The image id the image name e2e_nginx points at now. */
  imageNow: string;
  /** Services of the project's containers (for orphans). */
  projectServices?: string[];
}

const same: Host = { hash: "h1", containers: ["c1 running sha256:a"], imageNow: "sha256:a" };

/** A release directory with a compose file and its env files; the deploy's .env (web's) holds `env`. */
function release(env = "SECRET_KEY=one\nRELEASE_ID=aaaa\n", nginxEnv = "WORKERS=2\n", compose = COMPOSE): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "services-unchanged-"));
  fs.writeFileSync(path.join(dir, "docker-compose.yml"), compose);
  fs.writeFileSync(path.join(dir, "shared.env"), "TZ=UTC\n");
  fs.writeFileSync(path.join(dir, ".env"), env);
  fs.writeFileSync(path.join(dir, "nginx.env"), nginxEnv);
  return dir;
}

/** stdout of `body` with fingerprints.sh sourced in release `dir`, compose/docker answering as `host` describes; exit status too. */
function run(dir: string, body: string, host: Host): { status: number; stdout: string } {
  const script = [
    "set -euo pipefail",
    `source ${JSON.stringify(LIB)}`,
    `app_name=e2e project_dir=${JSON.stringify(dir)} compose_file=docker-compose.yml env_file=${
      JSON.stringify(path.join(dir, ".env"))
    }`,
    `fingerprints_record=${JSON.stringify(path.join(dir, "record"))}`,
    `containers=(${host.containers.map((c) => JSON.stringify(c)).join(" ")})`,
    `compose() { [[ "$*" == "config --hash=nginx" && -n "${host.hash}" ]] && echo "nginx ${host.hash}"; }`,
    "docker() {",
    '  case "$1" in',
    '    ps) if [[ "$*" == *--format* ]]; then printf "%s\\n" ' + (host.projectServices ?? ["web", "nginx"]).join(" ")
    + '; else for c in "${containers[@]}"; do echo "${c%% *}"; done; fi ;;',
    '    inspect) for c in "${containers[@]}"; do if [[ "${c%% *}" == "${!#}" ]]; then read -r _ s i <<<"$c"; echo "$s e2e_nginx $i"; fi; done ;;',
    `    image) echo "${host.imageNow}" ;;`,
    "  esac",
    "}",
    body,
  ].join("\n");
  try {
    return { status: 0,
      stdout: execFileSync("bash", ["-c", script], { stdio: "pipe", timeout: 10000, encoding: "utf8" }) };
  } catch (error) {
    return { status: Number((error as { status?: number }).status ?? 1), stdout: "" };
  }
}

/** A deploy that left `host`'s nginx running: its fingerprint now, recorded as promote records it. */
function deployed(dir: string, host: Host = same): void {
  const r = run(dir,
    'service_fingerprints "$project_dir/fp" nginx && record_fingerprints "$project_dir/fp" "$fingerprints_record" nginx',
    host);
  assert.strictEqual(r.status, 0);
}

/** Exit status of services_unchanged for nginx in `dir` now. */
function unchanged(dir: string, host: Host = same): number {
  return run(dir, 'service_fingerprints "$project_dir/fp" nginx && services_unchanged "$project_dir/fp" nginx', host)
    .status;
}

describe("deploy: other services left alone only when compose would change nothing", () => {
  const dirs: string[] = [];
  const fresh = (env?: string, nginxEnv?: string, compose?: string): string => {
    const dir = release(env, nginxEnv, compose);
    dirs.push(dir);
    return dir;
  };
  /** A release whose services' fingerprints a deploy has recorded. */
  const deployedRelease = (compose?: string): string => {
    const dir = fresh(undefined, undefined, compose);
    deployed(dir);
    return dir;
  };
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it("reads every env_file form, per service: string, block list, long syntax's path", () => {
    const dir = fresh();
    assert.deepStrictEqual(run(dir, 'env_file_names "$project_dir/docker-compose.yml"', same).stdout.trim().split("\n"),
      ["web\t.env", "nginx\t./shared.env", "nginx\t./nginx.env", "nginx\t./optional.env"]);
  });

  it("gives env files of a shared extension field (merged through an anchor) to every service", () => {
    const dir = fresh(undefined, undefined,
      fs.readFileSync(path.join(__dirname, "..", "fixtures", "compose", "anchors.yml"), "utf8"));
    assert.deepStrictEqual(run(dir, 'env_file_names "$project_dir/docker-compose.yml"', same).stdout.trim().split("\n"),
      ["*\t./.envs/.production/.django", "*\t./.envs/.production/.postgres"]);
  });

  it("calls the container the last deploy recorded, with the same config hash and env files, unchanged", () => {
    const dir = deployedRelease();
    assert.strictEqual(unchanged(dir), 0);
  });

  it("calls it unchanged when only an env file it does not read changes (web's .env, a new RELEASE_ID each release)", () => {
    const dir = deployedRelease();
    fs.writeFileSync(path.join(dir, ".env"), "SECRET_KEY=one\nRELEASE_ID=bbbb\n");
    assert.strictEqual(unchanged(dir), 0);
  });

  for (const [what, edit] of [
    ["an env file it shares with other services",
      (dir: string) => fs.writeFileSync(path.join(dir, "shared.env"), "TZ=Europe/Paris\n")],
    ["an env file only nginx names", (dir: string) => fs.writeFileSync(path.join(dir, "nginx.env"), "WORKERS=4\n")],
    ["an optional env file that appears",
      (dir: string) => fs.writeFileSync(path.join(dir, "optional.env"), "DEBUG=0\n")],
  ] as const) {
    it(`calls it changed when ${what} changes, though compose's config hash stays the same`, () => {
      const dir = deployedRelease();
      edit(dir);
      assert.strictEqual(unchanged(dir), 1);
    });
  }

  it("calls it unchanged again once a deploy has recorded the new env (no compose up forced twice)", () => {
    const dir = deployedRelease();
    fs.writeFileSync(path.join(dir, "nginx.env"), "WORKERS=4\n");
    assert.strictEqual(unchanged(dir), 1);
    deployed(dir);
    assert.strictEqual(unchanged(dir), 0);
  });

  const differences: [string, Partial<Host>][] = [
    ["compose's config hash differs from the recorded one", { hash: "h2" }],
    ["the running container is not the one recorded (recreated by hand)", { containers: ["c2 running sha256:a"] }],
    ["the image name now points at another image (a rebuilt nginx)", { imageNow: "sha256:b" }],
    ["the container is not running", { containers: ["c1 exited sha256:a"] }],
    ["the container is missing", { containers: [] }],
    ["the container is joined by one the deploy did not record", {
      containers: ["c1 running sha256:a", "c2 running sha256:a"],
    }],
  ];
  for (const [what, host] of differences) {
    it(`calls it changed when ${what}`, () =>
      assert.strictEqual(unchanged(deployedRelease(), { ...same, ...host }), 1));
  }

  it("calls it changed when the compose file pulls in others (extends:), whose env files it cannot read", () => {
    const dir = deployedRelease(
      COMPOSE.replace("    image: e2e_nginx\n",
        "    image: e2e_nginx\n    extends:\n      file: base.yml\n      service: proxy\n"),
    );
    assert.strictEqual(run(dir, 'service_fingerprints "$project_dir/fp" nginx && cat "$project_dir/fp"', same).stdout,
      "");
    assert.strictEqual(unchanged(dir), 1);
  });

  it("calls it changed when nothing was recorded (the first deploy, or a deploy that failed)", () => {
    assert.strictEqual(unchanged(fresh()), 1);
  });

  it("calls a service of several replicas (a worker) unchanged when the deploy recorded every one of them", () => {
    const dir = fresh();
    const replicas: Host = { ...same, containers: ["c1 running sha256:a", "c2 running sha256:a"] };
    deployed(dir, replicas);
    assert.strictEqual(fs.readFileSync(path.join(dir, "record"), "utf8").trim().split("\n").length, 2);
    assert.strictEqual(unchanged(dir, replicas), 0);
    assert.strictEqual(unchanged(dir, { ...replicas, containers: ["c1 running sha256:a", "c2 exited sha256:a"] }), 1);
  });

  it("calls it changed when compose gave no hash", () => {
    const dir = deployedRelease();
    assert.strictEqual(unchanged(dir, { ...same, hash: "" }), 1);
    assert.strictEqual(run(dir, "services_unchanged /nonexistent nginx", same).status, 1);
  });

  it("finds a container of a service the compose file no longer defines (an orphan)", () => {
    const dir = fresh();
    assert.strictEqual(run(dir, "has_orphans web nginx", same).status, 1);
    assert.strictEqual(
      run(dir, "has_orphans web nginx", { ...same, projectServices: ["web", "nginx", "worker"] }).status,
      0,
    );
  });
});
