# shellcheck shell=bash
# Starts a Sendora of its own for a benchmark: Azurite in memory, the silo and the gateway built in
# Release, on ports that ./run.sh (5080, 10000-10002, 11111, 30000) and ./test.sh (10010-10012) do not
# use. Source this file after `set -euo pipefail`; it sources scripts/common.sh for the process helpers.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$BENCH_DIR/../scripts/common.sh"

BENCH_STATE_DIR="$SENDORA_STATE_DIR/bench"
BENCH_LOG_DIR="$BENCH_STATE_DIR/logs"
BENCH_RESULTS_DIR="$BENCH_STATE_DIR/results"

# Every port can be moved with its environment variable when another program uses it.
BENCH_HTTP_PORT="${BENCH_HTTP_PORT:-5130}"
BENCH_AZURITE_BLOB_PORT="${BENCH_AZURITE_BLOB_PORT:-10130}"
BENCH_AZURITE_QUEUE_PORT="${BENCH_AZURITE_QUEUE_PORT:-10131}"
BENCH_AZURITE_TABLE_PORT="${BENCH_AZURITE_TABLE_PORT:-10132}"
BENCH_SILO_PORT="${BENCH_SILO_PORT:-11130}"
BENCH_ORLEANS_GATEWAY_PORT="${BENCH_ORLEANS_GATEWAY_PORT:-30130}"
BENCH_REDIS_PORT="${BENCH_REDIS_PORT:-10133}"
# Redis rewrites its append-only file once it has doubled and reached this size. scripts/common.sh
# sets 1gb. Set 64mb, Redis' own default, to measure what rewrites every second or two cost.
BENCH_REDIS_AOF_REWRITE_MIN_SIZE="${BENCH_REDIS_AOF_REWRITE_MIN_SIZE:-1gb}"

BENCH_URL="http://127.0.0.1:$BENCH_HTTP_PORT"
BENCH_HEALTH_TIMEOUT_SECONDS=120

# Fixed secrets: the benchmark's Sendora listens on loopback only and lives as long as one run.
export SENDORA_ADMIN_TOKEN="bench-admin-token"
export SENDORA_WRITE_KEY="bench-write-key"

# Runs `npm ci` in bench/ when node_modules is missing or older than package-lock.json.
install_bench_tools() {
  local installed="$BENCH_DIR/node_modules/.package-lock.json"
  if [[ -f "$installed" && ! "$BENCH_DIR/package-lock.json" -nt "$installed" ]]; then
    return 0
  fi

  log "installing bench/node_modules with npm ci"
  (cd "$BENCH_DIR" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed in $BENCH_DIR"
}

build_release() {
  local build_log="$BENCH_LOG_DIR/build.log"
  mkdir -p "$BENCH_LOG_DIR"
  log "building Sendora.sln (Release), log: ${build_log#"$SENDORA_ROOT"/}"
  # Output goes to a file rather than a pipe, because build servers that outlive the build
  # inherit it and would hold a pipe open.
  if ! (cd "$SENDORA_ROOT" && dotnet build Sendora.sln -c Release >"$build_log" 2>&1); then
    grep -E ': error [A-Z]+[0-9]+' "$build_log" | sort -u >&2 || true
    fail "the build failed (log: $build_log)"
  fi
}

check_ports_free() {
  local port
  for port in "$@"; do
    if port_is_open "$port"; then
      fail "port $port on 127.0.0.1 is in use: stop its listener (ss -ltnp 'sport = :$port') or move the benchmark with the BENCH_*_PORT variables in bench/lib/stack.sh"
    fi
  done
}

wait_for_gateway() {
  local waited=0 exited
  until curl -fsS -o /dev/null --max-time 5 "$BENCH_URL/healthz" 2>/dev/null; do
    if exited="$(find_exited)"; then
      print_log_tail "${STARTED_LOGS[$exited]}"
      fail "${STARTED_NAMES[$exited]} exited before the gateway was healthy (log: ${STARTED_LOGS[$exited]})"
    fi
    if (( waited >= BENCH_HEALTH_TIMEOUT_SECONDS )); then
      fail "$BENCH_URL/healthz did not return 200 within ${BENCH_HEALTH_TIMEOUT_SECONDS}s (logs: $BENCH_LOG_DIR)"
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

# Starts Sendora in one of two configurations and waits until the gateway is healthy:
#   azure   Azurite in memory, the silo and the gateway as separate processes, as ./run.sh runs them
#   memory  Sendora:Storage=Memory, with the silo inside the gateway process
#   redis   redis-server with its append-only file, the silo and the gateway as separate processes
# Usage: start_stack CONFIGURATION
start_stack() {
  local configuration="$1"
  local gateway_dir="$SENDORA_ROOT/Sendora.Gateway/bin/Release/net10.0"
  local silo_dir="$SENDORA_ROOT/Sendora.Silo/bin/Release/net10.0"
  mkdir -p "$BENCH_LOG_DIR"
  check_ports_free "$BENCH_HTTP_PORT" "$BENCH_SILO_PORT" "$BENCH_ORLEANS_GATEWAY_PORT"

  export Sendora__Cluster__ClusterId="sendora-bench"
  export Sendora__Cluster__SiloPort="$BENCH_SILO_PORT"
  export Sendora__Cluster__GatewayPort="$BENCH_ORLEANS_GATEWAY_PORT"
  case "$configuration" in
    azure)
      start_azurite "$BENCH_AZURITE_BLOB_PORT" "$BENCH_AZURITE_QUEUE_PORT" "$BENCH_AZURITE_TABLE_PORT" \
        "$BENCH_LOG_DIR/azurite.log"
      export Sendora__Storage=AzureStorage
      export Sendora__Gateway__HostSilo=false
      Sendora__AzureStorage__ConnectionString="$(storage_connection_string \
        "$BENCH_AZURITE_BLOB_PORT" "$BENCH_AZURITE_QUEUE_PORT" "$BENCH_AZURITE_TABLE_PORT")"
      export Sendora__AzureStorage__ConnectionString
      start_background silo "$BENCH_LOG_DIR/silo-azure.log" env -C "$silo_dir" dotnet Sendora.Silo.dll
      ;;
    redis)
      install_redis
      local redis_dir="$BENCH_STATE_DIR/redis"
      rm -rf "$redis_dir"
      start_redis "$BENCH_REDIS_PORT" "$redis_dir" "$BENCH_LOG_DIR/redis.log" \
        --auto-aof-rewrite-min-size "$BENCH_REDIS_AOF_REWRITE_MIN_SIZE"
      export Sendora__Storage=Redis
      export Sendora__Gateway__HostSilo=false
      export Sendora__Redis__ConnectionString="127.0.0.1:$BENCH_REDIS_PORT"
      start_background silo "$BENCH_LOG_DIR/silo-redis.log" env -C "$silo_dir" dotnet Sendora.Silo.dll
      ;;
    memory)
      export Sendora__Storage=Memory
      export Sendora__Gateway__HostSilo=true
      unset Sendora__AzureStorage__ConnectionString
      ;;
    *)
      fail "unknown configuration '$configuration': use azure, redis or memory"
      ;;
  esac

  start_background gateway "$BENCH_LOG_DIR/gateway-$configuration.log" \
    env -C "$gateway_dir" dotnet Sendora.Gateway.dll --urls "$BENCH_URL"
  wait_for_gateway
  log "Sendora ($configuration) is healthy at $BENCH_URL"
}

# Installs Debian's wrk package, the HTTP load generator of the ladder, unless wrk exists. Needs root.
install_wrk() {
  install_debian_package wrk "the wrk command" command_exists wrk
}

# Builds the baseline endpoint of bench/baseline in Release. It is not part of Sendora.sln.
build_baseline() {
  local build_log="$BENCH_LOG_DIR/build-baseline.log"
  mkdir -p "$BENCH_LOG_DIR"
  log "building bench/baseline (Release), log: ${build_log#"$SENDORA_ROOT"/}"
  if ! (cd "$BENCH_DIR/baseline" && dotnet build -c Release >"$build_log" 2>&1); then
    grep -E ': error [A-Z]+[0-9]+' "$build_log" | sort -u >&2 || true
    fail "the baseline build failed (log: $build_log)"
  fi
}

# Starts the baseline endpoint on the gateway's port and waits until its /healthz returns 200.
start_baseline() {
  check_ports_free "$BENCH_HTTP_PORT"
  start_background baseline "$BENCH_LOG_DIR/baseline.log" \
    env -C "$BENCH_DIR/baseline/bin/Release/net10.0" dotnet Sendora.Bench.Baseline.dll --urls "$BENCH_URL"
  wait_for_gateway
  log "the baseline is listening at $BENCH_URL"
}
