#!/usr/bin/env bash
# Inbound e-mail throughput: parse (GMime) + dedupe + thread in intake.
# Starts intake (and, unless INTAKE_ONLY=1, the router, whose log feeds
# intake's thread index, competing for the same CPUs) on a fresh data
# directory, then submits N raw e-mails of about 10 KB (one in four a reply)
# from CONC clients with WINDOW requests each in flight (default 32 x 16),
# as many mail gates would, and reports intake's acknowledgements per second
# (each one after the message is durably stored).
#
#   tools/bench-mail.sh [N] [RUNS]      (build first: cmake --build build)
#   INTAKE_ONLY=1 tools/bench-mail.sh   intake's own work alone
set -euo pipefail
cd "$(dirname "$0")/.."
B=build
N=${1:-20000}
RUNS=${2:-3}
dir=$(mktemp -d /tmp/balcao-bench-mail-XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
cat > "$dir/bench.cfg" <<CFG
balcao
    data_dir = "$dir/var"
    curve_dir = ""
intake
    command = "tcp://127.0.0.1:17201"
    events = "tcp://127.0.0.1:17202"
router
    command = "tcp://127.0.0.1:17211"
    events = "tcp://127.0.0.1:17212"
notify
    command = "tcp://127.0.0.1:17231"
    events = "tcp://127.0.0.1:17232"
CFG
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r), $(df -T "$dir" | awk 'NR==2 {print $2}')"
for run in $(seq "$RUNS"); do
  rm -rf "$dir/var"
  $B/balcao-intake -c "$dir/bench.cfg" >"$dir/intake.log" 2>&1 & pids+=($!)
  if [ "${INTAKE_ONLY:-0}" != 1 ]; then
    $B/balcao-router -c "$dir/bench.cfg" >"$dir/router.log" 2>&1 & pids+=($!)
  fi
  sleep 0.5
  echo "run $run:"
  $B/balcao-bench -c "$dir/bench.cfg" -n "$N" -C "${CONC:-32}" -W "${WINDOW:-16}" --mime 10 --no-wait | grep -E "submitted|ack_rate|latency"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
done
