#!/usr/bin/env bash
# Sent inline by the deployment (components/remote.ts: dbUserCommand) before the deploy, whenever the
# database's endpoint or one of its two passwords changes: the app's own database login on ec2.
#   db-user.sh ENGINE DB_HOST DB_PORT DB_NAME MASTER_USER APP_USER CLIENT_IMAGE CA_DIR CA_MOUNT CA_FILE LOGIN_SCRIPT
#   stdin: the master password (line 1), the app's password (line 2), then the CA bundle (PEM) the
#   database's certificate must chain to.
# 1. The CA bundle goes to CA_DIR/CA_FILE (0644, replaced atomically): the app's containers mount
#    CA_DIR read-only at CA_MOUNT, where DATABASE_URL's sslrootcert / ssl-ca names it.
# 2. LOGIN_SCRIPT (the text of host/bootstrap/db-login.sh, which ecs runs as its tasks' db-login
#    container) runs in a one-off container of CLIENT_IMAGE with the bundle mounted read-only and
#    makes APP_USER with the master user's rights. The two passwords reach it on the container's
#    stdin, never in its environment (where `docker inspect` shows them) nor as an argument.
set -euo pipefail

log() { printf '[db-user] %s\n' "$*"; }
die() { printf '[db-user] ERROR: %s\n' "$*" >&2; exit 1; }

read_stdin() {
  [[ -t 0 ]] && die "send the master password, the app's password and the CA bundle on stdin"
  IFS= read -r master_password || die "stdin ended before the master password"
  IFS= read -r app_password || die "stdin ended before the app's password"
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

# db-login.sh in the engine's client image: settings in the environment, the passwords on stdin.
make_login() {
  local status=0
  printf '%s\n%s\n' "${master_password}" "${app_password}" \
    | docker run --rm -i --cap-drop ALL --security-opt no-new-privileges -v "${ca_dir}:${ca_mount}:ro" \
      -e DB_ENGINE="${engine}" -e DB_HOST="${db_host}" -e DB_PORT="${db_port}" -e DB_NAME="${db_name}" \
      -e DB_MASTER_USER="${master_user}" -e DB_APP_USER="${app_user}" -e DB_CA_FILE="${ca_mount}/${ca_file}" \
      --entrypoint bash "${client_image}" -c "${login_script}" db-login 2>&1 \
    || status=$?
  (( status == 0 )) || die "${client_image} could not set up ${app_user} as ${master_user} on ${db_host}:${db_port}/${db_name} (exit ${status}): see above"
}

main() {
  (( $# == 11 )) || die "usage: db-user.sh ENGINE DB_HOST DB_PORT DB_NAME MASTER_USER APP_USER CLIENT_IMAGE CA_DIR CA_MOUNT CA_FILE LOGIN_SCRIPT (got $# arguments)"
  engine="$1" db_host="$2" db_port="$3" db_name="$4" master_user="$5" app_user="$6" client_image="$7"
  ca_dir="$8" ca_mount="$9" ca_file="${10}" login_script="${11}"
  read_stdin
  install_ca
  make_login
}

main "$@"
