// What goes into a bundle besides the app's own files: files packed whatever the ignore files say,
// extra directories under a prefix, and this project's app with its host scripts.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { createAppBundle, createBundle, HOST_SCRIPTS_DIR, normalisePrefix } from "../../components/bundle";
import { parseManifest } from "../../components/manifest";
import { APP, EXEC, scratchDirs } from "../support/bundle";

describe("bundle", () => {
  const { tree, outDir, tempDir, bundleOf } = scratchDirs();

  it("always packs alwaysInclude files (the compose file) even when an ignore file matches them", () => {
    const files = { ...APP, ".dockerignore": "docker-compose*.yml\nhello/\n", "hello/compose.yml": "x" };
    const b = createBundle({ appDir: tree(files, EXEC), outDir: outDir(),
      alwaysInclude: ["docker-compose.prod.yml", "hello/compose.yml"] });
    assert.ok(b.files.includes("docker-compose.prod.yml"));
    assert.ok(b.files.includes("hello/compose.yml"));
    assert.ok(!b.files.includes("hello/views.py"));
    assert.throws(() => bundleOf(APP, EXEC, { alwaysInclude: ["missing.yml"] }), /must exist/);
  });

  it("packs extraDirs under their prefix, unfiltered by the app's ignore files", () => {
    const scripts = tree({ "deploy.sh": "#!/bin/bash\n", "lib/common.log": "kept" }, { "deploy.sh": 0o755 });
    const b = createBundle({ appDir: tree(APP, EXEC), outDir: outDir(),
      extraDirs: [{ dir: scripts, prefix: ".compose-on-ec2/" }] });
    assert.ok(b.files.includes(".compose-on-ec2/deploy.sh"));
    assert.ok(b.files.includes(".compose-on-ec2/lib/common.log"), "*.log from .dockerignore must not filter extraDirs");
    const lines = parseManifest(fs.readFileSync(b.path, "utf8"));
    const deploy = lines.find((l) => l.name === ".compose-on-ec2/deploy.sh");
    assert.strictEqual(deploy?.mode, 0o755);
    assert.ok(lines.some((l) => l.name === ".compose-on-ec2/" && l.sha256 === "-"));
  });

  it("refuses an extraDirs prefix that collides with an app file", () => {
    const scripts = tree({ "manage.py": "x" });
    assert.throws(
      () => bundleOf(APP, EXEC, { extraDirs: [{ dir: scripts, prefix: "./" }] }),
      /prefix/,
    );
    const other = tree({ "views.py": "x" });
    assert.throws(
      () => bundleOf(APP, EXEC, { extraDirs: [{ dir: other, prefix: "hello" }] }),
      /appears twice/,
    );
  });

  it("packs this project's app with its compose file and the host scripts under .compose-on-ec2/", () => {
    // A copy of app/ and host/release in a scratch project root, so nothing is written to the repo.
    const projectRoot = tempDir("bundle-project-");
    const repo = path.resolve(__dirname, "..", "..");
    fs.cpSync(path.join(repo, "app"), path.join(projectRoot, "app"), { recursive: true });
    fs.cpSync(path.join(repo, HOST_SCRIPTS_DIR), path.join(projectRoot, HOST_SCRIPTS_DIR), { recursive: true });
    const b = createAppBundle(projectRoot, "app", "docker-compose.prod.yml");
    assert.ok(b.files.includes("docker-compose.prod.yml"),
      "packed although app/.dockerignore may list docker-compose*.yml");
    assert.ok(b.files.includes(".compose-on-ec2/deploy.sh"));
    assert.ok(!b.files.includes(".env"));
    assert.ok(!path.isAbsolute(b.path), "relative path: the same FileAsset path on every machine");
    assert.strictEqual(path.resolve(b.path), path.join(projectRoot, ".pulumi-bundles", `${b.sha256}.manifest`));
  });

  it("normalises prefixes and refuses unsafe ones", () => {
    assert.strictEqual(normalisePrefix("./.compose-on-ec2"), ".compose-on-ec2/");
    assert.strictEqual(normalisePrefix(".compose-on-ec2/"), ".compose-on-ec2/");
    assert.throws(() => normalisePrefix("../x"), /relative/);
    assert.throws(() => normalisePrefix("/abs"), /relative/);
  });
});
