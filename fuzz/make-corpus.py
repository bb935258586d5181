#!/usr/bin/python3
"""Writes the seed corpus fuzz/corpus/<target>/*.bin: a few valid packets per target (and a few
hostile ones from HARDENING.md), in each harness's input format (see the *_fuzz.cpp headers).

Needs Debian's python3-scapy: run with /usr/bin/python3 fuzz/make-corpus.py.
"""
import os
import struct
import sys

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, ICMPv6EchoRequest,
                       ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6NDOptMTU,
                       ICMPv6NDOptPrefixInfo, ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, PadN, RouterAlert, conf)

conf.verb = 0
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
CTL_V6 = 0x01
CTL_FIX = 0x02
MAC_A, MAC_B = "02:00:00:00:00:01", "02:00:00:00:00:02"
V4_A, V4_B = "192.0.2.1", "192.0.2.2"  # the addresses the udp/tcp harnesses assume
V6_A, V6_B = "2001:db8::1", "2001:db8::2"
LL_A, LL_B = "fe80::1", "fe80::2"  # the addresses the icmp harness assumes


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name + ".bin"), "wb") as f:
        f.write(bytes(data))


def l4(pkt, layer):
    """The bytes of `layer` and everything after it, with checksums computed by scapy."""
    return bytes(pkt.__class__(bytes(pkt))[layer])


def ethernet():
    write("ethernet", "arp", Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC_A) /
          ARP(hwsrc=MAC_A, psrc="192.168.1.100", pdst="192.168.1.1"))
    write("ethernet", "ipv4", Ether(dst=MAC_B, src=MAC_A) / IP(src=V4_A, dst=V4_B) / ICMP())
    write("ethernet", "vlan", Ether(dst=MAC_B, src=MAC_A) / Dot1Q(vlan=100) /
          IPv6(src=V6_A, dst=V6_B) / UDP())
    write("ethernet", "qinq", Ether(dst=MAC_B, src=MAC_A, type=0x88a8) / Dot1Q(vlan=5) /
          Dot1Q(vlan=7) / IP(src=V4_A, dst=V4_B))
    write("ethernet", "three_tags", Ether(dst=MAC_B, src=MAC_A) / Dot1Q(vlan=1) / Dot1Q(vlan=2) /
          Dot1Q(vlan=3) / IP())


def arp():
    write("arp", "request", ARP(op=1, hwsrc=MAC_A, psrc="10.0.0.1", pdst="10.0.0.2"))
    write("arp", "reply", ARP(op=2, hwsrc=MAC_B, psrc="10.0.0.2", hwdst=MAC_A, pdst="10.0.0.1"))
    write("arp", "padded", bytes(ARP(op=1, hwsrc=MAC_A, psrc="10.0.0.1", pdst="10.0.0.9")) +
          bytes(18))


def ipv4():
    fix = bytes([CTL_FIX])
    write("ipv4", "icmp", fix + bytes(IP(src="10.0.0.1", dst="10.0.0.2", flags="DF") /
                                      ICMP(id=0x1234, seq=1) / bytes(56)))
    write("ipv4", "udp_raw_checksum", bytes([0]) + bytes(IP(src=V4_A, dst=V4_B) / UDP() / b"x"))
    write("ipv4", "options", fix + bytes(IP(src=V4_A, dst=V4_B, options=b"\x01\x01\x94\x04\x00\x00\x01\x00") /
                                         TCP()))
    write("ipv4", "lsrr", fix + bytes(IP(src=V4_A, dst=V4_B, options=b"\x01\x83\x07\x04\x0a\x00\x00\x01") /
                                      UDP()))
    write("ipv4", "first_fragment", fix + bytes(IP(src=V4_A, dst=V4_B, flags="MF", id=7) /
                                                bytes(64)))
    write("ipv4", "ping_of_death", fix + bytes(IP(src=V4_A, dst=V4_B, frag=8191, id=7, proto=1) /
                                               bytes(16)))


def ipv6():
    write("ipv6_ext_chain", "udp", IPv6(src=V6_A, dst=V6_B) / UDP() / b"hello")
    write("ipv6_ext_chain", "hbh_dst", IPv6(src=V6_A, dst=V6_B) /
          IPv6ExtHdrHopByHop(options=[RouterAlert()]) /
          IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00\x00\x00\x00")]) / UDP())
    write("ipv6_ext_chain", "first_fragment", IPv6(src=V6_A, dst=V6_B) /
          IPv6ExtHdrFragment(offset=0, m=1, id=5, nh=17) / bytes(16))
    write("ipv6_ext_chain", "later_fragment", IPv6(src=V6_A, dst=V6_B) /
          IPv6ExtHdrDestOpt() / IPv6ExtHdrFragment(offset=154, m=0, id=5, nh=6) / bytes(11))
    write("ipv6_ext_chain", "rh0", IPv6(src=V6_A, dst=V6_B) /
          IPv6ExtHdrRouting(type=0, addresses=["2001:db8::3"]) / UDP())
    hbh = bytes([59, 0, 0xc2, 4, 0, 0, 0, 0])  # jumbo payload option: action bits 11
    write("ipv6_ext_chain", "unknown_option",
          bytes(IPv6(src=V6_A, dst=V6_B, nh=0, plen=len(hbh))) + hbh)
    stacked = b"".join(bytes([60, 0, 1, 4, 0, 0, 0, 0]) for _ in range(20))
    hdr = bytes(IPv6(src=V6_A, dst=V6_B, nh=60, plen=len(stacked)))
    write("ipv6_ext_chain", "stacked_destopts", hdr + stacked)


def icmp():
    write("icmp", "echo4", bytes([0]) + bytes(ICMP(id=1, seq=2) / bytes(32)))
    write("icmp", "frag_needed4", bytes([CTL_FIX]) + bytes(ICMP(type=3, code=4, nexthopmtu=1400) /
                                                           IP(src=V4_B, dst=V4_A) / bytes(8)))
    echo6 = IPv6(src=LL_A, dst=LL_B) / ICMPv6EchoRequest(id=1, seq=2, data=bytes(32))
    write("icmp", "echo6", bytes([CTL_V6]) + l4(echo6, ICMPv6EchoRequest))
    ns = IPv6(src=LL_A, dst=LL_B) / ICMPv6ND_NS(tgt=LL_B) / ICMPv6NDOptSrcLLAddr(lladdr=MAC_A)
    write("icmp", "ns6", bytes([CTL_V6]) + l4(ns, ICMPv6ND_NS))


def ndp():
    def rest_and_body(msg):
        raw = l4(IPv6(src=LL_A, dst=LL_B) / msg, msg.__class__)
        return raw[4:8], raw[8:]

    rest, body = rest_and_body(ICMPv6ND_NS(tgt=LL_B) / ICMPv6NDOptSrcLLAddr(lladdr=MAC_A))
    write("ndp", "ns", bytes([1]) + rest + body)
    rest, body = rest_and_body(ICMPv6ND_NA(tgt=LL_B, R=0, S=1, O=1) /
                               ICMPv6NDOptDstLLAddr(lladdr=MAC_B))
    write("ndp", "na", bytes([1]) + rest + body)
    rest, body = rest_and_body(ICMPv6ND_RA(chlim=64, routerlifetime=1800) /
                               ICMPv6NDOptSrcLLAddr(lladdr=MAC_A) / ICMPv6NDOptMTU(mtu=1500) /
                               ICMPv6NDOptPrefixInfo(prefixlen=64, prefix="2001:db8:1::"))
    write("ndp", "ra", bytes([2]) + rest + body)
    write("ndp", "options_zero_len", bytes([0, 0, 0, 0, 0]) + bytes([1, 0, 0, 0, 0, 0, 0, 0]))
    write("ndp", "options_mixed", bytes([0, 0, 0, 0, 0]) + bytes(ICMPv6NDOptMTU(mtu=1280)) +
          bytes([200, 1, 1, 2, 3, 4, 5, 6]))


def udp():
    p4 = IP(src=V4_A, dst=V4_B) / UDP(sport=1234, dport=53) / b"query"
    write("udp", "v4", bytes([0]) + l4(p4, UDP))
    write("udp", "v4_zero_checksum", bytes([0]) + bytes(UDP(sport=1, dport=2, chksum=0) / b"ab"))
    p6 = IPv6(src=V6_A, dst=V6_B) / UDP(sport=5353, dport=53) / b"hello"
    write("udp", "v6", bytes([CTL_V6]) + l4(p6, UDP))
    write("udp", "v6_short_length", bytes([CTL_V6 | CTL_FIX]) + bytes.fromhex("000100020004ffff"))


def tcp():
    syn_opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (12345, 0)), ("NOP", None),
                ("WScale", 7)]
    sack_opts = [("NOP", None), ("NOP", None), ("SAck", (100, 200, 300, 400, 500, 600, 700, 800))]
    for name, opts in (("syn", syn_opts), ("sack", sack_opts)):
        raw = bytes(TCP(options=opts))
        write("tcp_options", name, raw[20:])
    write("tcp_options", "zero_length", bytes([30, 0, 1, 1]))
    write("tcp_options", "bad_mss", bytes([2, 3, 5, 0]))
    syn4 = IP(src=V4_A, dst=V4_B) / TCP(sport=40000, dport=80, flags="S", options=syn_opts)
    write("tcp_segment", "syn4", bytes([0]) + l4(syn4, TCP))
    data6 = IPv6(src=V6_A, dst=V6_B) / TCP(sport=80, dport=40000, flags="PA",
                                             options=sack_opts) / b"payload"
    write("tcp_segment", "data6", bytes([CTL_V6]) + l4(data6, TCP))
    write("tcp_segment", "fixup4", bytes([CTL_FIX]) + bytes(TCP(flags="A", options=[("WScale", 20)])))


def address_text():
    for i, s in enumerate(["aa:bb:cc:dd:ee:ff", "192.0.2.1", "10.0.0.0/8", "2001:db8::1",
                           "fe80::1/64", "::ffff:192.0.2.1", "1:0:0:2::3", "fe80::1%eth0"]):
        write("address_text", "t%d" % i, s.encode())


def main():
    for gen in (ethernet, arp, ipv4, ipv6, icmp, ndp, udp, tcp, address_text):
        gen()
    return 0


if __name__ == "__main__":
    sys.exit(main())
