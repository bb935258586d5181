#!/bin/bash
# HTTP request/response (issue 8): the stack's HTTP server loaded by the stack's own load
# generator against nginx on the kernel loaded by wrk, the same number of keep-alive
# connections, in the same run:
#
#   stack-memif   `multios-net serve --http 8080` (memif server) <- `multios-net load -c 50`
#                 (memif client), one lcore each, stack <-> stack over net_memif
#   kernel-veth   nginx (1 worker, epoll, sendfile on, keep-alive, access_log off) in namespace
#                 A <- `wrk -t1 -c50 --latency` in namespace B over a veth pair
#
# Both fetch a 600-byte file. Pinning: the servers (the stack's lcore, nginx's worker) on CPU
# 1, the load generators on CPU 0. Runs alternate the two; figures are medians over the runs.
# Result lines (section http): requests/s (issue target: 3x nginx on the kernel), p50 and p99
# latency. A trap stops every process and deletes the namespaces.
#
# Usage: bench/http_rr.sh [--smoke] [--runs N] [--duration S] [--connections C] [multios-net]
#   --smoke   one run of 2 s each: checks the harness, the numbers mean nothing
#   default   3 runs of 10 s each, 50 connections
# Needs root, iproute2, taskset, nginx (nginx-light), wrk, curl.
# Exit: 0 ok, 1 a run failed, 77 cannot run here.
set -euo pipefail

RUNS=3
DURATION=10
CONNS=50
ARG=""
while (($#)); do
    case $1 in
    --smoke | --quick) RUNS=1 DURATION=2 ;;
    --runs) RUNS=${2:?--runs needs a value} && shift ;;
    --duration) DURATION=${2:?--duration needs a value} && shift ;;
    --connections) CONNS=${2:?--connections needs a value} && shift ;;
    -h | --help) sed -n '2,22p' "$0" && exit 0 ;;
    *) ARG=$1 ;;
    esac
    shift
done
((DURATION <= 15)) || DURATION=15 # bounded: at most 15 s per run

BENCH_NAME=http_rr
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

EXE=$(bench_binary apps/multios-net/multios-net "$ARG" "${MULTIOS_NET:-}") ||
    skip "multios-net binary not found (pass it, or set BENCH_BUILD_DIR or MULTIOS_NET)"
NGINX=/usr/sbin/nginx
[[ $(id -u) == 0 ]] || skip "needs root (network namespaces)"
[[ -x $NGINX ]] || skip "needs $NGINX (Debian package nginx-light)"
for t in ip wrk curl taskset timeout pgrep; do
    command -v "$t" > /dev/null || skip "needs $t"
done
(($(nproc) >= 2)) || skip "needs 2 CPUs (server and client on different ones)"

NS_M=httpb-rm-$$ # the memif pair needs no network; its processes still run in a private one
NS_A=httpb-ra-$$
NS_B=httpb-rb-$$
PORT=8080
SERVER_PID=""
bench_setup http_rr "$NS_M" "$NS_A" "$NS_B"

ip netns add "$NS_M"
ip -n "$NS_M" link set lo up
veth_namespaces "$NS_A" "$NS_B"
nginx_config "$WORK/nginx" 10.98.0.1 "$PORT" # also makes $WORK/nginx/www/f600

# ---- stack <-> stack over net_memif ------------------------------------------------------------
run_stack() {
    local label=stack-$1 sock=$WORK/memif-$1.sock rc=0
    ip netns exec "$NS_M" timeout -k 5 $((DURATION + 90)) "$EXE" \
        --vdev "net_memif0,role=server,socket=$sock" --ip 10.78.0.2/24 \
        serve --http "$PORT" --root "$WORK/nginx/www" < /dev/null > "$WORK/$label-serve.out" \
        2> "$WORK/$label-serve.err" &
    SERVER_PID=$!
    wait_for_line "$WORK/$label-serve.out" '^multios-net: serving' "$SERVER_PID" 30
    pin_tree "$SERVER_PID" 1
    log "$label: load -c $CONNS -d $DURATION http://10.78.0.2:$PORT/f600"
    ip netns exec "$NS_M" taskset -c 0 timeout -k 5 $((DURATION + 60)) "$EXE" \
        --vdev "net_memif0,role=client,socket=$sock" --ip 10.78.0.1/24 \
        load "http://10.78.0.2:$PORT/f600" -c "$CONNS" -d "$DURATION" \
        < /dev/null > "$WORK/$label.out" 2> "$WORK/$label.err" || rc=$?
    cat "$WORK/$label.out" >&2
    # The memif server can crash when its client goes away (DPDK-HERE.md 4); the load is over
    # by then, so only the client's result counts.
    stop_pid "$SERVER_PID" INT
    SERVER_PID=""
    grep -q '^rate: ' "$WORK/$label.out" || fail "$label: no report from load (exit $rc)"
    ((rc == 0)) || log "$label: load exited $rc (failed requests): $(grep '^requests:' "$WORK/$label.out")"
}

# load_value FILE rps|p50|p99: from `multios-net load`'s report (latencies in microseconds).
load_value() {
    case $2 in
    rps) sed -n 's/^rate: \([0-9.]*\) requests\/s.*/\1/p' "$1" | awk '{ printf "%.0f", $1 }' ;;
    p50 | p99) sed -n "s/^latency: .*$2=\([0-9.]*\)us.*/\1/p" "$1" | awk '{ printf "%.0f", $1 }' ;;
    esac
}

# ---- kernel <-> kernel over veth ---------------------------------------------------------------
run_kernel() {
    local label=kernel-$1 dir=$WORK/nginx
    ip netns exec "$NS_A" taskset -c 1 "$NGINX" -p "$dir" -e "$dir/error.log" \
        -c "$dir/nginx.conf" > "$WORK/$label-nginx.out" 2>&1 &
    SERVER_PID=$!
    wait_serving "$label" "$NS_B" "http://10.98.0.1:$PORT/f600" "$SERVER_PID"
    run_wrk "$label" "$NS_B" "http://10.98.0.1:$PORT/f600" "$CONNS" 0
    stop_pid "$SERVER_PID" QUIT
    SERVER_PID=""
}

log "binary $EXE, $RUNS run(s) of ${DURATION}s, $CONNS connections, load average $(loadavg)"
for ((run = 1; run <= RUNS; run++)); do
    run_stack "$run"
    run_kernel "$run"
done

# ---- results -----------------------------------------------------------------------------------
declare -A VALUES
for what in rps p50 p99; do
    s=() k=()
    for ((run = 1; run <= RUNS; run++)); do
        s+=("$(load_value "$WORK/stack-$run.out" "$what")")
        k+=("$(wrk_value "$WORK/kernel-$run.wrk" "$what")")
    done
    VALUES[stack-$what]=$(median "${s[@]}")
    VALUES[kernel-$what]=$(median "${k[@]}")
    log "$what per run: stack ${s[*]}; kernel ${k[*]}"
done
printf '%-14s %10s %10s %10s\n' '' 'req/s' 'p50_us' 'p99_us'
for side in stack kernel; do
    printf '%-14s %10s %10s %10s\n' "$side" "${VALUES[$side-rps]}" "${VALUES[$side-p50]}" \
        "${VALUES[$side-p99]}"
done
echo "ratio req/s stack/kernel = $(ratio "${VALUES[stack-rps]}" "${VALUES[kernel-rps]}")"
echo "ratio p50 stack/kernel = $(ratio "${VALUES[stack-p50]}" "${VALUES[kernel-p50]}")"

NOTE="median of $RUNS x ${DURATION}s; $CONNS keep-alive connections, 600-byte file; server CPU 1, client CPU 0; load $(loadavg | cut -d' ' -f1)"
BASE="nginx 1 worker + wrk, kernel veth"
FIG="HTTP request/response, $CONNS conns, stack<->stack memif"
result http "$FIG: requests/s" "${VALUES[stack-rps]}" "${VALUES[kernel-rps]}" req/s higher \
    "$BASE" 3 "$NOTE"
result http "$FIG: p50 latency" "${VALUES[stack-p50]}" "${VALUES[kernel-p50]}" us lower \
    "$BASE" - "$NOTE"
result http "$FIG: p99 latency" "${VALUES[stack-p99]}" "${VALUES[kernel-p99]}" us lower \
    "$BASE" - "$NOTE"
log "done"
