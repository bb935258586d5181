#!/bin/bash
# Bulk TCP throughput: two multios-net instances over net_memif against the kernel talking to
# itself over a veth pair, measured in the same run and printed as ratios.
#
#   stack-memif        `serve --http` -> `get` (HTTP/1.1, one connection), stack <-> stack
#   kernel-veth-http   python3 -m http.server -> curl, the same workload kernel <-> kernel
#   kernel-veth-iperf3 iperf3, one stream, kernel <-> kernel (veth offloads on: TSO/GRO)
#   kernel-veth-iperf3-nooffload  the same with TSO/GSO/GRO off, i.e. 1500-byte segments
#                      end to end, as the stack sends them
#
# Each side gets its own CPU (the server CPU 1, the client CPU 0) so that the two busy-polling
# stack processes do not share one core: multios-net pins its lcore to CPU 0 (EAL -l0), so
# the server is moved to CPU 1 once it is up; the kernel tools are pinned the same way.
# The kernel runs live in two private network namespaces joined by a veth pair; the stack
# processes run in the first one too (memif needs no network, only a socket in the work dir).
# A trap stops everything and deletes the namespaces; every step has a timeout.
#
# Every measurement runs at MTU 1500 and at MTU 9000 (both stacks' memif ports and the veth
# pair), or only at the MTU given with --mtu. bench/run's result lines (section tcp-bulk) are
# the median over the runs of each figure, against iperf3 with offloads (target 1.5x).
#
# Usage: bench/tcp_bulk.sh [--quick|--smoke] [--size MB] [--runs N] [--mtu 1500|9000]
#                          [path/to/multios-net]
#   --quick, --smoke  20 MB and 1-second iperf3 runs: checks the harness, not the figures
#   --size    file size in MB (default 500)
#   --runs    repeat every measurement N times (default 1); each run prints its own lines
#   --mtu     only this MTU (default: 1500, then 9000)
# Needs root, iproute2, taskset, curl, python3; iperf3 for the iperf3 lines (skipped without
# it), ethtool for the no-offload line. Exit: 0 ok, 1 a transfer failed, 77 cannot run here.
set -euo pipefail

SIZE_MB=500
RUNS=1
IPERF_SECS=5
MTUS=(1500 9000)
EXE=""
while (($#)); do
    case $1 in
    --quick | --smoke) SIZE_MB=20 IPERF_SECS=1 ;;
    --size) SIZE_MB=${2:?--size needs a value} && shift ;;
    --runs) RUNS=${2:?--runs needs a value} && shift ;;
    --mtu)
        MTUS=("${2:?--mtu needs a value}") && shift
        [[ ${MTUS[0]} == 1500 || ${MTUS[0]} == 9000 ]] || { echo "--mtu: 1500 or 9000" >&2 && exit 2; }
        ;;
    -h | --help) sed -n '2,31p' "$0" && exit 0 ;;
    *) EXE=$1 ;;
    esac
    shift
done

BENCH_NAME=tcp_bulk
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

EXE=$(bench_binary apps/multios-net/multios-net "$EXE" "${MULTIOS_NET:-}") ||
    skip "multios-net binary not found (pass it or set MULTIOS_NET)"
[[ $(id -u) == 0 ]] || skip "needs root (network namespaces)"
for t in ip taskset timeout curl python3; do
    command -v "$t" > /dev/null || skip "needs $t"
done
PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3
(($(nproc) >= 2)) || skip "needs 2 CPUs (one per side)"

# ---- private network: nsA 10.77.0.1 <-veth-> nsB 10.77.0.2 -------------------------------------
NS_A=tbulk-a-$$
NS_B=tbulk-b-$$
WORK=$(mktemp -d /tmp/tcp-bulk.XXXXXX)
PIDS=()

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    local p
    for p in "${PIDS[@]}"; do
        kill -INT "$p" 2> /dev/null
    done
    sleep 0.3
    for p in "${PIDS[@]}"; do
        kill -KILL "$p" 2> /dev/null
        wait "$p" 2> /dev/null
    done
    ip netns del "$NS_A" 2> /dev/null
    ip netns del "$NS_B" 2> /dev/null
    if [[ $rc != 0 || ${KEEP:-0} == 1 ]]; then
        log "work dir kept: $WORK"
        find "$WORK" -name '*.sock' -delete 2> /dev/null
        find "$WORK/root" -type f -delete 2> /dev/null
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'log interrupted; exit 1' INT TERM

in_a() { timeout -k 2 30 ip netns exec "$NS_A" "$@"; }
in_b() { timeout -k 2 30 ip netns exec "$NS_B" "$@"; }

ip netns add "$NS_A"
ip netns add "$NS_B"
in_a ip link set lo up
in_b ip link set lo up
in_a ip link add veth-a type veth peer name veth-b netns "$NS_B"
in_a ip addr add 10.77.0.1/24 dev veth-a
in_b ip addr add 10.77.0.2/24 dev veth-b
in_a ip link set veth-a up
in_b ip link set veth-b up
# One ping so that neighbour resolution is not part of the first measurement.
in_a ping -c 1 -W 2 10.77.0.2 > /dev/null || fail "veth pair does not answer"

mkdir -p "$WORK/root"
FILE=$WORK/root/bulk.bin
SIZE=$((SIZE_MB * 1000 * 1000))
# Sparse: nobody's disk is measured; both servers read it from the page cache.
truncate -s "$SIZE" "$FILE"

# mbs BYTES SECONDS -> MB/s (10^6 bytes), two decimals.
mbs() { awk -v b="$1" -v s="$2" 'BEGIN { if (s <= 0) print "0"; else printf "%.2f", b / s / 1e6 }'; }
# median V...: the middle value (the lower middle of an even count); empty without values.
median() { printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

# ---- stack <-> stack over net_memif --------------------------------------------------------
# The memif server side serves (it must exist before the client connects); `get` is the memif
# client and measures from its connect to the last body byte.
run_stack() {
    local run=$1 sock=$WORK/memif-$1.sock out=$WORK/serve-$1.out err=$WORK/serve-$1.err
    : > "$out"
    ip netns exec "$NS_A" timeout -k 2 $((60 + SIZE_MB / 5)) "$EXE" \
        --vdev "net_memif0,role=server,socket=$sock" --mtu "$MTU" \
        --ip 10.78.0.2/24 serve --http 8080 --root "$WORK/root" \
        < /dev/null > "$out" 2> "$err" &
    local srv=$!
    PIDS+=("$srv")
    local deadline=$((SECONDS + 20))
    until grep -q '^multios-net: serving' "$out"; do
        kill -0 "$srv" 2> /dev/null || { cat "$err" >&2; fail "memif server exited"; }
        ((SECONDS < deadline)) || fail "memif server did not start"
        sleep 0.1
    done
    pin_tree "$srv" 1
    local gerr=$WORK/get-$run.err rc=0
    ip netns exec "$NS_A" taskset -c 0 timeout -k 2 $((30 + SIZE_MB / 5)) "$EXE" \
        --vdev "net_memif0,role=client,socket=$sock" --mtu "$MTU" \
        --ip 10.78.0.1/24 get http://10.78.0.2:8080/bulk.bin \
        -o /dev/null < /dev/null 2> "$gerr" || rc=$?
    # The memif server can crash when its client goes away (DPDK-HERE.md 4); the transfer is
    # over by then, so only the client's result counts. Stop the server either way.
    kill -INT "$srv" 2> /dev/null || true
    wait "$srv" 2> /dev/null || log "note: memif server exited $? after the transfer"
    [[ $rc == 0 ]] || { cat "$gerr" >&2; fail "stack get exited $rc"; }
    # "N bytes in S s (X MB/s, ...)"
    local line
    line=$(grep -E '^[0-9]+ bytes in [0-9.]+ s' "$gerr") || { cat "$gerr" >&2; fail "no summary from get"; }
    local bytes secs
    bytes=$(awk '{ print $1 }' <<< "$line")
    secs=$(awk '{ print $4 }' <<< "$line")
    [[ $bytes == "$SIZE" ]] || fail "stack get received $bytes bytes, expected $SIZE"
    STACK_MBS=$(mbs "$bytes" "$secs")
    local ts
    ts=$(grep -m1 -E '(ESTABLISHED|TIME-WAIT|CLOSED|LAST-ACK|FIN-WAIT)' "$out" | sed 's/^ *//') || true
    [[ -n $ts ]] && log "server connection: $ts"
}

# ---- kernel <-> kernel over veth: the same HTTP workload ------------------------------------
run_kernel_http() {
    local run=$1
    ip netns exec "$NS_B" taskset -c 1 timeout -k 2 $((60 + SIZE_MB / 5)) "$PY" -m http.server \
        --bind 10.77.0.2 --directory "$WORK/root" 8000 < /dev/null > "$WORK/http-$run.log" 2>&1 &
    local srv=$!
    PIDS+=("$srv")
    local deadline=$((SECONDS + 15))
    until in_a curl -s -o /dev/null --max-time 1 http://10.77.0.2:8000/; do
        kill -0 "$srv" 2> /dev/null || fail "python http.server exited"
        ((SECONDS < deadline)) || fail "python http.server did not start"
        sleep 0.2
    done
    local res
    res=$(ip netns exec "$NS_A" taskset -c 0 curl -s -o /dev/null --max-time $((30 + SIZE_MB / 5)) \
        -w '%{http_code} %{size_download} %{time_total}' http://10.77.0.2:8000/bulk.bin) ||
        fail "curl failed: $res"
    kill "$srv" 2> /dev/null || true
    wait "$srv" 2> /dev/null || true
    read -r code bytes secs <<< "$res"
    [[ $code == 200 && $bytes == "$SIZE" ]] || fail "curl got HTTP $code, $bytes bytes"
    KHTTP_MBS=$(mbs "$bytes" "$secs")
}

# ---- kernel <-> kernel over veth: iperf3 ------------------------------------------------------
# run_iperf3 RUN [nooffload]: sets IPERF_RESULT to the MB/s received (empty without iperf3).
run_iperf3() {
    local run=$1 mode=${2:-}
    IPERF_RESULT=""
    command -v iperf3 > /dev/null || return 0
    if [[ $mode == nooffload ]]; then
        in_a ethtool -K veth-a tso off gso off gro off > /dev/null 2>&1 || return 0
        in_b ethtool -K veth-b tso off gso off gro off > /dev/null 2>&1 || return 0
    fi
    ip netns exec "$NS_B" taskset -c 1 timeout -k 2 $((IPERF_SECS + 20)) iperf3 -s -1 \
        -B 10.77.0.2 -p 5201 < /dev/null > "$WORK/iperf-s-$run$mode.log" 2>&1 &
    local srv=$!
    PIDS+=("$srv")
    sleep 0.5
    local json=$WORK/iperf-c-$run$mode.json
    ip netns exec "$NS_A" taskset -c 0 timeout -k 2 $((IPERF_SECS + 15)) iperf3 -c 10.77.0.2 \
        -p 5201 -t "$IPERF_SECS" -J < /dev/null > "$json" 2>&1 || { cat "$json" >&2; fail "iperf3 failed"; }
    wait "$srv" 2> /dev/null || true
    if [[ $mode == nooffload ]]; then
        in_a ethtool -K veth-a tso on gso on gro on > /dev/null 2>&1 || true
        in_b ethtool -K veth-b tso on gso on gro on > /dev/null 2>&1 || true
    fi
    IPERF_RESULT=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.2f" % (d["end"]["sum_received"]["bits_per_second"] / 8e6))' "$json")
}

# report_mtu: the result lines for bench/run, medians of this MTU's runs.
report_mtu() {
    local stack iperf nooff http note
    stack=$(median "${ALL_STACK[@]}")
    iperf=$(median "${ALL_IPERF[@]}")
    nooff=$(median "${ALL_NOOFF[@]}")
    http=$(median "${ALL_HTTP[@]}")
    note="median of $RUNS, ${SIZE_MB} MB over HTTP (serve --http -> get), server CPU 1, client CPU 0, load $(loadavg)"
    result tcp-bulk "TCP bulk, 1 lcore each, MTU $MTU" "$stack" "${iperf:--}" MB/s higher \
        "kernel veth iperf3 (TSO/GRO on)" 1.5 "$note"
    [[ -n $nooff ]] && result tcp-bulk "TCP bulk vs kernel without offloads, MTU $MTU" "$stack" \
        "$nooff" MB/s higher "kernel veth iperf3, TSO/GSO/GRO off" - "$note"
    result tcp-bulk "TCP bulk vs the same HTTP workload on the kernel, MTU $MTU" "$stack" "$http" \
        MB/s higher "kernel veth python http.server -> curl" - "$note"
}

log "binary $EXE, file ${SIZE_MB} MB, iperf3 ${IPERF_SECS} s, $RUNS run(s), MTU ${MTUS[*]}, load: $(loadavg)"
# measure_mtu: every figure RUNS times at MTU $MTU (veth too), printed per run, then reported.
measure_mtu() {
    in_a ip link set veth-a mtu "$MTU"
    in_b ip link set veth-b mtu "$MTU"
    ALL_STACK=() ALL_IPERF=() ALL_NOOFF=() ALL_HTTP=()
    local run id
    for ((run = 1; run <= RUNS; run++)); do
        id=$MTU-$run
        run_stack "$id"
        run_kernel_http "$id"
        run_iperf3 "$id"
        IPERF_MBS=$IPERF_RESULT
        IPERF_NO_MBS=""
        if command -v ethtool > /dev/null; then
            run_iperf3 "$id" nooffload
            IPERF_NO_MBS=$IPERF_RESULT
        fi
        ALL_STACK+=("$STACK_MBS") ALL_HTTP+=("$KHTTP_MBS") ALL_IPERF+=("$IPERF_MBS")
        ALL_NOOFF+=("$IPERF_NO_MBS")
        echo "MTU $MTU, run $run:"
        echo "stack-memif: $STACK_MBS MB/s"
        echo "kernel-veth-http: $KHTTP_MBS MB/s"
        echo "ratio stack/kernel-http: $(ratio "$STACK_MBS" "$KHTTP_MBS")"
        if [[ -n $IPERF_MBS ]]; then
            echo "kernel-veth-iperf3: $IPERF_MBS MB/s"
            echo "ratio stack/kernel-iperf3: $(ratio "$STACK_MBS" "$IPERF_MBS")"
        else
            echo "kernel-veth-iperf3: skipped (iperf3 is not installed)"
        fi
        if [[ -n $IPERF_NO_MBS ]]; then
            echo "kernel-veth-iperf3-nooffload: $IPERF_NO_MBS MB/s"
            echo "ratio stack/kernel-iperf3-nooffload: $(ratio "$STACK_MBS" "$IPERF_NO_MBS")"
        fi
    done
    report_mtu
}
for MTU in "${MTUS[@]}"; do
    measure_mtu
done
log "done"
