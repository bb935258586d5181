#!/bin/bash
# The impairment layer on a real port (--loss/--delay, CONTRACTS.md port options): with
# `--loss 0.5 --seed 7` in both directions the kernel's pings get some replies but not all;
# with `--delay 50` every round trip takes at least 2 x 50 ms; with `--reorder 0.5` nothing is
# lost (held frames leave behind the next one, or after 10 ms); the exit report counts it all.
# Usage: impairment.sh [path/to/multios-net]
source "$(dirname "$0")/lib.sh"

# start_impaired LABEL PORT-OPTIONS...: the stack on the test port with extra port options.
start_impaired() {
    local label=$1
    shift
    # shellcheck disable=SC2046 # word splitting of the option list is intended
    mnt_start_program "$label" "$MNT_EXE" $(mnt_port_args) "$@" $MNT_STACK_EXTRA serve
    mnt_wait_iface
    mnt_config_kernel
}

# The TAP goes away with the stack; wait for that before the next one creates it again.
wait_iface_gone() {
    local deadline=$((SECONDS + 10))
    while ip -n "$MNT_NS" link show "$MNT_IFACE" > /dev/null 2>&1; do
        ((SECONDS < deadline)) || mnt_fail "$MNT_IFACE still there 10s after the stack exited"
        sleep 0.2
    done
}

# first_reply ADDR TRIES: bounded retry until one ping gets through (ARP must get through too).
first_reply() {
    local addr=$1 tries=$2 i
    for ((i = 0; i < tries; ++i)); do
        mnt_fail_if_stack_died
        if ip netns exec "$MNT_NS" ping -4 -c 1 -W 1 "$addr" > /dev/null 2>&1; then
            mnt_log "$addr answers (after $((i + 1)) tries)"
            return 0
        fi
    done
    mnt_fail "no reply from $addr in $tries tries"
}

mnt_init impair "$@"

# ---- Loss: 50% each way, so about a quarter of the echoes come back -------------------------
start_impaired lossy --loss 0.5 --seed 7
first_reply "$MNT_V4_STACK" 40
out=$MNT_WORKDIR/ping-loss.txt
mnt_ns ping -4 -c 40 -i 0.05 -W 1 "$MNT_V4_STACK" > "$out" 2>&1 || true
cat "$out"
received=$(sed -nE 's/^[0-9]+ packets transmitted, ([0-9]+) received.*/\1/p' "$out")
[[ -n $received ]] || mnt_fail "no ping summary in $out"
((received >= 1 && received <= 39)) ||
    mnt_fail "--loss 0.5: $received of 40 replies; expected some but not all"
mnt_stop_stack
mnt_expect "$MNT_STACK_OUT" '^impairment if0 \(mnet0\): rx passed=[0-9]+ lost=[1-9][0-9]* .*; tx passed=[0-9]+ lost=[1-9][0-9]* ' \
    "--loss 0.5: the exit report does not count losses both ways"
grep '^impairment' "$MNT_STACK_OUT"
wait_iface_gone

# ---- Delay: 50 ms each way, so no round trip below 100 ms -----------------------------------
start_impaired delayed --delay 50
first_reply "$MNT_V4_STACK" 10
out=$MNT_WORKDIR/ping-delay.txt
mnt_ns ping -4 -c 5 -i 0.2 -W 2 "$MNT_V4_STACK" > "$out" 2>&1 || true
cat "$out"
mnt_expect "$out" "^5 packets transmitted, 5 received" "--delay 50: not every ping got a reply"
rtt_min=$(sed -nE 's|^rtt min/avg/max/mdev = ([0-9.]+)/.*|\1|p' "$out")
[[ -n $rtt_min ]] || mnt_fail "no rtt line in $out"
awk -v m="$rtt_min" 'BEGIN { exit !(m >= 100.0) }' ||
    mnt_fail "--delay 50: minimum RTT $rtt_min ms, expected at least 100 ms"
awk -v m="$rtt_min" 'BEGIN { exit !(m < 1000.0) }' ||
    mnt_fail "--delay 50: minimum RTT $rtt_min ms is far above 100 ms"
mnt_log "--delay 50: minimum RTT $rtt_min ms"
mnt_stop_stack
mnt_expect "$MNT_STACK_OUT" '^impairment if0 \(mnet0\): rx passed=[0-9]+ lost=0 delayed=[1-9][0-9]* .*; tx passed=[0-9]+ lost=0 delayed=[1-9][0-9]* ' \
    "--delay 50: the exit report does not count delayed frames both ways"
grep '^impairment' "$MNT_STACK_OUT"
wait_iface_gone

# ---- Reorder: frames are held back, never lost ----------------------------------------------
start_impaired reordered --reorder 0.5 --seed 3
first_reply "$MNT_V4_STACK" 10
out=$MNT_WORKDIR/ping-reorder.txt
mnt_ns ping -4 -c 20 -i 0.05 -W 1 "$MNT_V4_STACK" > "$out" 2>&1 || true
cat "$out"
mnt_expect "$out" "^20 packets transmitted, 20 received" "--reorder 0.5: a held frame was lost"
mnt_stop_stack
mnt_expect "$MNT_STACK_OUT" '^impairment if0 \(mnet0\): rx passed=[0-9]+ lost=0 delayed=0 reordered=[1-9][0-9]* full=0; tx passed=[0-9]+ lost=0 delayed=0 reordered=[1-9][0-9]* full=0' \
    "--reorder 0.5: the exit report does not count held frames both ways"
grep '^impairment' "$MNT_STACK_OUT"
mnt_pass
