#!/bin/bash
# Issue 6 acceptance: Debian's redis-server under the LD_PRELOAD shim, bound to 10.99.0.2:6379.
# The kernel's redis-cli (no shim) sets and gets a small key and a 256 kB value, then
# `redis-benchmark -n 20000 -q -t set,get` completes with a rate for SET and GET; redis-server
# stops on SIGTERM with exit code 0.
# Usage: netd_redis.sh [BUILD_DIR]     (root; skips when the daemon or the shim is not built)
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/netd/netd_lib.sh"

PORT=6379

# cli ARGS...: the kernel's redis-cli against the stack (at most 30 s).
cli() { mnt_ns timeout -k 5 30 redis-cli -h "$MNT_V4_STACK" -p "$PORT" "$@"; }

# pong: the server answers PING.
pong() { [[ $(ip netns exec "$MNT_NS" timeout 5 redis-cli -h "$MNT_V4_STACK" -p "$PORT" ping) == PONG ]]; }

netd_init redis "$@"
mnt_require_tool redis-server redis-cli redis-benchmark base64
mkdir -p "$MNT_WORKDIR/redis"
netd_start

netd_shim_bg redis redis-server --bind "$MNT_V4_STACK" --port "$PORT" --save '' --appendonly no \
    --protected-mode no --daemonize no --dir "$MNT_WORKDIR/redis" --logfile ''
REDIS_PID=$MNT_BG_PID
netd_wait_until 30 "redis-server answering PING on $MNT_V4_STACK:$PORT" pong
netd_no_kernel_listener "$PORT"

# A small key.
[[ $(cli set k v) == OK ]] || mnt_fail "redis-cli set k v did not answer OK"
[[ $(cli get k) == v ]] || mnt_fail "redis-cli get k did not return v"
mnt_log "redis-cli set k v / get k: OK, v"

# A value that spans many segments each way.
head -c 196608 /dev/urandom | base64 -w0 > "$MNT_WORKDIR/value.txt"
[[ $(cli -x set big < "$MNT_WORKDIR/value.txt") == OK ]] || mnt_fail "redis-cli -x set big failed"
# Whole output first: `| head -c` would close the pipe under redis-cli's trailing newline
# (SIGPIPE, and pipefail fails the test at random).
cli --raw get big > "$MNT_WORKDIR/got-raw.txt"
head -c "$(stat -c %s "$MNT_WORKDIR/value.txt")" "$MNT_WORKDIR/got-raw.txt" > "$MNT_WORKDIR/got.txt"
cmp -s "$MNT_WORKDIR/value.txt" "$MNT_WORKDIR/got.txt" ||
    mnt_fail "get big returned $(stat -c %s "$MNT_WORKDIR/got.txt") bytes that differ from the value set"
mnt_log "a $(stat -c %s "$MNT_WORKDIR/value.txt")-byte value round-trips"

# The benchmark (50 clients by default), bounded.
BENCH=$MNT_WORKDIR/benchmark.txt
netd_show_on_failure "$BENCH"
rc=0
mnt_ns timeout -k 5 180 redis-benchmark -h "$MNT_V4_STACK" -p "$PORT" -n 20000 -q -t set,get \
    > "$BENCH" 2>&1 || rc=$?
# -q rewrites its progress line with carriage returns: keep the final lines only.
tr '\r' '\n' < "$BENCH" | grep -E '^(SET|GET): ' | grep -v 'rps=' | tee "$BENCH.final" || true
[[ $rc == 0 ]] || mnt_fail "redis-benchmark exited $rc"
for op in SET GET; do
    grep -Eq "^$op: [0-9.]+ requests per second" "$BENCH.final" ||
        mnt_fail "redis-benchmark printed no final $op rate"
done
if tr '\r' '\n' < "$BENCH" | grep -Ei 'error|could not connect'; then
    mnt_fail "redis-benchmark reported errors (above)"
fi
netd_alive "$REDIS_PID" "redis-server"
[[ $(cli get k) == v ]] || mnt_fail "get k after the benchmark did not return v"

mnt_log "stopping redis-server (pid $REDIS_PID) with SIGTERM"
kill -TERM "$REDIS_PID"
netd_wait_pid "$REDIS_PID" 20 || mnt_fail "redis-server did not exit within 20s of SIGTERM"
[[ $NETD_RC == 0 ]] || mnt_fail "redis-server exited with code $NETD_RC"
netd_stop
mnt_pass
