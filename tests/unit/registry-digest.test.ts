// host/release/registry.sh: registry mode runs only the image the stack pushed. Run for real with
// bash; compose and docker are replaced by functions that print what they print on a host:
// `docker-compose config` output captured from docker-compose 1.29.2 with the example app
// (tests/fixtures/compose-config/registry-web-v1.29.yml; its env_file values show in it, as on a
// host) and `docker image inspect -f '{{join .RepoDigests " "}}'`, one "<repo>@sha256:…" per word.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { imageEnvName } from "../../components/config/appEnv";

const REGISTRY_SH = path.resolve(__dirname, "..", "..", "host", "release", "registry.sh");
const CONFIG_OUTPUT = path.resolve(__dirname, "..", "fixtures", "compose-config", "registry-web-v1.29.yml");
const REPO = "127.0.0.1:25000/e2e/web";
const PUSHED = `sha256:${"a".repeat(64)}`;
const OTHER = `sha256:${"b".repeat(64)}`;

function bash(body: string, env: Record<string, string> = {}) {
  const script = ["set -euo pipefail", "script_name=deploy", `source ${JSON.stringify(REGISTRY_SH)}`, body].join("\n");
  const r = spawnSync("bash", ["-c", script], { encoding: "utf8", timeout: 10000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("registry mode: the pulled image is the pushed one", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "registry-sh-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** verify_pulled_image with the .env as the deployment writes it and the registry's digests as given. */
  function verify(envLines: string, repoDigests: string) {
    const envFile = path.join(dir, ".env");
    fs.writeFileSync(envFile, envLines, { mode: 0o600 });
    return bash([
      `compose() { cat ${JSON.stringify(CONFIG_OUTPUT)}; }`,
      `docker() { [[ "$*" == "image inspect -f {{join .RepoDigests \\" \\"}} ${REPO}:0123abcd" ]] || { echo "unexpected docker $*" >&2; return 9; }; printf '%s\\n' "$REPO_DIGESTS"; }`,
      `web_service=web env_file=${JSON.stringify(envFile)} env_file_name=.env`,
      "verify_pulled_image",
    ].join("\n"), { REPO_DIGESTS: repoDigests });
  }

  it("names the .env entries as the program does, for any service name", () => {
    for (const service of ["web", "api-server", "my.app", "web_2", "a--b"]) {
      const r = bash(`image_env_name ${JSON.stringify(service)}`);
      assert.strictEqual(r.stdout, imageEnvName(service), service);
    }
  });

  it("reads a digest ref as Docker lists it in RepoDigests: the tag dropped, a registry port kept", () => {
    const cases: Record<string, string> = {
      [`${REPO}@${PUSHED}`]: `${REPO}@${PUSHED}`,
      [`${REPO}:0123abcd@${PUSHED}`]: `${REPO}@${PUSHED}`,
      [`123456789012.dkr.ecr.eu-west-1.amazonaws.com/app/web@${PUSHED}`]:
        `123456789012.dkr.ecr.eu-west-1.amazonaws.com/app/web@${PUSHED}`,
      [`${REPO}:0123abcd`]: "",
      [`${REPO}@sha256:short`]: "",
    };
    for (const [ref, want] of Object.entries(cases)) {
      assert.strictEqual(bash(`repo_digest ${JSON.stringify(ref)}`).stdout, want, ref);
    }
  });

  it("reads the web service's image from compose's resolved config, not another service's", () => {
    assert.strictEqual(bash(`compose() { cat ${JSON.stringify(CONFIG_OUTPUT)}; }\ncompose_image_of web`).stdout.trim(),
      `${REPO}:0123abcd`);
    assert.strictEqual(
      bash(`compose() { cat ${JSON.stringify(CONFIG_OUTPUT)}; }\ncompose_image_of nginx`).stdout.trim(),
      "",
    );
  });

  it("accepts the pulled image when it carries the pushed digest (among others)", () => {
    const r = verify(`RELEASE_ID='0123abcd'\nWEB_IMAGE='${REPO}'\nWEB_IMAGE_REF='${REPO}@${PUSHED}'\n`,
      `other.example/web@${OTHER} ${REPO}@${PUSHED}`);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /is the pushed one/);
  });

  it("refuses a re-tagged image: the tag now names other content, the error names both digests and the fix", () => {
    const r = verify(`WEB_IMAGE='${REPO}'\nWEB_IMAGE_REF='${REPO}@${PUSHED}'\n`, `${REPO}@${OTHER}`);
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr,
      new RegExp(`${REPO}@${OTHER}.*not ${REPO}@${PUSHED}.*re-tagged.*nothing was switched.*Fix: `));
  });

  it("refuses an image the registry gave without a digest, and a .env without the recorded digest", () => {
    assert.match(verify(`WEB_IMAGE_REF='${REPO}@${PUSHED}'\n`, "").stderr, /an image without a registry digest, not /);
    const missing = verify(`WEB_IMAGE='${REPO}'\n`, `${REPO}@${PUSHED}`);
    assert.strictEqual(missing.status, 1);
    assert.match(missing.stderr, /\.env has no WEB_IMAGE_REF=<repository>@sha256:<digest>/);
  });

  it("says the image was not pulled when the registry had none under the tag (compose only warned)", () => {
    const envFile = path.join(dir, ".env");
    fs.writeFileSync(envFile, `WEB_IMAGE_REF='${REPO}@${PUSHED}'\n`, { mode: 0o600 });
    const r = bash([
      `compose() { cat ${JSON.stringify(CONFIG_OUTPUT)}; }`,
      `docker() { echo "Error: No such image: $5" >&2; return 1; }`,
      `web_service=web env_file=${JSON.stringify(envFile)} env_file_name=.env`,
      "verify_pulled_image",
    ].join("\n"));
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr,
      /image 127\.0\.0\.1:25000\/e2e\/web:0123abcd was not pulled from the registry .*nothing was switched/);
  });

  it("never prints the env_file's values that compose config shows", () => {
    const r = verify(`WEB_IMAGE_REF='${REPO}@${PUSHED}'\n`, `${REPO}@${OTHER}`);
    assert.ok(!`${r.stdout}${r.stderr}`.includes("S3cret"));
  });
});
