#!/usr/bin/env bash
# Balcão's five-host layout (deploy/five-hosts/) on one machine: each
# service on a "host" of its own, a network namespace bc-<service> with one
# veth into a bridge (bcbr0, 10.77.0.1/24 in the root namespace, which the
# operator's tools and the tests use):
#
#   intake 10.77.0.11   router 10.77.0.12   kb 10.77.0.13
#   notify 10.77.0.14   gateway 10.77.0.15
#
#   tools/five-hosts.sh net-up              namespaces, veths, bridge
#   tools/five-hosts.sh net-down            all of it removed (and its processes)
#   tools/five-hosts.sh keys BUILD DIR      balcaoctl keys into DIR/all, then
#                                           DIR/<host>: that host's secret key,
#                                           everyone's public keys
#   tools/five-hosts.sh start HOST BUILD CONFIG LOG
#                                           balcao-HOST -c CONFIG in its namespace
#   tools/five-hosts.sh kill HOST           SIGKILL every process of the host
#   tools/five-hosts.sh cut HOST            the host's link down (a partition)
#   tools/five-hosts.sh heal HOST           and up again
#
# Needs root and iproute2 (the kernel here has no netem: a partition is a
# link down). A test that calls net-up calls net-down in a trap.
set -euo pipefail

HOSTS=(intake router kb notify gateway)
declare -A OCTET=([intake]=11 [router]=12 [kb]=13 [notify]=14 [gateway]=15)
BR=bcbr0

host_ok () {
    [[ -n "${OCTET[$1]:-}" ]] || { echo "five-hosts: unknown host '$1' (${HOSTS[*]})" >&2; exit 2; }
}

net_up () {
    ip link add "$BR" type bridge
    ip addr add 10.77.0.1/24 dev "$BR"
    ip link set "$BR" up
    for h in "${HOSTS[@]}"; do
        ip netns add "bc-$h"
        ip link add "bc-$h-h" type veth peer name "bc-$h-n"
        ip link set "bc-$h-n" netns "bc-$h"
        ip link set "bc-$h-h" master "$BR"
        ip link set "bc-$h-h" up
        ip -n "bc-$h" addr add "10.77.0.${OCTET[$h]}/24" dev "bc-$h-n"
        ip -n "bc-$h" link set "bc-$h-n" up
        ip -n "bc-$h" link set lo up
    done
}

net_down () {
    for h in "${HOSTS[@]}"; do
        if ip netns list | grep -qw "bc-$h"; then
            for pid in $(ip netns pids "bc-$h" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
            ip netns del "bc-$h" 2>/dev/null || true
        fi
        ip link del "bc-$h-h" 2>/dev/null || true
    done
    ip link del "$BR" 2>/dev/null || true
}

keys () {
    local build=$1 dir=$2
    mkdir -p "$dir/all"
    printf 'balcao\n    curve_dir = "%s"\n' "$dir/all" > "$dir/keys.cfg"
    "$build/balcaoctl" -c "$dir/keys.cfg" keys > /dev/null
    for h in "${HOSTS[@]}"; do
        rm -rf "$dir/$h"
        mkdir -p "$dir/$h/clients"
        cp "$dir/all/"*.cert "$dir/$h/"
        cp "$dir/all/clients/"*.cert "$dir/$h/clients/"
        cp "$dir/all/$h.cert_secret" "$dir/$h/"
        chmod 600 "$dir/$h/$h.cert_secret"
    done
}

case "${1:-}" in
    net-up) net_down; net_up ;;
    net-down) net_down ;;
    keys) keys "$2" "$3" ;;
    start)
        host_ok "$2"
        ip netns exec "bc-$2" "$3/balcao-$2" -c "$4" >> "$5" 2>&1 < /dev/null &
        echo $! ;;
    kill)
        host_ok "$2"
        for pid in $(ip netns pids "bc-$2"); do kill -9 "$pid" 2>/dev/null || true; done ;;
    cut) host_ok "$2"; ip link set "bc-$2-h" down ;;
    heal) host_ok "$2"; ip link set "bc-$2-h" up ;;
    *) sed -n '2,24p' "$0" >&2; exit 2 ;;
esac
