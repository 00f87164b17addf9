# The deploy's parameters, written once (sourced, not run). deploy.sh's parsing, usage and checks,
# the record the ops verbs read (<baseDir>/deploy-settings) and the replay that switches to a kept
# release (deploy_kept_release in records.sh) all come from this table; components/remote.ts
# (deployCommand) passes the same flags, and a unit test keeps the two sides equal.
# shellcheck shell=bash disable=SC2034 # the variables are read by the scripts that source this file

[[ -z "${params_sh_loaded:-}" ]] || return 0
params_sh_loaded=1
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Columns:
#   flag      what deploy.sh takes
#   variable  the variable it sets
#   value     how the usage shows the value ("-": a switch, no value)
#   check     required (non-empty), number (digits only), path (inside the release), choice (one of
#             the value's a|b), optional (may be empty), switch (no value: sets 1)
#   default   the value when the flag is not given ("-": none; a flag with a default may be left
#             out by the runner)
#   record    the key in <baseDir>/deploy-settings ("-": not recorded); read_settings reads it back
#   replay    where deploy_kept_release takes it from: var (the variable, after read_settings),
#             edge (the edge as it is: edge_<variable> from read_edge_settings), - (not passed)
deploy_params_table='
--base-dir         base_dir         DIR            required  -    -                var
--app-name         app_name         NAME           required  -    app_name         var
--compose-file     compose_file     F              required  -    compose_file     var
--web-service      web_service      S              required  -    web_service      var
--proxy-service    proxy_service    S              required  -    proxy_service    var
--worker-services  worker_services  S…             optional  -    worker_services  var
--web-port         web_port         PORT           number    -    web_port         var
--env-file         env_file_name    F              path      -    env_file         var
--health-source    health_source    compose|probe  choice    -    health_source    var
--health-path      health_path      P              required  -    health_path      var
--timeout          timeout          SECONDS        number    -    timeout          var
--busy-timeout     busy_timeout     SECONDS        number    -    busy_timeout     var
--keep-releases    keep_releases    N              number    -    keep_releases    var
--mode             mode             host|registry  choice    -    mode             var
--http-port        http_port        PORT           number    -    http_port        var
--https-port       https_port       PORT           number    -    -                edge
--proxy-port       proxy_port       PORT           number    -    proxy_port       edge
--acme-port        acme_port        PORT           number    -    -                edge
--hsts             hsts             on|off         choice    -    -                edge
--domains          domains          NAME…          optional  -    -                edge
--acme-email       acme_email       E              optional  -    -                edge
--acme-server      acme_server      URL            optional  -    -                edge
--lock-timeout     lock_timeout     SECONDS        number    300  -                -
--images-built     images_built     -              switch    0    -                -
'

# The table as arrays, one entry per flag in table order: param_flag, param_var, param_value,
# param_check, param_default, param_record, param_replay.
param_flag=() param_var=() param_value=() param_check=() param_default=() param_record=() param_replay=()
while read -r p_flag p_var p_value p_check p_default p_record p_replay; do
  [[ -n "${p_flag}" ]] || continue
  param_flag+=("${p_flag}") param_var+=("${p_var}") param_value+=("${p_value}") param_check+=("${p_check}")
  param_default+=("${p_default}") param_record+=("${p_record}") param_replay+=("${p_replay}")
done <<<"${deploy_params_table}"
unset p_flag p_var p_value p_check p_default p_record p_replay

# The usage line of deploy.sh: required flags first as the table lists them, then [optional ones].
deploy_usage() {
  local i item required="" optional=""
  for i in "${!param_flag[@]}"; do
    item="${param_flag[i]}"
    [[ "${param_value[i]}" == - ]] || item+=" ${param_value[i]}"
    if [[ "${param_check[i]}" == optional || "${param_default[i]}" != - ]]; then optional+=" [${item}]"; else required+=" ${item}"; fi
  done
  printf 'usage: deploy.sh%s\n                %s  < .env' "${required}" "${optional}"
}

# Every variable at its default ("" without one), and lib.sh's read_flags told the flags.
param_defaults() {
  local i value
  flag_vars=() flag_switches=()
  for i in "${!param_flag[@]}"; do
    value="${param_default[i]}"
    [[ "${value}" != - ]] || value=""
    printf -v "${param_var[i]}" '%s' "${value}"
    if [[ "${param_check[i]}" == switch ]]; then
      flag_switches[${param_flag[i]#--}]="${param_var[i]}"
    else
      flag_vars[${param_flag[i]#--}]="${param_var[i]}"
    fi
  done
}

# Each flag's own check, in table order (the first bad one stops the deploy).
param_checks() {
  local i name value
  for i in "${!param_flag[@]}"; do
    name="${param_flag[i]#--}"
    value="${!param_var[i]}"
    case "${param_check[i]}" in
      required) require_flag "${name}" "${value}" ;;
      number) whole_number "${name}" "${value}" ;;
      path)
        require_flag "${name}" "${value}"
        [[ "${value}" != /* && "/${value}/" != */../* ]] || die "--${name} must be a path inside the release (got '${value}')" ;;
      choice)
        [[ "|${param_value[i]}|" == *"|${value}|"* && -n "${value}" ]] || die "--${name} must be ${param_value[i]//|/ or } (got '${value}')" ;;
    esac
  done
}

# The recorded parameters as key=value lines (write_settings).
param_record_lines() {
  local i
  for i in "${!param_flag[@]}"; do
    [[ "${param_record[i]}" == - ]] || printf '%s=%s\n' "${param_record[i]}" "${!param_var[i]}"
  done
}

# Sets every recorded parameter's variable from FILE ("" when the file lacks its key).
param_read_record() {
  local i keys=() key
  for i in "${!param_flag[@]}"; do [[ "${param_record[i]}" == - ]] || keys+=("${param_record[i]}"); done
  read_key_values "$1" recorded_ "${keys[@]}"
  for i in "${!param_flag[@]}"; do
    [[ "${param_record[i]}" != - ]] || continue
    key="recorded_${param_record[i]}"
    printf -v "${param_var[i]}" '%s' "${!key}"
  done
}

# param_replay_args SCRIPTS_DIR: the flags and values that replay this deploy for the release whose
# host scripts are in SCRIPTS_DIR, one per line (values hold no newline), into replay_args. A flag
# without a value (a record from before it, no domain) is left out, and so is a flag that release's
# scripts do not know (deployed before it existed).
param_replay_args() {
  local i var value
  replay_args=()
  for i in "${!param_flag[@]}"; do
    case "${param_replay[i]}" in
      var) var="${param_var[i]}" ;;
      edge) var="edge_${param_var[i]}" ;;
      *) continue ;;
    esac
    value="${!var}"
    [[ -n "${value}" ]] || continue
    grep -qF -e "${param_flag[i]}" "$1"/*.sh || continue
    replay_args+=("${param_flag[i]}" "${value}")
  done
}
