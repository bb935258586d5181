#!/bin/bash
# HTTP on net_tap (issue 8): the stack's HTTP server against nginx on the kernel, each loaded
# by wrk the same way, in the same run:
#
#   stack-tap    `multios-net serve --http 8080` on net_tap (10.99.0.2) in a private
#                namespace; wrk on the kernel side of that TAP (10.99.0.1), same namespace
#   nginx-veth   nginx (1 worker, epoll, sendfile on, keep-alive, access_log off) in namespace
#                A (10.98.0.1), wrk in namespace B over a veth pair
#
# Both serve a 600-byte file to `wrk -t1 -c50 -dS --latency` (keep-alive). Pinning: the
# serving side (the stack's lcore, nginx's worker) on CPU 1, wrk on CPU 0 (multios-net's EAL
# pins its lcore to CPU 0 at start, so it is moved once it is up). Runs alternate stack and
# nginx; the figures are medians over the runs. Result lines (section http): requests/s (issue
# target: 3x nginx on the kernel; F-Stack reached 0.76x measured this way on this machine
# kind), p50 and p99 latency. A trap stops every process and deletes the namespaces.
#
# Usage: bench/http_tap.sh [--smoke] [--runs N] [--duration S] [path/to/multios-net]
#   --smoke   one run of 2 s each: checks the harness, the numbers mean nothing
#   default   3 runs of 10 s each
# Needs root, iproute2, taskset, nginx (nginx-light), wrk, curl.
# Exit: 0 ok, 1 a run failed, 77 cannot run here.
set -euo pipefail

RUNS=3
DURATION=10
ARG=""
while (($#)); do
    case $1 in
    --smoke | --quick) RUNS=1 DURATION=2 ;;
    --runs) RUNS=${2:?--runs needs a value} && shift ;;
    --duration) DURATION=${2:?--duration needs a value} && shift ;;
    -h | --help) sed -n '2,24p' "$0" && exit 0 ;;
    *) ARG=$1 ;;
    esac
    shift
done
((DURATION <= 15)) || DURATION=15 # bounded: at most 15 s per run

BENCH_NAME=http_tap
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

EXE=$(bench_binary apps/multios-net/multios-net "$ARG" "${MULTIOS_NET:-}") ||
    skip "multios-net binary not found (pass it, or set BENCH_BUILD_DIR or MULTIOS_NET)"
NGINX=/usr/sbin/nginx
[[ $(id -u) == 0 ]] || skip "needs root (network namespaces, TAP)"
[[ -x $NGINX ]] || skip "needs $NGINX (Debian package nginx-light)"
for t in ip wrk curl taskset timeout pgrep; do
    command -v "$t" > /dev/null || skip "needs $t"
done
(($(nproc) >= 2)) || skip "needs 2 CPUs (server and wrk on different ones)"

NS_TAP=httpb-tap-$$
NS_A=httpb-ta-$$
NS_B=httpb-tb-$$
PORT=8080
SERVER_PID=""
bench_setup http_tap "$NS_TAP" "$NS_A" "$NS_B"

tap_namespace "$NS_TAP"
veth_namespaces "$NS_A" "$NS_B"
nginx_config "$WORK/nginx" 10.98.0.1 "$PORT" # also makes $WORK/nginx/www/f600

run_stack() {
    local label=stack-$1
    ip netns exec "$NS_TAP" timeout -k 5 $((DURATION + 90)) "$EXE" \
        --vdev net_tap0,iface=mnet0 --mac 02:00:00:00:00:02 --ip 10.99.0.2/24 \
        serve --http "$PORT" --root "$WORK/nginx/www" < /dev/null > "$WORK/$label.out" \
        2> "$WORK/$label.err" &
    SERVER_PID=$!
    wait_for_line "$WORK/$label.out" '^multios-net: serving' "$SERVER_PID" 30
    pin_tree "$SERVER_PID" 1
    wait_serving "$label" "$NS_TAP" "http://10.99.0.2:$PORT/f600" "$SERVER_PID"
    run_wrk "$label" "$NS_TAP" "http://10.99.0.2:$PORT/f600" 50 0
    kill -0 "$SERVER_PID" 2> /dev/null || fail "$label: the server died under load"
    stop_pid "$SERVER_PID" INT
    SERVER_PID=""
}

run_nginx() {
    local label=nginx-$1 dir=$WORK/nginx
    ip netns exec "$NS_A" taskset -c 1 "$NGINX" -p "$dir" -e "$dir/error.log" \
        -c "$dir/nginx.conf" > "$WORK/$label.out" 2>&1 &
    SERVER_PID=$!
    wait_serving "$label" "$NS_B" "http://10.98.0.1:$PORT/f600" "$SERVER_PID"
    run_wrk "$label" "$NS_B" "http://10.98.0.1:$PORT/f600" 50 0
    kill -0 "$SERVER_PID" 2> /dev/null || fail "$label: the server died under load"
    stop_pid "$SERVER_PID" QUIT
    SERVER_PID=""
}

log "binary $EXE, $RUNS run(s) of ${DURATION}s, load average $(loadavg)"
for ((run = 1; run <= RUNS; run++)); do
    run_stack "$run"
    run_nginx "$run"
done

# ---- results -----------------------------------------------------------------------------------
declare -A VALUES
for side in stack nginx; do
    for what in rps p50 p99; do
        list=()
        for ((run = 1; run <= RUNS; run++)); do
            list+=("$(wrk_value "$WORK/$side-$run.wrk" "$what")")
        done
        VALUES[$side-$what]=$(median "${list[@]}")
        log "$side $what per run: ${list[*]}"
    done
done
printf '%-12s %10s %10s %10s\n' '' 'req/s' 'p50_us' 'p99_us'
for side in stack nginx; do
    printf '%-12s %10s %10s %10s\n' "$side" "${VALUES[$side-rps]}" "${VALUES[$side-p50]}" \
        "${VALUES[$side-p99]}"
done
echo "ratio req/s stack/nginx = $(ratio "${VALUES[stack-rps]}" "${VALUES[nginx-rps]}")"
echo "ratio p50 stack/nginx = $(ratio "${VALUES[stack-p50]}" "${VALUES[nginx-p50]}")"

NOTE="median of $RUNS x ${DURATION}s; 600-byte file; server CPU 1, wrk CPU 0; load $(loadavg | cut -d' ' -f1)"
BASE="nginx 1 worker, kernel veth"
result http "HTTP on net_tap, wrk -t1 -c50: requests/s" "${VALUES[stack-rps]}" \
    "${VALUES[nginx-rps]}" req/s higher "$BASE" 3 "$NOTE; F-Stack reached 0.76x the kernel here"
result http "HTTP on net_tap, wrk -t1 -c50: p50 latency" "${VALUES[stack-p50]}" \
    "${VALUES[nginx-p50]}" us lower "$BASE" - "$NOTE"
result http "HTTP on net_tap, wrk -t1 -c50: p99 latency" "${VALUES[stack-p99]}" \
    "${VALUES[nginx-p99]}" us lower "$BASE" - "$NOTE"
log "done"
