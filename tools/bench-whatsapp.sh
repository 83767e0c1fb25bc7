#!/usr/bin/env bash
# The WhatsApp webhook's figures (issue 16; docs/benchmarks.md): N signed
# POSTs (default 2,000) from C keep-alive clients (default 16), each stored
# durably by intake before its 200, RUNS times (default 3) on fresh
# systems, with POSTs/s and p50/p99 per run.
#
#   tools/bench-whatsapp.sh [N] [C] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BALCAO_BUILD:-build}
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); commit $(git rev-parse --short HEAD)"
BALCAO_BUILD="$B" PYTHONPATH="$B/python:tests/e2e" exec /usr/bin/python3 tools/bench_whatsapp.py "$@"
