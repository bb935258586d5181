#!/bin/bash
# Shared-nothing scaling of the stack core and the price of software steering (issue 4),
# printed as ratios measured in the same run: items/s of BM_ShardScalingReceive with 2 threads
# (each its own StackCore, as 2 lcores) over 1 thread, and the per-packet ns of classification
# and of the cross-core ring hand-off. Assert nothing; numbers go to bench/README.md.
# Usage: bench/scaling.sh [path/to/multios-bench] [repetitions]
set -euo pipefail
BENCH=${1:-build-release/bench/multios-bench}
REPS=${2:-3}
[[ -x $BENCH ]] || { echo "scaling.sh: $BENCH is not an executable (build with --buildtype=release)" >&2; exit 2; }
json=$(mktemp /tmp/mnet-scaling.XXXXXX.json)
trap 'rm -f "$json"' EXIT
"$BENCH" --benchmark_filter='BM_ShardScalingReceive|BM_SteerClassifyTcpV4|BM_SteerHandoffTcpV4' \
    --benchmark_repetitions="$REPS" --benchmark_report_aggregates_only=true \
    --benchmark_out="$json" --benchmark_out_format=json > /dev/null
/usr/bin/python3 - "$json" "$(nproc)" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
median = {b["run_name"]: b for b in data["benchmarks"] if b.get("aggregate_name") == "median"}
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
PY
