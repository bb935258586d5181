#!/bin/bash
# Multi-core (issue 4) with kernel peers over a 2-queue net_tap (no RSS here: software
# steering). `serve` on LCORES lcores:
#  - CONCURRENT concurrent kernel echo connections (python3, IPv4) and CONCURRENT curl fetches
#    (IPv6, 40 at a time) all succeed;
#  - the report's per-lcore lines show every lcore owned flows (opened=), the opened counts add
#    up to exactly the connections made, and no segment reached an lcore that does not own its
#    flow (not_owner=0): every flow was processed by exactly one lcore;
#  - SIGINT with connections open: every lcore stops, the kernel sees each connection reset,
#    the exit report comes, exit code 0.
# Then `get --parallel` on LCORES lcores, captured with --pcap, against the kernel's http.server: connections are
# opened from every lcore, all succeed, and none of their frames needed steering beyond the
# first reply (the source port is chosen so the flow lands on its lcore; see below).
# Usage: tcp_multicore.sh [path/to/multios-net]
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
LCORES=${LCORES:-2}
CONCURRENT=${CONCURRENT:-200}
ECHO=7 HTTP=8080 PY_PORT=8000
IDLE=20

# lcore_values KEY: KEY=value of each lcore line of the last report, one per line.
lcore_values() {
    grep -E '^lcore [0-9]+: flows=' "$MNT_STACK_OUT" | tail -n "$LCORES" |
        tr ' ' '\n' | sed -n "s/^$1=//p"
}
lcore_sum() { lcore_values "$1" | awk '{ s += $1 } END { print s + 0 }'; }

mnt_init multicore "$@"
mnt_require_tool curl ss tshark "$PY"
WWW=$MNT_WORKDIR/www
mkdir -p "$WWW"
head -c 200000 /dev/urandom > "$WWW/small.bin"
SMALL_SHA=$(sha256sum < "$WWW/small.bin" | cut -d' ' -f1)
# A persistent multi-queue TAP: the second stack process (get) reuses it.
mnt_precreate_tap
mnt_start_stack --lcores "$LCORES" serve --echo "$ECHO" --http "$HTTP" --root "$WWW"
mnt_wait_iface
mnt_wait_answers v4 v6
grep -q "serving on $LCORES lcores" "$MNT_STACK_OUT" || mnt_fail "serve does not say it runs $LCORES lcores"
mnt_dump_report
opened0=$(lcore_sum opened)

# --- many kernel connections ------------------------------------------------------------------
mnt_log "echo: $CONCURRENT concurrent python3 connections over IPv4"
mnt_ns timeout 300 "$PY" "$HERE/tcp_client.py" concurrent "$MNT_V4_STACK" "$ECHO" "$CONCURRENT" 20000 ||
    mnt_fail "concurrent echo connections failed"
mnt_log "http: $CONCURRENT curl fetches over IPv6, 40 at a time"
seq "$CONCURRENT" | mnt_ns timeout 300 xargs -P 40 -I{} sh -c \
    "curl -g -sS --max-time 60 'http://[$MNT_V6_STACK]:$HTTP/small.bin' | sha256sum" \
    > "$MNT_WORKDIR/curl.sums" || mnt_fail "a curl fetch failed"
good=$(grep -c "^$SMALL_SHA " "$MNT_WORKDIR/curl.sums" || true)
[[ $good == "$CONCURRENT" ]] || mnt_fail "$good of $CONCURRENT curl fetches had the right body"

mnt_dump_report
grep -E '^lcore [0-9]+: ' "$MNT_STACK_OUT" | tail -n "$LCORES"
made=$((2 * CONCURRENT))
opened=$(($(lcore_sum opened) - opened0))
[[ $opened == "$made" ]] || mnt_fail "the lcores opened $opened connections, the kernel made $made"
i=0
for v in $(lcore_values opened); do
    ((v > 0)) || mnt_fail "lcore $i owned no flow (opened=$v)"
    i=$((i + 1))
done
((i == LCORES)) || mnt_fail "the report has $i lcore lines, expected $LCORES"
[[ $(lcore_sum not_owner) == 0 ]] || mnt_fail "segments reached an lcore that does not own their flow"
[[ $(lcore_sum steer_full) == 0 ]] || mnt_fail "steering rings overflowed"
mnt_log "steered: in=$(lcore_sum steered_in) out=$(lcore_sum steered_out) (frames that arrived on another lcore's queue)"
[[ $(lcore_sum steered_in) == "$(lcore_sum steered_out)" ]] || mnt_fail "steered_in and steered_out differ"
[[ $(mnt_report_value resets_received 'tcp: ') == 0 ]] || mnt_fail "the kernel reset connections"
[[ $(mnt_report_value failed "tcp echo port $ECHO: ") == 0 ]] || mnt_fail "echo connections failed"

# --- shutdown with connections open -----------------------------------------------------------
mnt_log "holding $IDLE idle connections, then SIGINT"
mnt_start_bg idle "$PY" -c "
import socket, sys, time
socks = [socket.create_connection(('$MNT_V4_STACK', $ECHO), timeout=10) for _ in range($IDLE)]
for s in socks:
    s.sendall(b'ping')
    assert s.recv(4) == b'ping'
open('$MNT_WORKDIR/idle.ready', 'w').close()
resets = 0
for s in socks:
    s.settimeout(20)
    try:
        if s.recv(1) == b'':
            print('closed (FIN) instead of reset')
    except ConnectionResetError:
        resets += 1
print(f'{resets} of {len(socks)} connections reset')
sys.exit(0 if resets == len(socks) else 1)"
idle_pid=$MNT_BG_PID
deadline=$((SECONDS + 20))
until [[ -e $MNT_WORKDIR/idle.ready ]]; do
    ((SECONDS < deadline)) || mnt_fail "the idle connections did not open"
    sleep 0.2
done
mnt_dump_report
live=$(lcore_sum flows)
((live >= IDLE)) || mnt_fail "the lcores hold $live connections, expected at least $IDLE"
mnt_stop_stack
rc=0
wait "$idle_pid" || rc=$?
cat "$MNT_WORKDIR/idle.out"
[[ $rc == 0 ]] || mnt_fail "the kernel did not see every connection reset at shutdown"
mnt_expect "$MNT_STACK_OUT" '^multios-net: stopping' "no stopping line"
[[ $(grep -cE '^lcore [0-9]+: flows=' "$MNT_STACK_OUT") -ge $LCORES ]] || mnt_fail "no exit report"

# --- stack-initiated connections from every lcore ---------------------------------------------
mnt_start_bg pyhttp "$PY" -m http.server "$PY_PORT" --bind :: --directory "$WWW"
deadline=$((SECONDS + 15))
until mnt_ns ss -ltnH "sport = :$PY_PORT" | grep -q LISTEN; do
    ((SECONDS < deadline)) || mnt_fail "python3 -m http.server did not start"
    sleep 0.2
done
PARALLEL=$((8 * LCORES))
MNT_STACK_OUT=$MNT_WORKDIR/get.out MNT_STACK_ERR=$MNT_WORKDIR/get.err
mnt_log "get --parallel $PARALLEL on $LCORES lcores"
rc=0
# shellcheck disable=SC2046 # word splitting of the option list is intended
mnt_ns timeout -k 5 120 "$MNT_EXE" --lcores "$LCORES" --pcap "$MNT_WORKDIR/get.pcapng" $(mnt_port_args) get \
    "http://$MNT_V4_KERNEL:$PY_PORT/small.bin" --parallel "$PARALLEL" -o "$MNT_WORKDIR/got.bin" \
    < /dev/null > "$MNT_STACK_OUT" 2> "$MNT_STACK_ERR" || rc=$?
cat "$MNT_STACK_ERR"
[[ $rc == 0 ]] || mnt_fail "get --parallel exited $rc"
[[ $(sha256sum < "$MNT_WORKDIR/got.bin" | cut -d' ' -f1) == "$SMALL_SHA" ]] || mnt_fail "get: body differs"
lines=$(grep -E '^lcore [0-9]+: flows=' "$MNT_STACK_ERR" | tail -n "$LCORES")
[[ $(echo "$lines" | wc -l) == "$LCORES" ]] || mnt_fail "get printed no per-lcore counters"
# The source port puts each flow on its lcore (what a NIC programmed with our RETA would
# deliver to). net_tap has no RSS: the kernel's tun "automq" sends a flow to the queue the stack
# last wrote that flow on, but records that only after it has processed the written frame, so
# the SYN-ACK to our SYN goes by the kernel's own hash and may need one hand-off. Everything
# after it (here ~150 frames per connection) must arrive on the owner's queue.
steered=$(echo "$lines" | tr ' ' '\n' | sed -n 's/^steered_in=//p' | awk '{ s += $1 } END { print s + 0 }')
rx=$(echo "$lines" | tr ' ' '\n' | sed -n 's/^rx=//p' | awk '{ s += $1 } END { print s + 0 }')
mnt_log "get: $steered of $rx received frames were steered (at most one per connection allowed)"
((steered <= PARALLEL)) || mnt_fail "stack-initiated connections needed steering beyond the handshake"

# --pcap with several lcores: each lcore wrote its own part, merged into one file at exit.
ls "$MNT_WORKDIR"/get.pcapng.lcore* > /dev/null 2>&1 && mnt_fail "capture part files were left behind"
mnt_ns tshark -r "$MNT_WORKDIR/get.pcapng" -T fields -e frame.time_epoch > "$MNT_WORKDIR/times" 2> /dev/null ||
    mnt_fail "tshark cannot read the merged capture"
frames=$(wc -l < "$MNT_WORKDIR/times")
((frames >= rx)) || mnt_fail "the capture has $frames frames, the lcores received $rx"
sort -c -g "$MNT_WORKDIR/times" 2> /dev/null || mnt_fail "the merged capture is not in time order"
# Connections, not SYNs: python's http.server listens with a backlog of 5, so the kernel drops
# some of 16 simultaneous SYNs and they are retransmitted.
syns=$(mnt_ns tshark -r "$MNT_WORKDIR/get.pcapng" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' \
    -T fields -e tcp.srcport 2> /dev/null | sort -u | wc -l)
[[ $syns == "$PARALLEL" ]] || mnt_fail "the capture shows SYNs from $syns ports, expected $PARALLEL"
mnt_log "merged capture: $frames frames in time order, SYNs of $syns connections"
i=0
for v in $(echo "$lines" | tr ' ' '\n' | sed -n 's/^opened=//p'); do
    ((v > 0)) || mnt_fail "lcore $i opened no connection"
    i=$((i + 1))
done
mnt_pass
