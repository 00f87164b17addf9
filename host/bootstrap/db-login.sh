#!/usr/bin/env bash
# The app's own database login, made with the master user's rights, so the app never connects as the
# master user. Runs inside the engine's client image (components/remote.ts: DB_CLIENT_IMAGES), so the
# same statements serve both hostings:
# - ec2: host/bootstrap/db-user.sh runs it in a one-off container, the two passwords on its stdin
#   (never in the container's environment, where `docker inspect` would show them);
# - ecs: each task's non-essential db-login container runs it before the app's containers start
#   (components/ecsDbLogin.ts), the two passwords in its environment from the task's `secrets`.
# Environment:
#   DB_ENGINE (postgres | mysql | mariadb), DB_HOST, DB_PORT, DB_NAME, DB_MASTER_USER, DB_APP_USER,
#   DB_CA_FILE: the CA bundle (PEM) the server's certificate must chain to;
#   DB_CA_PEM (optional, ecs): the bundle itself, written to DB_CA_FILE first (0644, atomically), where
#     the app's containers read it from the task's shared volume;
#   DB_MASTER_PASSWORD, DB_APP_PASSWORD (optional): else the first two lines of stdin.
# The client connects as the master user with the certificate verified against DB_CA_FILE (PostgreSQL
# sslmode=verify-full, MySQL VERIFY_IDENTITY, MariaDB --ssl-verify-server-cert) and makes DB_APP_USER:
# - PostgreSQL: a LOGIN role without CREATEROLE, CREATEDB or rds_superuser that owns DB_NAME and what
#   the master user owns in it outside the system schemas and extensions: schemas, tables, views,
#   sequences, foreign tables, types, functions and procedures (what a migration alters). RDS's master user has CREATEROLE and CREATEDB and is not a superuser
#   (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Appendix.PostgreSQL.CommonDBATasks.Roles.rds_superuser.html);
#   handing over ownership needs it to be a member of DB_APP_USER (ALTER DATABASE/TABLE … OWNER TO:
#   "you must be able to SET ROLE to the new owning role"), hence GRANT DB_APP_USER TO CURRENT_USER.
# - MySQL, MariaDB: a user that must use TLS (REQUIRE SSL) with every privilege on DB_NAME only.
# Every statement is idempotent (a re-run sets the password again and changes nothing else), and runs
# under a lock of the server's (pg_advisory_xact_lock, GET_LOCK): ecs starts several tasks at once.
# PostgreSQL's part is one transaction that waits at most 10 s for a lock the running app holds.
# The client's output is shown with both passwords blanked out; neither is an argument of any process.
set -euo pipefail

log() { printf '[db-login] %s\n' "$*"; }
die() { printf '[db-login] ERROR: %s\n' "$*" >&2; exit 1; }

# The passwords the stack generates use these characters only (components/database.ts:
# PASSWORD_SPECIALS, held equal by tests/unit/db-password-charset.test.ts), so the app's password is
# a plain SQL literal.
readonly password_pattern='^[A-Za-z0-9._~*+=-]{16,128}$'
# The lock every run takes on the server (one number for PostgreSQL, one name for MySQL/MariaDB).
readonly lock_key=727001
readonly lock_name=compose_on_ec2_db_login

read_settings() {
  local v
  for v in DB_ENGINE DB_HOST DB_PORT DB_NAME DB_MASTER_USER DB_APP_USER DB_CA_FILE; do
    [[ -n "${!v:-}" ]] || die "${v} is not set"
  done
  case "${DB_ENGINE}" in postgres | mysql | mariadb) ;; *) die "DB_ENGINE '${DB_ENGINE}' is not postgres, mysql or mariadb" ;; esac
  [[ "${DB_APP_USER}" =~ ^[a-z_][a-z0-9_]*$ && "${DB_NAME}" =~ ^[A-Za-z][A-Za-z0-9_]*$ ]] \
    || die "the app user '${DB_APP_USER}' or the database name '${DB_NAME}' is not a plain identifier"
  [[ "${DB_PORT}" =~ ^[0-9]{1,5}$ ]] || die "DB_PORT '${DB_PORT}' is not a port number"
}

# The passwords: from the environment (ecs secrets), else stdin's first two lines (ec2).
read_passwords() {
  master_password="${DB_MASTER_PASSWORD:-}"
  app_password="${DB_APP_PASSWORD:-}"
  unset DB_MASTER_PASSWORD DB_APP_PASSWORD
  if [[ -z "${master_password}" ]]; then
    IFS= read -r master_password || die "no DB_MASTER_PASSWORD and stdin ended before the master password"
    IFS= read -r app_password || die "stdin ended before the app's password"
  fi
  [[ -n "${master_password}" ]] || die "the master password is empty"
  [[ "${app_password}" =~ ${password_pattern} ]] \
    || die "the app's password is not 16-128 characters of A-Z a-z 0-9 . _ ~ * + = - (its value is not shown)"
}

# ecs: the bundle arrives in DB_CA_PEM and goes where the app's containers read it.
write_ca() {
  [[ -n "${DB_CA_PEM:-}" ]] || return 0
  [[ "${DB_CA_PEM}" == *"-----BEGIN CERTIFICATE-----"* ]] || die "DB_CA_PEM holds no certificate (PEM)"
  local dir tmp
  dir="$(dirname "${DB_CA_FILE}")"
  mkdir -p "${dir}"
  chmod 755 "${dir}"
  tmp="$(mktemp "${dir}/.ca.XXXXXX")"
  printf '%s\n' "${DB_CA_PEM}" >"${tmp}"
  chmod 644 "${tmp}"
  mv -f "${tmp}" "${DB_CA_FILE}"
  log "CA bundle: ${DB_CA_FILE}, certificates: $(grep -c -- '-----BEGIN CERTIFICATE-----' "${DB_CA_FILE}")"
}

# Not a member of an extension: an extension owns its objects (ALTER EXTENSION manages them, not ALTER … OWNER).
#   not_extension OID_COLUMN CATALOG
not_extension() {
  printf "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = %s AND e.deptype = 'e' AND e.classid = '%s'::regclass)" "$1" "$2"
}

postgres_sql() {
  local app_user="${DB_APP_USER}"
  # Owned by the master user, outside the system schemas (n: the object's schema).
  local mine="= (SELECT oid FROM pg_roles WHERE rolname = current_user)"
  local user_schema="n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'"
  cat <<SQL
\\set ON_ERROR_STOP on
SET client_min_messages = warning;
BEGIN;
-- ALTER … OWNER waits for the running app's locks, and every query on that table waits behind it: a
-- busy table makes this run fail (and the deploy with it, the previous release serving) rather than stall the site.
SET LOCAL lock_timeout = '10s';
DO \$\$ BEGIN PERFORM pg_advisory_xact_lock(${lock_key}); END \$\$;
SELECT 'CREATE ROLE ${app_user} LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${app_user}') \\gexec
ALTER ROLE ${app_user} WITH LOGIN PASSWORD '${app_password}';
SELECT 'GRANT ${app_user} TO CURRENT_USER' WHERE NOT pg_has_role(current_user, '${app_user}', 'MEMBER') \\gexec
ALTER DATABASE "${DB_NAME}" OWNER TO ${app_user};
-- One ALTER … OWNER per object, each run by \\gexec: the schemas first (an object's new owner needs
-- CREATE on its schema), then tables, views, materialized views, sequences and foreign tables (a
-- serial or identity column's sequence follows its table), enums, domains, ranges and standalone
-- composite types (a table's row type and array types follow their owner), functions and procedures.
SELECT format('ALTER %s %s OWNER TO ${app_user}', kind, object) FROM (
  SELECT 1 AS step, 'SCHEMA' AS kind, n.oid::regnamespace::text AS object FROM pg_namespace n
  WHERE n.nspowner ${mine} AND ${user_schema} AND $(not_extension n.oid pg_namespace)
  UNION ALL
  SELECT 2, CASE x.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
    WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, x.oid::regclass::text
  FROM pg_class x JOIN pg_namespace n ON n.oid = x.relnamespace
  WHERE x.relowner ${mine} AND ${user_schema} AND $(not_extension x.oid pg_class)
    AND x.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    AND NOT (x.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
      AND d.objid = x.oid AND d.deptype IN ('a', 'i')))
  UNION ALL
  SELECT 3, CASE x.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, x.oid::regtype::text
  FROM pg_type x JOIN pg_namespace n ON n.oid = x.typnamespace
  WHERE x.typowner ${mine} AND ${user_schema} AND $(not_extension x.oid pg_type)
    AND (x.typtype IN ('e', 'd', 'r')
      OR (x.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = x.typrelid) = 'c'))
  UNION ALL
  SELECT 4, 'ROUTINE', x.oid::regprocedure::text
  FROM pg_proc x JOIN pg_namespace n ON n.oid = x.pronamespace
  WHERE x.proowner ${mine} AND ${user_schema} AND $(not_extension x.oid pg_proc)
) owned ORDER BY step, object \\gexec
COMMIT;
SQL
}

mysql_sql() {
  local app_user="${DB_APP_USER}"
  cat <<SQL
DO GET_LOCK('${lock_name}', 60);
CREATE USER IF NOT EXISTS '${app_user}'@'%' IDENTIFIED BY '${app_password}' REQUIRE SSL;
ALTER USER '${app_user}'@'%' IDENTIFIED BY '${app_password}' REQUIRE SSL;
GRANT ALL PRIVILEGES ON \`${DB_NAME}\`.* TO '${app_user}'@'%';
DO RELEASE_LOCK('${lock_name}');
SQL
}

# The engine's client as the master user, the certificate verified, the SQL on its stdin.
run_client() {
  case "${DB_ENGINE}" in
    postgres)
      postgres_sql | PGHOST="${DB_HOST}" PGPORT="${DB_PORT}" PGDATABASE="${DB_NAME}" PGUSER="${DB_MASTER_USER}" \
        PGPASSWORD="${master_password}" PGSSLMODE=verify-full PGSSLROOTCERT="${DB_CA_FILE}" PGCONNECT_TIMEOUT=10 \
        psql -X -q -f - 2>&1
      ;;
    mysql)
      mysql_sql | MYSQL_PWD="${master_password}" mysql --host="${DB_HOST}" --port="${DB_PORT}" \
        --user="${DB_MASTER_USER}" --ssl-mode=VERIFY_IDENTITY --ssl-ca="${DB_CA_FILE}" --connect-timeout=10 2>&1
      ;;
    mariadb)
      mysql_sql | MYSQL_PWD="${master_password}" mariadb --host="${DB_HOST}" --port="${DB_PORT}" \
        --user="${DB_MASTER_USER}" --ssl --ssl-ca="${DB_CA_FILE}" --ssl-verify-server-cert --connect-timeout=10 2>&1
      ;;
  esac
}

make_login() {
  local out status=0 where="${DB_HOST}:${DB_PORT}/${DB_NAME}"
  out="$(run_client)" || status=$?
  # A failing statement is echoed by the client: never with a password in it.
  out="${out//"${app_password}"/<app password>}"
  out="${out//"${master_password}"/<master password>}"
  [[ -z "${out}" ]] || printf '%s\n' "${out}" | sed 's/^/[db-login]   /' | tail -n 20
  (( status == 0 )) || die "could not set up ${DB_APP_USER} as ${DB_MASTER_USER} on ${where} (exit ${status}): see above"
  log "${DB_APP_USER} can log in to ${where} over TLS verified by ${DB_CA_FILE}"
}

main() {
  read_settings
  read_passwords
  write_ca
  make_login
}

main "$@"
