#!/bin/bash
# What a call through multios-netd costs, next to the same call on kernel sockets, measured in
# the same run and printed as ratios (issue 6):
#
#   ring       BM_RingRoundTrip: one request/completion exchange over a client segment, no
#              daemon (a thread in netd-client-bench plays it): the floor of every call; run
#              twice, free to use every CPU and with both threads on one CPU ("[1 CPU]")
#   daemon     netd-client-bench in the daemon's namespace with MULTIOS_NETD: getsockopt (a
#              request that touches no network), 64-byte UDP sends to a kernel discard port
#              (socat) and 1-byte TCP ping-pong with a kernel echo server (api-rr serve), all
#              on the kernel side of the TAP (10.99.0.1)
#   kernel     the same three on kernel sockets over a veth pair between two namespaces
#
# multios-netd runs in a private namespace on the TAP mnet0 of config/test-net.toml (stack
# 10.99.0.2, kernel 10.99.0.1). A trap stops every process and deletes the namespaces.
#
# Usage: bench/netd_bench.sh [--quick|--smoke] [BUILD_DIR]
#   --quick, --smoke  a few ms per benchmark, one repetition: checks the harness, not figures
#   BUILD_DIR  has apps/multios-netd/multios-netd, bench/netd-client-bench and bench/api-rr
#              (default $BENCH_BUILD_DIR, then ./build); $MULTIOS_NETD_EXE overrides the
#              daemon's path.
# Needs root, iproute2, socat, taskset, python3. Exit: 0 ok, 1 a run failed, 77 cannot run here.
set -euo pipefail

QUICK=0
BUILD=""
while (($#)); do
    case $1 in
    --quick | --smoke) QUICK=1 ;;
    -h | --help) sed -n '2,23p' "$0" && exit 0 ;;
    *) BUILD=$1 ;;
    esac
    shift
done

BENCH_NAME=netd_bench
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-${BENCH_BUILD_DIR:-build}}
NETD_EXE=${MULTIOS_NETD_EXE:-$BUILD/apps/multios-netd/multios-netd}
BENCH=$BUILD/bench/netd-client-bench
API_RR=$BUILD/bench/api-rr
for f in "$NETD_EXE" "$BENCH" "$API_RR"; do
    [[ -x $f ]] || skip "not built: $f"
done
NETD_EXE=$(realpath "$NETD_EXE") BENCH=$(realpath "$BENCH") API_RR=$(realpath "$API_RR")
[[ $(id -u) == 0 ]] || skip "needs root (network namespaces, TAP)"
for t in ip socat timeout taskset; do
    command -v "$t" > /dev/null || skip "needs $t"
done
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3) || skip "needs python3"

NS_TAP=mnt-nbench-tap-$$
NS_A=mnt-nbench-a-$$
NS_B=mnt-nbench-b-$$
WORK=$(mktemp -d /tmp/netd_bench.XXXXXX)
DAEMON_PID=""
PIDS=()
cleanup() {
    local rc=$? p i
    trap - EXIT INT TERM
    set +e
    if [[ -n $DAEMON_PID ]]; then
        kill -TERM "$DAEMON_PID" 2> /dev/null
        for ((i = 0; i < 100; i++)); do
            kill -0 "$DAEMON_PID" 2> /dev/null || break
            sleep 0.1
        done
        kill -KILL "$DAEMON_PID" 2> /dev/null
    fi
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2> /dev/null; done
    wait 2> /dev/null
    if [[ $rc != 0 && $rc != 77 && -e $WORK/netd.out ]]; then
        echo "----- multios-netd output (last lines) -----" >&2
        tail -n 30 "$WORK/netd.out" >&2
    fi
    ip netns del "$NS_TAP" 2> /dev/null
    ip netns del "$NS_A" 2> /dev/null
    ip netns del "$NS_B" 2> /dev/null
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- the daemon's side: TAP mnet0, kernel 10.99.0.1 <-> stack 10.99.0.2 ------------------------
tap_namespace "$NS_TAP"

# ---- the kernel baseline: nsA 10.98.0.1 <-veth-> nsB 10.98.0.2 ---------------------------------
veth_namespaces "$NS_A" "$NS_B"

# ---- peers: an echo server (api-rr serve, TCP_NODELAY) and a UDP discard port in each ----------
start_peers() { # NS
    ip netns exec "$1" "$API_RR" serve --port 7007 > "$WORK/echo-$1.out" 2>&1 &
    PIDS+=($!)
    ip netns exec "$1" socat -u UDP4-RECV:9 OPEN:/dev/null > "$WORK/discard-$1.out" 2>&1 &
    PIDS+=($!)
}
start_peers "$NS_TAP"
start_peers "$NS_A"
for ns in "$NS_TAP" "$NS_A"; do
    deadline=$((SECONDS + 10))
    until ip netns exec "$ns" ss -tlnH 'sport = :7007' | grep -q .; do
        ((SECONDS < deadline)) || fail "no echo server in $ns"
        sleep 0.2
    done
done

if ((QUICK)); then
    BENCH_ARGS=(--benchmark_min_time=0.02)
else
    BENCH_ARGS=(--benchmark_min_time=1 --benchmark_repetitions=3
        --benchmark_report_aggregates_only=true)
fi
run_bench() { # LABEL NS FILTER ENV...
    local label=$1 ns=$2 filter=$3
    shift 3
    log "$label: netd-client-bench --benchmark_filter='$filter'"
    timeout 120 ip netns exec "$ns" env "$@" "$BENCH" --benchmark_filter="$filter" \
        "${BENCH_ARGS[@]}" --benchmark_out="$WORK/$label.json" --benchmark_out_format=json \
        > "$WORK/$label.out" 2> "$WORK/$label.err" ||
        { cat "$WORK/$label.out" "$WORK/$label.err" >&2; fail "$label: netd-client-bench failed"; }
    grep '^BM_' "$WORK/$label.out" | sed "s/^/  /" >&2 || true
}
# The ring and the kernel first: the daemon busy-polls a CPU while it runs.
# The ring twice: free to use every CPU, and both threads on one CPU (as the client and the
# daemon's serving thread often are here, next to the daemon's busy-polling lcore).
run_bench ring "$NS_B" 'Ring'
run_bench ring-1cpu "$NS_B" 'Ring' taskset -c 0
run_bench kernel "$NS_B" 'Kernel' NETD_BENCH_KERNEL=1 \
    NETD_BENCH_UDP_SINK=10.98.0.1:9 NETD_BENCH_TCP_ECHO=10.98.0.1:7007
log "starting multios-netd"
SOCK=$WORK/netd.sock
ip netns exec "$NS_TAP" "$NETD_EXE" --socket "$SOCK" --config "$REPO/config/test-net.toml" \
    > "$WORK/netd.out" 2>&1 &
DAEMON_PID=$!
deadline=$((SECONDS + 30))
until grep -Fq "multios-netd: ready on $SOCK" "$WORK/netd.out" 2> /dev/null; do
    kill -0 "$DAEMON_PID" 2> /dev/null || fail "multios-netd exited before it was ready"
    ((SECONDS < deadline)) || fail "multios-netd printed no ready line within 30s"
    sleep 0.2
done
deadline=$((SECONDS + 20))
until ip netns exec "$NS_TAP" ping -c 1 -W 1 10.99.0.2 > /dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "the stack (10.99.0.2) does not answer ping"
    sleep 0.2
done
log "multios-netd ready (pid $DAEMON_PID)"
run_bench daemon "$NS_TAP" 'Daemon' MULTIOS_NETD="$SOCK" \
    NETD_BENCH_UDP_SINK=10.99.0.1:9 NETD_BENCH_TCP_ECHO=10.99.0.1:7007
kill -0 "$DAEMON_PID" 2> /dev/null || fail "multios-netd died during the benchmarks"

# ---- the table: ns per operation (real time; median of the repetitions), ops/s, ratios ---------
"$PY" - "$WORK/results.tsv" "$QUICK" "$WORK/ring.json" "$WORK/ring-1cpu.json:[1 CPU]" \
    "$WORK/kernel.json" "$WORK/daemon.json" << 'PY'
import json, sys

rows = {}
errors = []
for arg in sys.argv[3:]:
    path, _, suffix = arg.partition(":")
    for b in json.load(open(path))["benchmarks"]:
        name = b.get("run_name", b["name"]).removesuffix("/real_time")
        name = f"{name} {suffix}" if suffix else name
        if b.get("error_occurred"):
            errors.append(f"{name}: {b.get('error_message')}")
            continue
        agg = b.get("aggregate_name")
        if agg not in (None, "median"):
            continue
        ns = b["real_time"] * {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]
        rows[name] = ns
if errors:
    print("\n".join("error: " + e for e in errors), file=sys.stderr)
    sys.exit(1)

print(f"{'benchmark':40} {'ns/op':>10} {'ops/s':>12}")
for name, ns in rows.items():
    print(f"{name:40} {ns:10.0f} {1e9 / ns:12.0f}")
for op in ("Getsockopt", "UdpSend64", "TcpPingPong"):
    d, k = rows.get("BM_Daemon" + op), rows.get("BM_Kernel" + op)
    if d and k:
        print(f"ratio {op} time daemon/kernel = {d / k:.2f}")

# Lines for bench/run's report (bench/lib.sh `result`): time per call, lower is better.
how = "netd-client-bench, " + ("smoke" if sys.argv[2] == "1" else "median of 3 x 1 s") + ", real time"
what = {
    "Getsockopt": "getsockopt(SO_RCVBUF) through multios-netd",
    "UdpSend64": "64-byte UDP sendto through multios-netd",
    "TcpPingPong": "1-byte TCP ping-pong through multios-netd",
}
with open(sys.argv[1], "w") as out:
    for name in ("BM_RingRoundTrip/spin_us:10", "BM_RingRoundTrip/spin_us:10 [1 CPU]"):
        if name in rows:
            out.write(f"netd\tring round trip, no daemon ({name.removeprefix('BM_RingRoundTrip/')})"
                      f"\t{rows[name]:.0f}\t-\tns/call\tlower\t-\t-\t{how}\n")
    for op, figure in what.items():
        d, k = rows.get("BM_Daemon" + op), rows.get("BM_Kernel" + op)
        if d and k:
            out.write(f"netd\t{figure}\t{d:.0f}\t{k:.0f}\tns/call\tlower"
                      f"\tkernel sockets over veth\t-\t{how}\n")
PY
while IFS=$'\t' read -r -a row; do
    result "${row[@]}"
done < "$WORK/results.tsv"
log "done"
