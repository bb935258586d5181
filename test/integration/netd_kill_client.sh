#!/bin/bash
# Issue 6 acceptance: killing a client mid-transfer leaves the daemon serving the others.
# Two shimmed curls download a 40 MB file from the kernel's http.server at a limited rate (so
# both are mid-transfer together, with full receive windows); the first is killed with SIGKILL
# once it has some megabytes. The second must still complete with the right sha256, a new
# client afterwards must work, multios-netd must still run, and the kernel must not keep an
# established connection from the stack (the daemon reclaimed the killed client's socket and
# the peer saw FIN or RST).
# Usage: netd_kill_client.sh [BUILD_DIR]     (root; skips when the daemon or the shim is not built)
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/netd/netd_lib.sh"

PORT=8000
RATE=${KILL_RATE:-4M} # per client: 40 MB take ~10 s

# established: the kernel's established TCP connections on the http.server port.
established() { ip netns exec "$MNT_NS" ss -tnH state established "( sport = :$PORT )" || true; }
no_established() { [[ -z $(established) ]]; }

# size FILE: bytes so far (0 before the file exists).
size() { stat -c %s "$1" 2> /dev/null || echo 0; }

victim_has_4mb() { (($(size "$MNT_WORKDIR/victim.bin") >= 4194304)); }

netd_init killclient "$@"
WWW=$MNT_WORKDIR/www
WANT=$(netd_make_file "$WWW/big.bin" 40)
URL=http://$MNT_V4_KERNEL:$PORT/big.bin
netd_start
netd_kernel_http "$WWW" "$PORT"

netd_shim_bg victim curl -sS --max-time 120 --limit-rate "$RATE" -o "$MNT_WORKDIR/victim.bin" "$URL"
VICTIM=$MNT_BG_PID
netd_shim_bg survivor curl -sS --max-time 120 --limit-rate "$RATE" -o "$MNT_WORKDIR/survivor.bin" "$URL"
SURVIVOR=$MNT_BG_PID
NETD_WATCH_PID=$VICTIM NETD_WATCH_WHAT="the first curl"
netd_wait_until 60 "the first curl has 4 MB" \
    victim_has_4mb
netd_alive "$SURVIVOR" "the second curl"
mnt_log "both downloading ($(size "$MNT_WORKDIR/victim.bin") and $(size "$MNT_WORKDIR/survivor.bin") bytes);" \
    "connections seen by the kernel: $(established | wc -l)"
mnt_log "kill -9 the first curl (pid $VICTIM)"
kill -KILL "$VICTIM"
netd_wait_pid "$VICTIM" 5 || mnt_fail "the first curl survived SIGKILL"
NETD_WATCH_PID=""
victim_bytes=$(size "$MNT_WORKDIR/victim.bin")
mnt_log "the first curl died after $victim_bytes bytes"
((victim_bytes < 40 * 1048576)) || mnt_fail "the first curl finished before it was killed (raise the file size)"

netd_wait_pid "$SURVIVOR" 120 || mnt_fail "the second curl did not finish within 120s"
mnt_fail_if_stack_died
[[ $NETD_RC == 0 ]] || mnt_fail "the second curl exited $NETD_RC after the first was killed"
netd_check_sha "$MNT_WORKDIR/survivor.bin" "$WANT" "the second download"

mnt_log "a new client after the kill"
rc=0
netd_shim 200 curl -sS --max-time 180 -o "$MNT_WORKDIR/new.bin" "$URL" || rc=$?
[[ $rc == 0 ]] || mnt_fail "a new curl under the shim exited $rc"
netd_check_sha "$MNT_WORKDIR/new.bin" "$WANT" "the new client's download"

# All three requests came from the stack; none of their connections stays open.
n=$(grep -Ec "^(::ffff:)?$MNT_V4_STACK - .*\"GET /big.bin HTTP/1\.1\"" "$MNT_WORKDIR/pyhttp.err" || true)
((n == 3)) || mnt_fail "http.server logged $n GETs from $MNT_V4_STACK, expected 3"
NETD_WATCH_PID=""
netd_wait_until 30 "no kernel connection left to port $PORT" no_established
mnt_fail_if_stack_died
mnt_log "multios-netd still runs (pid $MNT_STACK_PID)"
netd_end "$NETD_HTTP_PID"
netd_stop
mnt_pass
