#!/usr/bin/env bash
# Runs Sendora locally: Azurite, one silo and the gateway on http://127.0.0.1:5080.
# Data stays in .sendora/azurite between runs. Ctrl+C stops everything.
# SENDORA_STORAGE=Redis keeps grain state, reminders and membership in a redis-server on
# 127.0.0.1:6379 instead, with its append-only file in .sendora/redis, and memory streams.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/scripts/common.sh"
cd "$SENDORA_ROOT"

GATEWAY_URL="http://127.0.0.1:5080"
STORAGE="${SENDORA_STORAGE:-AzureStorage}"
REDIS_PORT=6379
DEV_ENV_FILE="$SENDORA_STATE_DIR/dev.env"
HEALTH_TIMEOUT_SECONDS=120

trap stop_started EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

random_hex() {
  od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

read_saved_value() {
  [[ -f "$DEV_ENV_FILE" ]] || return 0
  sed -n "s/^$1=//p" "$DEV_ENV_FILE" | tail -n 1
}

# Sets SENDORA_ADMIN_TOKEN and SENDORA_WRITE_KEY, taking unset ones from .sendora/dev.env,
# which keeps the values generated on the first run.
load_dev_secrets() {
  local saved_admin_token saved_write_key
  saved_admin_token="$(read_saved_value SENDORA_ADMIN_TOKEN)"
  saved_write_key="$(read_saved_value SENDORA_WRITE_KEY)"

  if [[ -z "$saved_admin_token" || -z "$saved_write_key" ]]; then
    saved_admin_token="${saved_admin_token:-$(random_hex 32)}"
    saved_write_key="${saved_write_key:-$(random_hex 16)}"
    mkdir -p "$SENDORA_STATE_DIR"
    (
      umask 077
      printf 'SENDORA_ADMIN_TOKEN=%s\nSENDORA_WRITE_KEY=%s\n' "$saved_admin_token" "$saved_write_key" \
        >"$DEV_ENV_FILE"
    )
    log "saved a generated admin token and write key in ${DEV_ENV_FILE#"$SENDORA_ROOT"/}"
  fi

  export SENDORA_ADMIN_TOKEN="${SENDORA_ADMIN_TOKEN:-$saved_admin_token}"
  export SENDORA_WRITE_KEY="${SENDORA_WRITE_KEY:-$saved_write_key}"
}

build_solution() {
  local build_log="$SENDORA_LOG_DIR/build.log"
  log "building Sendora.sln (Release), log: ${build_log#"$SENDORA_ROOT"/}"
  # Output goes to a file rather than a pipe, because build servers that outlive the build
  # inherit it and would hold a pipe open.
  if ! dotnet build Sendora.sln -c Release >"$build_log" 2>&1; then
    grep -E ': error [A-Z]+[0-9]+' "$build_log" | sort -u >&2 || true
    print_log_tail "$build_log" 20
    fail "the build failed (log: $build_log)"
  fi
}

# Stops everything and shows the log of the process at INDEX, which has exited.
fail_exited() {
  local index="$1"
  local name="${STARTED_NAMES[$index]}" log_file="${STARTED_LOGS[$index]}" exit_code=0
  wait "${STARTED_PIDS[$index]}" || exit_code=$?
  print_log_tail "$log_file"
  fail "$name exited with code $exit_code (log: $log_file)"
}

wait_for_health() {
  local waited=0 exited
  until curl -fsS -o /dev/null --max-time 5 "$GATEWAY_URL/healthz" 2>/dev/null; do
    if exited="$(find_exited)"; then
      fail_exited "$exited"
    fi
    if (( waited >= HEALTH_TIMEOUT_SECONDS )); then
      print_log_tail "$SENDORA_LOG_DIR/silo.log"
      print_log_tail "$SENDORA_LOG_DIR/gateway.log"
      fail "$GATEWAY_URL/healthz did not return 200 within ${HEALTH_TIMEOUT_SECONDS}s"
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

print_usage() {
  local user_id="user-1"
  cat <<EOF

Sendora is running at $GATEWAY_URL
  admin token: $SENDORA_ADMIN_TOKEN
  write key:   $SENDORA_WRITE_KEY
  storage:     $STORAGE
  logs:        ${SENDORA_LOG_DIR#"$SENDORA_ROOT"/}/{$STORAGE_LOG,silo,gateway}.log

Send a track event:
  curl -u '$SENDORA_WRITE_KEY:' -H 'Content-Type: application/json' \\
    -d '{"userId":"$user_id","event":"Order Completed","properties":{"revenue":42}}' \\
    $GATEWAY_URL/v1/track

Read the profile's traits:
  curl -H 'Authorization: Bearer $SENDORA_ADMIN_TOKEN' \\
    $GATEWAY_URL/v1/spaces/default/collections/users/profiles/user_id:$user_id/traits

Press Ctrl+C to stop.
EOF
}

case "$STORAGE" in
  AzureStorage) STORAGE_LOG=azurite ;;
  Redis) STORAGE_LOG=redis ;;
  *) fail "SENDORA_STORAGE is '$STORAGE': set AzureStorage (the default) or Redis" ;;
esac

require_commands
command -v curl >/dev/null || fail "curl not found: install curl, which checks the gateway's /healthz"
install_tools
if [[ "$STORAGE" == Redis ]]; then
  install_redis
fi
load_dev_secrets
mkdir -p "$SENDORA_LOG_DIR"

if port_is_open 5080; then
  fail "port 5080 on 127.0.0.1 is already in use: stop the process listening there (ss -ltnp 'sport = :5080')"
fi

build_solution

if [[ "$STORAGE" == Redis ]]; then
  start_redis "$REDIS_PORT" "$SENDORA_STATE_DIR/redis" "$SENDORA_LOG_DIR/redis.log"
  export Sendora__Storage=Redis
  export Sendora__Redis__ConnectionString="127.0.0.1:$REDIS_PORT"
fi
# Azure Queue streams beside Redis (Sendora__Redis__Streams=AzureQueue) need Azurite too.
if [[ "$STORAGE" == AzureStorage || "${Sendora__Redis__Streams:-}" == AzureQueue ]]; then
  start_azurite 10000 10001 10002 "$SENDORA_LOG_DIR/azurite.log" "$SENDORA_STATE_DIR/azurite"
  Sendora__AzureStorage__ConnectionString="$(storage_connection_string 10000 10001 10002)"
  export Sendora__AzureStorage__ConnectionString
fi

# Each process runs from its output folder, so that its appsettings.json is the content root's.
start_background silo "$SENDORA_LOG_DIR/silo.log" \
  env -C Sendora.Silo/bin/Release/net10.0 dotnet Sendora.Silo.dll
start_background gateway "$SENDORA_LOG_DIR/gateway.log" \
  env -C Sendora.Gateway/bin/Release/net10.0 dotnet Sendora.Gateway.dll --urls "$GATEWAY_URL"

wait_for_health
print_usage

while true; do
  if exited="$(find_exited)"; then
    fail_exited "$exited"
  fi
  sleep 1
done
