#!/bin/bash
# Issue 6: libmultios-client's C API against multios-netd. The daemon runs in a private network
# namespace on the TAP of config/test-net.toml; test/api/kernel_peers.py serves the kernel side
# (TCP echo 7, sink 9, reset reporter 11, UDP echo 7). Then:
#   1. test/netd/netd-client-tests (Catch2, tag [netd]) in the namespace: TCP/UDP both
#      families, dual-stack accept, non-blocking calls, readiness mirrored into the eventfd,
#      dup, fork, a killed client, 8 clients at once, errors.
#   2. the daemon is stopped (SIGTERM) while a client is blocked in recv: the call returns
#      ENETDOWN within ~2 s, later calls fail at once, and the daemon still exits 0.
#   3. no daemon at all (a missing path, a socket nobody listens on): mnet_socket fails with
#      ENOENT/ECONNREFUSED at once and stderr has a line naming multios-netd.
# Usage: netd_client.sh [multios-netd] [netd-client-tests] [catch2 args...]
#   (also $MULTIOS_NETD_EXE and $MNT_NETD_CLIENT_TESTS; root, else skip 77)
# shellcheck source-path=SCRIPTDIR source=netd/netd_lib.sh
source "$(dirname "$0")/netd/netd_lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MNT_NAME=netd-client # for mnt_skip messages before mnt_init (lib.sh)
export MNT_NAME

DAEMON=${1:-${MULTIOS_NETD_EXE:-}}
shift || true
TESTS=${1:-${MNT_NETD_CLIENT_TESTS:-}}
shift || true
[[ $(id -u) == 0 ]] || mnt_skip "needs root (network namespaces, TAP)"
[[ -n $DAEMON && -x $DAEMON ]] || mnt_skip "multios-netd is not built (${DAEMON:-no path given})"
[[ -n $TESTS && -x $TESTS ]] || mnt_skip "netd-client-tests is not built (${TESTS:-no path given})"
[[ -x $NETD_PYTHON ]] || mnt_fail "needs $NETD_PYTHON"
[[ -r $NETD_CONFIG ]] || mnt_fail "no $NETD_CONFIG"
NETD_EXE=$(realpath "$DAEMON")
TESTS=$(realpath "$TESTS")

# What netd_init does, without the shim (this test uses the client library directly).
mnt_init netd-client "$NETD_EXE"
NETD_SOCK=$MNT_WORKDIR/netd.sock
trap netd_cleanup EXIT

# ---- kernel peers, then the daemon -------------------------------------------------------------
RESET_LOG=$MNT_WORKDIR/reset.log
mnt_start_bg peers "$NETD_PYTHON" "$ROOT/test/api/kernel_peers.py" "$RESET_LOG"
PEERS_PID=$MNT_BG_PID
netd_show_on_failure "$MNT_WORKDIR/peers.err"
deadline=$((SECONDS + 15))
until grep -q '^ready' "$MNT_WORKDIR/peers.out" 2> /dev/null; do
    netd_alive "$PEERS_PID" "kernel_peers.py"
    ((SECONDS < deadline)) || mnt_fail "kernel_peers.py not ready within 15s"
    sleep 0.2
done
mnt_log "kernel peers ready"
netd_start

# client_env CMD...: CMD in the namespace with the client's environment.
client_env() {
    mnt_ns env MULTIOS_NETD="$NETD_SOCK" \
        MNT_V4_KERNEL="$MNT_V4_KERNEL" MNT_V6_KERNEL="$MNT_V6_KERNEL" \
        MNT_V4_STACK="$MNT_V4_STACK" MNT_V6_STACK="$MNT_V6_STACK" \
        MNT_RESET_LOG="$RESET_LOG" "$@"
}

# ---- 1. the C API against the daemon and the kernel -------------------------------------------
rc=0
client_env timeout -k 5 200 "$TESTS" --durations yes "${@:-[netd]}" || rc=$?
netd_alive "$PEERS_PID" "kernel_peers.py"
mnt_fail_if_stack_died
[[ $rc == 0 ]] || mnt_fail "netd-client-tests failed (exit code $rc)"
mnt_log "netd-client-tests passed; the daemon still runs"

# ---- 2. the daemon stops under a client blocked in recv ---------------------------------------
STOP_STAMP=$MNT_WORKDIR/stop-stamp
rm -f "$STOP_STAMP"
mnt_start_bg blocked env MULTIOS_NETD="$NETD_SOCK" NETD_STOP_FILE="$STOP_STAMP" \
    MNT_V4_KERNEL="$MNT_V4_KERNEL" MNT_V6_KERNEL="$MNT_V6_KERNEL" \
    "$TESTS" "[daemon-stop]"
BLOCKED_PID=$MNT_BG_PID
netd_show_on_failure "$MNT_WORKDIR/blocked.out" "$MNT_WORKDIR/blocked.err"
NETD_WATCH_PID=$BLOCKED_PID NETD_WATCH_WHAT="the blocked client"
netd_wait_until 20 "the client to block in recv" \
    grep -q 'blocked in recv' "$MNT_WORKDIR/blocked.out"
NETD_WATCH_PID=""
sleep 0.5
netd_alive "$BLOCKED_PID" "the blocked client (returned before the daemon stopped)"
touch "$STOP_STAMP"
netd_stop
netd_wait_pid "$BLOCKED_PID" 5 || mnt_fail "the client blocked in recv still hangs 5s after the daemon exited"
cat "$MNT_WORKDIR/blocked.out"
[[ $NETD_RC == 0 ]] || mnt_fail "the blocked client's checks failed (exit code $NETD_RC)"
mnt_log "the blocked client got ENETDOWN in time; stderr: $(grep -m1 'multios-netd' "$MNT_WORKDIR/blocked.err" || echo none)"

# ---- 3. no daemon -------------------------------------------------------------------------------
# no_daemon LABEL PATH: the hidden [no-daemon] case with MULTIOS_NETD=PATH.
no_daemon() {
    local label=$1 err=$MNT_WORKDIR/nodaemon-$1.err rc=0 start=$SECONDS
    mnt_log "no daemon ($label): MULTIOS_NETD=$2"
    mnt_ns timeout -k 5 30 env MULTIOS_NETD="$2" "$TESTS" "[no-daemon]" \
        > "$MNT_WORKDIR/nodaemon-$label.out" 2> "$err" || rc=$?
    if [[ $rc != 0 ]]; then
        cat "$MNT_WORKDIR/nodaemon-$label.out" "$err"
        mnt_fail "no daemon ($label): the checks failed (exit code $rc)"
    fi
    ((SECONDS - start <= 10)) || mnt_fail "no daemon ($label): took $((SECONDS - start))s"
    grep -q 'multios-netd' "$err" || {
        cat "$err"
        mnt_fail "no daemon ($label): no stderr line mentioning multios-netd"
    }
    mnt_log "no daemon ($label): $(grep -m1 'multios-netd' "$err")"
}
[[ ! -e $NETD_SOCK ]] || mnt_log "note: the daemon left $NETD_SOCK behind"
no_daemon missing "$MNT_WORKDIR/no-such-dir/netd.sock"
# A socket file nobody listens on (a daemon that died without removing it): ECONNREFUSED.
DEAD_SOCK=$MNT_WORKDIR/dead.sock
"$NETD_PYTHON" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$DEAD_SOCK"
no_daemon refused "$DEAD_SOCK"

netd_end "$PEERS_PID"
mnt_pass
