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

/** A requirements line naming mysqlclient: its specifiers (`==2.1.1`, `>=1.4,<2.2` …), up to a marker or comment. */
const REQUIREMENT = /^\s*mysqlclient\s*((?:[<>=!~]=?|===)\s*[0-9][^;#]*)/i;

/** A version as numbers, missing parts 0. */
const numbers = (v: string): number[] => v.split(".").map((p) => Number.parseInt(p, 10) || 0);

/** a < b, part by part. */
function before(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  }
  return false;
}

/**
 * Whether specifiers (PEP 440: `==`, `<`, `<=`, `~=`; the others set no ceiling) keep mysqlclient
 * below MYSQLCLIENT_SSL_MODE: some ceiling lets no 2.2.0 through. `~=2.1` is >=2.1, ==2.*: 2.2 passes;
 * `~=2.1.1` is >=2.1.1, ==2.1.*: it does not.
 */
export function pinTooOld(specifiers: string): boolean {
  const needed = [...MYSQLCLIENT_SSL_MODE, 0];
  return specifiers.split(",").some((spec) => {
    const m = /^\s*(===?|~=|<=|<|>=|>|!=)\s*([0-9][0-9.]*)/.exec(spec);
    if (!m) return false;
    const v = numbers(m[2]);
    if (m[1] === "==" || m[1] === "===" || m[1] === "<=") return before(v, needed);
    if (m[1] === "<") return !before(needed, v);
    if (m[1] === "~=") {
      const prefix = v.slice(0, Math.max(v.length - 1, 1));
      const ceiling = [...prefix.slice(0, -1), prefix[prefix.length - 1] + 1];
      return !before(needed, ceiling);
    }
    return false;
  });
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
      const m = REQUIREMENT.exec(line);
      if (!m || !pinTooOld(m[1])) return [];
      const where = `${path.posix.join(shownAs, path.relative(appDir, file).split(path.sep).join("/"))}:${i + 1}`;
      return [{ setting: "dbEngine",
        message: `${where} pins mysqlclient${m[1].trim()}: before ${
          MYSQLCLIENT_SSL_MODE.join(".")
        }.0, mysqlclient refuses DATABASE_URL's ssl-mode=VERIFY_IDENTITY (1.x knows no ssl_mode; 2.0 and 2.1 built against MariaDB's client library, as Debian's default-libmysqlclient-dev builds them, say "MySQL client library does not support ssl_mode specification") and the app cannot connect to ${engine}. Fix: require mysqlclient>=${
          MYSQLCLIENT_SSL_MODE.join(".")
        }` }];
    })
  );
}
