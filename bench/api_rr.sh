#!/bin/bash
# The socket API against kernel sockets, measured in the same run and printed as ratios:
#
#   api-tap      api-rr client on the stack (Socket API, one lcore) over a TAP to a kernel
#                echo server (api-rr serve) in the same private namespace
#   kernel-veth  the same client on kernel sockets (--kernel) over a veth pair to the same
#                echo server in a second namespace
#
# Both do round trips of 64 bytes (latency, requests/s) and a bulk echo (MB/s). The server
# runs on CPU 1, the clients on CPU 0 (the stack's lcore is pinned there by EAL). Every
# namespace is private and deleted by a trap.
#
# Usage: bench/api_rr.sh [--quick|--smoke] [path/to/api-rr]
#   --quick, --smoke  1000 round trips and 8 MB: checks the harness, not the figures
# api-rr defaults to $BENCH_BUILD_DIR/bench/api-rr, then the first build*/bench/api-rr.
# Needs root, iproute2, taskset. Exit: 0 ok, 1 a run failed, 77 cannot run here.
set -euo pipefail

COUNT=20000
MB=200
EXE=""
while (($#)); do
    case $1 in
    --quick | --smoke) COUNT=1000 MB=8 ;;
    -h | --help) sed -n '2,17p' "$0" && exit 0 ;;
    *) EXE=$1 ;;
    esac
    shift
done

BENCH_NAME=api_rr
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

[[ -n $EXE && -x $EXE ]] || EXE=${BENCH_BUILD_DIR:+$BENCH_BUILD_DIR/bench/api-rr}
[[ -n $EXE && -x $EXE ]] || EXE=$(ls build*/bench/api-rr 2> /dev/null | head -n 1)
[[ -n $EXE && -x $EXE ]] || skip "api-rr not found (pass its path)"
EXE=$(realpath "$EXE")
[[ $(id -u) == 0 ]] || skip "needs root (network namespaces)"
command -v taskset > /dev/null || skip "needs taskset"
REPO=$(cd "$(dirname "$0")/.." && pwd)

NS_TAP="mnt-apirr-tap-$$"
NS_A="mnt-apirr-a-$$"
NS_B="mnt-apirr-b-$$"
WORK=$(mktemp -d /tmp/api_rr.XXXXXX)
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
    wait 2> /dev/null || true
    ip netns del "$NS_TAP" 2> /dev/null || true
    ip netns del "$NS_A" 2> /dev/null || true
    ip netns del "$NS_B" 2> /dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

CPUS=$(nproc)
SERVER_CPU=$((CPUS > 1 ? 1 : 0))

# The stack's side: a TAP whose kernel end (10.99.0.1) runs the echo server.
ip netns add "$NS_TAP"
ip -n "$NS_TAP" link set lo up
ip netns exec "$NS_TAP" sysctl -qw net.ipv6.conf.all.keep_addr_on_down=1
ip -n "$NS_TAP" tuntap add mode tap name mnet0 multi_queue
ip -n "$NS_TAP" link set mnet0 address 02:00:00:00:00:01
ip -n "$NS_TAP" addr add 10.99.0.1/24 dev mnet0
ip -n "$NS_TAP" link set mnet0 up
cat > "$WORK/net.toml" << 'TOML'
[[interface]]
name = "mnet0"
device = "net_tap0,iface=mnet0"
addresses = ["10.99.0.2/24"]
mac = "02:00:00:00:00:02"
TOML

# The kernel baseline: a veth pair between two namespaces.
veth_namespaces "$NS_A" "$NS_B"

ip netns exec "$NS_TAP" taskset -c "$SERVER_CPU" "$EXE" serve --port 7007 > "$WORK/serve-tap.out" 2>&1 &
PIDS+=($!)
ip netns exec "$NS_A" taskset -c "$SERVER_CPU" "$EXE" serve --port 7007 > "$WORK/serve-veth.out" 2>&1 &
PIDS+=($!)
sleep 0.5

run() { # LABEL NS ARGS...
    local label=$1 ns=$2
    shift 2
    log "$label"
    timeout 120 ip netns exec "$ns" "$@" > "$WORK/$label.out" 2> "$WORK/$label.err" ||
        { cat "$WORK/$label.err" >&2; fail "$label did not complete"; }
    sed "s/^/$label /" "$WORK/$label.out"
}
run kernel-veth "$NS_B" taskset -c 0 "$EXE" client 10.98.0.1:7007 --count "$COUNT" --bulk "$MB" --kernel
run api-tap "$NS_TAP" env MULTIOS_NET_CONFIG="$WORK/net.toml" "$EXE" client 10.99.0.1:7007 \
    --count "$COUNT" --bulk "$MB"

value() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" "$WORK/$1.out" | head -n 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "ratio rr_rate api-tap/kernel-veth = $(ratio "$(value api-tap rate)" "$(value kernel-veth rate)")"
echo "ratio p50_latency api-tap/kernel-veth = $(ratio "$(value api-tap p50_us)" "$(value kernel-veth p50_us)")"
echo "ratio bulk api-tap/kernel-veth = $(ratio "$(value api-tap mbytes_per_s)" "$(value kernel-veth mbytes_per_s)")"
NOTE="$COUNT round trips of 64 B, ${MB} MB bulk echo; stack: Socket API over a TAP, kernel: veth"
result socket-api "round trips/s, 64 B, TCP_NODELAY" "$(value api-tap rate)" \
    "$(value kernel-veth rate)" "round trips/s" higher "kernel sockets over veth" - "$NOTE"
result socket-api "round trip p50 latency" "$(value api-tap p50_us)" "$(value kernel-veth p50_us)" \
    µs lower "kernel sockets over veth" - "$NOTE"
result socket-api "round trip p99 latency" "$(value api-tap p99_us)" "$(value kernel-veth p99_us)" \
    µs lower "kernel sockets over veth" - "$NOTE"
result socket-api "bulk echo" "$(value api-tap mbytes_per_s)" "$(value kernel-veth mbytes_per_s)" \
    MB/s higher "kernel sockets over veth" - "$NOTE"
