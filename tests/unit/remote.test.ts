import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createBundle } from "../../components/bundle";
import {
  deployCommand,
  destroyCommand,
  manifestRemotePath,
  releaseDir,
  shellQuote,
  storeDir,
  uploadCommand,
  uploadDir,
  waitReadyCommand,
} from "../../components/remote";
import { testRemoteSpec as spec } from "../support/fixtures";
import { HOST_LAYOUT } from "../../components/layout";
import { runSh, uploadBundle } from "../support/upload";

const SHA = "a".repeat(64);

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** A bundle whose .compose-on-ec2/deploy.sh records its arguments and stdin instead of deploying, uploaded to baseDir. */
function fakeBundle(baseDir: string): { sha: string; file: string } {
  const src = tempDir("remote-bundle-src-");
  fs.mkdirSync(path.join(src, ".compose-on-ec2"));
  fs.writeFileSync(
    path.join(src, ".compose-on-ec2", "deploy.sh"),
    'printf "%s\\n" "$@" > "$(dirname "$0")/../args.txt"\ncat > "$(dirname "$0")/../stdin.txt"\necho fake-deploy-ran\n',
  );
  fs.writeFileSync(path.join(src, "docker-compose.prod.yml"), "services: {}\n");
  const bundle = createBundle({ appDir: src, outDir: tempDir("remote-bundle-out-") });
  uploadBundle(spec({ baseDir }), bundle);
  return { sha: bundle.sha256, file: path.join(baseDir, "uploads", `${bundle.sha256}.manifest`) };
}

describe("remote", () => {
  after(() => {
    for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("shellQuote", () => {
    for (const value of ["plain", "with space", "it's", "$(touch /tmp/pwned) `id` ${HOME}", "a\nb", '"double"', "",
      "'"]) {
      it(`survives the shell unchanged: ${JSON.stringify(value)}`, () => {
        const result = runSh(`printf %s ${shellQuote(value)}`);
        assert.strictEqual(result.status, 0, result.stderr);
        assert.strictEqual(result.stdout, value);
      });
    }
  });

  describe("paths", () => {
    it("puts uploads, manifests, the store and releases under baseDir", () => {
      const s = spec({ baseDir: "/srv/base" });
      assert.strictEqual(uploadDir(s), `/srv/base/${HOST_LAYOUT.uploads}`);
      assert.strictEqual(manifestRemotePath(s, SHA), `/srv/base/${HOST_LAYOUT.uploads}/${SHA}.manifest`);
      assert.strictEqual(storeDir(s), `/srv/base/${HOST_LAYOUT.store}`);
      assert.strictEqual(releaseDir(s, SHA), `/srv/base/${HOST_LAYOUT.releases}/${SHA}`);
    });
  });

  describe("sha256", () => {
    it("deployCommand and uploadCommand refuse something that is not a sha256", () => {
      assert.throws(() => deployCommand(spec(), "abc; rm -rf /"), /sha256/);
      assert.throws(() => uploadCommand(spec(), "abc; rm -rf /", "missing"), /sha256/);
    });
  });

  describe("command contents", () => {
    const commands =
      () => [waitReadyCommand(spec()), deployCommand(spec(), SHA), destroyCommand(spec()),
        uploadCommand(spec(), SHA, "missing")];

    it("contains nothing secret-looking: the .env travels on stdin only", () => {
      for (const command of commands()) {
        assert.doesNotMatch(command, /DATABASE_URL=|PASSWORD|SECRET_KEY|postgres:\/\//i);
      }
    });

    it("passes every deploy setting as a quoted argument", () => {
      const s = spec({ httpPort: 18080, deployMode: "registry", healthPath: "/up", proxyService: "proxy", webPort: 5000,
        envFile: ".env.prod", healthSource: "deploy probe", keepReleases: 7, healthTimeoutSeconds: 45 });
      const command = deployCommand(s, SHA);
      const flags: [string, string][] = [["--app-name", s.appName], ["--mode", "registry"], ["--http-port", "18080"], [
        "--health-path",
        "/up",
      ], ["--keep-releases", "7"], ["--timeout", "45"], ["--compose-file", s.composeFile], ["--web-service",
        s.webService], ["--proxy-service", "proxy"], ["--web-port", "5000"], ["--env-file", ".env.prod"], [
        "--health-source",
        "probe",
      ]];
      for (const [flag, value] of flags) {
        const expected = `${shellQuote(flag)} ${shellQuote(value)}`;
        assert.ok(command.includes(expected), `missing ${expected}`);
      }
    });

    it("is built from the shell files under host/bootstrap, passed whole", () => {
      const names = ["wait-ready", "deploy", "destroy", "upload"];
      commands().forEach((command, i) => {
        const script = fs.readFileSync(path.join(__dirname, "..", "..", "host", "bootstrap", `${names[i]}.sh`), "utf8");
        assert.ok(command.startsWith(`bash -c ${shellQuote(script)} compose-on-ec2-${names[i]} `), names[i]);
      });
    });

    it("is deterministic (no timestamps or random parts)", () => {
      assert.deepStrictEqual(commands(), commands());
    });

    it("parses as shell syntax", () => {
      for (const command of commands()) {
        const result = spawnSync("bash", ["-n", "-c", command], { encoding: "utf8" });
        assert.strictEqual(result.status, 0, result.stderr);
      }
    });
  });

  describe("deployCommand, run for real against a scratch baseDir", () => {
    it("verifies the manifest, assembles releases/<sha> from the store and runs its deploy.sh with the args and stdin", () => {
      const base = tempDir("remote-base-");
      const { sha } = fakeBundle(base);
      const result = runSh(deployCommand(spec({ baseDir: base }), sha), {
        input: "DATABASE_URL=postgres://u:p@h/db\n",
      });
      assert.strictEqual(result.status, 0, result.stderr);
      assert.match(result.stdout, /fake-deploy-ran/);
      const rel = path.join(base, "releases", sha);
      const args = fs.readFileSync(path.join(rel, "args.txt"), "utf8").split("\n");
      assert.deepStrictEqual(args.slice(0, 4), ["--base-dir", base, "--app-name", "shop"]);
      assert.strictEqual(fs.readFileSync(path.join(rel, "stdin.txt"), "utf8"), "DATABASE_URL=postgres://u:p@h/db\n");
      assert.deepStrictEqual(fs.readdirSync(path.join(base, "releases")), [sha], "no temporary directory left behind");
    });

    it("fails cleanly on a cut manifest and assembles nothing", () => {
      const base = tempDir("remote-base-");
      const { sha, file } = fakeBundle(base);
      const bytes = fs.readFileSync(file);
      fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
      const result = runSh(deployCommand(spec({ baseDir: base }), sha));
      assert.strictEqual(result.status, 1);
      assert.match(result.stderr, /does not match release id/);
      assert.ok(!fs.existsSync(path.join(base, "releases", sha)), "no release directory for a cut upload");
    });

    it("fails when a content is missing from the store, naming the fix, and assembles nothing", () => {
      const base = tempDir("remote-base-");
      const { sha } = fakeBundle(base);
      const store = path.join(base, "store");
      fs.rmSync(path.join(store, fs.readdirSync(store)[0]));
      const result = runSh(deployCommand(spec({ baseDir: base }), sha));
      assert.strictEqual(result.status, 1);
      assert.match(result.stderr, /1 contents of release .* are not in the store .*: upload it again/);
      assert.deepStrictEqual(fs.readdirSync(path.join(base, "releases")), [], "no release directory, no temporary one");
    });

    it("fails with the path when the release was never uploaded", () => {
      const base = tempDir("remote-base-");
      const result = runSh(deployCommand(spec({ baseDir: base }), SHA));
      assert.strictEqual(result.status, 1);
      assert.match(result.stderr, /manifest .*uploads\/a{64}\.manifest is missing/);
    });
  });

  describe("destroyCommand and waitReadyCommand, run for real", () => {
    it("destroy exits 0 when nothing was ever deployed", () => {
      const result = runSh(destroyCommand(spec({ baseDir: tempDir("remote-base-") })));
      assert.strictEqual(result.status, 0, result.stderr);
      assert.match(result.stdout, /nothing to destroy/);
    });

    /** A directory with stand-in commands (name → sh script body), put first on PATH. */
    function fakeBin(commands: Record<string, string>): NodeJS.ProcessEnv {
      const bin = tempDir("remote-fakebin-");
      for (const [name, body] of Object.entries(commands)) {
        fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
      }
      return { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    }
    const READY_DOCKER = '[ "$1" = compose ] && echo "Docker Compose version v2.29.0"\nexit 0';

    it("waitReady stops at once with cloud-init's own error when the host's setup failed", () => {
      const env = fakeBin({
        // A docker that never answers: without the cloud-init check the wait would run for minutes.
        docker: "exit 1",
        "cloud-init": [
          'case "$*" in',
          '  "status --wait") echo "status: error"; exit 1 ;;',
          '  "status --long") printf "status: error\\nerrors:\\n\\t- runcmd: provision.sh exited 100\\n"; exit 1 ;;',
          '  status) echo "status: running" ;;',
          "esac",
        ].join("\n"),
      });
      const result = runSh(waitReadyCommand(spec({ baseDir: tempDir("remote-base-") })), { env });
      assert.strictEqual(result.status, 1, `exit ${result.status}: ${result.stderr}`);
      assert.match(result.stderr, /cloud-init failed setting up this host/);
      assert.match(result.stderr, /runcmd: provision\.sh exited 100/);
    });

    it("waitReady goes on once cloud-init is done, and skips a cloud-init that never ran on this host", () => {
      for (const cloudInit of [
        'case "$*" in status) echo "status: running" ;; "status --wait") echo "status: done" ;; esac',
        'echo "status: not run"',
      ]) {
        const base = path.join(tempDir("remote-base-"), "compose-on-ec2");
        const result = runSh(waitReadyCommand(spec({ baseDir: base })), {
          env: fakeBin({ docker: READY_DOCKER, "cloud-init": cloudInit }),
        });
        assert.strictEqual(result.status, 0, result.stderr);
        assert.match(result.stdout, /cloud-init (finished|has not run on this host)/);
      }
    });

    it("waitReady needs no bundle: with docker answering it creates <baseDir>/uploads", () => {
      const base = path.join(tempDir("remote-base-"), "compose-on-ec2");
      // A stand-in docker CLI that answers `info` and `compose version`, as a ready host's does.
      const result = runSh(waitReadyCommand(spec({ baseDir: base })), { env: fakeBin({ docker: READY_DOCKER }) });
      assert.strictEqual(result.status, 0, result.stderr);
      assert.ok(fs.statSync(path.join(base, "uploads")).isDirectory());
      assert.ok(fs.statSync(path.join(base, "releases")).isDirectory());
      assert.match(result.stdout, /ready/);
    });
  });
});
