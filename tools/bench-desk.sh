#!/usr/bin/env bash
# The dashboard's figures (issue 14; docs/benchmarks.md): N open tickets in
# the N1 queue (default 100,000), then RUNS times each (default 3): the N1
# queue page and the counts at RATE requests/s (default 100), a ticket view
# with 500 messages at RATE/s, and AGENTS staff sessions (default 500) on
# SSE while TICKETS new tickets come at 1,000/s, with the time from each
# ticket's creation at the router to its arrival on every stream. Runs the
# real services from ./build in a fresh directory on free loopback ports
# (the e2e harness).
#
#   tools/bench-desk.sh [N] [RATE] [AGENTS] [RUNS] [TICKETS]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BALCAO_BUILD:-build}
[ -x "$B/balcao-portal-bench" ] || cmake --build "$B" --target balcao-portal-bench
ulimit -n "$(ulimit -Hn)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); commit $(git rev-parse --short HEAD)"
BALCAO_BUILD="$B" PYTHONPATH="$B/python:tests/e2e" exec /usr/bin/python3 tools/bench_desk.py "$@"
