# shellcheck shell=bash
# The failover target of bench/run.sh. Sourced by bench/run.sh, which provides lib/stack.sh.

# Ports of this target alone, so that it runs beside ./run.sh, ./test.sh and the other targets.
FAILOVER_HTTP_PORT="${BENCH_FAILOVER_HTTP_PORT:-5140}"
FAILOVER_AZURITE_BLOB_PORT="${BENCH_FAILOVER_AZURITE_BLOB_PORT:-10140}"
FAILOVER_AZURITE_QUEUE_PORT="${BENCH_FAILOVER_AZURITE_QUEUE_PORT:-10141}"
FAILOVER_AZURITE_TABLE_PORT="${BENCH_FAILOVER_AZURITE_TABLE_PORT:-10142}"
# Silo i (0, 1, 2) listens on FAILOVER_SILO_PORT + i and FAILOVER_ORLEANS_GATEWAY_PORT + i.
FAILOVER_SILO_PORT="${BENCH_FAILOVER_SILO_PORT:-11140}"
FAILOVER_ORLEANS_GATEWAY_PORT="${BENCH_FAILOVER_ORLEANS_GATEWAY_PORT:-30140}"
FAILOVER_SILOS=3

print_failover_usage() {
  cat <<'USAGE'
Usage: bench/run.sh failover [OPTIONS]

Starts Azurite, three silo processes and a gateway process, sends steady /v1/track and /v1/batch
load, kills one silo with SIGKILL and reports the time until the success rate is back to steady,
the time until membership declares the silo dead, and the counts of 503s and errors.

Options:
  --senders N         concurrent senders, each with one request in flight (default 8)
  --profiles N        profiles the load is spread over (default 500)
  --before SECONDS    steady load before the kill (default 15)
  --after SECONDS     load after the kill (default 60)
  --no-build          use the Release build that exists
USAGE
}

run_failover() {
  local senders=8 profiles=500 before=15 after=60 build=true
  while (( $# > 0 )); do
    case "$1" in
      --senders) senders="${2:?--senders needs a number}"; shift 2 ;;
      --profiles) profiles="${2:?--profiles needs a number}"; shift 2 ;;
      --before) before="${2:?--before needs a number of seconds}"; shift 2 ;;
      --after) after="${2:?--after needs a number of seconds}"; shift 2 ;;
      --no-build) build=false; shift ;;
      -h | --help) print_failover_usage; return 0 ;;
      *) print_failover_usage >&2; fail "unknown option '$1'" ;;
    esac
  done

  require_commands
  command -v curl >/dev/null || fail "curl not found: install curl, which checks the gateway's /healthz"
  install_tools
  if [[ "$build" == true ]]; then
    build_release
  fi

  local i ports=("$FAILOVER_HTTP_PORT")
  for (( i = 0; i < FAILOVER_SILOS; i++ )); do
    ports+=("$((FAILOVER_SILO_PORT + i))" "$((FAILOVER_ORLEANS_GATEWAY_PORT + i))")
  done
  check_ports_free "${ports[@]}"
  mkdir -p "$BENCH_LOG_DIR" "$BENCH_RESULTS_DIR"

  start_azurite "$FAILOVER_AZURITE_BLOB_PORT" "$FAILOVER_AZURITE_QUEUE_PORT" "$FAILOVER_AZURITE_TABLE_PORT" \
    "$BENCH_LOG_DIR/azurite-failover.log"
  export Sendora__Storage=AzureStorage
  export Sendora__Gateway__HostSilo=false
  export Sendora__Cluster__ClusterId="sendora-bench-failover"
  Sendora__AzureStorage__ConnectionString="$(storage_connection_string \
    "$FAILOVER_AZURITE_BLOB_PORT" "$FAILOVER_AZURITE_QUEUE_PORT" "$FAILOVER_AZURITE_TABLE_PORT")"
  export Sendora__AzureStorage__ConnectionString

  local silo_dir="$SENDORA_ROOT/Sendora.Silo/bin/Release/net10.0"
  local gateway_dir="$SENDORA_ROOT/Sendora.Gateway/bin/Release/net10.0"
  local silo_pids=()
  for (( i = 0; i < FAILOVER_SILOS; i++ )); do
    start_background "silo-$i" "$BENCH_LOG_DIR/silo-failover-$i.log" env -C "$silo_dir" \
      Sendora__Cluster__SiloPort="$((FAILOVER_SILO_PORT + i))" \
      Sendora__Cluster__GatewayPort="$((FAILOVER_ORLEANS_GATEWAY_PORT + i))" \
      dotnet Sendora.Silo.dll
    silo_pids+=("${STARTED_PIDS[-1]}")
  done

  BENCH_URL="http://127.0.0.1:$FAILOVER_HTTP_PORT"
  start_background gateway "$BENCH_LOG_DIR/gateway-failover.log" \
    env -C "$gateway_dir" dotnet Sendora.Gateway.dll --urls "$BENCH_URL"
  wait_for_gateway
  log "Sendora with $FAILOVER_SILOS silos is healthy at $BENCH_URL"

  # The second silo is killed: it is neither the first to start nor the last.
  local result="$BENCH_RESULTS_DIR/failover.json"
  node "$BENCH_DIR/failover/driver.mjs" \
    --url "$BENCH_URL" --admin-token "$SENDORA_ADMIN_TOKEN" --write-key "$SENDORA_WRITE_KEY" \
    --victim-pid "${silo_pids[1]}" --victim-port "$((FAILOVER_SILO_PORT + 1))" --silos "$FAILOVER_SILOS" \
    --senders "$senders" --profiles "$profiles" --before "$before" --after "$after" --output "$result" \
    || fail "the failover benchmark failed (logs: $BENCH_LOG_DIR)"
  stop_started

  node "$BENCH_DIR/failover/report.mjs" "$result" | tee "$BENCH_RESULTS_DIR/failover.md"
}
