# shellcheck shell=bash
# The state target of bench/run.sh. Sourced by bench/run.sh, which provides lib/stack.sh.

print_state_usage() {
  cat <<'USAGE'
Usage: bench/run.sh state [OPTIONS]

Times the writes and reads of a profile's state with Orleans' serializer, as grain storage does
them, in this process alone: no server, no storage and no network. Each profile has 10 traits
and the given number of recent and history events. The event lists are measured in the same run
as Orleans' List<T> and as Sendora's own list types, and the report gives the ratio of the two.
Prints a table and saves it as .sendora/bench/results/state.md, with JSON beside it.

Time: about 6 s per form and event count after the build, 40 s with the defaults.

Options:
  --events LIST     event counts, comma-separated, each 1 to 10000 (default 20,100)
  --seconds S       time of each measured loop, 0.1 to 60 (default 2)
  --no-build        use the Release build already in bench/state/bin
USAGE
}

run_state() {
  local build=1 forwarded=()
  while (( $# > 0 )); do
    case "$1" in
      --events | --seconds)
        (( $# >= 2 )) || fail "$1 needs a value"
        forwarded+=("$1" "$2")
        shift 2
        ;;
      --no-build) build=0; shift ;;
      -h | --help) print_state_usage; return 0 ;;
      *) print_state_usage >&2; fail "unknown option '$1'" ;;
    esac
  done

  mkdir -p "$BENCH_LOG_DIR" "$BENCH_RESULTS_DIR"
  if (( build )); then
    local build_log="$BENCH_LOG_DIR/build-state.log"
    log "building bench/state (Release), log: ${build_log#"$SENDORA_ROOT"/}"
    if ! (cd "$BENCH_DIR/state" && dotnet build -c Release >"$build_log" 2>&1); then
      grep -E ': error [A-Z]+[0-9]+' "$build_log" | sort -u >&2 || true
      fail "the bench/state build failed (log: $build_log)"
    fi
  fi

  local report="$BENCH_RESULTS_DIR/state.md"
  # Each event count runs 3 forms, each with 2 s of warm-up and two loops of --seconds.
  env -C "$BENCH_DIR/state/bin/Release/net10.0" dotnet Sendora.Bench.State.dll \
    "${forwarded[@]}" --json "$BENCH_RESULTS_DIR/state.json" | tee "$report"
  log "table saved in ${report#"$SENDORA_ROOT"/}"
}
