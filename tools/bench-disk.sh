#!/usr/bin/env bash
# Disk per ticket before and after retention (issue 17; docs/benchmarks.md):
# N tickets (default 100,000) opened, acknowledged, indexed, resolved and
# closed, measured; then a month later (clocks 31 days ahead) once the
# default retention has pruned the logs and the delivered notifications,
# measured again. Runs the real services from ./build in a fresh directory
# on free loopback ports (the e2e harness). CLOSE=0 leaves the tickets open.
#
#   tools/bench-disk.sh [N] [WINDOW]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BALCAO_BUILD:-build}
[ -x "$B/balcao-bench" ] || cmake --build "$B" --target balcao-bench
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); commit $(git rev-parse --short HEAD)"
BALCAO_BUILD="$B" PYTHONPATH="$B/python:tests/e2e" exec /usr/bin/python3 tools/bench_disk.py "$@"
