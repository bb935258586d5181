#!/bin/bash
# TCP round-trip latency: 1-byte ping-pong (TCP_NODELAY), stack <-> stack over net_memif
# against kernel <-> kernel over a veth pair, measured in the same run; p50 and p99 of every
# round trip (api-rr keeps all samples).
#
#   stack-memif  api-rr client on the Socket API (its stack: one lcore, memif client, config
#                file) -> `multios-net serve --echo 7007` (memif server, one lcore, CPU 1)
#   kernel-veth  api-rr client --kernel (CPU 0) -> api-rr serve (kernel echo, CPU 1) across
#                a veth pair between two private namespaces
#
# The stack client is an application: its thread talks to its lcore through the Socket API,
# so a round trip includes that hand-off on each side of the wire (what an application sees).
# Namespaces latency-*-$$ are private and deleted by a trap; every step has a timeout.
#
# Usage: bench/latency.sh [--smoke] [--count N] [path/to/api-rr]
#   --smoke   500 round trips: checks the harness, not the figures
#   --count   round trips per side (default 20000)
# Needs root, taskset, 2 CPUs; multios-net from $BENCH_BUILD_DIR / $MULTIOS_NET or next to
# api-rr's build. Exit: 0 ok, 1 a run failed, 77 cannot run here.
set -euo pipefail

COUNT=20000
ARG=""
while (($#)); do
    case $1 in
    --smoke | --quick) COUNT=500 ;;
    --count) COUNT=${2:?--count needs a value} && shift ;;
    -h | --help) sed -n '2,20p' "$0" && exit 0 ;;
    *) ARG=$1 ;;
    esac
    shift
done

BENCH_NAME=latency
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

RR=$(bench_binary bench/api-rr "$ARG") || skip "api-rr not found (pass it or set BENCH_BUILD_DIR)"
NET=$(bench_binary apps/multios-net/multios-net "${MULTIOS_NET:-}" \
    "$(dirname "$RR")/../apps/multios-net/multios-net") || skip "multios-net not found"
[[ $(id -u) == 0 ]] || skip "needs root (network namespaces)"
for t in ip taskset timeout; do
    command -v "$t" > /dev/null || skip "needs $t"
done
(($(nproc) >= 2)) || skip "needs 2 CPUs (one per side)"

NS_S=latency-s-$$
NS_A=latency-a-$$
NS_B=latency-b-$$
WORK=$(mktemp -d /tmp/latency.XXXXXX)
PIDS=()
cleanup() {
    local rc=$? p
    trap - EXIT INT TERM
    set +e
    for p in "${PIDS[@]}"; do kill -INT "$p" 2> /dev/null; done
    sleep 0.3
    for p in "${PIDS[@]}"; do
        kill -KILL "$p" 2> /dev/null
        wait "$p" 2> /dev/null
    done
    ip netns del "$NS_S" 2> /dev/null
    ip netns del "$NS_A" 2> /dev/null
    ip netns del "$NS_B" 2> /dev/null
    if [[ $rc != 0 ]]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'log interrupted; exit 1' INT TERM

# "rr: requests=N seconds=T rate=R/s p50_us=A p99_us=B" -> field value.
value() { sed -n "s/^rr: .*$2=\([0-9.]*\).*/\1/p" "$1" | head -n 1; }

# ---- stack <-> stack over net_memif ---------------------------------------------------------
ip netns add "$NS_S"
ip -n "$NS_S" link set lo up
SOCK=$WORK/memif.sock
ip netns exec "$NS_S" timeout -k 2 120 "$NET" --vdev "net_memif0,role=server,socket=$SOCK" \
    --ip 10.80.0.2/24 serve --echo 7007 < /dev/null > "$WORK/serve.out" 2> "$WORK/serve.err" &
SRV=$!
PIDS+=("$SRV")
wait_for_line "$WORK/serve.out" '^multios-net: serving' "$SRV" 20
pin_tree "$SRV" 1
cat > "$WORK/client.toml" << TOML
[[interface]]
name = "memif0"
device = "net_memif0,role=client,socket=$SOCK"
addresses = ["10.80.0.1/24"]
TOML
log "stack-memif: $COUNT round trips of 1 byte, load $(loadavg)"
ip netns exec "$NS_S" env MULTIOS_NET_CONFIG="$WORK/client.toml" timeout -k 2 90 "$RR" \
    client 10.80.0.2:7007 --count "$COUNT" --size 1 > "$WORK/stack.out" 2> "$WORK/stack.err" ||
    { cat "$WORK/stack.err" >&2; fail "api-rr over memif did not complete"; }
kill -INT "$SRV" 2> /dev/null || true
wait "$SRV" 2> /dev/null || log "note: memif server exited $? after the run"
sed 's/^/stack-memif /' "$WORK/stack.out"

# ---- kernel <-> kernel over veth ----------------------------------------------------------
veth_namespaces "$NS_A" "$NS_B"
ip netns exec "$NS_A" taskset -c 1 timeout -k 2 120 "$RR" serve --port 7007 \
    < /dev/null > "$WORK/kserve.out" 2>&1 &
PIDS+=($!)
wait_for_line "$WORK/kserve.out" 'serving on port' "$!" 10
log "kernel-veth: $COUNT round trips of 1 byte, load $(loadavg)"
ip netns exec "$NS_B" taskset -c 0 timeout -k 2 90 "$RR" client 10.98.0.1:7007 \
    --count "$COUNT" --size 1 --kernel > "$WORK/kernel.out" 2> "$WORK/kernel.err" ||
    { cat "$WORK/kernel.err" >&2; fail "api-rr over veth did not complete"; }
sed 's/^/kernel-veth /' "$WORK/kernel.out"

S50=$(value "$WORK/stack.out" p50_us)
S99=$(value "$WORK/stack.out" p99_us)
K50=$(value "$WORK/kernel.out" p50_us)
K99=$(value "$WORK/kernel.out" p99_us)
[[ -n $S50 && -n $K50 ]] || fail "no rr: line from api-rr"
echo "ratio p50 stack/kernel: $(ratio "$S50" "$K50")"
echo "ratio p99 stack/kernel: $(ratio "$S99" "$K99")"
NOTE="api-rr, $COUNT round trips of 1 byte, TCP_NODELAY; stack: Socket API client + serve --echo over net_memif; load $(loadavg)"
result latency "TCP RTT p50, 1-byte ping-pong" "$S50" "$K50" µs lower \
    "kernel <-> kernel over veth" 0.5 "$NOTE"
result latency "TCP RTT p99, 1-byte ping-pong" "$S99" "$K99" µs lower \
    "kernel <-> kernel over veth" - "$NOTE"
log "done"
