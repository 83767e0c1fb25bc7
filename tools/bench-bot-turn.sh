#!/usr/bin/env bash
# The bot's whole turn on WhatsApp (issue 16; docs/benchmarks.md): webhook
# POST to the answer at the Graph API stand-in, N customers (default 200)
# one at a time, RUNS fresh installations (default 3). SHAPES and WEBHOOK:
# the Graph API's documented request shapes and a webhook update to copy.
#
#   tools/bench-bot-turn.sh SHAPES WEBHOOK [N] [RUNS] [KB_BATCH_DELAY_MS]
#   (the command that made the figures is in docs/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BALCAO_BUILD:-build}
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); commit $(git rev-parse --short HEAD)"
BALCAO_BUILD="$B" PYTHONPATH="$B/python:tests/e2e" exec /usr/bin/python3 tools/bench_bot_turn.py "$@"
