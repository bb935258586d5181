#!/bin/bash
# Shared-nothing scaling of the stack core and the price of software steering (issue 4),
# printed as ratios measured in the same run: items/s of BM_ShardScalingReceive with 2 threads
# (each its own StackCore, as 2 lcores) over 1 thread, and the per-packet ns of classification
# and of the cross-core ring hand-off. Assert nothing; numbers go to bench/README.md.
# Usage: bench/scaling.sh [--quick|--smoke] [path/to/multios-bench] [repetitions]
#   --quick, --smoke  10 ms per benchmark, one repetition: checks the harness, not the figures
# The binary defaults to $MULTIOS_BENCH, then $BENCH_BUILD_DIR/bench/multios-bench, then
# build-release/bench/multios-bench. Exit: 0 ok, 1 a run failed, 77 the binary is not built.
set -euo pipefail
BENCH=""
REPS=3
MIN_TIME=()
ARGS=()
while (($#)); do
    case $1 in
    --quick | --smoke) REPS=1 MIN_TIME=(--benchmark_min_time=0.01) ;;
    -h | --help) sed -n '2,9p' "$0" && exit 0 ;;
    *) ARGS+=("$1") ;;
    esac
    shift
done
BENCH_NAME=scaling
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
((${#ARGS[@]} > 1)) && REPS=${ARGS[1]}
for c in "${ARGS[0]:-}" "${MULTIOS_BENCH:-}" "${BENCH_BUILD_DIR:+$BENCH_BUILD_DIR/bench/multios-bench}" \
    build-release/bench/multios-bench; do
    [[ -n $c && -x $c ]] && BENCH=$c && break
done
[[ -n $BENCH ]] || skip "multios-bench is not built (pass its path; build with --buildtype=release)"
WORK=$(mktemp -d /tmp/mnet-scaling.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
"$BENCH" --benchmark_filter='BM_ShardScalingReceive|BM_SteerClassifyTcpV4|BM_SteerHandoffTcpV4' \
    --benchmark_repetitions="$REPS" --benchmark_report_aggregates_only=true "${MIN_TIME[@]}" \
    --benchmark_out="$WORK/out.json" --benchmark_out_format=json > /dev/null ||
    fail "multios-bench failed"
/usr/bin/python3 - "$WORK/out.json" "$(nproc)" "$REPS" "$WORK/results.tsv" << 'PY'
import json, sys
data = json.load(open(sys.argv[1]))
reps = int(sys.argv[3])
# With one repetition Google Benchmark reports no aggregates: the single run is the median.
wanted = "median" if reps > 1 else None
median = {b["run_name"]: b for b in data["benchmarks"] if b.get("aggregate_name") == wanted}
def rate(name):
    return median[name]["items_per_second"]
one = rate("BM_ShardScalingReceive/real_time/threads:1")
two = rate("BM_ShardScalingReceive/real_time/threads:2")
print(f"cpus: {sys.argv[2]}")
print(f"stack receive, 1 shard:  {one / 1e6:.2f} M segments/s ({1e9 / one:.0f} ns/segment)")
print(f"stack receive, 2 shards: {two / 1e6:.2f} M segments/s")
print(f"scaling 2 shards / 1 shard: {two / one:.2f}")
for name in ("BM_SteerClassifyTcpV4", "BM_SteerHandoffTcpV4"):
    print(f"{name}: {1e9 / rate(name):.1f} ns/packet")
print(f"steering hand-off as a share of one segment's stack cost: {(1e9 / rate('BM_SteerHandoffTcpV4')) / (1e9 / one):.2f}")
how = f"multios-bench, median of {reps}" if reps > 1 else "multios-bench, 1 run"
rows = [
    ("multicore", "stack receive, 2 shards vs 1 (BM_ShardScalingReceive)", f"{two / 1e6:.3f}",
     f"{one / 1e6:.3f}", "M segments/s", "higher", "1 shard", "-", f"{how}, {sys.argv[2]} CPUs"),
    ("multicore", "TCP frame classification (BM_SteerClassifyTcpV4)",
     f"{1e9 / rate('BM_SteerClassifyTcpV4'):.1f}", "-", "ns/packet", "lower", "-", "-", how),
    ("multicore", "classification + cross-core hand-off vs one segment through the stack",
     f"{1e9 / rate('BM_SteerHandoffTcpV4'):.1f}", f"{1e9 / one:.1f}", "ns/packet", "lower",
     "stack receive, 1 shard", "-", how),
]
with open(sys.argv[4], "w") as f:
    for row in rows:
        f.write("\t".join(row) + "\n")
PY
while IFS=$'\t' read -r -a row; do
    result "${row[@]}"
done < "$WORK/results.tsv"
