#!/bin/bash
# Issue 6 acceptance: unmodified curl under the LD_PRELOAD shim downloads a 50 MB file from
# the kernel's `python3 -m http.server` (10.99.0.1, then [fd99::1]) through multios-netd; the
# sha256 matches, and the server saw the stack's address (10.99.0.2 / fd99::2) as the client,
# so the bytes really went through the stack and not through a libc fallback.
# Usage: netd_curl.sh [BUILD_DIR]     (root; skips when the daemon or the shim is not built)
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/netd/netd_lib.sh"

PORT=8000
netd_init curl "$@"
WWW=$MNT_WORKDIR/www
WANT=$(netd_make_file "$WWW/big.bin" 50)
mnt_log "big.bin: 50 MB, sha256 $WANT"
netd_start
netd_kernel_http "$WWW" "$PORT"

for fam in v4 v6; do
    if [[ $fam == v4 ]]; then
        url=http://$MNT_V4_KERNEL:$PORT/big.bin client=$MNT_V4_STACK
    else
        url=http://[$MNT_V6_KERNEL]:$PORT/big.bin client=$MNT_V6_STACK
    fi
    out=$MNT_WORKDIR/got-$fam.bin
    rc=0
    mnt_log "curl under the shim: $url"
    speed=$(netd_shim 200 curl -g -sS --max-time 180 -o "$out" -w '%{speed_download}' "$url") || rc=$?
    mnt_fail_if_stack_died
    [[ $rc == 0 ]] || mnt_fail "$fam: curl under the shim exited $rc"
    mnt_log "$fam: $(netd_mbps "$speed")"
    netd_check_sha "$out" "$WANT" "$fam download"
    rm -f "$out"
    grep -Eq "^(::ffff:)?$client - .*\"GET /big.bin HTTP/1\.1\" 200" "$MNT_WORKDIR/pyhttp.err" ||
        mnt_fail "$fam: http.server logged no GET from $client (did the request bypass the stack?)"
done

netd_alive "$NETD_HTTP_PID" "the kernel's http.server"
netd_end "$NETD_HTTP_PID"
netd_stop
mnt_pass
