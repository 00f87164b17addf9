// components/layout.ts and host/release/layout.sh: the host directory layout, once per language.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { HOST_SCRIPTS_PREFIX } from "../../components/bundle";
import { HOST_LAYOUT, hostBaseDir, hostPath } from "../../components/layout";

const ROOT = path.resolve(__dirname, "..", "..");
const RELEASE_DIR = path.join(ROOT, "host", "release");

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

  it("is spelled out nowhere else in the host scripts' code", () => {
    const scripts = fs.readdirSync(RELEASE_DIR).filter((f) => f.endsWith(".sh") && f !== "layout.sh");
    assert.ok(scripts.includes("deploy.sh"));
    for (const file of scripts) {
      const code = shellCode(path.join(RELEASE_DIR, file));
      for (const name of Object.values(HOST_LAYOUT)) {
        const literal = new RegExp(`[}"]/${name.replace(/\./g, "\\.")}(?![\\w.-])`);
        assert.doesNotMatch(code, literal, `${file} spells out "${name}": use its layout_ variable`);
      }
    }
  });

  it("puts the base directory in the login's home and paths under it", () => {
    assert.strictEqual(hostBaseDir("ec2-user"), "/home/ec2-user/compose-on-ec2");
    assert.strictEqual(hostPath("/b", "uploads", "x.tar.gz"), "/b/uploads/x.tar.gz");
    assert.strictEqual(hostPath("/b", "deployLock"), "/b/deploy.lock");
  });
});
