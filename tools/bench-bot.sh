#!/usr/bin/env bash
# The bot's answer time (issue 16; docs/benchmarks.md): kb's AskBot over the
# bus on the starter articles and, when given, a JSONL file of more (e.g.
# the zammad pt-BR articles of the team's shared data, given by path), N questions (default
# 5,000) from C clients (default 4), RUNS times (default 3), p50/p99 per run.
#
#   tools/bench-bot.sh [N] [C] [RUNS] [ARTICLES.jsonl]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BALCAO_BUILD:-build}
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); commit $(git rev-parse --short HEAD)"
BALCAO_BUILD="$B" PYTHONPATH="$B/python:tests/e2e" exec /usr/bin/python3 tools/bench_bot.py "$@"
