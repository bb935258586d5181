#!/bin/bash
# TCP services of `serve` with kernel clients: 100 MB through --echo both ways (python3 over
# IPv4, socat over IPv6), verified by sha256; 1,000 sequential connections; 200 concurrent
# connections; discard and chargen. Afterwards the stack's connection count is back at its
# baseline (report at SIGUSR1: `lcore 0: flows=0`, `tcp: connections=0`, no service holds a
# connection) and every connection ended cleanly (no resets, no failures).
# Usage: tcp_echo.sh [path/to/multios-net]
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
ECHO=7 DISCARD=9 CHARGEN=19
BULK_MB=${BULK_MB:-100}
SEQUENTIAL=${SEQUENTIAL:-1000}
CONCURRENT=${CONCURRENT:-200}

# report_value KEY LINE_PREFIX: KEY=value from the last report line starting with LINE_PREFIX.
report_value() {
    grep -E "^$2" "$MNT_STACK_OUT" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# dump_report: asks the stack for its report (SIGUSR1) and waits until a new one is complete.
dump_report() {
    local before deadline
    before=$(grep -c '^lcore 0: ' "$MNT_STACK_OUT" || true)
    kill -USR1 "$MNT_STACK_PID"
    deadline=$((SECONDS + 10))
    until (($(grep -c '^tcp: ' "$MNT_STACK_OUT" || true) > before)); do
        mnt_fail_if_stack_died
        ((SECONDS < deadline)) || mnt_fail "no report within 10s of SIGUSR1"
        sleep 0.1
    done
    sleep 0.2 # the per-connection lines follow the tcp: line
}

# expect_baseline: bounded retry until no connection is left (LAST-ACK needs one more ACK).
expect_baseline() {
    local deadline=$((SECONDS + 20)) flows conns
    while :; do
        dump_report
        flows=$(report_value flows 'lcore 0: ')
        conns=$(report_value connections 'tcp: ')
        [[ $flows == 0 && $conns == 0 ]] && break
        ((SECONDS < deadline)) || {
            tail -n 40 "$MNT_STACK_OUT"
            mnt_fail "connections left after the clients finished: flows=$flows connections=$conns"
        }
        sleep 0.5
    done
    mnt_log "back to baseline: flows=$flows connections=$conns"
}

# service_value SERVICE PORT KEY
service_value() { report_value "$3" "tcp $1 port $2: "; }

mnt_init tcpecho "$@"
mnt_require_tool socat sha256sum "$PY"
mnt_start_stack serve --echo "$ECHO" --discard "$DISCARD" --chargen "$CHARGEN"
mnt_wait_iface
mnt_config_kernel
mnt_wait_answers v4 v6
expect_baseline
# A live connection shows up in the report in the style of `ss -ti`.
mnt_start_bg idle "$PY" -c "import socket, time
s = socket.create_connection(('$MNT_V4_STACK', $DISCARD))
s.sendall(b'x' * 1000)
time.sleep(60)"
idle_pid=$MNT_BG_PID
deadline=$((SECONDS + 10))
until dump_report && grep -Eq "^  $MNT_V4_STACK:$DISCARD $MNT_V4_KERNEL:[0-9]+ ESTABLISHED .*rtt:.*cwnd:.*bytes_received:1000 " "$MNT_STACK_OUT"; do
    ((SECONDS < deadline)) || mnt_fail "no ss -ti style line for the live discard connection"
    sleep 0.5
done
[[ $(report_value flows 'lcore 0: ') == 1 ]] || mnt_fail "flows is not 1 with one live connection"
grep -E "^  $MNT_V4_STACK:$DISCARD " "$MNT_STACK_OUT" | tail -n 1
kill -TERM "$idle_pid"
wait "$idle_pid" 2> /dev/null || true
expect_baseline
rss_before=$(awk '/^VmRSS:/ {print $2}' "/proc/$MNT_STACK_PID/status")

# --- 100 MB both ways, IPv4, python3 full-duplex client -------------------------------------
head -c "$((BULK_MB << 20))" /dev/urandom > "$MNT_WORKDIR/bulk.in"
mnt_log "echo: ${BULK_MB} MB over IPv4 (python3)"
mnt_ns timeout 600 "$PY" "$HERE/tcp_client.py" bulk "$MNT_V4_STACK" "$ECHO" "$MNT_WORKDIR/bulk.in" ||
    mnt_fail "${BULK_MB} MB echo over IPv4: sha256 differs or transfer failed"

# --- 100 MB both ways, IPv6, socat ------------------------------------------------------------
# socat half-closes after its input ends and waits (-t) for the echo to finish and close.
mnt_log "echo: ${BULK_MB} MB over IPv6 (socat)"
mnt_ns timeout 600 socat -b 65536 -t 120 - "TCP6:[$MNT_V6_STACK]:$ECHO" \
    < "$MNT_WORKDIR/bulk.in" > "$MNT_WORKDIR/bulk.out" || mnt_fail "socat over IPv6 failed"
want=$(sha256sum < "$MNT_WORKDIR/bulk.in" | cut -d' ' -f1)
got=$(sha256sum < "$MNT_WORKDIR/bulk.out" | cut -d' ' -f1)
mnt_log "sent sha256 $want, received $(stat -c %s "$MNT_WORKDIR/bulk.out") bytes sha256 $got"
[[ $want == "$got" ]] || mnt_fail "${BULK_MB} MB echo over IPv6 (socat): sha256 differs"
rm -f "$MNT_WORKDIR/bulk.in" "$MNT_WORKDIR/bulk.out"

# --- many connections --------------------------------------------------------------------------
mnt_log "echo: $SEQUENTIAL sequential connections"
mnt_ns timeout 600 "$PY" "$HERE/tcp_client.py" sequential "$MNT_V4_STACK" "$ECHO" "$SEQUENTIAL" ||
    mnt_fail "sequential connections failed"
mnt_log "echo: $CONCURRENT concurrent connections"
mnt_ns timeout 300 "$PY" "$HERE/tcp_client.py" concurrent "$MNT_V6_STACK" "$ECHO" "$CONCURRENT" 20000 ||
    mnt_fail "concurrent connections failed"
expect_baseline
want_accepted=$((2 + SEQUENTIAL + CONCURRENT))
for key in accepted finished; do
    v=$(service_value echo "$ECHO" "$key")
    [[ $v == "$want_accepted" ]] || mnt_fail "echo $key=$v, expected $want_accepted"
done
[[ $(service_value echo "$ECHO" failed) == 0 ]] || mnt_fail "echo connections ended in errors"
[[ $(service_value echo "$ECHO" open) == 0 ]] || mnt_fail "echo still holds connections"
# The kernel never had to reset a connection of ours. (The stack may send a few resets: a
# duplicate ACK that arrives after LAST-ACK ended finds no connection, RFC 9293 3.10.7.1.)
resets=$(report_value resets_received 'tcp: ')
[[ $resets == 0 ]] || mnt_fail "the kernel reset $resets connections during clean exchanges"
mnt_log "stack resets sent for segments of finished connections: $(report_value resets_sent 'tcp: ')"

# --- discard and chargen -----------------------------------------------------------------------
mnt_ns timeout 60 "$PY" "$HERE/tcp_client.py" discard "$MNT_V4_STACK" "$DISCARD" 5000000 ||
    mnt_fail "discard failed"
mnt_ns timeout 60 "$PY" "$HERE/tcp_client.py" chargen "$MNT_V6_STACK" "$CHARGEN" 3000000 ||
    mnt_fail "chargen failed"
# chargen via socat too: the first line as RFC 864 shows it.
line=$(mnt_ns timeout 10 socat -u "TCP4:$MNT_V4_STACK:$CHARGEN" - 2> /dev/null | head -n 1 | tr -d '\r') || true
[[ $line == "$("$PY" -c 'print(bytes(range(32, 32 + 72)).decode())')" ]] ||
    mnt_fail "chargen first line: '$line'"
expect_baseline
[[ $(service_value discard "$DISCARD" bytes_in) == 5001000 ]] ||
    mnt_fail "discard counted $(service_value discard "$DISCARD" bytes_in) bytes, not 5001000"
[[ $(service_value discard "$DISCARD" bytes_out) == 0 ]] || mnt_fail "discard sent bytes"
[[ $(service_value chargen "$CHARGEN" accepted) == 2 ]] || mnt_fail "chargen did not see 2 connections"

rss_after=$(awk '/^VmRSS:/ {print $2}' "/proc/$MNT_STACK_PID/status")
mnt_log "stack VmRSS: $rss_before KiB at the start, $rss_after KiB at the end"
mnt_stop_stack
mnt_expect "$MNT_STACK_OUT" '^lcore 0: flows=0 ' "the exit report does not show flows=0"
mnt_pass
