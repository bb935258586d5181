#!/bin/bash
# Packet rate: dpdk-testpmd generates UDP into the stack over net_memif (one lcore), against
# testpmd itself on the receiving end of the same memif (the PMD's own ceiling), same run.
#
#   sink   testpmd txonly (memif client, CPU 0) -> `multios-net serve --udp-sink 9` (memif
#          server, CPU 1); baseline: testpmd rxonly as the server. Figure: the stack's
#          received datagrams per second over a fixed window, read from two SIGUSR1 reports
#          (so start-up, the memif connect and the shutdown are outside the window).
#   echo   testpmd flowgen (it sends and also receives, txonly never polls rx) ->
#          `serve --udp-echo 1001`; baseline: testpmd io reflecting on the same port.
#          Figure: what testpmd receives back per second (testpmd's Rx-pps, the samples after
#          the first), and the stack's received rate in the note.
#
# Frames: 64 and 1500 bytes (testpmd --txpkts; flowgen's frames are 4 bytes shorter, it
# leaves room for the CRC). Addresses live only inside the memif (no kernel interface): sink
# 10.79.0.1 -> 10.79.0.2, echo flowgen's fixed 10.254.0.0 -> 10.253.0.0 (ports 1000 -> 1001,
# MACs 00:01:02:03:04:00 -> :01). testpmd answers no ARP, so before an echo run a short
# `multios-net ping` from flowgen's address and MAC (memif client, then gone) leaves the
# stack a neighbour entry for it; it stays usable for ~8 s of use (RFC 4861 DELAY + PROBE),
# enough for the window.
# Everything runs in a private namespace (pktrate-$$) that a trap deletes.
#
# Usage: bench/packet_rate.sh [--smoke] [--window S] [path/to/multios-net]
#   --smoke   64-byte frames only, 1-second windows: checks the harness, not the figures
#   --window  seconds per measurement window (default 3)
# Needs root, dpdk-testpmd, taskset, 2 CPUs. Exit: 0 ok, 1 a run failed, 77 cannot run here.
set -euo pipefail

WINDOW=3
SIZES=(64 1500)
ARG=""
while (($#)); do
    case $1 in
    --smoke | --quick) WINDOW=1 SIZES=(64) ;;
    --window) WINDOW=${2:?--window needs a value} && shift ;;
    -h | --help) sed -n '2,27p' "$0" && exit 0 ;;
    *) ARG=$1 ;;
    esac
    shift
done

BENCH_NAME=packet_rate
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

EXE=$(bench_binary apps/multios-net/multios-net "$ARG" "${MULTIOS_NET:-}") ||
    skip "multios-net binary not found (pass it or set BENCH_BUILD_DIR)"
[[ $(id -u) == 0 ]] || skip "needs root (network namespace)"
for t in ip taskset timeout dpdk-testpmd; do
    command -v "$t" > /dev/null || skip "needs $t"
done
(($(nproc) >= 2)) || skip "needs 2 CPUs (generator and receiver)"

NS=pktrate-$$
WORK=$(mktemp -d /tmp/packet-rate.XXXXXX)
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
    ip netns del "$NS" 2> /dev/null
    if [[ $rc != 0 ]]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'log interrupted; exit 1' INT TERM
ip netns add "$NS"
ip -n "$NS" link set lo up

TESTPMD_EAL=(--no-pci --no-huge -m 512 --no-shconf --no-telemetry --log-level=lib.eal:error)
STACK_MAC=02:00:00:00:00:02
FLOW_SRC_MAC=00:01:02:03:04:00 # testpmd flowgen's fixed addresses (not configurable in 22.11)
FLOW_DST_MAC=00:01:02:03:04:01

# testpmd ROLE CPU SOCKET LOG ARGS...: testpmd on one memif end, both lcores (main and
# forwarding) on CPU, in the background; sets LAST_PID.
testpmd() {
    local role=$1 cpu=$2 sock=$3 logf=$4
    shift 4
    ip netns exec "$NS" timeout -s INT -k 2 30 dpdk-testpmd --lcores="0@$cpu,1@$cpu" \
        "${TESTPMD_EAL[@]}" --file-prefix="pktrate$$$role" \
        --vdev="net_memif0,role=$role,socket=$sock" -- --nb-cores=1 --total-num-mbufs=16384 \
        --auto-start --stats-period 1 "$@" < /dev/null > "$logf" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

# generator SOCKET LOG MODE SIZE: testpmd memif client on CPU 0, started once the server is up.
generator() {
    local mode=$3 size=$4
    if [[ $mode == txonly ]]; then
        testpmd client 0 "$1" "$2" --forward-mode=txonly --txpkts="$size" \
            --eth-peer="0,$STACK_MAC" --tx-ip=10.79.0.1,10.79.0.2 --tx-udp=9,9
    else
        testpmd client 0 "$1" "$2" --forward-mode=flowgen --flowgen-flows=1 --txpkts="$size"
    fi
}

# rx_pps LOG FIELD: average of testpmd's per-second FIELD (Rx-pps/Tx-pps) samples once traffic
# flows, without the first non-zero one (a partial second); in Mpps, at most WINDOW+1 samples.
rx_pps() {
    tr -d '\033' < "$1" | awk -v f="$2:" -v w="$WINDOW" '
        $1 == f && $2 > 0 { n++; if (n > 1) v[n] = $2 }
        END { s = 0; c = 0; for (i = n; i > 1 && c < w + 1; i--) { s += v[i]; c++ }
              if (c == 0) print 0; else printf "%.3f", s / c / 1e6 }'
}

# stop PID...: SIGINT and wait. The server goes first: a memif server can crash when its client
# leaves during traffic (DPDK-HERE.md 4); the figures are taken by then.
stop() {
    local p
    for p in "$@"; do
        kill -INT "$p" 2> /dev/null || true
        wait "$p" 2> /dev/null || true
    done
}

# ---- baseline: testpmd receives (rxonly) or reflects (io) on the server end ----------------
# baseline MODE SIZE -> BASE_MPPS (what the server received, or what came back to the client).
baseline() {
    local mode=$1 size=$2 tag=base-$1-$2
    local sock=$WORK/$tag.sock
    local fwd=rxonly gen=txonly
    [[ $mode == echo ]] && fwd=io gen=flowgen
    testpmd server 1 "$sock" "$WORK/$tag-srv.log" --forward-mode=$fwd --port-topology=loop
    local srv=$LAST_PID
    sleep 0.5
    generator "$sock" "$WORK/$tag-gen.log" $gen "$size"
    local gen_pid=$LAST_PID
    # Traffic starts 2-3 s after the client (memif connect); then the window plus one sample.
    local log=$WORK/$tag-srv.log field=Rx-pps
    [[ $mode == echo ]] && log=$WORK/$tag-gen.log
    local deadline=$((SECONDS + 15))
    until (($(tr -d '\033' < "$log" | awk -v f="$field:" '$1 == f && $2 > 0' | wc -l) > 0)); do
        kill -0 "$gen_pid" 2> /dev/null || { cat "$WORK/$tag-gen.log" >&2; fail "testpmd generator exited"; }
        ((SECONDS < deadline)) || { cat "$log" >&2; fail "$tag: no traffic after 15 s"; }
        sleep 0.2
    done
    sleep $((WINDOW + 1)).2
    BASE_MPPS=$(rx_pps "$log" "$field")
    stop "$srv" "$gen_pid"
    log "$tag: $BASE_MPPS Mpps"
}

# ---- the stack ----------------------------------------------------------------------------
# report_value FILE KIND PORT FIELD: FIELD of the last "udp KIND port PORT:" report line.
report_value() {
    grep -E "^udp $2 port $3:" "$1" | tail -n 1 | sed -n "s/.* $4=\([0-9]*\).*/\1/p"
}

# snapshot PID FILE KIND PORT: SIGUSR1, wait for the new report; sets SNAP_T (time of the
# signal) and SNAP_N (datagrams received so far).
snapshot() {
    local before
    before=$(grep -cE "^udp $3 port $4:" "$2" || true)
    SNAP_T=$(date +%s.%N)
    kill -USR1 "$1"
    local deadline=$((SECONDS + 5))
    while (($(grep -cE "^udp $3 port $4:" "$2" || true) <= before)); do
        ((SECONDS < deadline)) || fail "no report after SIGUSR1"
        sleep 0.05
    done
    SNAP_N=$(report_value "$2" "$3" "$4" datagrams)
}

# stack_run MODE SIZE -> STACK_MPPS (the stack's received rate over the window) and, for
# echo, BACK_MPPS (what testpmd received back).
stack_run() {
    local mode=$1 size=$2 tag=stack-$1-$2
    local sock=$WORK/$tag.sock out=$WORK/$tag.out
    # memif takes its MAC as a vdev argument (it cannot change it later: no --mac).
    local mac=$STACK_MAC args=(--ip 10.79.0.2/24 serve --udp-sink 9) kind=sink port=9
    if [[ $mode == echo ]]; then
        mac=$FLOW_DST_MAC args=(--ip 10.253.0.0/8 serve --udp-echo 1001)
        kind=echo port=1001
    fi
    ip netns exec "$NS" timeout -k 2 60 "$EXE" \
        --vdev "net_memif0,role=server,socket=$sock,mac=$mac" "${args[@]}" < /dev/null > "$out" 2> "$WORK/$tag.err" &
    local srv=$!
    PIDS+=("$srv")
    wait_for_line "$out" '^multios-net: serving' "$srv" 20
    pin_tree "$srv" 1
    # `ip netns exec` became `timeout`, which would die of SIGUSR1: signal its child.
    local stack_pid
    stack_pid=$(pgrep -P "$srv" | head -n 1) || fail "no multios-net process under $srv"
    if [[ $mode == echo ]]; then
        # A neighbour entry for flowgen's source: one ping from its address and MAC.
        ip netns exec "$NS" taskset -c 0 timeout -k 2 15 "$EXE" \
            --vdev "net_memif0,role=client,socket=$sock,mac=$FLOW_SRC_MAC" --ip 10.254.0.0/8 \
            ping -c 1 -W 3 10.253.0.0 > "$WORK/$tag-prime.log" 2>&1 ||
            { cat "$WORK/$tag-prime.log" >&2; fail "the priming ping got no answer"; }
        sleep 0.3
    fi
    local gen=txonly
    [[ $mode == echo ]] && gen=flowgen
    generator "$sock" "$WORK/$tag-gen.log" $gen "$size"
    local gen_pid=$LAST_PID
    local deadline=$((SECONDS + 15))
    while :; do
        snapshot "$stack_pid" "$out" "$kind" "$port"
        ((SNAP_N > 0)) && break
        kill -0 "$gen_pid" 2> /dev/null || { cat "$WORK/$tag-gen.log" >&2; fail "testpmd exited"; }
        ((SECONDS < deadline)) || fail "$tag: the stack received nothing in 15 s"
        sleep 0.3
    done
    snapshot "$stack_pid" "$out" "$kind" "$port"
    local t0=$SNAP_T n0=$SNAP_N
    sleep "$WINDOW"
    snapshot "$stack_pid" "$out" "$kind" "$port"
    STACK_MPPS=$(awk -v a="$n0" -v b="$SNAP_N" -v s="$t0" -v e="$SNAP_T" \
        'BEGIN { printf "%.3f", (b - a) / (e - s) / 1e6 }')
    sleep 1.2 # one more testpmd sample inside the traffic
    BACK_MPPS=$(rx_pps "$WORK/$tag-gen.log" Rx-pps)
    OFFERED_MPPS=$(rx_pps "$WORK/$tag-gen.log" Tx-pps)
    local notsent
    notsent=$(report_value "$out" "$kind" "$port" not_sent)
    stop "$srv" "$gen_pid"
    log "$tag: stack received $STACK_MPPS Mpps (offered $OFFERED_MPPS), back to testpmd" \
        "$BACK_MPPS Mpps${notsent:+, not_sent=$notsent}"
}

log "binary $EXE, window ${WINDOW} s, frames ${SIZES[*]}, load: $(loadavg)"
NOTE_RUN="1 lcore each side (generator CPU 0, receiver CPU 1), ${WINDOW} s window, load $(loadavg)"
for size in "${SIZES[@]}"; do
    baseline sink "$size"
    SINK_BASE=$BASE_MPPS
    stack_run sink "$size"
    SINK=$STACK_MPPS SINK_OFFERED=$OFFERED_MPPS
    baseline echo "$size"
    ECHO_BASE=$BASE_MPPS
    stack_run echo "$size"
    echo "udp-sink ${size}B: stack $SINK Mpps, testpmd rxonly $SINK_BASE Mpps," \
        "ratio $(ratio "$SINK" "$SINK_BASE")"
    echo "udp-echo ${size}B: back to testpmd $BACK_MPPS Mpps (stack received $STACK_MPPS)," \
        "testpmd io $ECHO_BASE Mpps, ratio $(ratio "$BACK_MPPS" "$ECHO_BASE")"
    result packet-rate "UDP sink, ${size}-byte frames, 1 lcore" "$SINK" 5 Mpps higher \
        "issue target" 1 "testpmd txonly over net_memif, offered $SINK_OFFERED Mpps; $NOTE_RUN"
    result packet-rate "UDP sink vs memif ceiling, ${size}-byte frames" "$SINK" "$SINK_BASE" \
        Mpps higher "testpmd rxonly on the same memif" - "$NOTE_RUN"
    result packet-rate "UDP echo, ${size}-byte frames, 1 lcore" "$BACK_MPPS" 5 Mpps higher \
        "issue target" 1 "returned to testpmd flowgen; stack received $STACK_MPPS Mpps; $NOTE_RUN"
    result packet-rate "UDP echo vs memif ceiling, ${size}-byte frames" "$BACK_MPPS" "$ECHO_BASE" \
        Mpps higher "testpmd io reflecting on the same memif" - "$NOTE_RUN"
done
log "done"
