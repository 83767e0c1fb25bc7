#!/usr/bin/env bash
# The ticket index under a burst (docs/benchmarks.md): starts the real
# services from ./build with a fresh data directory on loopback ports
# 17200-17250, submits N tickets (default 20,000) with balcao-bench as fast
# as intake takes them, then polls `balcao search obrigado` (every bench
# ticket says it) until kb has indexed them all. Prints how long that took,
# how long each poll (a search through the CLI) took meanwhile, and how many
# recurring problems kb suspected.
#
#   tools/bench-kb-burst.sh [N]
#   KB_BATCH_MAX=4096 tools/bench-kb-burst.sh     kb's batches as long as others'
set -euo pipefail
cd "$(dirname "$0")/.."
B=build
N=${1:-20000}
dir=$(mktemp -d /tmp/balcao-kb-burst-XXXXXX)
trap '$B/balcaoctl -c "$dir/bench.cfg" down >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
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
kb
    command = "tcp://127.0.0.1:17221"
    events = "tcp://127.0.0.1:17222"
    batch_max = "${KB_BATCH_MAX:-256}"
notify
    command = "tcp://127.0.0.1:17231"
    events = "tcp://127.0.0.1:17232"
gateway
    http_port = "17241"
CFG
cfg="$dir/bench.cfg"
$B/balcaoctl -c "$cfg" up | head -1
t0=$(date +%s%N)
$B/balcao-bench -c "$cfg" -n "$N" -C 16 -W 128 --no-wait | tail -1
t1=$(date +%s%N)
found=0
: > "$dir/polls"
for _ in $(seq 1 1200); do
  a=$(date +%s%N)
  found=$($B/balcao -c "$cfg" search obrigado 2>/dev/null | tail -1 | awk '{print $1}' || true)
  echo $(( ($(date +%s%N) - a) / 1000000 )) >> "$dir/polls"
  [ "${found:-0}" -ge "$N" ] 2>/dev/null && break
  sleep 0.5
done
t2=$(date +%s%N)
echo "submitted $N tickets in $(( (t1 - t0) / 1000000 )) ms; kb had indexed ${found:-0} of them $(( (t2 - t0) / 1000000 )) ms after the first"
sort -n "$dir/polls" | awk '{a[NR] = $1} END {printf "a search meanwhile (CLI round trip): %d polls, p50 %d ms, p90 %d ms, max %d ms\n", NR, a[int(NR / 2) + 1], a[int(NR * 0.9) + 1], a[NR]}'
echo "recurring problems suspected: $(grep -rh 'service=kb event=problem_suspected' "$dir" 2>/dev/null | wc -l)"

# An upgrade: kb restarted with new field weights rebuilds its indexes from
# its own records before it answers.
# (kb alone, outside the supervisor, which would restart the old one)
$B/balcaoctl -c "$cfg" down >/dev/null
sed -i 's/^kb$/kb\n    weights\n        title = "4"/' "$cfg"
t0=$(date +%s%N)
$B/balcao-kb -c "$cfg" > "$dir/kb-rebuild.log" 2>&1 &
until $B/balcao -c "$cfg" search obrigado > /dev/null 2>&1; do sleep 0.2; done
t1=$(date +%s%N)
kill -TERM $!
echo "kb restarted with new weights: indexes rebuilt and answering after $(( (t1 - t0) / 1000000 )) ms"
grep -h 'event=index_rebuilt' "$dir/kb-rebuild.log" | sed 's/.*event=/  /'
