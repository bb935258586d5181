#!/bin/bash
# `multios-net load` against the kernel's `python3 -m http.server` over the TAP: keep-alive
# HTTP/1.1 (no reconnects) over IPv4 and IPv6, an HTTP/1.0 server that closes after each
# response (exactly -n requests, reconnects), and the failures that exit 1: a 404 (status
# errors) and a refused port (connect errors). Checks the report lines, not the figures.
# Usage: http_load.sh [path/to/multios-net]
source "$(dirname "$0")/lib.sh"
PORT_11=8001 # HTTP/1.1, keep-alive
PORT_10=8000 # HTTP/1.0, closes after every response

# stack_load LABEL EXPECTED_EXIT URL [ARGS...]: one `multios-net load`, bounded in time.
stack_load() {
    local label=$1 expected=$2 rc=0
    shift 2
    local out=$MNT_WORKDIR/$label.out err=$MNT_WORKDIR/$label.err
    # shellcheck disable=SC2034 # read by lib.sh when a test fails (stack logs)
    MNT_STACK_OUT=$out MNT_STACK_ERR=$err
    mnt_log "stack load $* (expecting exit code $expected)"
    # shellcheck disable=SC2046,SC2086 # word splitting of the option lists is intended
    mnt_ns timeout -k 5 60 "$MNT_EXE" $(mnt_port_args) $MNT_STACK_EXTRA load "$@" \
        < /dev/null > "$out" 2> "$err" || rc=$?
    cat "$out"
    [[ $rc == "$expected" ]] || { cat "$err"; mnt_fail "multios-net load $* exited $rc, expected $expected"; }
}

# field LABEL KEY: the number after KEY= on the report's `requests:` line.
field() {
    sed -n "s/^requests: .*\b$2=\([0-9]*\).*/\1/p" "$MNT_WORKDIR/$1.out"
}

wait_for_python() {
    local port=$1 deadline=$((SECONDS + 15))
    until mnt_ns ss -ltnH "sport = :$port" | grep -q LISTEN; do
        ((SECONDS < deadline)) || mnt_fail "python3 -m http.server on $port did not start"
        sleep 0.2
    done
}

mnt_init httpload "$@"
mnt_require_tool ss
[[ -x /usr/bin/python3 ]] || mnt_fail "needs /usr/bin/python3"
ROOT=$MNT_WORKDIR/www
mkdir -p "$ROOT"
head -c 600 /dev/zero | tr '\0' x > "$ROOT/f600"
mnt_precreate_tap
mnt_start_bg py11 /usr/bin/python3 -m http.server "$PORT_11" --bind :: --directory "$ROOT" \
    --protocol HTTP/1.1
mnt_start_bg py10 /usr/bin/python3 -m http.server "$PORT_10" --bind :: --directory "$ROOT"
wait_for_python "$PORT_11"
wait_for_python "$PORT_10"

# Keep-alive, time-bounded: requests complete, none fail, the connections are never reopened.
stack_load v4 0 "http://$MNT_V4_KERNEL:$PORT_11/f600" -c 4 -d 2
mnt_expect "$MNT_WORKDIR/v4.out" '^load http://.*: 4 connections on 1 lcore, [0-9.]+ s$' "v4: header"
mnt_expect "$MNT_WORKDIR/v4.out" '^requests: ok=[1-9][0-9]* errors=0 ' "v4: no successful requests"
mnt_expect "$MNT_WORKDIR/v4.out" '^rate: [0-9.]+ requests/s, [0-9.]+ MB/s \([0-9]+ bytes\)$' "v4: rate"
mnt_expect "$MNT_WORKDIR/v4.out" '^latency: p50=[0-9.]+us p90=[0-9.]+us p99=[0-9.]+us max=[0-9.]+us' "v4: latency"
[[ $(field v4 reconnects) == 0 ]] || mnt_fail "v4: keep-alive connections were reopened"

# Request-bounded over IPv6: exactly -n requests.
stack_load v6 0 "http://[$MNT_V6_KERNEL]:$PORT_11/f600" -n 40 -c 3
[[ $(field v6 ok) == 40 ]] || mnt_fail "v6: expected ok=40"

# HTTP/1.0: the server closes after each response; every request still succeeds.
stack_load http10 0 "http://$MNT_V4_KERNEL:$PORT_10/f600" -n 30 -c 2
[[ $(field http10 ok) == 30 ]] || mnt_fail "http10: expected ok=30"
(($(field http10 reconnects) >= 14)) || mnt_fail "http10: the connections were not reopened"

# Failures exit 1 and are counted by kind.
stack_load missing 1 "http://$MNT_V4_KERNEL:$PORT_11/no-such-file" -n 5 -c 1
[[ $(field missing status) == 5 && $(field missing ok) == 0 ]] || mnt_fail "404: expected status=5"
stack_load refused 1 "http://$MNT_V4_KERNEL:9/" -n 3 -c 1
[[ $(field refused connect) == 3 ]] || mnt_fail "refused port: expected connect=3"
mnt_pass
