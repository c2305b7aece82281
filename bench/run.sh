#!/usr/bin/env bash
# Runs a Sendora benchmark on this machine against a Sendora it starts for itself, and prints
# the figures. Results are kept as JSON in .sendora/bench/results/.
#
# Usage: bench/run.sh TARGET [OPTIONS]
#   audiences   event-to-membership latency at idle and at half the measured ingest rate,
#               and backfill speed; bench/run.sh audiences --help lists its options
#   failover    three silos under steady load, one killed with SIGKILL: time to recover and
#               to declare the silo dead; bench/run.sh failover --help lists its options
#   ladder      ingest rate, CPU per message and response times of a bare endpoint and of
#               Sendora on Memory, Redis and Azurite storage, then membership latency, memory
#               per profile and backfill rate; about 23 minutes, see bench/run.sh ladder --help
#   state       time and bytes of writing and reading a profile's state with Orleans' serializer,
#               in this process only; about 40 seconds, see bench/run.sh state --help
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/stack.sh"

trap stop_started EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

print_usage() {
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

target="${1:-}"
case "$target" in
  audiences)
    shift
    source "$BENCH_DIR/audiences/target.sh"
    run_audiences "$@"
    ;;
  failover)
    shift
    source "$BENCH_DIR/failover/target.sh"
    run_failover "$@"
    ;;
  ladder)
    shift
    source "$BENCH_DIR/ladder/target.sh"
    run_ladder "$@"
    ;;
  state)
    shift
    source "$BENCH_DIR/state/target.sh"
    run_state "$@"
    ;;
  -h | --help | "")
    print_usage
    ;;
  *)
    print_usage >&2
    fail "unknown target '$target'"
    ;;
esac
