#!/bin/bash
# nginx on the stack (through multios-netd and the LD_PRELOAD shim) against nginx on the kernel,
# loaded by wrk the same way in the same run, printed as a ratio (issue 6):
#
#   kernel-veth  nginx in namespace A (10.98.0.1), wrk in namespace B over a veth pair
#   shim-tap     nginx under LD_PRELOAD=libmultios-preload.so on the stack's address
#                10.99.0.2 (multios-netd on the TAP of config/test-net.toml), wrk on the kernel
#                side of that TAP in the same namespace
#
# nginx (Debian's nginx-light): one worker, epoll, sendfile on, access_log off, serving a
# 600-byte file; wrk -t1 -c50 -d10s --latency (keep-alive). The kernel run comes first: the
# daemon's lcore busy-polls a CPU while it runs, and that CPU is part of what the shim costs.
# A trap stops every process and deletes the namespaces.
#
# Usage: bench/netd_nginx.sh [--quick|--smoke] [BUILD_DIR]
#   --quick, --smoke  2-second wrk runs: checks the harness, not the figures
#   BUILD_DIR  has apps/multios-netd/multios-netd and apps/preload/libmultios-preload.so
#              (default $BENCH_BUILD_DIR, then ./build); $MULTIOS_NETD_EXE and
#              $MULTIOS_PRELOAD override them.
# Needs root, iproute2, nginx, wrk, curl. Exit: 0 ok, 1 a run failed, 77 cannot run here.
set -euo pipefail

DURATION=10
BUILD=""
while (($#)); do
    case $1 in
    --quick | --smoke) DURATION=2 ;;
    -h | --help) sed -n '2,20p' "$0" && exit 0 ;;
    *) BUILD=$1 ;;
    esac
    shift
done

BENCH_NAME=netd_nginx
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-${BENCH_BUILD_DIR:-build}}
NETD_EXE=${MULTIOS_NETD_EXE:-$BUILD/apps/multios-netd/multios-netd}
PRELOAD=${MULTIOS_PRELOAD:-$BUILD/apps/preload/libmultios-preload.so}
NGINX=/usr/sbin/nginx
[[ -x $NETD_EXE ]] || skip "multios-netd is not built ($NETD_EXE)"
[[ -r $PRELOAD ]] || skip "the LD_PRELOAD shim is not built ($PRELOAD)"
NETD_EXE=$(realpath "$NETD_EXE") PRELOAD=$(realpath "$PRELOAD")
if readelf -d "$PRELOAD" 2> /dev/null | grep -Eq 'NEEDED.*lib(a|ub)san'; then
    skip "the shim is a sanitizer build: it cannot be preloaded into Debian's nginx"
fi
[[ $(id -u) == 0 ]] || skip "needs root (network namespaces, TAP)"
[[ -x $NGINX ]] || skip "needs $NGINX (Debian package nginx-light)"
for t in ip wrk curl timeout; do
    command -v "$t" > /dev/null || skip "needs $t"
done

NS_TAP=mnt-nnginx-tap-$$
NS_A=mnt-nnginx-a-$$
NS_B=mnt-nnginx-b-$$
PORT=8080
DAEMON_PID=""
NGINX_PID=""
bench_stop() { # called by bench_cleanup
    [[ -n $NGINX_PID ]] && stop_pid "$NGINX_PID" QUIT
    [[ -n $DAEMON_PID ]] && stop_pid "$DAEMON_PID" TERM
}
# WORK: nginx's worker runs as nobody and must reach the served file and the daemon's socket.
bench_setup netd_nginx "$NS_TAP" "$NS_A" "$NS_B"

# ---- networks ----------------------------------------------------------------------------------
tap_namespace "$NS_TAP"
veth_namespaces "$NS_A" "$NS_B"

# ---- nginx -------------------------------------------------------------------------------------
# start_nginx LABEL NS ADDRESS ENV...: nginx in the background; waits until curl gets the file.
start_nginx() {
    local label=$1 ns=$2 addr=$3 dir=$WORK/$1
    shift 3
    nginx_config "$dir" "$addr" "$PORT"
    ip netns exec "$ns" env "$@" "$NGINX" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" \
        > "$dir/nginx.out" 2>&1 &
    NGINX_PID=$!
    wait_serving "$label" "$ns" "http://$addr:$PORT/f600" "$NGINX_PID"
    log "$label: nginx (pid $NGINX_PID) serves http://$addr:$PORT/f600"
}

stop_nginx() {
    stop_pid "$NGINX_PID" QUIT
    NGINX_PID=""
}

# nginx_alive LABEL WHEN: fails (with nginx's exit status) when the master has exited.
nginx_alive() {
    local rc=0
    kill -0 "$NGINX_PID" 2> /dev/null && return 0
    wait "$NGINX_PID" 2> /dev/null || rc=$?
    NGINX_PID=""
    ((rc > 128)) && rc="$rc (signal $((rc - 128)))"
    fail "$1: nginx exited $2, status $rc"
}

# ---- the kernel baseline -----------------------------------------------------------------------
start_nginx kernel-veth "$NS_A" 10.98.0.1
run_wrk kernel-veth "$NS_B" http://10.98.0.1:$PORT/f600 50
nginx_alive kernel-veth "under load"
stop_nginx

# ---- nginx under the shim ------------------------------------------------------------------------
SOCK=$WORK/netd.sock
log "starting multios-netd"
ip netns exec "$NS_TAP" "$NETD_EXE" --socket "$SOCK" --config "$REPO/config/test-net.toml" \
    > "$WORK/netd.out" 2>&1 &
DAEMON_PID=$!
deadline=$((SECONDS + 30))
until grep -Fq "multios-netd: ready on $SOCK" "$WORK/netd.out" 2> /dev/null; do
    kill -0 "$DAEMON_PID" 2> /dev/null || fail "multios-netd exited before it was ready"
    ((SECONDS < deadline)) || fail "multios-netd printed no ready line within 30s"
    sleep 0.2
done
start_nginx shim-tap "$NS_TAP" 10.99.0.2 LD_PRELOAD="$PRELOAD" MULTIOS_NETD="$SOCK"
if ip netns exec "$NS_TAP" ss -tlnH "sport = :$PORT" | grep -q .; then
    fail "a kernel socket listens on port $PORT: nginx fell back to libc"
fi
run_wrk shim-tap "$NS_TAP" http://10.99.0.2:$PORT/f600 50
nginx_alive shim-tap "under load"
stop_nginx
kill -0 "$DAEMON_PID" 2> /dev/null || fail "multios-netd died during the run"

# ---- results -------------------------------------------------------------------------------------
value() { wrk_value "$WORK/$1.wrk" "$2"; } # LABEL rps|avg|p50|p99|errors
printf '%-12s %10s %10s %10s %10s %7s\n' run 'req/s' 'avg_us' 'p50_us' 'p99_us' errors
for r in kernel-veth shim-tap; do
    printf '%-12s %10s %10s %10s %10s %7s\n' "$r" "$(value "$r" rps)" "$(value "$r" avg)" \
        "$(value "$r" p50)" "$(value "$r" p99)" "$(value "$r" errors)"
done
echo "ratio req/s shim-tap/kernel-veth = $(ratio "$(value shim-tap rps)" "$(value kernel-veth rps)" 2)"
echo "ratio p50_latency shim-tap/kernel-veth = $(ratio "$(value shim-tap p50)" "$(value kernel-veth p50)" 2)"
NOTE="600-byte file, wrk -t1 -c50 -d${DURATION}s; shim: multios-netd + TAP; socket errors: $(value shim-tap errors)/$(value kernel-veth errors) (shim/kernel)"
result netd-nginx "nginx requests/s under the LD_PRELOAD shim" "$(value shim-tap rps)" \
    "$(value kernel-veth rps)" "requests/s" higher "nginx on the kernel, veth" - "$NOTE"
result netd-nginx "nginx p50 latency under the shim" "$(value shim-tap p50)" \
    "$(value kernel-veth p50)" µs lower "nginx on the kernel, veth" - "$NOTE"
result netd-nginx "nginx p99 latency under the shim" "$(value shim-tap p99)" \
    "$(value kernel-veth p99)" µs lower "nginx on the kernel, veth" - "$NOTE"
log "done"
