#!/bin/bash
# TCP services of `serve` with kernel clients: 100 MB through --echo both ways (python3 over
# IPv4, socat over IPv6), verified by sha256; 1,000 sequential connections; 200 concurrent
# connections; discard and chargen. Afterwards the stack's connection count is back at its
# baseline (report at SIGUSR1: `lcore N: flows=0` on every lcore, `tcp: connections=0`, no service holds a
# connection), so is the mbuf pool (`mbufs: ... in_use=N of M`, see mbuf_baseline below), and
# every connection ended cleanly (no resets, no failures).
# Usage: tcp_echo.sh [path/to/multios-net]
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
ECHO=7 DISCARD=9 CHARGEN=19
BULK_MB=${BULK_MB:-100}
SEQUENTIAL=${SEQUENTIAL:-1000}
CONCURRENT=${CONCURRENT:-200}

# What "baseline" means for the mbuf pool. `in_use` (the pool's size minus what its ring and
# the per-lcore caches hold) is never 0 on an idle stack: the PMD keeps an mbuf posted in every
# rx descriptor, and mbufs parked in an lcore cache count as available, not in use. An idle
# level is measured after start-up and must come back after every phase. Its legitimate jitter
# is measured too: two idle readings a second apart; their difference (0 when the stack holds
# no frame between iterations, which is what we expect) is the tolerance, so a frame caught in
# flight at the moment of a reading is allowed for without hiding a leak, which only grows.
# With a single port there is one pool, hence one `mbufs:` line per report.
MBUF_BASE=""
MBUF_TOL=0
mbufs_in_use() { mnt_report_value in_use 'mbufs: '; }

# mbuf_baseline: the idle level and its tolerance (call when no connection exists).
mbuf_baseline() {
    local a b
    mnt_dump_report
    a=$(mbufs_in_use)
    sleep 1
    mnt_dump_report
    b=$(mbufs_in_use)
    [[ $a =~ ^[0-9]+$ && $b =~ ^[0-9]+$ ]] || mnt_fail "no 'mbufs: ... in_use=N' line in the report"
    MBUF_BASE=$((a > b ? a : b))
    MBUF_TOL=$((a > b ? a - b : b - a))
    mnt_log "mbuf baseline: in_use=$a then $b idle; allowed up to $((MBUF_BASE + MBUF_TOL))" \
        "($(grep -E '^mbufs: ' "$MNT_STACK_OUT" | tail -n 1))"
}

# mbufs_at_baseline: true once the last report's in_use is back at the idle level.
mbufs_at_baseline() {
    [[ -z $MBUF_BASE ]] && return 0
    local n
    n=$(mbufs_in_use)
    [[ $n =~ ^[0-9]+$ ]] && ((n <= MBUF_BASE + MBUF_TOL))
}

# expect_baseline: bounded retry until no connection is left (LAST-ACK needs one more ACK) and
# the mbuf pool is back at its idle level (once measured).
expect_baseline() {
    local deadline=$((SECONDS + 20)) flows conns
    while :; do
        mnt_dump_report
        flows=$(flows_total)
        conns=$(mnt_report_value connections 'tcp: ')
        [[ $flows == 0 && $conns == 0 ]] && mbufs_at_baseline && break
        ((SECONDS < deadline)) || {
            tail -n 40 "$MNT_STACK_OUT"
            mnt_fail "not back to baseline after the clients finished: flows=$flows" \
                "connections=$conns mbufs in_use=$(mbufs_in_use) (idle $MBUF_BASE +- $MBUF_TOL)"
        }
        sleep 0.5
    done
    mnt_log "back to baseline: flows=$flows connections=$conns mbufs in_use=$(mbufs_in_use)"
}

# flows_total: the live connections of every lcore in the last report (the lcore lines of one
# report are the last LCORES of them; --lcores comes through MNT_STACK_EXTRA).
flows_total() {
    local n
    n=$(sed -n 's/^multios-net: serving on \([0-9]*\) lcore.*/\1/p' "$MNT_STACK_OUT" | head -n 1)
    grep -E '^lcore [0-9]+: flows=' "$MNT_STACK_OUT" | tail -n "${n:-1}" |
        sed -n 's/.* flows=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}

# service_value SERVICE PORT KEY
service_value() { mnt_report_value "$3" "tcp $1 port $2: "; }

mnt_init tcpecho "$@"
mnt_require_tool socat sha256sum "$PY"
mnt_start_stack serve --echo "$ECHO" --discard "$DISCARD" --chargen "$CHARGEN"
mnt_wait_iface
mnt_config_kernel
mnt_wait_answers v4 v6
expect_baseline
mbuf_baseline
# A live connection shows up in the report in the style of `ss -ti`.
mnt_start_bg idle "$PY" -c "import socket, time
s = socket.create_connection(('$MNT_V4_STACK', $DISCARD))
s.sendall(b'x' * 1000)
time.sleep(60)"
idle_pid=$MNT_BG_PID
deadline=$((SECONDS + 10))
until mnt_dump_report && grep -Eq "^  $MNT_V4_STACK:$DISCARD $MNT_V4_KERNEL:[0-9]+ ESTABLISHED .*rtt:.*cwnd:.*bytes_received:1000 " "$MNT_STACK_OUT"; do
    ((SECONDS < deadline)) || mnt_fail "no ss -ti style line for the live discard connection"
    sleep 0.5
done
[[ $(flows_total) == 1 ]] || mnt_fail "flows is not 1 with one live connection"
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
expect_baseline

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
expect_baseline

# --- many connections --------------------------------------------------------------------------
mnt_log "echo: $SEQUENTIAL sequential connections"
mnt_ns timeout 600 "$PY" "$HERE/tcp_client.py" sequential "$MNT_V4_STACK" "$ECHO" "$SEQUENTIAL" ||
    mnt_fail "sequential connections failed"
expect_baseline
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
resets=$(mnt_report_value resets_received 'tcp: ')
[[ $resets == 0 ]] || mnt_fail "the kernel reset $resets connections during clean exchanges"
mnt_log "stack resets sent for segments of finished connections: $(mnt_report_value resets_sent 'tcp: ')"

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
[[ $(flows_total) == 0 ]] || mnt_fail "the exit report does not show flows=0"
mnt_pass
