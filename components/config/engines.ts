// RDS engine facts: supported majors, ports, storage limits and the names each engine reserves.
// Majors from the RDS user guide's "supported versions" pages; reserved words from each engine's
// manual (PostgreSQL appendix C "reserved" keywords; MySQL 8.0/8.4 keywords marked (R)).
import type { DbEngine } from "./types";

/**
 * The login the app connects as: not the master user. The deployment's db-user step creates it with
 * the master user's rights (host/bootstrap/db-user.sh): it owns the stack's database and nothing
 * else (PostgreSQL: no CREATEROLE, CREATEDB or rds_superuser; MySQL/MariaDB: privileges on that
 * database only). config refuses a master username equal to it.
 */
export const APP_DB_USER = "compose_app";

/** gp3 storage range of RDS for PostgreSQL, MySQL and MariaDB, in GiB. */
export const RDS_STORAGE_GB = { min: 20, max: 65536 } as const;

const POSTGRES_RESERVED_WORDS = (
  "all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate "
  + "collation column concurrently constraint create cross current_catalog current_date current_role "
  + "current_schema current_time current_timestamp current_user default deferrable desc distinct do else end "
  + "except false fetch for foreign freeze from full grant group having ilike in initially inner intersect "
  + "into is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null "
  + "offset on only or order outer overlaps placing primary references returning right select session_user "
  + "similar some symmetric system_user table tablesample then to trailing true union unique user using "
  + "variadic verbose when where window with"
).split(" ");

const MYSQL_RESERVED_WORDS = (
  "accessible add all alter analyze and as asc asensitive before between bigint binary blob both by call "
  + "cascade case change char character check collate column condition constraint continue convert create "
  + "cross cube cume_dist current_date current_time current_timestamp current_user cursor database databases "
  + "day_hour day_microsecond day_minute day_second dec decimal declare default delayed delete dense_rank "
  + "desc describe deterministic distinct distinctrow div double drop dual each else elseif empty enclosed "
  + "escaped except exists exit explain false fetch first_value float float4 float8 for force foreign from "
  + "fulltext function generated get grant group grouping groups having high_priority hour_microsecond "
  + "hour_minute hour_second if ignore in index infile inner inout insensitive insert int int1 int2 int3 int4 "
  + "int8 integer intersect interval into io_after_gtids io_before_gtids is iterate join json_table key keys "
  + "kill lag last_value lateral lead leading leave left like limit linear lines load localtime "
  + "localtimestamp lock long longblob longtext loop low_priority manual master_bind "
  + "master_ssl_verify_server_cert match maxvalue mediumblob mediumint mediumtext middleint "
  + "minute_microsecond minute_second mod modifies natural not no_write_to_binlog nth_value ntile null "
  + "numeric of on optimize optimizer_costs option optionally or order out outer outfile over parallel "
  + "partition percent_rank precision primary procedure purge qualify range rank read reads read_write real "
  + "recursive references regexp release rename repeat replace require resignal restrict return revoke right "
  + "rlike row rows row_number schema schemas second_microsecond select sensitive separator set show signal "
  + "smallint spatial specific sql sqlexception sqlstate sqlwarning sql_big_result sql_calc_found_rows "
  + "sql_small_result ssl starting stored straight_join system table tablesample terminated then tinyblob "
  + "tinyint tinytext to trailing trigger true undo union unique unlock unsigned update usage use using "
  + "utc_date utc_time utc_timestamp values varbinary varchar varcharacter varying virtual when where while "
  + "window with write xor year_month zerofill"
).split(" ");

/** What each engine supports and reserves. */
export interface EngineFacts {
  label: string;
  /** Major versions RDS offers; a minor is never pinned, so automatic minor upgrades cannot fight the stack. */
  majors: readonly string[];
  port: number;
  /** Longest database name. */
  maxDbNameLength: number;
  /** Accounts RDS or the engine creates (compared lowercase). */
  reservedUsernames: readonly string[];
  /** Prefixes of role names the engine or RDS reserves. */
  reservedUsernamePrefixes: readonly string[];
  /** Databases and schemas that already exist on every instance. */
  reservedDbNames: readonly string[];
  /** Words neither a username nor a database name may be. */
  reservedWords: readonly string[];
}

const MYSQL_FAMILY_ACCOUNTS = ["root", "admin", "rdsadmin", "rdsrepladmin", "rds_superuser_role", "mysql"];
const MYSQL_FAMILY_SCHEMAS = ["mysql", "sys", "information_schema", "performance_schema", "innodb", "rdsadmin", "tmp"];

export const ENGINES: Record<DbEngine, EngineFacts> = {
  postgres: {
    label: "PostgreSQL",
    majors: ["13", "14", "15", "16", "17", "18"],
    port: 5432,
    maxDbNameLength: 63,
    reservedUsernames: ["postgres", "rdsadmin", "admin", "rdsrepladmin", "rdstopmgr", "public"],
    reservedUsernamePrefixes: ["pg_", "rds_"],
    reservedDbNames: ["postgres", "template0", "template1", "rdsadmin"],
    reservedWords: POSTGRES_RESERVED_WORDS,
  },
  mysql: {
    label: "MySQL",
    majors: ["8.0", "8.4"],
    port: 3306,
    maxDbNameLength: 64,
    reservedUsernames: [...MYSQL_FAMILY_ACCOUNTS, "mysql_sys", "mysql_session", "mysql.sys", "mysql.session",
      "mysql.infoschema"],
    reservedUsernamePrefixes: ["rds_"],
    reservedDbNames: MYSQL_FAMILY_SCHEMAS,
    reservedWords: MYSQL_RESERVED_WORDS,
  },
  mariadb: {
    label: "MariaDB",
    majors: ["10.6", "10.11", "11.4", "11.8"],
    port: 3306,
    maxDbNameLength: 64,
    reservedUsernames: [...MYSQL_FAMILY_ACCOUNTS, "mariadb_sys", "mariadb.sys"],
    reservedUsernamePrefixes: ["rds_"],
    reservedDbNames: MYSQL_FAMILY_SCHEMAS,
    reservedWords: MYSQL_RESERVED_WORDS,
  },
};

/** Usernames RDS refuses (or that collide with built-in accounts) per engine, reserved words included. */
export const RESERVED_DB_USERNAMES: Record<DbEngine, string[]> = {
  postgres: [...ENGINES.postgres.reservedUsernames, ...ENGINES.postgres.reservedWords],
  mysql: [...ENGINES.mysql.reservedUsernames, ...ENGINES.mysql.reservedWords],
  mariadb: [...ENGINES.mariadb.reservedUsernames, ...ENGINES.mariadb.reservedWords],
};

/** Why a master username is reserved by the engine, or undefined when it is free. */
export function reservedUsernameReason(engine: DbEngine, username: string): string | undefined {
  const facts = ENGINES[engine];
  const name = username.toLowerCase();
  if (facts.reservedUsernames.includes(name)) return `is an account ${facts.label} on RDS already has`;
  const prefix = facts.reservedUsernamePrefixes.find((p) => name.startsWith(p));
  if (prefix) return `starts with "${prefix}", which ${facts.label} on RDS reserves for its own roles`;
  if (facts.reservedWords.includes(name)) return `is a reserved word of ${facts.label}`;
  return undefined;
}

/** Why a database name is reserved by the engine, or undefined when it is free. */
export function reservedDbNameReason(engine: DbEngine, dbName: string): string | undefined {
  const facts = ENGINES[engine];
  const name = dbName.toLowerCase();
  if (facts.reservedDbNames.includes(name)) return `already exists on every ${facts.label} instance on RDS`;
  if (facts.reservedWords.includes(name)) return `is a reserved word of ${facts.label}`;
  return undefined;
}
