#!/bin/bash
# The stack pings the Linux kernel (`multios-net ping`), IPv4 and IPv6, small and fragmented,
# with iputils-style output; a ping to an address nobody has exits 1.
# Each `multios-net ping` is its own process with its own DPDK port, so the TAP is created
# from the kernel side first and keeps its addresses between runs.
# Usage: stack_ping.sh [path/to/multios-net]
source "$(dirname "$0")/lib.sh"

# stack_ping LABEL EXPECTED_EXIT PING_ARGS...: runs `multios-net ... ping PING_ARGS` to the end.
stack_ping() {
    local label=$1 expected=$2 rc=0
    shift 2
    local out=$MNT_WORKDIR/$label.out err=$MNT_WORKDIR/$label.err
    MNT_STACK_OUT=$out MNT_STACK_ERR=$err
    mnt_log "stack ping $* (expecting exit code $expected)"
    # shellcheck disable=SC2046 # word splitting of the option list is intended
    mnt_ns timeout -k 5 90 "$MNT_EXE" $(mnt_port_args) $MNT_STACK_EXTRA ping "$@" \
        < /dev/null > "$out" 2> "$err" || rc=$?
    cat "$out"
    [[ $rc == "$expected" ]] || mnt_fail "multios-net ping $* exited $rc, expected $expected"
}

mnt_init sping "$@"
mnt_require_tool timeout
mnt_precreate_tap

stack_ping v4 0 "$MNT_V4_KERNEL" -c 3 -i 0.5
out=$MNT_WORKDIR/v4.out
mnt_expect "$out" "^PING $MNT_V4_KERNEL "
mnt_expect "$out" "^64 bytes from ${MNT_V4_KERNEL//./\\.}: icmp_seq=1 ttl=64 time=[0-9.]+ ms$"
mnt_expect "$out" "^64 bytes from ${MNT_V4_KERNEL//./\\.}: icmp_seq=3 ttl=64 time=[0-9.]+ ms$"
mnt_expect "$out" "^3 packets transmitted, 3 received, 0% packet loss"
mnt_expect "$out" "^rtt min/avg/max/mdev = [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms$"

stack_ping v6 0 "$MNT_V6_KERNEL" -c 3 -i 0.5
out=$MNT_WORKDIR/v6.out
mnt_expect "$out" "^PING $MNT_V6_KERNEL"
mnt_expect "$out" "^64 bytes from $MNT_V6_KERNEL: icmp_seq=1 ttl=64 time=[0-9.]+ ms$"
mnt_expect "$out" "^3 packets transmitted, 3 received, 0% packet loss"
mnt_expect "$out" "^rtt min/avg/max/mdev = "

# Larger than the MTU: the request is fragmented by the stack, the reply reassembled by it.
stack_ping v4-frag 0 -s 4000 -c 2 -i 0.5 "$MNT_V4_KERNEL"
mnt_expect "$MNT_WORKDIR/v4-frag.out" "^4008 bytes from ${MNT_V4_KERNEL//./\\.}: icmp_seq=1 "
mnt_expect "$MNT_WORKDIR/v4-frag.out" "^2 packets transmitted, 2 received, 0% packet loss"
stack_ping v6-frag 0 -s 4000 -c 2 -i 0.5 "$MNT_V6_KERNEL"
mnt_expect "$MNT_WORKDIR/v6-frag.out" "^4008 bytes from $MNT_V6_KERNEL: icmp_seq=1 "
mnt_expect "$MNT_WORKDIR/v6-frag.out" "^2 packets transmitted, 2 received, 0% packet loss"

# Nobody has these addresses: no reply, exit code 1, iputils' summary.
stack_ping v4-unused 1 "$MNT_V4_UNUSED" -c 2 -W 1
mnt_expect "$MNT_WORKDIR/v4-unused.out" "^2 packets transmitted, 0 received.*100% packet loss"
stack_ping v6-unused 1 "$MNT_V6_UNUSED" -c 2 -W 1
mnt_expect "$MNT_WORKDIR/v6-unused.out" "^2 packets transmitted, 0 received.*100% packet loss"
mnt_pass
