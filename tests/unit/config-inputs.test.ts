// Inputs that look plausible but mean nothing are refused in config, before any resource exists,
// with the key, the value and the fix: blank values, a directory where a file is meant (and the
// reverse), the project root as the app, and a date that is not on the calendar.
import * as assert from "assert";
import { parseConfig } from "../../components/config";
import { onTheCalendar } from "../../components/config/tags";
import { problemsOfParse } from "./configProblems";

/** Parses against the real project tree (app/ is the example app). */
const problems = (raw: Record<string, unknown>, stack = "dev"): string[] =>
  problemsOfParse(() => parseConfig(raw, { project: "compose-on-ec2", stack, region: "us-east-1" }),
    JSON.stringify(raw));

describe("config: inputs refused before any resource exists", () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ["a compose file of only spaces", { composeFile: "   " }, "composeFile", /is only whitespace.*Fix: remove it/],
    ["a health path of only a line break", { healthPath: "\n" }, "healthPath", /is only whitespace/],
    ["a directory named as the compose file", { composeFile: "nginx" }, "composeFile",
      /is a directory in appDir "app", not a file.*Fix: name the compose file itself/],
    ["a file named as the app directory", { appDir: "app/docker-compose.prod.yml" }, "appDir",
      /is a file, not a directory.*Fix: point appDir at the directory that holds it \(app\)/],
    ["the project root as the app", { appDir: "." }, "appDir",
      /is the project root: the bundle would ship this project itself.*Fix: move your app into a directory of its own/],
    ["the project root spelled ./", { appDir: "./" }, "appDir", /is the project root/],
    ["30 February", { sandboxExpiresAt: "2026-02-30T18:00:00Z" }, "sandboxExpiresAt",
      /names a day or time that does not exist/],
    ["hour 24", { sandboxExpiresAt: "2026-12-01T24:00:00Z" }, "sandboxExpiresAt", /does not exist/],
  ];
  for (const [what, raw, key, message] of cases) {
    it(`refuses ${what}, naming ${key}, the value and the fix`, () => {
      const found = problems(raw, key === "sandboxExpiresAt" ? "pr-7" : "dev").filter((p) =>
        p.startsWith(`compose-on-ec2:${key} = `)
      );
      assert.strictEqual(found.length, 1, `one problem about ${key}: ${found.join(" | ")}`);
      assert.match(found[0].replace(/\n/g, " "), message);
      assert.ok(found[0].includes(JSON.stringify(raw[key])), "the bad value is shown");
    });
  }
  it("tells real calendar dates from rolled-over ones", () => {
    assert.deepStrictEqual(
      ["2028-02-29", "2026-02-29", "2026-04-31", "2026-12-01T23:59:59Z", "2026-12-01T12:60:00Z"].map(onTheCalendar),
      [true, false, false, true, false],
    );
  });
  it("still reads the declared unset values as unset (not as whitespace)", () => {
    assert.doesNotThrow(() =>
      parseConfig({ composeFile: "", subnetIds: "[]", tags: "{}" }, { project: "compose-on-ec2", stack: "dev",
        region: "us-east-1" })
    );
  });
});
