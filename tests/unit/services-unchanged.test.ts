// host/release/containers.sh: when the deploy may skip `compose up` of the other services because compose
// would change nothing. Run for real with bash; docker is a shell function that answers as a host
// with one nginx container would (no docker here), and the hashes file is what compose printed.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as path from "path";

const LIB = path.resolve(__dirname, "..", "..", "host", "release", "containers.sh");

interface Host {
  /** What `compose config --hash` printed for nginx (the hashes file). */
  hash: string;
  /** nginx's containers: "status config-hash-label image-id" each. */
  containers: string[];
  /** The image id the image name e2e_nginx points at now. */
  imageNow: string;
  /** Services of the project's containers (for orphans). */
  projectServices?: string[];
}

/** Exit status of `body` with containers.sh sourced and compose/docker answering as `host` describes. */
function run(body: string, host: Host): number {
  const containers = host.containers.map((c, i) => `c${i} ${c}`);
  const script = [
    "set -euo pipefail",
    `source ${JSON.stringify(LIB)}`,
    "app_name=e2e",
    `hashes="$(mktemp)"; trap 'rm -f "$hashes"' EXIT; echo "nginx ${host.hash}" > "$hashes"`,
    `containers=(${containers.map((c) => JSON.stringify(c)).join(" ")})`,
    "docker() {",
    '  case "$1" in',
    '    ps) if [[ "$*" == *--format* ]]; then printf "%s\\n" ' + (host.projectServices ?? ["web", "nginx"]).join(" ") + "; else for c in \"${containers[@]}\"; do echo \"${c%% *}\"; done; fi ;;",
    '    inspect) for c in "${containers[@]}"; do if [[ "${c%% *}" == "${!#}" ]]; then read -r _ s h i <<<"$c"; echo "$s $h e2e_nginx $i"; fi; done ;;',
    `    image) echo "${host.imageNow}" ;;`,
    "  esac",
    "}",
    body,
  ].join("\n");
  try {
    execFileSync("bash", ["-c", script], { stdio: "pipe", timeout: 10000 });
    return 0;
  } catch (error) {
    return Number((error as { status?: number }).status ?? 1);
  }
}

const same: Host = { hash: "h1", containers: ["running h1 sha256:a"], imageNow: "sha256:a" };

describe("deploy: other services left alone only when compose would change nothing", () => {
  it("calls a running container with the config hash and image compose would use unchanged", () => {
    assert.strictEqual(run('services_unchanged "$hashes" nginx', same), 0);
  });

  it("calls it changed when compose's config hash differs from the container's label", () => {
    assert.strictEqual(run('services_unchanged "$hashes" nginx', { ...same, hash: "h2" }), 1);
  });

  it("calls it changed when the image name now points at another image (a rebuilt nginx)", () => {
    assert.strictEqual(run('services_unchanged "$hashes" nginx', { ...same, imageNow: "sha256:b" }), 1);
  });

  it("calls it changed when the container is not running, missing, or not alone", () => {
    assert.strictEqual(run('services_unchanged "$hashes" nginx', { ...same, containers: ["exited h1 sha256:a"] }), 1);
    assert.strictEqual(run('services_unchanged "$hashes" nginx', { ...same, containers: [] }), 1);
    assert.strictEqual(run('services_unchanged "$hashes" nginx', { ...same, containers: ["running h1 sha256:a", "running h1 sha256:a"] }), 1);
  });

  it("calls it changed when compose gave no hash", () => {
    assert.strictEqual(run('services_unchanged "$hashes" nginx', { ...same, hash: "" }), 1);
    assert.strictEqual(run("services_unchanged /nonexistent nginx", same), 1);
  });

  it("finds a container of a service the compose file no longer defines (an orphan)", () => {
    assert.strictEqual(run("has_orphans web nginx", same), 1);
    assert.strictEqual(run("has_orphans web nginx", { ...same, projectServices: ["web", "nginx", "worker"] }), 0);
  });
});
