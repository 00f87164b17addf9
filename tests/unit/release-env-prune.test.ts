// host/release/records.sh prune: secrets stay only where a switch can need them, and the store keeps
// only what a kept release names. Run for real with bash on a releases directory laid out as the
// deploy leaves it (docker replaced by a program first in PATH that records what it was asked to remove).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HOST_LAYOUT } from "../../components/layout";

const RECORDS_SH = path.resolve(__dirname, "..", "..", "host", "release", "records.sh");
const sha = (c: string) => c.repeat(64);

describe("prune: only the serving and the previous release keep a .env", () => {
  let base: string;
  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), "prune-env-"));
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  /** Four releases, newest last: a (oldest) … d; each with its env file and .env linking to it. */
  function layout(envFileName: string): void {
    const releases = path.join(base, HOST_LAYOUT.releases);
    ["a", "b", "c", "d"].forEach((c, i) => {
      const dir = path.join(releases, sha(c));
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, envFileName), `DATABASE_URL='postgres://app:pw@db/app'\nRELEASE_ID='${sha(c)}'\n`,
        { mode: 0o600 });
      if (envFileName !== ".env") fs.symlinkSync(envFileName, path.join(dir, ".env"));
      fs.writeFileSync(path.join(dir, "docker-compose.prod.yml"), "services: {}\n");
      const t = new Date(Date.UTC(2026, 0, 1, 0, i));
      fs.utimesSync(dir, t, t);
    });
    fs.symlinkSync(`${HOST_LAYOUT.releases}/${sha("d")}`, path.join(base, HOST_LAYOUT.current));
    fs.symlinkSync(`${HOST_LAYOUT.releases}/${sha("c")}`, path.join(base, HOST_LAYOUT.previous));
  }

  function prune(envFileName: string, keep: number) {
    const script = [
      "set -euo pipefail",
      "script_name=deploy",
      `source ${JSON.stringify(RECORDS_SH)}`,
      `export PATH=${JSON.stringify(path.join(base, "bin"))}:"$PATH"`,
      `base_dir=${JSON.stringify(base)} releases_dir=${JSON.stringify(path.join(base, HOST_LAYOUT.releases))}`,
      `compose_file=docker-compose.prod.yml env_file_name=${
        JSON.stringify(envFileName)
      } keep_releases=${keep} app_name=app`,
      "prune",
    ].join("\n");
    // docker as a program (xargs runs it), recording what it is asked to remove; `image ls` lists a's image.
    fs.mkdirSync(path.join(base, "bin"), { recursive: true });
    fs.writeFileSync(path.join(base, "bin", "docker"), [
      "#!/usr/bin/env bash",
      `if [[ "$1 $2" == "image ls" ]]; then printf '%s\\n' "app-web:${
        sha("a")
      }"; elif [[ "$1 $2" == "image rm" ]]; then shift 2; printf '%s\\n' "$@" >> ${
        JSON.stringify(path.join(base, "removed-images"))
      }; fi`,
      "",
    ].join("\n"), { mode: 0o755 });
    return spawnSync("bash", ["-c", script], { encoding: "utf8", timeout: 10000 });
  }

  const has = (c: string, name: string) => {
    try {
      fs.lstatSync(path.join(base, HOST_LAYOUT.releases, sha(c), name));
      return true;
    } catch {
      return false;
    }
  };

  for (const envFileName of [".env", "app.env"]) {
    it(`${envFileName}: current and previous keep theirs, an older kept release loses it (its RELEASE_ID kept), the oldest goes`, () => {
      layout(envFileName);
      const r = prune(envFileName, 3);
      assert.strictEqual(r.status, 0, r.stderr);
      assert.ok(has("d", envFileName) && has("d", ".env"), "current keeps its .env");
      assert.ok(has("c", envFileName) && has("c", ".env"), "previous keeps its .env");
      assert.ok(!has("b", envFileName) && !has("b", ".env"), "an older kept release holds no .env");
      assert.strictEqual(
        fs.readFileSync(path.join(base, HOST_LAYOUT.releases, sha("b"), HOST_LAYOUT.releaseId), "utf8"),
        `${sha("b")}\n`,
      );
      assert.ok(!fs.existsSync(path.join(base, HOST_LAYOUT.releases, sha("a"))), "the oldest release is removed");
      assert.match(r.stdout, /removed the \.env of release bbbbbbbbbbbb/);
      assert.ok(!`${r.stdout}${r.stderr}`.includes("pw@db"));
    });
  }

  it("keeps the order of releases (by when each was deployed) when it removes a .env", () => {
    layout(".env");
    const mtime = (c: string) => fs.statSync(path.join(base, HOST_LAYOUT.releases, sha(c))).mtimeMs;
    const before = ["a", "b"].map(mtime);
    assert.strictEqual(prune(".env", 4).status, 0);
    assert.deepStrictEqual(["a", "b"].map(mtime), before);
  });

  it("removes a release's images by the RELEASE_ID it kept after its .env was gone", () => {
    layout(".env");
    assert.strictEqual(prune(".env", 4).status, 0);
    assert.ok(!has("a", ".env") && has("a", HOST_LAYOUT.releaseId));
    const r = prune(".env", 3);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.ok(!fs.existsSync(path.join(base, HOST_LAYOUT.releases, sha("a"))));
    assert.match(fs.readFileSync(path.join(base, "removed-images"), "utf8"), new RegExp(`app-web:${sha("a")}`));
  });

  it("keeps in the store only the contents a kept release's manifest, or a fresh upload's, names", () => {
    layout(".env");
    const uploads = path.join(base, HOST_LAYOUT.uploads);
    const store = path.join(base, HOST_LAYOUT.store);
    fs.mkdirSync(uploads);
    fs.mkdirSync(store);
    // Release → the one content its manifest names: e is uploaded, not deployed yet; f was uploaded two hours ago and never deployed.
    const names: Record<string, string> = { a: "1", b: "2", c: "3", d: "4", e: "5", f: "6" };
    for (const [release, content] of Object.entries(names)) {
      fs.writeFileSync(path.join(uploads, `${sha(release)}.manifest`), `${content.repeat(64)} 644 f.txt\n- 755 dir/\n`);
    }
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    fs.utimesSync(path.join(uploads, `${sha("f")}.manifest`), twoHoursAgo, twoHoursAgo);
    for (const content of ["1", "2", "3", "4", "5", "6", "7"]) {
      fs.writeFileSync(path.join(store, content.repeat(64)), content);
    }
    const r = prune(".env", 2);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.deepStrictEqual(fs.readdirSync(store).map((n) => n[0]).sort(), ["3", "4", "5"],
      "current, previous and the fresh upload's contents stay");
    assert.deepStrictEqual(fs.readdirSync(uploads).map((n) => n[0]).sort(), ["c", "d", "e"],
      "the removed releases' manifests and the stale upload's go");
    assert.match(r.stdout, /store: removed 4 contents no kept release names/);
  });
});
