#!/bin/bash
# End-to-end throughput with 1 and 2 lcores (issue 4), printed as a scaling ratio measured in
# the same run: two multios-net processes over net_memif (which has one queue pair per lcore),
# `serve --http` with --lcores N against `get --parallel 2N` with --lcores N, for N = 1 and 2.
# memif maps the client's queue k onto the server's queue k and both sides use the same
# symmetric steering, so with N = 2 a connection opened by client lcore k is served by server
# lcore k and no frame is steered (the script checks steered_in=0 on both sides).
#
# What a 2-CPU machine can show: with N = 2 the two processes run four busy-polling lcores on
# two CPUs (lcore k of each process on CPU k), so the ratio mixes scaling with time-sharing;
# the shard microbenchmark (bench/scaling.sh) isolates per-core scaling of the stack itself.
#
# Usage: bench/lcore_scaling.sh [--quick|--smoke] [--size MB] [--runs N] [path/to/multios-net]
#   --quick, --smoke  20 MB, one run: checks the harness (the meson test lcore-scaling-quick)
#   --size    file size in MB (default 200); every transfer fetches the whole file
#   --runs    runs per lcore count (default 3); the median is compared
# Needs root (a private network namespace). Exit: 0 ok, 1 a transfer failed, 77 cannot run.
set -euo pipefail
SIZE_MB=200
RUNS=3
EXE=""
while (($#)); do
    case $1 in
    --quick | --smoke) SIZE_MB=20 RUNS=1 ;;
    --size) SIZE_MB=${2:?--size needs a value} && shift ;;
    --runs) RUNS=${2:?--runs needs a value} && shift ;;
    -h | --help) sed -n '2,17p' "$0" && exit 0 ;;
    *) EXE=$1 ;;
    esac
    shift
done
BENCH_NAME=lcore_scaling
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
for c in "$EXE" "${MULTIOS_NET:-}" "${BENCH_BUILD_DIR:+$BENCH_BUILD_DIR/apps/multios-net/multios-net}" \
    build-release/apps/multios-net/multios-net build/apps/multios-net/multios-net; do
    [[ -n $c && -x $c ]] && EXE=$(realpath "$c") && break
done
[[ -x $EXE ]] || skip "multios-net binary not found (pass it or set MULTIOS_NET)"
[[ $(id -u) == 0 ]] || skip "needs root (network namespace)"
(($(nproc) >= 2)) || skip "needs 2 CPUs"

NS=lscale-$$
WORK=$(mktemp -d /tmp/lcore-scaling.XXXXXX)
SRV=""
cleanup() {
    trap - EXIT INT TERM
    set +e
    [[ -n $SRV ]] && kill -INT "$SRV" 2> /dev/null && sleep 0.3 && kill -KILL "$SRV" 2> /dev/null
    ip netns del "$NS" 2> /dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
SIZE=$((SIZE_MB * 1000 * 1000))
truncate -s "$SIZE" "$WORK/bulk.bin" # sparse: served from the page cache

# run_once LCORES TAG: prints the aggregate MB/s of `get --parallel 2*LCORES`.
run_once() {
    local lcores=$1 tag=$2 sock=$WORK/m-$2.sock out=$WORK/srv-$2.out gerr=$WORK/get-$2.err
    local parallel=$((2 * lcores)) rc=0 deadline
    ip netns exec "$NS" timeout -k 2 $((60 + SIZE_MB)) "$EXE" --lcores "$lcores" \
        --vdev "net_memif0,role=server,socket=$sock" --ip 10.79.0.2/24 \
        serve --http 8080 --root "$WORK" < /dev/null > "$out" 2> "$WORK/srv-$tag.err" &
    SRV=$!
    deadline=$((SECONDS + 20))
    until grep -q '^multios-net: serving' "$out"; do
        kill -0 "$SRV" 2> /dev/null || fail "memif server exited: $(cat "$WORK/srv-$tag.err")"
        ((SECONDS < deadline)) || fail "memif server did not start"
        sleep 0.1
    done
    ip netns exec "$NS" timeout -k 2 $((60 + SIZE_MB)) "$EXE" --lcores "$lcores" \
        --vdev "net_memif0,role=client,socket=$sock" --ip 10.79.0.1/24 \
        get http://10.79.0.2:8080/bulk.bin --parallel "$parallel" -o /dev/null \
        < /dev/null 2> "$gerr" || rc=$?
    # Stop the server before its memif peer is gone for long (DPDK-HERE.md 4).
    kill -INT "$SRV" 2> /dev/null || true
    wait "$SRV" 2> /dev/null || log "note: memif server exited $? after the transfers"
    SRV=""
    [[ $rc == 0 ]] || fail "get --parallel $parallel with $lcores lcores exited $rc: $(tail -n 5 "$gerr")"
    local line bytes secs
    line=$(grep -E '^parallel: ' "$gerr") || fail "no parallel summary from get"
    bytes=$(sed -n 's/.* bytes=\([0-9]*\) in .*/\1/p' <<< "$line")
    secs=$(sed -n 's/.* in \([0-9.]*\) s .*/\1/p' <<< "$line")
    [[ $bytes == $((parallel * SIZE)) ]] || fail "got $bytes bytes, expected $((parallel * SIZE))"
    if ((lcores > 1)); then
        # Both sides agree on flow ownership and memif pairs queue k with queue k.
        grep -hE '^lcore [0-9]+: ' "$gerr" "$out" | grep -q 'steered_in=[1-9]' &&
            fail "frames needed steering over memif with $lcores lcores"
    fi
    awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f", b / s / 1e6 }'
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

declare -A results
for lcores in 1 2; do
    for ((run = 1; run <= RUNS; run++)); do
        mbs=$(run_once "$lcores" "$lcores-$run")
        log "lcores=$lcores run $run: $mbs MB/s (get --parallel $((2 * lcores)), ${SIZE_MB} MB each)"
        results[$lcores]+="$mbs "
    done
done
one=$(median <<< "${results[1]}")
two=$(median <<< "${results[2]}")
echo "cpus: $(nproc)"
echo "stack-memif 1 lcore:  $one MB/s (runs: ${results[1]})"
echo "stack-memif 2 lcores: $two MB/s (runs: ${results[2]})"
awk -v a="$two" -v b="$one" 'BEGIN { if (b > 0) printf "scaling 2 lcores / 1 lcore: %.2f\n", a / b }'
result multicore "stack<->stack memif, 2 lcores vs 1 (get --parallel 2N)" "$two" "$one" MB/s higher \
    "1 lcore" - "median of $RUNS, ${SIZE_MB} MB per connection, $(nproc) CPUs"
