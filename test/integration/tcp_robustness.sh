#!/bin/bash
# TCP robustness against a kernel peer and scapy (tcp_robustness.py has the attacks):
# - a connection to a closed port is refused (RST: "Connection refused"), IPv4 and IPv6;
# - a bounded SYN flood (20,000 SYNs, random source ports) against the echo port does not stop
#   kernel clients (socat) from using that port meanwhile: SYN cookies (RFC 4987 3.6);
# - blind in-window RST / SYN / data injection (RFC 5961) and an old-timestamp segment (PAWS,
#   RFC 7323) sent into a live kernel connection are answered with ACKs and change nothing.
# Usage: tcp_robustness.sh [path/to/multios-net]
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3 # Debian's interpreter, the one with scapy (TOOLCHAIN.md)
ECHO=7 CLOSED=4242
FLOOD=${FLOOD:-20000}

# refused TARGET: socat's connect must fail with "Connection refused", quickly.
refused() {
    local err
    err=$(mnt_ns timeout 10 socat -u /dev/null "$1" 2>&1) && mnt_fail "connect to $1 succeeded"
    [[ $err == *"Connection refused"* ]] || mnt_fail "connect to $1: '$err', expected Connection refused"
    mnt_log "connect to $1: refused"
}

# echo_check LABEL TARGET: a short exchange through the echo port within 15 s.
echo_check() {
    local got want
    want="$1 $(date +%s%N)"
    got=$(printf '%s' "$want" | mnt_ns timeout 15 socat -t 10 - "$2") || true
    [[ $got == "$want" ]] || mnt_fail "$1: echo through $2 returned '$got'"
}

mnt_init tcprobust "$@"
mnt_require_tool socat
"$PY" -c 'import scapy' 2> /dev/null || mnt_fail "$PY has no scapy (apt-get install python3-scapy)"
mnt_start_stack serve --echo "$ECHO"
mnt_wait_iface
mnt_config_kernel
mnt_wait_answers v4 v6

# --- closed port -------------------------------------------------------------------------------
refused "TCP4:$MNT_V4_STACK:$CLOSED"
refused "TCP6:[$MNT_V6_STACK]:$CLOSED"

# --- blind injection and PAWS into a live connection ---------------------------------------------
for pair in "$MNT_V4_STACK $MNT_V4_KERNEL" "$MNT_V6_STACK $MNT_V6_KERNEL"; do
    read -r stack kernel <<< "$pair"
    mnt_log "injection into a connection $kernel -> $stack:$ECHO"
    mnt_ns timeout 120 "$PY" "$HERE/tcp_robustness.py" inject --iface "$MNT_IFACE" \
        --stack-mac "$MNT_STACK_MAC" --stack "$stack" --kernel "$kernel" --port "$ECHO" ||
        mnt_fail "injected segments were not rejected as RFC 5961 / RFC 7323 say (see above)"
done

# --- SYN flood with concurrent legitimate clients ------------------------------------------------
# FLOOD=0 skips it (the two-lcore variant: see test/integration/meson.build).
syn_flood() {
    mnt_log "SYN flood: $FLOOD SYNs at port $ECHO, with socat clients meanwhile"
    mnt_start_bg flood timeout 300 "$PY" "$HERE/tcp_robustness.py" flood --iface "$MNT_IFACE" \
        --stack-mac "$MNT_STACK_MAC" --stack "$MNT_V4_STACK" --port "$ECHO" --count "$FLOOD"
    flood_pid=$MNT_BG_PID
    served=0
    while kill -0 "$flood_pid" 2> /dev/null; do
        echo_check "during the flood" "TCP4:$MNT_V4_STACK:$ECHO"
        echo_check "during the flood (v6)" "TCP6:[$MNT_V6_STACK]:$ECHO"
        served=$((served + 2))
        sleep 0.2
    done
    flood_rc=0
    wait "$flood_pid" || flood_rc=$?
    cat "$MNT_WORKDIR/flood.out" "$MNT_WORKDIR/flood.err"
    [[ $flood_rc == 0 ]] || mnt_fail "the flood sender failed (exit $flood_rc)"
    ((served > 0)) || mnt_fail "the flood ended before any client ran"
    echo_check "after the flood" "TCP4:$MNT_V4_STACK:$ECHO"
    mnt_log "$served exchanges succeeded during the flood"
    mnt_fail_if_stack_died
}
if ((FLOOD > 0)); then
    syn_flood
else
    mnt_log "SYN flood skipped (FLOOD=0)"
fi

mnt_stop_stack
grep -E '^(tcp|lcore 0|drops)' "$MNT_STACK_OUT" || true
cookies=$(mnt_report_value syn_cookies_sent 'tcp: ')
overflows=$(mnt_report_value syn_queue_overflows 'tcp: ')
mnt_log "syn_cookies_sent=$cookies syn_queue_overflows=$overflows"
((FLOOD == 0 || ${cookies:-0} > 0)) || mnt_fail "the flood never made the listener send SYN cookies"
[[ $(mnt_report_value failed "tcp echo port $ECHO: ") == 0 ]] ||
    mnt_fail "echo connections ended in errors (a reset got through?)"
mnt_pass
