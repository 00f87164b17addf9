#!/usr/bin/env bash
# Sent inline by the deployment (components/remote.ts: dbUserCommand) before the deploy, whenever the
# database's endpoint or one of its two passwords changes: the app's own database login, made with the
# master user's rights, so the app never connects as the master user.
#   db-user.sh ENGINE DB_HOST DB_PORT DB_NAME MASTER_USER APP_USER CLIENT_IMAGE CA_DIR CA_MOUNT CA_FILE
#   stdin: the master password (line 1), the app's password (line 2), then the CA bundle (PEM) the
#   database's certificate must chain to.
# 1. The CA bundle goes to CA_DIR/CA_FILE (0644, replaced atomically): the app's containers mount
#    CA_DIR read-only at CA_MOUNT, where DATABASE_URL's sslrootcert / ssl-ca names it.
# 2. The engine's own client, in a one-off container of CLIENT_IMAGE, connects as the master user
#    with the certificate verified against that bundle (PostgreSQL sslmode=verify-full, MySQL
#    VERIFY_IDENTITY, MariaDB --ssl-verify-server-cert) and makes APP_USER:
#    - PostgreSQL: a LOGIN role without CREATEROLE, CREATEDB or rds_superuser that owns DB_NAME and
#      the tables, views and sequences the master user owns in its public schema (what a migration
#      alters). RDS's master user has CREATEROLE and CREATEDB and is not a superuser
#      (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Appendix.PostgreSQL.CommonDBATasks.Roles.rds_superuser.html);
#      handing over ownership needs it to be a member of APP_USER (ALTER DATABASE/TABLE … OWNER TO:
#      "you must be able to SET ROLE to the new owning role"), hence GRANT APP_USER TO CURRENT_USER.
#    - MySQL, MariaDB: a user that must use TLS (REQUIRE SSL) with every privilege on DB_NAME only.
# Every statement is idempotent: a re-run sets the password again and changes nothing else.
# Secrets: the master password reaches the client only in its container's environment (PGPASSWORD,
# MYSQL_PWD), the app's password only in the SQL on the client's stdin; neither is an argument of any
# process, and the client's output is shown with the app's password blanked out.
set -euo pipefail

log() { printf '[db-user] %s\n' "$*"; }
die() { printf '[db-user] ERROR: %s\n' "$*" >&2; exit 1; }

# The passwords the stack generates use these characters only (components/database.ts:
# PASSWORD_SPECIALS), so the app's password is a plain SQL literal.
readonly password_pattern='^[A-Za-z0-9._~*+=-]{16,128}$'

read_stdin() {
  [[ -t 0 ]] && die "send the master password, the app's password and the CA bundle on stdin"
  IFS= read -r master_password || die "stdin ended before the master password"
  IFS= read -r app_password || die "stdin ended before the app's password"
  [[ -n "${master_password}" ]] || die "the master password on stdin is empty"
  [[ "${app_password}" =~ ${password_pattern} ]] \
    || die "the app's password is not 16-128 characters of A-Z a-z 0-9 . _ ~ * + = - (its value is not shown)"
  ca_pem="$(cat)"
  [[ "${ca_pem}" == *"-----BEGIN CERTIFICATE-----"* ]] || die "no CA certificate (PEM) on stdin after the two passwords"
}

install_ca() {
  local tmp
  mkdir -p "${ca_dir}"
  chmod 755 "${ca_dir}"
  tmp="$(mktemp "${ca_dir}/.${ca_file}.XXXXXX")"
  printf '%s\n' "${ca_pem}" >"${tmp}"
  chmod 644 "${tmp}"
  mv -f "${tmp}" "${ca_dir}/${ca_file}"
  log "CA bundle: ${ca_dir}/${ca_file}, certificates: $(grep -c -- '-----BEGIN CERTIFICATE-----' "${ca_dir}/${ca_file}")"
}

postgres_sql() {
  cat <<SQL
\\set ON_ERROR_STOP on
SELECT 'CREATE ROLE ${app_user} LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${app_user}') \\gexec
ALTER ROLE ${app_user} WITH LOGIN PASSWORD '${app_password}';
GRANT ${app_user} TO CURRENT_USER;
ALTER DATABASE "${db_name}" OWNER TO ${app_user};
DO \$\$
DECLARE r record;
BEGIN
  FOR r IN
    SELECT c.oid::regclass AS object, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
      AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
      -- a serial or identity column's sequence follows its table
      AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
        AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO ${app_user}',
      CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
      r.object);
  END LOOP;
END
\$\$;
SQL
}

mysql_sql() {
  cat <<SQL
CREATE USER IF NOT EXISTS '${app_user}'@'%' IDENTIFIED BY '${app_password}' REQUIRE SSL;
ALTER USER '${app_user}'@'%' IDENTIFIED BY '${app_password}' REQUIRE SSL;
GRANT ALL PRIVILEGES ON \`${db_name}\`.* TO '${app_user}'@'%';
SQL
}

# The engine's client in a one-off container, the CA bundle mounted read-only, the SQL on stdin.
run_client() {
  local ca="${ca_mount}/${ca_file}"
  local run=(docker run --rm -i --cap-drop ALL --security-opt no-new-privileges -v "${ca_dir}:${ca_mount}:ro")
  case "${engine}" in
    postgres)
      export PGHOST="${db_host}" PGPORT="${db_port}" PGDATABASE="${db_name}" PGUSER="${master_user}" \
        PGPASSWORD="${master_password}" PGSSLMODE=verify-full PGSSLROOTCERT="${ca}" PGCONNECT_TIMEOUT=10
      postgres_sql | "${run[@]}" -e PGHOST -e PGPORT -e PGDATABASE -e PGUSER -e PGPASSWORD -e PGSSLMODE \
        -e PGSSLROOTCERT -e PGCONNECT_TIMEOUT --entrypoint psql "${client_image}" -X -q -f - 2>&1
      ;;
    mysql)
      export MYSQL_PWD="${master_password}"
      mysql_sql | "${run[@]}" -e MYSQL_PWD --entrypoint mysql "${client_image}" --host="${db_host}" \
        --port="${db_port}" --user="${master_user}" --ssl-mode=VERIFY_IDENTITY --ssl-ca="${ca}" --connect-timeout=10 2>&1
      ;;
    mariadb)
      export MYSQL_PWD="${master_password}"
      mysql_sql | "${run[@]}" -e MYSQL_PWD --entrypoint mariadb "${client_image}" --host="${db_host}" \
        --port="${db_port}" --user="${master_user}" --ssl --ssl-ca="${ca}" --ssl-verify-server-cert \
        --connect-timeout=10 2>&1
      ;;
  esac
}

make_login() {
  local out status=0
  out="$(run_client)" || status=$?
  # A failing statement is echoed by the client: never with the app's password in it.
  out="${out//"${app_password}"/<app password>}"
  [[ -z "${out}" ]] || printf '%s\n' "${out}" | sed 's/^/[db-user]   /' | tail -n 20
  (( status == 0 )) || die "${client_image} could not set up ${app_user} as ${master_user} on ${db_host}:${db_port}/${db_name} (exit ${status}): see above"
  log "${app_user} can log in to ${db_host}:${db_port}/${db_name} over TLS verified by ${ca_dir}/${ca_file}"
}

main() {
  (( $# == 10 )) || die "usage: db-user.sh ENGINE DB_HOST DB_PORT DB_NAME MASTER_USER APP_USER CLIENT_IMAGE CA_DIR CA_MOUNT CA_FILE (got $# arguments)"
  engine="$1" db_host="$2" db_port="$3" db_name="$4" master_user="$5" app_user="$6" client_image="$7"
  ca_dir="$8" ca_mount="$9" ca_file="${10}"
  case "${engine}" in postgres | mysql | mariadb) ;; *) die "unknown engine '${engine}' (postgres, mysql, mariadb)" ;; esac
  [[ "${app_user}" =~ ^[a-z_][a-z0-9_]*$ && "${db_name}" =~ ^[A-Za-z][A-Za-z0-9_]*$ ]] \
    || die "the app user '${app_user}' or the database name '${db_name}' is not a plain identifier"
  read_stdin
  install_ca
  make_login
}

main "$@"
