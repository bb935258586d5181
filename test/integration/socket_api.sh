#!/bin/bash
# The public socket API (issue 5) against the Linux kernel: test/api/api-tests (a Catch2
# binary that starts the default NetworkStack from $MULTIOS_NET_CONFIG) runs inside the test
# namespace, talking to kernel peers (test/api/kernel_peers.py: TCP echo 7, sink 9, no-read 10,
# reset reporter 11, UDP echo 7 with TTL reports) and to kernel clients it starts itself.
# Usage: socket_api.sh [path/to/multios-net] [path/to/api-tests] [catch2 args...]
#   (the api-tests binary also comes from $MNT_API_TESTS or the build next to multios-net)
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

mnt_init sockapi "${1:-}"
shift || true
API_TESTS=${1:-${MNT_API_TESTS:-}}
shift || true
if [[ -z $API_TESTS ]]; then
    # build/apps/multios-net/multios-net -> build/test/api/api-tests
    API_TESTS=$(dirname "$(dirname "$(dirname "$MNT_EXE")")")/test/api/api-tests
fi
[[ -x $API_TESTS ]] || mnt_fail "api-tests binary not found ($API_TESTS)"
mnt_require_tool python3
CONFIG=$ROOT/config/test-net.toml
[[ -r $CONFIG ]] || mnt_fail "no $CONFIG"

# The kernel's side of the TAP exists before the stack starts (the stack attaches to it).
mnt_precreate_tap
RESET_LOG=$MNT_WORKDIR/reset.log
mnt_start_bg peers python3 "$ROOT/test/api/kernel_peers.py" "$RESET_LOG"
PEERS_PID=$MNT_BG_PID
deadline=$((SECONDS + 15))
until grep -q '^ready' "$MNT_WORKDIR/peers.out" 2> /dev/null; do
    kill -0 "$PEERS_PID" 2> /dev/null || {
        cat "$MNT_WORKDIR/peers.err"
        mnt_fail "kernel_peers.py exited"
    }
    ((SECONDS < deadline)) || mnt_fail "kernel_peers.py not ready within 15s"
    sleep 0.2
done
mnt_log "kernel peers ready"

rc=0
mnt_ns env MULTIOS_NET_CONFIG="$CONFIG" \
    MNT_V4_KERNEL="$MNT_V4_KERNEL" MNT_V6_KERNEL="$MNT_V6_KERNEL" \
    MNT_V4_STACK="$MNT_V4_STACK" MNT_V6_STACK="$MNT_V6_STACK" \
    MNT_IFACE="$MNT_IFACE" MNT_RESET_LOG="$RESET_LOG" \
    MNT_API_UDP_SOCKETS="${MNT_API_UDP_SOCKETS:-2000}" \
    timeout -s INT 280 "$API_TESTS" --durations yes "${@:-[api]}" || rc=$?
kill -0 "$PEERS_PID" 2> /dev/null || mnt_log "warning: kernel_peers.py died (see $MNT_WORKDIR/peers.err)"
[[ $rc == 0 ]] || mnt_fail "api-tests failed (exit code $rc)"
mnt_pass
