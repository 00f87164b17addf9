// The app's password is written into SQL as a plain literal by host/bootstrap/db-login.sh, which
// refuses any character outside its password_pattern first. The stack generates that password from
// A-Z a-z 0-9 and components/database.ts PASSWORD_SPECIALS: both sets must be the same, or a generated
// password is refused (a set too small) or reaches SQL unchecked (a set too large).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PASSWORD_SPECIALS, passwordLength } from "../../components/database";
import { PROJECT_ROOT } from "../../lib/engine";

/** db-login.sh's password_pattern, as the script writes it (a bash ERE that JavaScript reads the same way). */
function scriptPattern(): RegExp {
  const text = fs.readFileSync(path.join(PROJECT_ROOT, "host", "bootstrap", "db-login.sh"), "utf8");
  const m = /^readonly password_pattern='([^']+)'$/m.exec(text);
  assert.ok(m, "db-login.sh declares readonly password_pattern='…'");
  return new RegExp(m[1]);
}

describe("the generated passwords' characters and db-login.sh's check", () => {
  it("accept exactly the same printable characters", () => {
    const pattern = scriptPattern();
    const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
    const accepted = printable.filter((c) => pattern.test(c.repeat(20)));
    const generated = printable.filter((c) => /[A-Za-z0-9]/.test(c) || PASSWORD_SPECIALS.includes(c));
    assert.deepStrictEqual(accepted.join(""), generated.join(""));
  });

  it("accept every generated length, and refuse a password too short to be one", () => {
    const pattern = scriptPattern();
    for (const engine of ["postgres", "mysql", "mariadb"] as const) {
      assert.ok(pattern.test("a".repeat(passwordLength(engine))), engine);
    }
    assert.ok(!pattern.test("a".repeat(15)));
  });
});
