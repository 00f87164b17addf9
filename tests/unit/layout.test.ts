// components/layout.ts and host/release/layout.sh: the host directory layout, once per language.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { HOST_SCRIPTS_PREFIX } from "../../components/bundle";
import { HOST_LAYOUT, hostBaseDir, hostPath } from "../../components/layout";

const ROOT = path.resolve(__dirname, "..", "..");
const RELEASE_DIR = path.join(ROOT, "host", "release");
/** Every directory of host scripts: the release's (and its ops verbs), the bootstrap's and cloud-init's. */
const HOST_SCRIPT_DIRS = [RELEASE_DIR, path.join(RELEASE_DIR, "ops"), path.join(ROOT, "host", "bootstrap"),
  path.join(ROOT, "host", "cloud-init")];

/** layout_<snake_name>=<value> lines of layout.sh, as { camelName: value }. */
function shellLayout(): Record<string, string> {
  const text = fs.readFileSync(path.join(RELEASE_DIR, "layout.sh"), "utf8");
  const found: Record<string, string> = {};
  for (const m of text.matchAll(/^layout_([a-z_]+)=(\S+)/gm)) {
    found[m[1].replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = m[2];
  }
  return found;
}

/** The code of a shell file: comment lines dropped. */
function shellCode(file: string): string {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .join("\n");
}

describe("host layout", () => {
  it("is the same in components/layout.ts and host/release/layout.sh", () => {
    assert.deepStrictEqual(shellLayout(), { ...HOST_LAYOUT });
  });

  it("names the directory the bundle packs the host scripts under", () => {
    assert.strictEqual(HOST_SCRIPTS_PREFIX, `${HOST_LAYOUT.releaseScripts}/`);
  });

  /** The shell files of every host script directory but layout.sh itself, relative to the root. */
  const hostScripts = () =>
    HOST_SCRIPT_DIRS.flatMap((dir) =>
      fs.readdirSync(dir).filter((f) => f.endsWith(".sh")).map((f) => path.relative(ROOT, path.join(dir, f)))
    ).filter(
      (f) => f !== path.join("host", "release", "layout.sh"),
    );

  /** The layout names a shell text spells out after a path's `}/` or `"/` (as `${base_dir}/current`). */
  const spelledOut = (code: string) =>
    Object.values(HOST_LAYOUT).filter((name) => new RegExp(`[}"]/${name.replace(/\./g, "\\.")}(?![\\w.-])`).test(code));

  it("is spelled out nowhere else in the host scripts' code (release, ops verbs, bootstrap, cloud-init)", () => {
    const scripts = hostScripts();
    for (const expected of ["deploy.sh", "ops/status.sh", "wait-ready.sh", "provision.sh"]) {
      assert.ok(scripts.some((f) => f.endsWith(`/${expected}`)), expected);
    }
    for (const file of scripts) {
      assert.deepStrictEqual(spelledOut(shellCode(path.join(ROOT, file))), [],
        `${file} spells out a layout name: use its layout_ variable`);
    }
  });

  it("catches a hand-spelled layout path in any of those directories", () => {
    assert.deepStrictEqual(spelledOut('release_scripts="${base_dir}/current/.compose-on-ec2"'), ["current"]);
    assert.deepStrictEqual(spelledOut('settings="${base_dir}/edge/settings"'), ["edge"]);
    assert.deepStrictEqual(spelledOut('x="${base_dir}/${layout_edge}/settings"'), []);
  });

  it("puts the base directory in the login's home and paths under it", () => {
    assert.strictEqual(hostBaseDir("ec2-user"), "/home/ec2-user/compose-on-ec2");
    assert.strictEqual(hostPath("/b", "uploads", "x.tar.gz"), "/b/uploads/x.tar.gz");
    assert.strictEqual(hostPath("/b", "deployLock"), "/b/deploy.lock");
  });
});
