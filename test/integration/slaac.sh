#!/bin/bash
# SLAAC (RFC 4862): a Router Advertisement made with scapy (the kernel sends none) gives the
# stack a prefix; the stack forms prefix + modified EUI-64 of its MAC, runs DAD, and then the
# kernel can ping that address.
# Usage: slaac.sh [path/to/multios-net]
source "$(dirname "$0")/lib.sh"

mnt_init slaac "$@"
[[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import scapy' 2> /dev/null ||
    mnt_skip "needs /usr/bin/python3 with scapy (python3-scapy)"
mnt_start_stack serve
mnt_wait_iface
mnt_config_kernel
mnt_wait_answers v4 v6

# 02:00:00:00:00:02 -> interface id 0000:00ff:fe00:0002 (RFC 4291 appendix A).
slaac_addr=fd42::ff:fe00:2
mnt_log "sending a Router Advertisement for fd42::/64"
mnt_ns /usr/bin/python3 - "$MNT_IFACE" "$MNT_KERNEL_MAC" << 'PY'
import sys
from scapy.all import Ether, IPv6, ICMPv6ND_RA, ICMPv6NDOptPrefixInfo, ICMPv6NDOptSrcLLAddr, sendp
iface, mac = sys.argv[1], sys.argv[2]
ra = (Ether(src=mac, dst="33:33:00:00:00:01") /
      IPv6(src="fe80::1", dst="ff02::1", hlim=255) /
      ICMPv6ND_RA(routerlifetime=1800) /
      ICMPv6NDOptSrcLLAddr(lladdr=mac) /
      ICMPv6NDOptPrefixInfo(prefix="fd42::", prefixlen=64, L=1, A=1,
                            validlifetime=3600, preferredlifetime=1800))
sendp(ra, iface=iface, verbose=False)
PY
mnt_run ip -n "$MNT_NS" -6 addr add fd42::1/64 dev "$MNT_IFACE" nodad
deadline=$((SECONDS + 15))
until mnt_ns ping -6 -c 1 -W 1 "$slaac_addr" > /dev/null 2>&1; do
    mnt_fail_if_stack_died
    ((SECONDS < deadline)) || mnt_fail "no answer from the SLAAC address $slaac_addr"
    sleep 0.3
done
mnt_kernel_ping -6 "$slaac_addr" 56
mnt_stop_stack
mnt_expect "$MNT_STACK_OUT" "ra_rx=1" "the stack did not count the Router Advertisement"
mnt_pass
