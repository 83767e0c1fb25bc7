#!/usr/bin/env bash
# The portal's figures (issue 13; docs/benchmarks.md): N tickets stored
# (default 100,000), a signed-in customer, suggest alone and (when the build
# has the tickets room) list/ticket/suggest mixed at RATE requests/s (default
# 500) with p50/p99, and STREAMS SSE connections (default 2,000) with the
# time from an agent's reply to its arrival on every stream; RUNS times each
# (default 3); then the streams spread over PEOPLE customers (default 50; the
# gateway sends at most 64 sign-in mails per IP address an hour).
# Runs the real services from ./build in a fresh directory on
# free loopback ports (the e2e harness), with the gateway's connection
# limits raised for the streams.
#
#   tools/bench-portal.sh [N] [RATE] [STREAMS] [RUNS] [PEOPLE]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BALCAO_BUILD:-build}
[ -x "$B/balcao-portal-bench" ] || cmake --build "$B" --target balcao-portal-bench
# Each stream is a socket in the gateway and one in the tool.
ulimit -n "$(ulimit -Hn)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); commit $(git rev-parse --short HEAD)"
BALCAO_BUILD="$B" PYTHONPATH="$B/python:tests/e2e" exec /usr/bin/python3 tools/bench_portal.py "$@"
