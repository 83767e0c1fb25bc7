#!/usr/bin/env bash
# What an LGPD erasure costs on a store of N tickets (issue 18;
# docs/benchmarks.md): the router's transaction, each service's part and
# its compaction, the files before and after. Runs the real services from
# ./build in a fresh directory on free loopback ports (the e2e harness).
#
#   tools/bench-lgpd.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BALCAO_BUILD:-build}
[ -x "$B/balcao-bench" ] || cmake --build "$B" --target balcao-bench
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); commit $(git rev-parse --short HEAD)"
BALCAO_BUILD="$B" PYTHONPATH="$B/python:tests/e2e" exec /usr/bin/python3 tools/bench_lgpd.py "$@"
