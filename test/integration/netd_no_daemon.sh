#!/bin/bash
# Issue 6: without a daemon the shim says so clearly on stderr and the program fails like a
# socket call would, quickly and without hanging or crashing. curl under the shim with
# MULTIOS_NETD pointing at a path that does not exist, then at a regular file (not a socket):
# curl exits non-zero (not by a signal, not by our timeout) within 10 s, and stderr has a line
# from the client library naming multios-netd. A program that makes no stack socket still runs
# normally under the shim without a daemon. Runs in an empty private namespace, so a libc
# fallback could not reach any network either.
# Usage: netd_no_daemon.sh [BUILD_DIR]     (root; skips when the daemon or the shim is not built)
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/netd/netd_lib.sh"

# try LABEL SOCKET_PATH: curl under the shim with MULTIOS_NETD=SOCKET_PATH must fail cleanly.
try() {
    local label=$1 err=$MNT_WORKDIR/$1.err rc=0 start=$SECONDS took
    mnt_log "$label: curl with MULTIOS_NETD=$2"
    mnt_ns timeout -k 5 30 env LD_PRELOAD="$NETD_PRELOAD" MULTIOS_NETD="$2" \
        curl -sS --max-time 20 -o /dev/null "http://$MNT_V4_KERNEL:8000/" 2> "$err" || rc=$?
    took=$((SECONDS - start))
    echo "----- curl's stderr (exit code $rc, ${took}s) -----"
    cat "$err"
    ((rc != 0)) || mnt_fail "$label: curl succeeded without a daemon"
    ((rc != 124 && rc != 137)) || mnt_fail "$label: curl hung (killed by timeout after ${took}s)"
    ((rc < 128)) || mnt_fail "$label: curl died of signal $((rc - 128))"
    ((took <= 10)) || mnt_fail "$label: curl took ${took}s to fail"
    grep -q 'multios-netd' "$err" || mnt_fail "$label: no stderr line mentioning multios-netd"
    mnt_log "$label: curl exited $rc after ${took}s; the message: $(grep -m1 'multios-netd' "$err")"
}

netd_init nodaemon "$@"
try missing "$MNT_WORKDIR/no-such-dir/netd.sock"
echo "not a socket" > "$MNT_WORKDIR/plain-file"
try not-a-socket "$MNT_WORKDIR/plain-file"

# No stack socket, no daemon needed: files and pipes go to libc unchanged.
echo "some text" > "$MNT_WORKDIR/file.txt"
want=$(netd_sha "$MNT_WORKDIR/file.txt")
got=$(mnt_ns timeout -k 5 30 env LD_PRELOAD="$NETD_PRELOAD" MULTIOS_NETD="$MNT_WORKDIR/no-such.sock" \
    sha256sum "$MNT_WORKDIR/file.txt" | cut -d' ' -f1) || mnt_fail "sha256sum under the shim failed"
[[ $got == "$want" ]] || mnt_fail "sha256sum under the shim printed '$got'"
mnt_log "a program without sockets runs under the shim without a daemon"
mnt_pass
