# shellcheck shell=bash
# The audiences target of bench/run.sh. Sourced by bench/run.sh, which provides lib/stack.sh.

print_audiences_usage() {
  cat <<'USAGE'
Usage: bench/run.sh audiences [OPTIONS]

Measures, for each storage configuration:
  - the time from a threshold-crossing track to the SSE enter of its profile, at idle and while
    /v1/track load runs at half the rate measured by a saturation run;
  - the maximum ingest rate of /v1/track and /v1/batch;
  - backfill speed over existing profiles, for an audience that nobody matches and one that all match.

Options:
  --storage azure|memory|both   configurations to run (default both): azure is Azurite with separate
                                silo and gateway processes, memory is Sendora:Storage=Memory with the
                                silo in the gateway
  --crossings N                 crossings per latency phase (default 500)
  --profiles N                  profiles seeded for the backfill (default 20000)
  --quiet-wait SECONDS          how long each configuration waits for other programs to use less
                                than 0.3 cores before it starts (default 30)
  --no-build                    use the Release build that exists
USAGE
}

# Prints the processes that start_stack started as NAME=PID, separated by spaces.
started_processes() {
  local i
  for i in "${!STARTED_PIDS[@]}"; do
    printf '%s=%s ' "${STARTED_NAMES[$i]}" "${STARTED_PIDS[$i]}"
  done
}

run_audiences() {
  local storage=both crossings=500 profiles=20000 build=true quiet_wait=30
  while (( $# > 0 )); do
    case "$1" in
      --storage) storage="${2:?--storage needs azure, memory or both}"; shift 2 ;;
      --crossings) crossings="${2:?--crossings needs a number}"; shift 2 ;;
      --profiles) profiles="${2:?--profiles needs a number}"; shift 2 ;;
      --quiet-wait) quiet_wait="${2:?--quiet-wait needs a number of seconds}"; shift 2 ;;
      --no-build) build=false; shift ;;
      -h | --help) print_audiences_usage; return 0 ;;
      *) print_audiences_usage >&2; fail "unknown option '$1'" ;;
    esac
  done

  local configurations
  case "$storage" in
    both) configurations=(azure memory) ;;
    azure | memory) configurations=("$storage") ;;
    *) fail "--storage must be azure, memory or both, not '$storage'" ;;
  esac

  require_commands
  command -v curl >/dev/null || fail "curl not found: install curl, which checks the gateway's /healthz"
  install_tools
  install_bench_tools
  if [[ "$build" == true ]]; then
    build_release
  fi

  mkdir -p "$BENCH_RESULTS_DIR"
  local started=$SECONDS configuration results=()
  for configuration in "${configurations[@]}"; do
    start_stack "$configuration"
    local result="$BENCH_RESULTS_DIR/audiences-$configuration.json"
    node "$BENCH_DIR/audiences/driver.mjs" \
      --url "$BENCH_URL" --admin-token "$SENDORA_ADMIN_TOKEN" --write-key "$SENDORA_WRITE_KEY" \
      --configuration "$configuration" --crossings "$crossings" --profiles "$profiles" --output "$result" \
      --sendora-processes "$(started_processes)" --quiet-wait "$quiet_wait" \
      || fail "the audiences benchmark failed on $configuration (logs: $BENCH_LOG_DIR)"
    results+=("$result")
    stop_started
  done

  node "$BENCH_DIR/audiences/report.mjs" "${results[@]}" | tee "$BENCH_RESULTS_DIR/audiences.md"
  log "measured in $((SECONDS - started))s; tables saved in ${BENCH_RESULTS_DIR#"$SENDORA_ROOT"/}/audiences.md"
}
