#!/usr/bin/env bash
# The microbenchmarks of issue 8 in one go, as result lines for bench/run's report:
#
#   bench/micro.sh [--smoke] [BUILD_DIR]     (BUILD_DIR default: $BENCH_BUILD_DIR, then build-rel)
#
#   multios-bench       wire parse + checksum, the IPv4/IPv6 receive paths (ICMP echo, UDP echo,
#                       TCP data segment v4 and v6), TCP established receive/send (Connection
#                       alone and the whole StackCore), connection lookup in a 1,000,000-entry
#                       table (and a 10,000-entry one as the warm baseline), the timer wheel with
#                       1M timers, RSS hash + steering; median of 3 repetitions, CPU time
#   netd-client-bench   BM_RingRoundTrip (the ring API round trip, no daemon), median of 3,
#                       real time (the work is in two threads)
#   callgrind.sh        instructions per TCP segment received / sent
#   conn-memory         bytes per established idle connection and how many fit in 2 GiB,
#                       with TcpConfig's default buffers and with 4 KiB buffers
#
# Figures are ns per packet (per lookup, per timer operation, per round trip) with no baseline
# ("-"), except the 1M-entry lookups, whose baseline is the same lookup in the warm 10,000-entry
# table of the same run. --smoke: a few ms per benchmark, one repetition, no 1M table, callgrind
# with small counts and conn-memory to 10,000 connections (the plumbing, not the figures).
# Needs no root; skips (77) when multios-bench is not built.
set -euo pipefail
BENCH_NAME=micro
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

smoke=${BENCH_SMOKE:+1}
smoke=${smoke:-0}
build=""
while (($#)); do
    case $1 in
    --smoke | --quick) smoke=1 ;;
    -h | --help) sed -n '2,22p' "$0" && exit 0 ;;
    *) build=$1 ;;
    esac
    shift
done
build=${build:-${BENCH_BUILD_DIR:-build-rel}}
here=$(cd "$(dirname "$0")" && pwd)
bench=$build/bench/multios-bench
[[ -x $bench ]] || skip "not built: $bench"
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3) || skip "needs python3"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The issue's list, by benchmark name (regex over multios-bench's names).
# A smoke run leaves the 1,000,000-entry table out (3 GB and seconds to fill).
if ((smoke)); then
    tables='TcpTableLookup(Miss)?/entries:10000'
    gb_args=(--benchmark_min_time=0.01 --benchmark_repetitions=1)
else
    tables='TcpTableLookup|TcpTableLookupMiss'
    gb_args=(--benchmark_min_time=0.5 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true)
fi
filter='^BM_(ParseUdp[46]Frame|InternetChecksum|Ipv6ExtWalk3|StackIcmpv[46]Echo|StackUdpEcho'
filter+='|TcpReceiveEstablished|TcpSendEstablished|StackTcpReceive|StackTcpReceiveV6|StackTcpSend'
filter+="|$tables|TimerWheel.*|SteerOwnerV[46]|SteerClassifyTcpV4)(/|\$)"

# run_gb EXE FILTER JSON: one Google Benchmark run, JSON into JSON; fails on a benchmark error.
run_gb() {
    local exe=$1 filt=$2 json=$3
    "$exe" --benchmark_filter="$filt" "${gb_args[@]}" --benchmark_out="$json" \
        --benchmark_out_format=json > "$json.log" 2>&1 || fail "$exe failed: $(tail -3 "$json.log")"
    cat "$json.log" >&2
    grep -q 'ERROR OCCURRED' "$json.log" && fail "a benchmark reported an error"
    return 0
}

log "multios-bench (${gb_args[*]})"
run_gb "$bench" "$filter" "$tmp/micro.json"

ring=$build/bench/netd-client-bench
if [[ -x $ring ]]; then
    log "netd-client-bench BM_RingRoundTrip"
    run_gb "$ring" '^BM_RingRoundTrip/' "$tmp/ring.json"
else
    log "not built: $ring (no ring round-trip figure)"
fi

# Result lines from the JSON files: median (or the single run), CPU time except for real-time
# benchmarks (the ring), in ns.
"$PY" - "$tmp/micro.json" "$tmp/ring.json" > "$tmp/figures.tsv" << 'EOF'
import json, os, sys

UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
rows = {}
for path in sys.argv[1:]:
    if not os.path.exists(path):
        continue
    for b in json.load(open(path))["benchmarks"]:
        if b.get("error_occurred"):
            continue
        agg = b.get("aggregate_name")
        if agg not in (None, "median"):
            continue
        name = b["run_name"]
        real = name.endswith("/real_time") or "RingRoundTrip" in name
        t = (b["real_time"] if real else b["cpu_time"]) * UNIT[b["time_unit"]]
        if agg == "median" or name not in rows:
            rows[name] = (t, "median of 3, " if agg else "1 run, ", "real time" if real else "CPU time")
for name, (t, how, clock) in sorted(rows.items()):
    print(f"{name}\t{t:.1f}\t{how}{clock}")
EOF
[[ -s $tmp/figures.tsv ]] || fail "no benchmark figures parsed"

value() { awk -F'\t' -v n="$1" '$1 == n {print $2}' "$tmp/figures.tsv"; }
how() { awk -F'\t' -v n="$1" '$1 == n {print $3}' "$tmp/figures.tsv"; }
while IFS=$'\t' read -r name ns note; do
    base=- base_name=-
    case $name in
    BM_TcpTableLookup*/entries:1000000)
        warm=${name%1000000}10000
        if [[ -n $(value "$warm") ]]; then
            base=$(value "$warm") base_name="same lookup, 10,000 entries"
        fi
        ;;
    esac
    result micro "$name" "$ns" "$base" ns lower "$base_name" - "$note"
done < "$tmp/figures.tsv"

# Instruction counts.
log "callgrind.sh"
cg_args=()
((smoke)) && cg_args+=(--smoke)
rc=0
bash "$here/callgrind.sh" "${cg_args[@]}" "$build" || rc=$?
((rc == 0 || rc == 77)) || fail "callgrind.sh failed ($rc)"

# Memory per connection.
conn=$build/bench/conn-memory
if [[ -x $conn ]]; then
    if ((smoke)); then
        targets=10000 cap=2048 secs=30
    else
        targets=1000000 cap=2048 secs=150
    fi
    for buffer in 0 4096; do
        label=$([[ $buffer == 0 ]] && echo "default buffers (1 MiB)" || echo "4 KiB buffers")
        log "conn-memory --buffer $buffer --target $targets --cap-mib $cap"
        out=$tmp/conn.$buffer
        timeout $((secs + 60)) "$conn" --target "$targets" --cap-mib "$cap" --buffer "$buffer" \
            --max-seconds "$secs" > "$out" || fail "conn-memory --buffer $buffer failed"
        cat "$out" >&2
        # The last server checkpoint is the run's end state.
        last=$(grep 'side=server conns=' "$out" | tail -1)
        field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$2"; }
        reached=$(grep 'side=server reached=' "$out" | sed 's/.*reached=\([0-9]*\).*/\1/')
        stopped=$(grep 'side=server reached=' "$out" | sed 's/.*stopped_by=\([^ ]*\).*/\1/')
        rss=$(field rss_per_conn "$last") heap=$(field heap_per_conn "$last")
        pte=$(field pte_per_conn "$last") secs_taken=$(field seconds "$last")
        client_rss=$(field rss_per_conn "$(grep 'side=client conns=' "$out" | tail -1)")
        fit=$(awk -v r="$rss" -v p="$pte" 'BEGIN {n = 2147483648 / (r + p); if (n > 1000000) n = 1000000; printf "%d", n}')
        note="conn-memory, server side, $reached connections (stopped by $stopped, cap $cap MiB RSS) in ${secs_taken}s"
        result memory "bytes per established idle connection, RSS, $label" "$rss" - B lower - - \
            "$note; heap (malloc) $heap B, page tables $pte B, client $client_rss B"
        result memory "established connections one stack holds in 2 GiB, $label" "$fit" - conns higher \
            - - "2 GiB / (RSS + page tables per connection), at most 1,000,000; $note"
        for at in 10000 100000 1000000; do
            line=$(grep 'side=server conns=' "$out" | awk -v n="$at" '{split($3, a, "="); if (a[2] >= n) {print; exit}}')
            [[ -n $line ]] || continue
            result memory "bytes per connection at $at connections, RSS, $label" \
                "$(field rss_per_conn "$line")" - B lower - - "conn-memory, server side, first checkpoint at or past $at"
        done
    done
else
    log "not built: $conn (no memory figures)"
fi
log "done"
