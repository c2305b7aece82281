# shellcheck shell=bash
# The ladder target of bench/run.sh. Sourced by bench/run.sh, which provides lib/stack.sh.

print_ladder_usage() {
  cat <<'USAGE'
Usage: bench/run.sh ladder [OPTIONS]

Runs the same load, one rung after the other, against:
  B0  bench/baseline, a bare Kestrel endpoint that parses the same Segment JSON and answers
      {"success":true}: the ceiling of HTTP and JSON on this machine
  B1  Sendora with Sendora:Storage=Memory (the silo inside the gateway)
  B2  Sendora with Redis (append-only file on), silo and gateway apart
  B3  Sendora with Azurite (in memory), silo and gateway apart
For each rung, /v1/track (one message per request) and /v1/batch (100 per request), each with 1,
10,000 and 1,000,000 distinct users: messages/s accepted (200s only) by wrk, CPU microseconds per
message of Sendora's processes and of the storage server, and p50/p99 response times from
autocannon at fixed rates of 50% and 80% of that maximum. On B1-B3, the event-to-membership
probe at idle and at half load. Then, on a fresh Sendora, memory per active profile at 100,000
and 1,000,000 seeded profiles, again after the profiles stayed idle, and the backfill rate over them.

Time: about 23 minutes with the defaults after the build. Every step has its own time limit, and
all steps together stop at 28 minutes after the build; with the start and stop of the processes
the ladder ends within 31 minutes whatever hangs. A step that fails or runs out of time is left out
of the report, and the command then exits with status 1.
Everything listens on 127.0.0.1, on the ports in bench/README.md.

Options:
  --rungs LIST             rungs to run, comma-separated (default B0,B1,B2,B3; B2 is skipped
                           with a message while the build has no Redis storage option)
  --populations LIST       distinct users per run, comma-separated (default 1,10000,1000000)
  --saturation-seconds N   length of each wrk run (default 8)
  --rate-seconds N         length of each fixed-rate run (default 4)
  --crossings N            crossings per probe phase (default 300)
  --memory-on CONF         memory, redis or azure: the storage of the memory and backfill step,
                           or none to skip it (default redis when the build has it, else memory)
  --checkpoints LIST       profile counts at which memory is read (default 100000,1000000)
  --seed-seconds N         bound on seeding profiles for the memory step (default 240)
  --settle-seconds N       idle time before the memory step reads memory again (default 180)
  --quick                  a run of about 6 minutes to check the script: populations 1,10000,
                           3 s and 2 s runs, 50 crossings, checkpoints 2000,5000, 30 s of seeding
                           and 40 s of settling
  --no-build               use the Release builds that exist
USAGE
}

# Prints ROLE:NAME=PID for each process that start_stack or start_baseline started.
ladder_processes() {
  local i role
  for i in "${!STARTED_PIDS[@]}"; do
    case "${STARTED_NAMES[$i]}" in
      azurite | redis-server) role=storage ;;
      *) role=sendora ;;
    esac
    printf '%s:%s=%s ' "$role" "${STARTED_NAMES[$i]}" "${STARTED_PIDS[$i]}"
  done
}

redis_storage_built() {
  grep -q 'Redis' "$SENDORA_ROOT/Sendora.Silo/Hosting/StorageKind.cs" 2>/dev/null
}

# All steps of one ladder stop at this many seconds after the build.
LADDER_LIMIT_SECONDS=1680

# Runs a step's Node.js script under its time limit, cut to what is left of LADDER_LIMIT_SECONDS,
# so that a hang cannot stretch the ladder. Returns 1, after logging why, when the step fails.
# Usage: run_bounded DEADLINE SECONDS DESCRIPTION COMMAND...
run_bounded() {
  local deadline="$1" seconds="$2" description="$3"
  shift 3
  local left=$(( deadline - SECONDS ))
  if (( left < seconds )); then
    seconds=$left
  fi
  if (( seconds < 30 )); then
    log "$description skipped: the ladder's limit of ${LADDER_LIMIT_SECONDS}s is reached"
    return 1
  fi

  local status=0
  timeout --kill-after=10 "$seconds" "$@" || status=$?
  if (( status == 124 || status == 137 )); then
    log "$description did not finish within its limit of ${seconds}s (logs: $BENCH_LOG_DIR)"
    return 1
  elif (( status != 0 )); then
    log "$description failed with exit code $status (logs: $BENCH_LOG_DIR)"
    return 1
  fi
}

run_ladder() {
  local rungs="B0,B1,B2,B3" populations="1,10000,1000000" saturation=8 rate=4 crossings=300
  local memory_on="" checkpoints="100000,1000000" seed_seconds=240 settle_seconds=180 build=true
  while (( $# > 0 )); do
    case "$1" in
      --rungs) rungs="${2:?--rungs needs a list such as B0,B1}"; shift 2 ;;
      --populations) populations="${2:?--populations needs a list such as 1,10000}"; shift 2 ;;
      --saturation-seconds) saturation="${2:?--saturation-seconds needs a number}"; shift 2 ;;
      --rate-seconds) rate="${2:?--rate-seconds needs a number}"; shift 2 ;;
      --crossings) crossings="${2:?--crossings needs a number}"; shift 2 ;;
      --memory-on) memory_on="${2:?--memory-on needs memory, redis, azure or none}"; shift 2 ;;
      --checkpoints) checkpoints="${2:?--checkpoints needs a list such as 100000,1000000}"; shift 2 ;;
      --seed-seconds) seed_seconds="${2:?--seed-seconds needs a number}"; shift 2 ;;
      --settle-seconds) settle_seconds="${2:?--settle-seconds needs a number}"; shift 2 ;;
      --quick)
        populations="1,10000" saturation=3 rate=2 crossings=50 checkpoints="2000,5000" seed_seconds=30 settle_seconds=40
        shift
        ;;
      --no-build) build=false; shift ;;
      -h | --help) print_ladder_usage; return 0 ;;
      *) print_ladder_usage >&2; fail "unknown option '$1'" ;;
    esac
  done

  local number
  for number in "$saturation" "$rate" "$crossings" "$seed_seconds" "$settle_seconds"; do
    [[ "$number" =~ ^[1-9][0-9]*$ ]] || fail "'$number' is not a whole number of at least 1"
  done
  [[ "$populations" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || fail "--populations must be numbers separated by commas, not '$populations'"
  [[ "$checkpoints" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || fail "--checkpoints must be numbers separated by commas, not '$checkpoints'"
  if [[ -z "$memory_on" ]]; then
    if redis_storage_built; then memory_on=redis; else memory_on=memory; fi
  fi
  case "$memory_on" in
    memory | redis | azure | none) ;;
    *) fail "--memory-on must be memory, redis, azure or none, not '$memory_on'" ;;
  esac

  require_commands
  command -v curl >/dev/null || fail "curl not found: install curl, which checks the gateway's /healthz"
  command -v timeout >/dev/null || fail "timeout not found: install coreutils"
  # Installers print to stdout, which carries only the report.
  install_tools >&2
  install_bench_tools >&2
  install_wrk >&2
  (cd "$BENCH_DIR" && dotnet tool restore >/dev/null) || fail "dotnet tool restore failed in $BENCH_DIR"
  if [[ "$build" == true ]]; then
    build_release
    build_baseline
  fi

  mkdir -p "$BENCH_RESULTS_DIR"
  rm -f "$BENCH_RESULTS_DIR"/ladder-*.json
  local started=$SECONDS results=() failed=0 rung configuration
  local deadline=$(( SECONDS + LADDER_LIMIT_SECONDS ))
  local run_count=$(( $(tr ',' '\n' <<<"$populations" | wc -l) * 2 ))
  # Each run: its wrk run, two fixed-rate runs and 15 s for the tools to start and stop.
  local throughput_limit=$(( 60 + run_count * (saturation + 2 * rate + 15) ))
  local probe_limit=$(( 120 + crossings * 2 * 40 / 1000 * 2 ))
  IFS=',' read -r -a rung_list <<<"$rungs"
  for rung in "${rung_list[@]}"; do
    case "$rung" in
      B0) configuration=baseline ;;
      B1) configuration=memory ;;
      B2) configuration=redis ;;
      B3) configuration=azure ;;
      *) fail "unknown rung '$rung': use B0, B1, B2 or B3" ;;
    esac
    if [[ "$configuration" == redis ]] && ! redis_storage_built; then
      log "B2 skipped: this build has no Redis storage option (Sendora:Storage=Redis)"
      continue
    fi

    if (( deadline - SECONDS < 60 )); then
      log "rung $rung skipped: the ladder's limit of ${LADDER_LIMIT_SECONDS}s is reached"
      failed=1
      continue
    fi
    if [[ "$configuration" == baseline ]]; then
      start_baseline
    else
      start_stack "$configuration"
    fi

    local result="$BENCH_RESULTS_DIR/ladder-$rung.json" limit="$throughput_limit" baseline_flag=()
    if [[ "$configuration" == baseline ]]; then
      baseline_flag=(--baseline)
    else
      limit=$(( throughput_limit + probe_limit ))
    fi
    if run_bounded "$deadline" "$limit" "rung $rung" node "$BENCH_DIR/ladder/throughput.mjs" \
      --url "$BENCH_URL" --admin-token "$SENDORA_ADMIN_TOKEN" --write-key "$SENDORA_WRITE_KEY" \
      --rung "$rung $configuration" --processes "$(ladder_processes)" --populations "$populations" \
      --saturation-seconds "$saturation" --rate-seconds "$rate" --crossings "$crossings" \
      --output "$result" "${baseline_flag[@]}"; then
      results+=("$result")
    else
      failed=1
      # The rates are saved before the probe, so a rung whose probe failed still reports them.
      if [[ -f "$result" ]]; then
        results+=("$result")
      fi
    fi
    stop_started
  done

  if [[ "$memory_on" == redis ]] && ! redis_storage_built; then
    fail "--memory-on redis needs a build with the Redis storage option"
  fi
  if [[ "$memory_on" != none ]] && (( deadline - SECONDS < 120 )); then
    log "the memory step skipped: the ladder's limit of ${LADDER_LIMIT_SECONDS}s is reached"
    failed=1
  elif [[ "$memory_on" != none ]]; then
    start_stack "$memory_on"
    local result="$BENCH_RESULTS_DIR/ladder-memory.json"
    # The step's limit covers seeding, the settling time, four snapshots of at most 2 minutes each and
    # the backfill's 90 s. Seeding is cut short when the ladder's limit would leave too little for the rest.
    local seed_left=$(( deadline - SECONDS - 300 - settle_seconds ))
    if (( seed_left < seed_seconds )); then
      seed_seconds=$(( seed_left > 30 ? seed_left : 30 ))
    fi
    if run_bounded "$deadline" $(( seed_seconds + settle_seconds + 4 * 120 + 90 + 60 )) "the memory step" node "$BENCH_DIR/ladder/memory.mjs" \
      --url "$BENCH_URL" --admin-token "$SENDORA_ADMIN_TOKEN" --configuration "$memory_on" \
      --processes "$(ladder_processes)" --checkpoints "$checkpoints" --seed-seconds "$seed_seconds" --settle-seconds "$settle_seconds" \
      --output "$result"; then
      results+=("$result")
    else
      failed=1
    fi
    stop_started
  fi

  if (( ${#results[@]} == 0 )); then
    fail "no step of the ladder finished (logs: $BENCH_LOG_DIR)"
  fi

  node "$BENCH_DIR/ladder/report.mjs" "${results[@]}" | tee "$BENCH_RESULTS_DIR/ladder.md"
  log "measured in $((SECONDS - started))s; tables saved in ${BENCH_RESULTS_DIR#"$SENDORA_ROOT"/}/ladder.md"
  if (( failed )); then
    fail "some steps of the ladder failed or were skipped; the report leaves them out"
  fi
}
