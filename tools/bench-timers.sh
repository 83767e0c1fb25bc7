#!/usr/bin/env bash
# The router's timers at scale (issue 3's targets): N open tickets (default
# 1,000,000) with running SLA clocks, the router's CPU while they wait, the
# GetQueue latency with all of them in the N1 queue (no agent online), and how
# late breaches are noticed when they all come due. Runs intake and router
# from ./build on a fresh data directory (a few GB), ports 17200-17220.
#
#   tools/bench-timers.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
B=build
dir=$(mktemp -d /tmp/balcao-timers-XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
# A 24/7 calendar and a first-response target long enough for the load and
# an idle minute to finish before the first deadline.
target=$(( N / 5000 + 90 ))
cat > "$dir/t.cfg" <<CFG
balcao
    data_dir = "$dir/var"
    curve_dir = ""
intake
    command = "tcp://127.0.0.1:17201"
    events = "tcp://127.0.0.1:17202"
    map_size = "4294967296"
router
    command = "tcp://127.0.0.1:17211"
    events = "tcp://127.0.0.1:17212"
    map_size = "8589934592"
    calendar
        mon = "00:00-24:00"
        tue = "00:00-24:00"
        wed = "00:00-24:00"
        thu = "00:00-24:00"
        fri = "00:00-24:00"
        sat = "00:00-24:00"
        sun = "00:00-24:00"
    sla
        warning = "0.99"
        normal
            first_response = "${target}s"
            resolution = "100h"
kb
    command = "tcp://127.0.0.1:17221"
notify
    command = "tcp://127.0.0.1:17231"
CFG
echo "machine: $(nproc) cores; N=$N open tickets; first-response target ${target}s on a 24/7 calendar"
$B/balcao-intake -c "$dir/t.cfg" 2>"$dir/intake.log" & pids+=($!)
$B/balcao-router -c "$dir/t.cfg" 2>"$dir/router.log" & pids+=($!)
router=${pids[1]}
sleep 0.5
start=$(date +%s)
$B/balcao-bench -c "$dir/t.cfg" -n "$N" -C 16 -W 128 --no-wait | head -2
while [ "$($B/balcao -c "$dir/t.cfg" list 0 1 | tail -1 | awk '{print $3}')" -lt "$N" ]; do sleep 1; done
loaded=$(( $(date +%s) - start ))
echo "loaded $N tickets in ${loaded}s; router data $(du -sh "$dir/var/router" | cut -f1)"
sleep 5
cpu() { awk '{print $14 + $15}' "/proc/$router/stat"; }
c0=$(cpu); sleep 30; c1=$(cpu)
echo "router CPU while $N clocks run and nothing is due: $(awk -v a="$c0" -v b="$c1" 'BEGIN {printf "%.2f", (b - a) / 30}') % (30 s)"
PYTHONPATH=$B/python /usr/bin/python3 tools/bench_timers.py queue tcp://127.0.0.1:17211 2000
wait_s=$(( target - ($(date +%s) - start) + 5 ))
[ "$wait_s" -gt 0 ] && echo "waiting ${wait_s}s for the first deadlines..." && sleep "$wait_s"
PYTHONPATH=$B/python /usr/bin/python3 tools/bench_timers.py breach tcp://127.0.0.1:17212 20
echo "router RSS: $(awk '/VmRSS/ {print $2 / 1024 " MiB"}' /proc/$router/status)"
