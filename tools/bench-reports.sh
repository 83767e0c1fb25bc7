#!/usr/bin/env bash
# The dashboard's reports at a year's scale (issue 14: a year of reports,
# 1,000,000 tickets, one period in <= 200 ms): writes the read model of N
# tickets spread over DAYS days through the router's own code
# (balcao-report-bench fill), starts the real router from ./build on it and
# asks for the whole period's report over the bus, in total and by tier,
# category, agent and channel, RUNS times each. Ports 17300-17320.
#
#   tools/bench-reports.sh [N [DAYS [RUNS]]]     (1000000 365 50)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
DAYS=${2:-365}
RUNS=${3:-50}
B=build
dir=$(mktemp -d /tmp/balcao-reports-XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
cat > "$dir/t.cfg" <<CFG
balcao
    data_dir = "$dir/var"
    curve_dir = ""
router
    command = "tcp://127.0.0.1:17311"
    events = "tcp://127.0.0.1:17312"
    map_size = "4294967296"
CFG
mkdir -p "$dir/var"
"$B/balcao-report-bench" fill "$dir/var/router" "$N" "$DAYS"
"$B/balcao-router" -c "$dir/t.cfg" 2> "$dir/router.log" &
pids+=($!)
for _ in $(seq 100); do
    grep -q "event=started" "$dir/router.log" 2>/dev/null && break
    sleep 0.1
done
du -sh "$dir/var/router" | sed 's/^/router store: /'
"$B/balcao-report-bench" query "$dir/t.cfg" "$DAYS" "$RUNS"
