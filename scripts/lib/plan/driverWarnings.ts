// What the plan can tell from the app's Python requirements about its database driver: DATABASE_URL's
// query asks MySQL and MariaDB drivers for a verified certificate (ssl-mode=VERIFY_IDENTITY, read into
// mysqlclient's ssl_mode by the app). mysqlclient 1.x has no ssl_mode (an unknown keyword: TypeError);
// 2.0 and 2.1 built against MariaDB's client library (Debian's default-libmysqlclient-dev, what python
// images install) refuse it: "MySQL client library does not support ssl_mode specification" (mysqlclient
// MySQLdb/_mysql.c at v1.4.6 and v2.1.1; 2.2.0 "Support ssl_mode setting with mariadb client",
// PyMySQL/mysqlclient#475). 2.0 and 2.1 built against Oracle's libmysqlclient work: a warning, not a refusal.
import * as fs from "fs";
import * as path from "path";
import type { DbEngine } from "../../../components/config";
import type { Warning } from "./warnings";

/** The first mysqlclient that sets ssl_mode with MariaDB's client library. */
export const MYSQLCLIENT_SSL_MODE = [2, 2] as const;

/** `mysqlclient==2.1.1`, `mysqlclient<2.2`, `mysqlclient~=1.4` …: the operator and the version. */
const PIN = /^\s*mysqlclient\s*(==|~=|<=|<)\s*([0-9]+(?:\.[0-9]+)*)/i;

/** Whether a pin keeps mysqlclient below MYSQLCLIENT_SSL_MODE. */
export function pinTooOld(operator: string, version: string): boolean {
  const [major, minor = 0, patch = 0] = version.split(".").map(Number);
  const [needMajor, needMinor] = MYSQLCLIENT_SSL_MODE;
  const below = major < needMajor || (major === needMajor && minor < needMinor);
  // `<2.2` (and `<2.2.0`) excludes 2.2.0; `<=2.2.0` allows it.
  if (operator === "<") return below || (major === needMajor && minor === needMinor && patch === 0);
  return below;
}

/** The requirements files of an app directory: requirements*.txt at its top and requirements/*.txt. */
function requirementFiles(appDir: string): string[] {
  const listed = (dir: string, keep: (name: string) => boolean): string[] => {
    try {
      return fs.readdirSync(dir).filter(keep).sort().map((n) => path.join(dir, n));
    } catch {
      return [];
    }
  };
  return [...listed(appDir, (n) => /^requirements.*\.txt$/.test(n)),
    ...listed(path.join(appDir, "requirements"), (n) => n.endsWith(".txt"))];
}

/** A warning for each requirements line that keeps mysqlclient below 2.2 on a MySQL or MariaDB stack. */
export function driverWarnings(engine: DbEngine, appDir: string, shownAs = appDir): Warning[] {
  if (engine === "postgres") return [];
  return requirementFiles(appDir).flatMap((file) =>
    fs.readFileSync(file, "utf8").split("\n").flatMap((line, i) => {
      const m = PIN.exec(line);
      if (!m || !pinTooOld(m[1], m[2])) return [];
      const where = `${path.posix.join(shownAs, path.relative(appDir, file).split(path.sep).join("/"))}:${i + 1}`;
      return [{ setting: "dbEngine",
        message: `${where} pins mysqlclient${m[1]}${m[2]}: before ${
          MYSQLCLIENT_SSL_MODE.join(".")
        }.0, mysqlclient refuses DATABASE_URL's ssl-mode=VERIFY_IDENTITY (1.x knows no ssl_mode; 2.0 and 2.1 built against MariaDB's client library, as Debian's default-libmysqlclient-dev builds them, say "MySQL client library does not support ssl_mode specification") and the app cannot connect to ${engine}. Fix: require mysqlclient>=${
          MYSQLCLIENT_SSL_MODE.join(".")
        }` }];
    })
  );
}
