#!/usr/bin/env bash
# Instructions per packet on the two hottest paths, counted by valgrind's callgrind (these VMs
# have no hardware PMU; instruction counts are stable from run to run where timings are not).
#
#   bench/callgrind.sh [--smoke] [build-dir]      (default build dir: build-rel)
#
# Paths: BM_StackTcpReceive (StackCore::receive of a 1514-byte IPv4 TCP data frame,
# tcp_take_events, tcp_recv of the 1448 bytes, an ACK frame built per two segments) and
# BM_StackTcpSend (tcp_send of 1448 bytes to the finished 1514-byte frame, the peer's ACK
# through receive every second segment), from bench/stack_tcp_bench.cpp. Each runs under
# callgrind with exactly N1 and then N2 iterations (MULTIOS_BENCH_ITERATIONS, see
# bench/fixed_iterations.hpp), and instructions per segment = (total(N2) - total(N1)) /
# (N2 - N1): the stack's set-up, the handshake and Google Benchmark's start-up cancel (only
# the benchmark function is collected at all, --toggle-collect, so the profile shows the path
# and not the dynamic linker). The
# whole measurement runs twice and must agree within 1 % (warns otherwise). Prints the
# figures and the top 10 functions by inclusive cost of the N2 run, and records
#   result micro "instructions per TCP segment received|sent" N - instr lower - - NOTE
# --smoke: small N, one measurement (checks the plumbing; the figure is still meaningful,
# just without the agreement check). Needs no root.
set -euo pipefail
BENCH_NAME=callgrind
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

smoke=0
if [[ ${1:-} == --smoke ]]; then
    smoke=1
    shift
fi
build=${1:-build-rel}
exe=$build/bench/multios-bench
command -v valgrind > /dev/null || skip "valgrind is not installed"
command -v callgrind_annotate > /dev/null || skip "callgrind_annotate is not installed"
[[ -x $exe ]] || fail "no $exe (build it: ninja -C $build bench/multios-bench)"

if ((smoke)); then
    n1=500 n2=2500 runs=1
else
    n1=10000 n2=60000 runs=2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# total_ir BENCHMARK N OUT: runs BENCHMARK for exactly N iterations under callgrind, keeps the
# profile in OUT and prints its total instruction count.
total_ir() {
    local bm=$1 n=$2 out=$3
    MULTIOS_BENCH_ITERATIONS=$n timeout 600 valgrind --tool=callgrind --callgrind-out-file="$out" \
        --toggle-collect="*${bm}*" "$exe" --benchmark_filter="^${bm}(/|\$)" > "$out.log" 2>&1 ||
        fail "callgrind run of $bm failed: $(tail -5 "$out.log")"
    grep -q "ERROR OCCURRED" "$out.log" && fail "$bm reported an error: $(grep ERROR "$out.log")"
    grep -q "iterations:$n" "$out.log" || fail "$bm did not run $n iterations"
    awk '/^summary:/ {print $2}' "$out"
}

# per_packet BENCHMARK RUN: instructions per iteration from an N1 and an N2 run.
per_packet() {
    local bm=$1 run=$2 t1 t2
    t1=$(total_ir "$bm" "$n1" "$tmp/$bm.$run.n1")
    t2=$(total_ir "$bm" "$n2" "$tmp/$bm.$run.n2")
    echo $(((t2 - t1) / (n2 - n1)))
}

# top10 PROFILE: the ten functions with the highest inclusive cost below the benchmark
# function (it and its callers are the whole collected cost: 100 %).
top10() {
    callgrind_annotate --inclusive=yes "$1" 2> /dev/null > "$1.annotate" || true
    grep -E '^ *[0-9,]+ \(' "$1.annotate" |
        grep -vE '\(100\.0%\)|benchmark::|BM_Stack|receive_segments' |
        head -10 |
        sed -E -e 's/std::chrono::time_point<multios::net::StackClock, std::chrono::duration<long, std::ratio<1l, 1000000000l> > >/Instant/g' \
            -e 's/std::span<std::byte( const)?, 18446744073709551615ul>/span<byte\1>/g' \
            -e 's/multios::net:://g' -e 's/^( *[0-9,]+ \( *[0-9.]+%\) +)\?\?\?:/\1/' -e 's/ \[[^]]*\]$//' || true
}

measure() {
    local bm=$1 figure=$2 values=() v
    for ((r = 1; r <= runs; r++)); do
        v=$(per_packet "$bm" "$r")
        log "$bm run $r: $v instructions per segment ($n1 and $n2 iterations)"
        values+=("$v")
    done
    local note="callgrind, $bm, (Ir(N=$n2) - Ir(N=$n1)) / $((n2 - n1))"
    if ((runs > 1)); then
        local a=${values[0]} b=${values[1]} diff
        diff=$(awk -v a="$a" -v b="$b" 'BEGIN {d = (a > b ? a - b : b - a) / a * 100; printf "%.2f", d}')
        awk -v d="$diff" 'BEGIN {exit !(d <= 1)}' ||
            log "WARNING: the two runs differ by $diff % (more than 1 %)"
        note+=", 2 runs: ${values[*]} (differ by $diff %)"
    else
        note+=", 1 run (smoke)"
    fi
    echo "== $figure: ${values[0]} instructions per segment"
    echo "   top 10 functions by inclusive cost ($bm, $n2 iterations; Ir, % of the benchmark function):"
    top10 "$tmp/$bm.1.n2" | sed 's/^/   /'
    result micro "$figure" "${values[0]}" - instr lower - - "$note"
}

measure BM_StackTcpReceive "instructions per TCP segment received"
measure BM_StackTcpSend "instructions per TCP segment sent"
