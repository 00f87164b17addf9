// The compose file's mounts across releases, judged in config before any resource exists: a bind of
// a relative path from the release directory is refused with the exact edit (a named volume); a
// read-only bind of a single file the release ships stays, with a note; a redis or database service
// without a volume on its data directory is warned about.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, parseConfig } from "../../components/config";
import { parseCompose } from "../../components/compose/model";
import { analyseMounts } from "../../components/compose/mounts";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURE = "tests/fixtures/compose/relative-binds.yml";
const judge = (raw: Record<string, unknown>) =>
  parseConfig(raw, { project: "compose-on-ec2", stack: "dev", region: "us-east-1" });
const problemsOf = (raw: Record<string, unknown>): string[] => {
  try {
    judge(raw);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
};

describe("compose mounts across releases", () => {
  it("refuses a relative directory bind and a bind of a path the release does not ship, each with the named-volume edit", () => {
    const problems = problemsOf({ appDir: "tests/fixtures/compose", composeFile: "relative-binds.yml" });
    assert.deepStrictEqual(
      problems.map((p) => /^(\S+:\d+): service "(\w+)".*Fix: (write line \d+ as `[^`]+`)/.exec(p)?.slice(1)),
      [
        [`${FIXTURE}:7`, "web", "write line 7 as `- mediafiles:/app/media`"],
        [`${FIXTURE}:13`, "nginx", "write line 13 as `- static:/static/:ro`"],
      ],
    );
    assert.match(problems[0], /which the release does not ship: Docker creates it as an empty directory/);
    assert.match(problems[1], /once that release is pruned \(keepReleases\) the mount is empty/);
    assert.match(problems[1], /add `static:` under the top-level `volumes:`/);
  });

  it("keeps a read-only bind of a single shipped file, with a note that a change applies only when the service is recreated", () => {
    const text = fs.readFileSync(path.join(ROOT, FIXTURE), "utf8");
    const kinds: Record<string, "file" | "directory"> = { "nginx/default.conf": "file", static: "directory" };
    const found = analyseMounts(parseCompose(text, FIXTURE), { kindOf: (p) => kinds[p] ?? "missing" });
    assert.ok(
      found.notes.some((n) =>
        /^nginx binds the release's file \.\/nginx\/default\.conf read-only \(line 14\).*applies only when nginx is recreated/
          .test(n)
      ),
      found.notes.join("\n"),
    );
    assert.strictEqual(found.refusals.filter((r) => r.includes("default.conf")).length, 0);
  });

  it("warns about a redis without a volume, not about a database whose data directory has one", () => {
    const text = fs.readFileSync(path.join(ROOT, FIXTURE), "utf8");
    const found = analyseMounts(parseCompose(text, FIXTURE));
    const warnings = found.notes.filter((n) => n.startsWith("warning:"));
    assert.deepStrictEqual(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0],
      /^warning: redis \(redis, line 15\) has no volume on \/data: its data lives in the container/);
    assert.match(warnings[0], /add `- redis_data:\/data`/);
  });

  it("judges the deploy's own path variables as the absolute paths they are (the example app's maintenance mount)", () => {
    assert.deepStrictEqual(problemsOf({}), []);
    const app = judge({}).app;
    assert.ok(!app.composeFindings.some((n) => /maintenance/.test(n) && /binds/.test(n)),
      app.composeFindings.join("\n"));
  });

  it("refuses a relative bind written through a variable's default", () => {
    const model = parseCompose(
      "services:\n  web:\n    build: .\n    volumes:\n      - ${UPLOADS:-./uploads}:/app/uploads\n",
      "c.yml",
    );
    const found = analyseMounts(model, { kindOf: () => "missing" });
    assert.strictEqual(found.refusals.length, 1);
    assert.match(found.refusals[0],
      /^c\.yml:5: service "web": .*Fix: write line 5 as `- uploads:\/app\/uploads` and add `uploads:` under the top-level `volumes:`/);
  });
});
