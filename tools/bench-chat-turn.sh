#!/usr/bin/env bash
# The bot's whole turn in the web chat (issue 16; docs/benchmarks.md): the
# visitor's POST to the answer on their live stream, N visitors (default
# 200) one at a time, RUNS fresh installations (default 3).
#
#   tools/bench-chat-turn.sh [N] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BALCAO_BUILD:-build}
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); commit $(git rev-parse --short HEAD)"
BALCAO_BUILD="$B" PYTHONPATH="$B/python:tests/e2e" exec /usr/bin/python3 tools/bench_chat_turn.py "$@"
