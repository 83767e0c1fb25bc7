#!/usr/bin/env bash
# Finding a customer by CPF or CNPJ among N (issue 18; docs/benchmarks.md):
# the router's ListPeople.query, timed from a client. Runs the real router
# from ./build in a fresh directory on free loopback ports (the e2e harness).
#
#   tools/bench-taxid.sh [N] [REPEAT]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BALCAO_BUILD:-build}
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); commit $(git rev-parse --short HEAD)"
BALCAO_BUILD="$B" PYTHONPATH="$B/python:tests/e2e" exec /usr/bin/python3 tools/bench_taxid.py "$@"
