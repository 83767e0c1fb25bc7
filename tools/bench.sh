#!/usr/bin/env bash
# Reproduces the figures in docs/benchmarks.md: cold start, end-to-end
# throughput and latency (balcao-bench), latency at a fixed 10,000/s, and
# each service's memory with 100,000 tickets stored. Runs the real services
# from ./build with a fresh data directory on loopback ports 17100-17150.
#
#   tools/bench.sh            everything (~2 minutes)
#   tools/bench.sh quick      the two all-services runs only
#   CURVE=1 tools/bench.sh    the same with CURVE on every socket (the
#                             default installation's bus)
set -euo pipefail
cd "$(dirname "$0")/.."
B=build
dir=$(mktemp -d /tmp/balcao-bench-XXXXXX)
trap '$B/balcaoctl -c "$dir/bench.cfg" down >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
cat > "$dir/bench.cfg" <<CFG
balcao
    data_dir = "$dir/var"
    curve_dir = "${CURVE:+$dir/curve}"
    # balcao-bench follows the router's log to time each ticket
    log_readers = "service:intake service:router service:kb service:notify service:balcao-bench"
intake
    command = "tcp://127.0.0.1:17101"
    events = "tcp://127.0.0.1:17102"
router
    command = "tcp://127.0.0.1:17111"
    events = "tcp://127.0.0.1:17112"
kb
    command = "tcp://127.0.0.1:17121"
    events = "tcp://127.0.0.1:17122"
    # the bench's tickets all look alike: no recurring-problem detection
    recurring
        min_tickets = "0"
notify
    command = "tcp://127.0.0.1:17131"
    events = "tcp://127.0.0.1:17132"
gateway
    http_port = "17141"
CFG
cfg="$dir/bench.cfg"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r), $(df -T "$dir" | awk 'NR==2 {print $2}') on $(df "$dir" | awk 'NR==2 {print $1}')"
sync
[ -n "${CURVE:-}" ] && $B/balcaoctl -c "$cfg" keys >/dev/null
echo "== cold start of all five services to healthy =="
$B/balcaoctl -c "$cfg" up | head -1

# CPU time (user + system, seconds) of each service so far.
cpu() {
  for s in intake router notify kb; do
    awk -v s=$s '{printf "%s %.2f\n", s, ($14 + $15) / 100}' "/proc/$(cat "$dir/var/run/$s.pid")/stat"
  done
}
# Waits until notify has queued and delivered an ack for every ticket and kb
# has indexed every ticket (each bench ticket says "Obrigado").
caught_up() {
  local want=$1
  for i in $(seq 1 300); do
    # status: service pid uptime restarts rss own log-head state
    head=$($B/balcaoctl -c "$cfg" status | awk '$1=="notify" {print $7}' || true)
    case "$head" in '' | *[!0-9]*) head=0 ;; esac  # "-": no answer in time
    found=$($B/balcao -c "$cfg" search obrigado | tail -1 | awk '{print $1}')
    [ "${head:-0}" -ge $((2 * want)) ] && [ "${found:-0}" -ge "$want" ] 2>/dev/null && return 0
    sleep 1
  done
  echo "consumers did not catch up in 300 s" >&2
}

# Each phase starts from a quiet disk: the previous phase's writeback would
# otherwise show up as fsync latency in the next one.
settle() { sync; sleep 3; }

settle
echo "== latency at a fixed 10,000 tickets/s (30,000 tickets), all five services =="
$B/balcao-bench -c "$cfg" -n 30000 -C 16 -W 128 --rate 10000
settle
caught_up 30000
settle
echo "== throughput: 60,000 tickets, 16 clients x 128 in flight, all five services =="
cpu > "$dir/cpu.before"
start=$(date +%s.%N)
$B/balcao-bench -c "$cfg" -n 60000 -C 16 -W 128
caught_up 90000
echo "all consumers caught up $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s after the first submission"
cpu > "$dir/cpu.after"
echo "CPU per ticket (user+system, over the burst and the catch-up):"
join "$dir/cpu.before" "$dir/cpu.after" | awk '{printf "  %-7s %5.0f us\n", $1, ($3 - $2) * 1e6 / 60000}'
[ "${1:-}" = quick ] && exit 0
echo "== the ticket path alone (intake + router; kb and notify stopped) =="
# Outside the supervisor, which would bring kb and notify back.
$B/balcaoctl -c "$cfg" down >/dev/null
$B/balcao-intake -c "$cfg" >>"$dir/var/log/intake.log" 2>&1 & intake=$!
$B/balcao-router -c "$cfg" >>"$dir/var/log/router.log" 2>&1 & router=$!
settle
$B/balcao-bench -c "$cfg" -n 30000 -C 16 -W 128 --rate 10000
settle
$B/balcao-bench -c "$cfg" -n 60000 -C 16 -W 128
kill -TERM "$intake" "$router"
wait "$intake" "$router" || true
$B/balcaoctl -c "$cfg" up >/dev/null
echo "== memory with 100,000+ tickets stored (after kb and notify caught up) =="
n=$($B/balcao -c "$cfg" list 0 1 | tail -1 | awk '{print $3}')
[ "$n" -lt 100000 ] && $B/balcao-bench -c "$cfg" -n $((100000 - n)) -C 16 -W 128 --no-wait >/dev/null
for i in $(seq 1 120); do
  st=$($B/balcaoctl -c "$cfg" status || true)
  echo "$st" | awk '$1=="notify" {exit !($7 >= 2*'"$((n > 100000 ? n : 100000))"')}' && break
  sleep 1
done
$B/balcaoctl -c "$cfg" status || true
du -sh "$dir"/var/* | sed 's|'"$dir"'/||'
