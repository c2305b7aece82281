#!/usr/bin/env bash
# Builds Sendora in Release and runs its tests against an in-memory Azurite on ports
# 10010-10012, a redis-server on port 10016 and a private PostgreSQL on port 10015 with its data
# in .sendora/postgres-test, none of which collide with those of ./run.sh. Arguments go to `dotnet test`,
# for example: ./test.sh --filter 'FullyQualifiedName~Profiles'
# The last line printed is "N passed, N failed". The exit code is 0 only when at least one
# test passed and none failed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/scripts/common.sh"
cd "$SENDORA_ROOT"

RESULTS_DIR="$SENDORA_STATE_DIR/test-results"
BUILD_LOG="$SENDORA_LOG_DIR/test-build.log"
TEST_LOG="$SENDORA_LOG_DIR/test.log"
SUMMARY_PRINTED=false

# Stops what this script started and, when it ends before counting any test, prints a
# failing summary so that the last line always has the same form.
finish() {
  stop_started
  if [[ "$SUMMARY_PRINTED" == false ]]; then
    echo "0 passed, 1 failed"
  fi
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

print_summary() {
  stop_started
  SUMMARY_PRINTED=true
  echo "$1 passed, $2 failed"
}

# Sums one attribute of the <Counters> element over every .trx file in RESULTS_DIR.
sum_trx_counter() {
  local attribute="$1" total=0 file value
  for file in "$RESULTS_DIR"/*.trx; do
    [[ -f "$file" ]] || continue
    value="$(grep -o '<Counters [^>]*' "$file" | grep -o " $attribute=\"[0-9]*\"" | tr -dc '0-9' || true)"
    total=$((total + ${value:-0}))
  done
  echo "$total"
}

# Sums the "Passed!  - Failed: 0, Passed: 12, ..." lines that dotnet test prints per project.
# Prints "PASSED FAILED".
sum_console_totals() {
  sed -nE 's/.*(Passed|Failed)! +- Failed: +([0-9]+), Passed: +([0-9]+),.*/\3 \2/p' "$TEST_LOG" \
    | awk '{ passed += $1; failed += $2 } END { print passed + 0, failed + 0 }'
}

require_commands
install_tools
install_chromium
install_redis
install_postgresql
mkdir -p "$SENDORA_LOG_DIR"

start_azurite 10010 10011 10012 "$SENDORA_LOG_DIR/test-azurite.log"
SENDORA_TEST_STORAGE="$(storage_connection_string 10010 10011 10012)"
export SENDORA_TEST_STORAGE

# A fresh data directory each run: the grain tests expect nothing from earlier runs.
rm -rf "$SENDORA_STATE_DIR/test-redis"
start_redis 10016 "$SENDORA_STATE_DIR/test-redis" "$SENDORA_LOG_DIR/test-redis.log"
export SENDORA_TEST_REDIS=127.0.0.1:10016

# A fresh cluster each time, so that no table of an earlier run is left.
rm -rf "$SENDORA_STATE_DIR/postgres-test"
start_postgresql 10015 "$SENDORA_STATE_DIR/postgres-test" "$SENDORA_LOG_DIR/test-postgresql.log"
SENDORA_TEST_POSTGRES="$(postgresql_connection_string 10015)"
export SENDORA_TEST_POSTGRES
export SENDORA_TOOLS_DIR
export SENDORA_CHROMIUM=/usr/bin/chromium
if [[ -d "$SENDORA_ROOT/../shared/corpus" ]]; then
  SENDORA_CORPUS="$(cd "$SENDORA_ROOT/../shared/corpus" && pwd)"
  export SENDORA_CORPUS
fi

log "building Sendora.sln (Release), log: ${BUILD_LOG#"$SENDORA_ROOT"/}"
# Output goes to a file rather than a pipe, because build servers that outlive the build
# inherit it and would hold a pipe open.
if ! dotnet build Sendora.sln -c Release >"$BUILD_LOG" 2>&1; then
  grep -E ': error [A-Z]+[0-9]+' "$BUILD_LOG" | sort -u || true
  tail -n 20 "$BUILD_LOG"
  echo "[sendora] error: the build failed (log: $BUILD_LOG)"
  print_summary 0 1
  exit 1
fi

rm -rf "$RESULTS_DIR"
mkdir -p "$RESULTS_DIR"
: >"$TEST_LOG"
start_background "dotnet test" "$TEST_LOG" \
  dotnet test Sendora.sln -c Release --no-build \
  --results-directory "$RESULTS_DIR" --logger trx --logger "console;verbosity=normal" "$@"
test_pid="${STARTED_PIDS[-1]}"
# tail runs in the background because a trapped signal interrupts `wait` but not a
# foreground command. It exits by itself once dotnet test has exited.
tail -n +1 -f --pid="$test_pid" "$TEST_LOG" &
tail_pid=$!
test_exit=0
wait "$test_pid" || test_exit=$?
wait "$tail_pid" || true

if compgen -G "$RESULTS_DIR/*.trx" >/dev/null; then
  passed="$(sum_trx_counter passed)"
  failed=$(( $(sum_trx_counter failed) + $(sum_trx_counter error) + $(sum_trx_counter timeout) \
    + $(sum_trx_counter aborted) ))
else
  read -r passed failed < <(sum_console_totals)
fi

if (( test_exit != 0 && failed == 0 )); then
  echo "[sendora] error: dotnet test exited with code $test_exit although no test failed (log: $TEST_LOG)"
  failed=1
fi

print_summary "$passed" "$failed"
(( failed == 0 && passed > 0 ))
