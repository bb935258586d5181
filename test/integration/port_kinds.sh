#!/bin/bash
# The stack on PMDs other than net_tap:
#   - net_memif: two stack processes talk to each other (serve on the memif server side,
#     `ping` and UDP from the client side), IPv4 and IPv6, fragmented too;
#   - net_af_packet: the stack on one end of a veth pair, the kernel on the other, pings it.
# Everything runs inside the test's private namespace.
# Usage: port_kinds.sh [path/to/multios-net]
source "$(dirname "$0")/lib.sh"

mnt_init ports "$@"

# ---- net_memif: stack <-> stack --------------------------------------------------------------
sock=$MNT_WORKDIR/memif.sock
mnt_start_program memif-server "$MNT_EXE" --vdev "net_memif0,role=server,socket=$sock" \
    --ip 10.97.0.2/24 --ip fd97::2/64 serve --udp-echo 7
deadline=$((SECONDS + 20))
until grep -q '^multios-net: serving' "$MNT_STACK_OUT"; do
    mnt_fail_if_stack_died
    ((SECONDS < deadline)) || mnt_fail "the memif server did not start"
    sleep 0.2
done

# memif_ping LABEL ARGS...: a second stack process, the memif client, pings the first.
memif_ping() {
    local label=$1 rc=0
    shift
    local out=$MNT_WORKDIR/$label.out
    mnt_log "memif client: ping $*"
    mnt_ns timeout -k 5 60 "$MNT_EXE" --vdev "net_memif0,role=client,socket=$sock" \
        --ip 10.97.0.1/24 --ip fd97::1/64 ping "$@" < /dev/null > "$out" 2> "$out.err" || rc=$?
    cat "$out"
    [[ $rc == 0 ]] || { cat "$out.err"; mnt_fail "memif ping $* exited $rc"; }
}
memif_ping memif-v4 10.97.0.2 -c 3 -i 0.2
mnt_expect "$MNT_WORKDIR/memif-v4.out" "^3 packets transmitted, 3 received, 0% packet loss"
memif_ping memif-v4-frag 10.97.0.2 -c 2 -i 0.2 -s 8000
mnt_expect "$MNT_WORKDIR/memif-v4-frag.out" "^8008 bytes from 10\.97\.0\.2: icmp_seq=1 "
memif_ping memif-v6 fd97::2 -c 3 -i 0.2
mnt_expect "$MNT_WORKDIR/memif-v6.out" "^3 packets transmitted, 3 received, 0% packet loss"
# Stop the server only now: no traffic is flowing (TOOLCHAIN.md: a memif peer that goes away
# during traffic can crash the other side).
mnt_stop_stack
mnt_expect "$MNT_STACK_OUT" "^icmp: echo_rx=5 .* icmp6_echo_rx=3 " "the memif server did not count the echo requests"

# ---- net_af_packet on a veth pair: kernel <-> stack --------------------------------------------
mnt_run ip -n "$MNT_NS" link add vstack type veth peer name vkern
mnt_run ip -n "$MNT_NS" addr add 10.96.0.1/24 dev vkern
mnt_run ip -n "$MNT_NS" link set vstack up
mnt_run ip -n "$MNT_NS" link set vkern up
# Full checksums and no frame larger than the MTU on the kernel side (TESTING.md).
if command -v ethtool > /dev/null; then
    mnt_ns ethtool -K vkern tx off tso off gso off > /dev/null 2>&1 || true
fi
mnt_start_program afp "$MNT_EXE" --vdev net_af_packet0,iface=vstack --mac 02:00:00:00:00:22 \
    --ip 10.96.0.2/24 serve
deadline=$((SECONDS + 20))
until grep -q '^multios-net: serving' "$MNT_STACK_OUT"; do
    mnt_fail_if_stack_died
    ((SECONDS < deadline)) || mnt_fail "the af_packet stack did not start"
    sleep 0.2
done
# Only unfragmented sizes: DPDK's af_packet PMD joins a PACKET_FANOUT group with the DEFRAG
# flag, so the kernel reassembles IP fragments before the PMD sees them, and a datagram larger
# than one mbuf is truncated by the PMD. Fragmentation is covered on net_tap and net_memif.
for size in 56 1472; do
    out=$MNT_WORKDIR/afp-$size.txt
    mnt_ns ping -c 3 -i 0.2 -W 5 -s "$size" 10.96.0.2 > "$out" 2>&1 || true
    cat "$out"
    mnt_expect "$out" "^3 packets transmitted, 3 received" "af_packet: ping -s $size failed"
done
mnt_stop_stack
mnt_pass
