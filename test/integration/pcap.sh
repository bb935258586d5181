#!/bin/bash
# `--pcap FILE` records the port's traffic in a file that tshark reads: after three kernel
# pings (v4 and v6) the capture holds the echo requests and the stack's replies.
# Usage: pcap.sh [path/to/multios-net]   (skipped, exit 77, when tshark is not installed)
source "$(dirname "$0")/lib.sh"

# count_frames FILTER: frames in the capture matching a tshark display filter.
count_frames() {
    tshark -r "$PCAP" -Y "$1" 2> /dev/null | wc -l
}

expect_frames() {
    local filter=$1 min=$2 n
    n=$(count_frames "$filter")
    mnt_log "capture: $n frames match '$filter' (need $min)"
    ((n >= min)) || {
        tshark -r "$PCAP" 2>&1 | head -n 50 || true
        mnt_fail "capture has $n frames matching '$filter', expected at least $min"
    }
}

command -v tshark > /dev/null 2>&1 || {
    echo "SKIP: tshark is not installed"
    exit 77
}
mnt_init pcap "$@"
PCAP=$MNT_WORKDIR/run.pcapng
mnt_start_stack --pcap "$PCAP" serve
mnt_wait_iface
mnt_config_kernel
mnt_wait_answers v4 v6
mnt_ns ping -4 -c 3 -i 0.2 -W 5 "$MNT_V4_STACK"
mnt_ns ping -6 -c 3 -i 0.2 -W 5 "$MNT_V6_STACK"
mnt_stop_stack
[[ -s $PCAP ]] || mnt_fail "no capture file at $PCAP"
mnt_log "tshark -r $PCAP (first lines):"
tshark -r "$PCAP" > "$MNT_WORKDIR/pcap.txt" 2>&1 || {
    cat "$MNT_WORKDIR/pcap.txt"
    mnt_fail "tshark cannot read $PCAP"
}
head -n 20 "$MNT_WORKDIR/pcap.txt"
expect_frames "icmp.type == 8 && ip.dst == $MNT_V4_STACK" 3
expect_frames "icmp.type == 0 && ip.src == $MNT_V4_STACK" 3
expect_frames "icmpv6.type == 128 && ipv6.dst == $MNT_V6_STACK" 3
expect_frames "icmpv6.type == 129 && ipv6.src == $MNT_V6_STACK" 3
expect_frames "arp && arp.src.proto_ipv4 == $MNT_V4_STACK" 1
mnt_pass
