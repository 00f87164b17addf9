// The plan's warning about a mysqlclient too old to verify a MySQL or MariaDB certificate with
// MariaDB's client library (scripts/lib/plan/driverWarnings.ts): which pins it catches, where it says.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { driverWarnings, pinTooOld } from "../../scripts/lib/plan/driverWarnings";

describe("the plan's mysqlclient warning", () => {
  it("counts a pin as too old when it keeps mysqlclient below 2.2.0", () => {
    const cases: [string, boolean][] = [["==2.1.1", true], ["==1.4.6", true], ["==2.1.*", true], ["~=2.1.1", true], [
      "~=1.4",
      true,
    ], ["<2.2", true], ["<2.2.0", true], ["<=2.1.9", true], [">=1.4,<2.2", true], ["==2.2.0", false], ["==2.2.8",
      false], ["<=2.2.0", false], ["<2.3", false], ["~=2.1", false], ["~=2.2", false], ["==3", false], [">=2.2", false],
      [">=1.4", false], ["!=2.1.0", false]];
    for (const [specifiers, old] of cases) {
      assert.strictEqual(pinTooOld(specifiers), old, `mysqlclient${specifiers}`);
    }
  });

  it("names the file and line of an old pin on a MySQL or MariaDB stack, and nothing on PostgreSQL", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "driver-"));
    try {
      fs.writeFileSync(path.join(dir, "requirements.txt"), "Django==4.2.11\nmysqlclient==2.1.1  # pinned\n");
      fs.mkdirSync(path.join(dir, "requirements"));
      fs.writeFileSync(path.join(dir, "requirements", "prod.txt"),
        "gunicorn\nmysqlclient>=2.2\nmysqlclient ~= 2.1 ; python_version >= '3.8'\n");
      const [w, ...more] = driverWarnings("mariadb", dir, "shop");
      assert.deepStrictEqual(more, [], "mysqlclient>=2.2 is fine");
      assert.strictEqual(w.setting, "dbEngine");
      assert.match(w.message, /^shop\/requirements\.txt:2 pins mysqlclient==2\.1\.1: before 2\.2\.0, /);
      assert.match(w.message,
        /1\.x knows no ssl_mode.*does not support ssl_mode specification.*Fix: require mysqlclient>=2\.2$/);
      assert.strictEqual(driverWarnings("mysql", dir, "shop").length, 1);
      assert.deepStrictEqual(driverWarnings("postgres", dir, "shop"), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("finds nothing to say about an app without requirements files", () => {
    assert.deepStrictEqual(driverWarnings("mysql", path.join(os.tmpdir(), "no-such-app-dir")), []);
  });
});
