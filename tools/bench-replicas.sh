#!/usr/bin/env bash
# What each replica adds (issue 17; docs/benchmarks.md): intake's durable
# acknowledgement rate with 1 and 2 intake replicas, and the time notify
# takes to deliver N acknowledgements with 1 and 2 notify replicas, RUNS
# times each (defaults: N=30,000, RUNS=3). Runs the real services from
# ./build in fresh directories on free loopback ports (the e2e harness).
#
#   tools/bench-replicas.sh [N] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BALCAO_BUILD:-build}
[ -x "$B/balcao-bench" ] || cmake --build "$B" --target balcao-bench
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); commit $(git rev-parse --short HEAD)"
BALCAO_BUILD="$B" PYTHONPATH="$B/python:tests/e2e" exec /usr/bin/python3 tools/bench_replicas.py "$@"
