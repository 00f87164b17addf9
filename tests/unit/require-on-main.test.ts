// scripts/runner/require-on-main.sh, the prod job's check that the deployed commit is on main, run for
// real against git repositories made here: a clone whose origin has main and a side branch.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const SCRIPT = path.join(__dirname, "..", "..", "scripts", "runner", "require-on-main.sh");
const git = (cwd: string, ...args: string[]): string =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.test", "-c", "init.defaultBranch=main",
    ...args], { cwd, encoding: "utf8" }).trim();

describe("prod deploys only a commit that is on main", () => {
  let root: string;
  let clone: string;
  let onMain: string;
  let offMain: string;

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "on-main-"));
    const origin = path.join(root, "origin");
    fs.mkdirSync(origin);
    git(origin, "init", "-q");
    git(origin, "commit", "-q", "--allow-empty", "-m", "first");
    onMain = git(origin, "rev-parse", "HEAD");
    git(origin, "checkout", "-q", "-b", "side");
    git(origin, "commit", "-q", "--allow-empty", "-m", "never merged");
    offMain = git(origin, "rev-parse", "HEAD");
    git(origin, "tag", "v9.9.9");
    git(origin, "checkout", "-q", "main");
    git(origin, "commit", "-q", "--allow-empty", "-m", "second");
    clone = path.join(root, "clone");
    git(root, "clone", "-q", "--no-checkout", origin, clone);
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const run = (cwd: string, sha: string) =>
    spawnSync("bash", [SCRIPT], { cwd, env: { ...process.env, GITHUB_SHA: sha }, encoding: "utf8" });

  it("goes on for a commit main holds (an older one too)", () => {
    const r = run(clone, onMain);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`commit ${onMain} is on main`));
  });

  it("stops a tagged commit of a side branch, saying how to fix it", () => {
    const r = run(clone, offMain);
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr, new RegExp(`::error::commit ${offMain} is not on main: .*merge it to main first`));
  });

  it("stops when the checkout is shallow, rather than guessing", () => {
    const shallow = path.join(root, "shallow");
    git(root, "clone", "-q", "--depth", "1", `file://${path.join(root, "origin")}`, shallow);
    const r = run(shallow, git(shallow, "rev-parse", "HEAD"));
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr, /check out with fetch-depth: 0/);
  });
});
