#!/bin/bash
# `multios-net get` against the kernel's `python3 -m http.server` (HTTP/1.0, body until close):
# a 100 MB file over IPv4 and IPv6 with sha256 checked, the status line and summary on stderr;
# 404 and a refused connection exit 1.
# Usage: tcp_http_get.sh [path/to/multios-net]
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/http_lib.sh"
PY_PORT=8000

# stack_get LABEL EXPECTED_EXIT URL [ARGS...]: one `multios-net get`, bounded in time.
stack_get() {
    local label=$1 expected=$2 rc=0
    shift 2
    local out=$MNT_WORKDIR/$label.stdout err=$MNT_WORKDIR/$label.err
    # shellcheck disable=SC2034 # read by lib.sh when a test fails (stack logs)
    MNT_STACK_OUT=$out MNT_STACK_ERR=$err
    mnt_log "stack get $* (expecting exit code $expected)"
    # shellcheck disable=SC2046 # word splitting of the option list is intended
    mnt_ns timeout -k 5 240 "$MNT_EXE" $(mnt_port_args) $MNT_STACK_EXTRA get "$@" \
        < /dev/null > "$out" 2> "$err" || rc=$?
    cat "$err"
    [[ $rc == "$expected" ]] || mnt_fail "multios-net get $* exited $rc, expected $expected"
}

wait_for_python() {
    local deadline=$((SECONDS + 15))
    until mnt_ns ss -ltnH "sport = :$PY_PORT" | grep -q LISTEN; do
        ((SECONDS < deadline)) || mnt_fail "python3 -m http.server did not start"
        sleep 0.2
    done
}

mnt_init tcphttpget "$@"
mnt_require_tool sha256sum ss
[[ -x /usr/bin/python3 ]] || mnt_fail "needs /usr/bin/python3"
http_make_root
mnt_precreate_tap
# Dual-stack listener (http.server binds :: with IPV6_V6ONLY off when run as a module).
mnt_start_bg pyhttp /usr/bin/python3 -m http.server "$PY_PORT" --bind :: --directory "$HTTP_ROOT"
wait_for_python

stack_get v4 0 "http://$MNT_V4_KERNEL:$PY_PORT/big.bin" -o "$MNT_WORKDIR/v4.bin"
mnt_expect "$MNT_WORKDIR/v4.err" '^HTTP/1\.[01] 200 OK' "get v4: no status line on stderr"
mnt_expect "$MNT_WORKDIR/v4.err" "^$HTTP_BIG_BYTES bytes in [0-9.]+ s \(" "get v4: no summary"
http_check_sha "$MNT_WORKDIR/v4.bin" "get v4"
rm -f "$MNT_WORKDIR/v4.bin"

stack_get v6 0 "http://[$MNT_V6_KERNEL]:$PY_PORT/big.bin" -o "$MNT_WORKDIR/v6.bin"
mnt_expect "$MNT_WORKDIR/v6.err" "^$HTTP_BIG_BYTES bytes in " "get v6: no summary"
http_check_sha "$MNT_WORKDIR/v6.bin" "get v6"
rm -f "$MNT_WORKDIR/v6.bin"

# Without -o the body goes to stdout.
stack_get stdout 0 "http://$MNT_V4_KERNEL:$PY_PORT/hello.txt"
[[ $(cat "$MNT_WORKDIR/stdout.stdout") == hello ]] || mnt_fail "get to stdout: wrong body"

# Errors exit 1: an HTTP 404, and a port nobody listens on (RST: connection refused).
stack_get missing 1 "http://$MNT_V4_KERNEL:$PY_PORT/no-such-file" -o "$MNT_WORKDIR/missing.bin"
mnt_expect "$MNT_WORKDIR/missing.err" '^HTTP/1\.[01] 404 ' "get 404: no status line"
stack_get refused 1 "http://$MNT_V4_KERNEL:9/" -o /dev/null
mnt_expect "$MNT_WORKDIR/refused.err" '[Rr]efused' "get to a closed port: not 'refused'"
mnt_pass
