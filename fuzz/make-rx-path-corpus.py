#!/usr/bin/python3
"""Writes the seed corpus fuzz/corpus/rx_path/*.bin for fuzz-rx_path: short conversations a peer
(02:00:00:00:00:01, 10.0.0.1, fd00::1) has with the stack (02:00:00:00:00:02, 10.0.0.2,
fd00::2), in the harness's record format (see rx_path_fuzz.cpp):
    [setup byte] ([time byte][length, 2 bytes big-endian][Ethernet frame])*
Setup bit 0: bind UDP port 7 and echo; bit 1: ping 10.0.0.1 and fd00::1 (id 0x1234, seq 1);
bit 2: the harness rewrites IP/ICMP/UDP checksums before each frame goes in.
Time byte: bits 0-5 count, bits 6-7 unit (1 ms, 100 ms, 1 s, 10 s).

Needs Debian's python3-scapy: run with /usr/bin/python3 fuzz/make-rx-path-corpus.py.
"""
import os
import struct

from scapy.all import (ARP, ICMP, IP, UDP, Ether, ICMPv6EchoReply, ICMPv6EchoRequest,
                       ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6NDOptPrefixInfo,
                       ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr, IPv6, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, Raw, conf, fragment, fragment6)

conf.verb = 0
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "rx_path")
PEER_MAC, STACK_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
PEER4, STACK4 = "10.0.0.1", "10.0.0.2"
PEER6, STACK6 = "fd00::1", "fd00::2"
SNM6 = "ff02::1:ff00:2"  # solicited-node multicast of fd00::2
SNM6_MAC = "33:33:ff:00:00:02"


def ms(n):
    assert 0 <= n < 64
    return n


def sec(n):
    assert 0 <= n < 64
    return 0x80 | n


def ten_sec(n):
    assert 0 <= n < 64
    return 0xC0 | n


SETUP_UDP = 0x01
SETUP_PING = 0x02
SETUP_FIX = 0x04


def records(*items, setup=0):
    """items: frames, or (time byte, frame) pairs."""
    out = bytes([setup])
    for it in items:
        t, f = it if isinstance(it, tuple) else (0, it)
        raw = bytes(f)
        out += struct.pack(">BH", t, len(raw)) + raw
    return out


def write(name, data):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + ".bin"), "wb") as f:
        f.write(data)


def to_stack4():
    return Ether(dst=STACK_MAC, src=PEER_MAC) / IP(src=PEER4, dst=STACK4)


def to_stack6():
    return Ether(dst=STACK_MAC, src=PEER_MAC) / IPv6(src=PEER6, dst=STACK6)


ARP_REQ = Ether(dst="ff:ff:ff:ff:ff:ff", src=PEER_MAC) / ARP(
    op=1, hwsrc=PEER_MAC, psrc=PEER4, pdst=STACK4)
ARP_REPLY = Ether(dst=STACK_MAC, src=PEER_MAC) / ARP(
    op=2, hwsrc=PEER_MAC, psrc=PEER4, hwdst=STACK_MAC, pdst=STACK4)
NS = (Ether(dst=SNM6_MAC, src=PEER_MAC) / IPv6(src=PEER6, dst=SNM6, hlim=255) /
      ICMPv6ND_NS(tgt=STACK6) / ICMPv6NDOptSrcLLAddr(lladdr=PEER_MAC))
NA = (Ether(dst=STACK_MAC, src=PEER_MAC) / IPv6(src=PEER6, dst=STACK6, hlim=255) /
      ICMPv6ND_NA(tgt=PEER6, R=0, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=PEER_MAC))
DATA56 = bytes(range(56))


def main():
    write("arp_request", records(ARP_REQ))
    write("echo4", records(ARP_REQ, to_stack4() / ICMP(id=7, seq=1) / DATA56))
    write("ns", records(NS))
    write("echo6", records(NS, to_stack6() / ICMPv6EchoRequest(id=7, seq=1, data=DATA56)))

    big = bytes(i & 0xFF for i in range(4000))
    frags4 = fragment(IP(src=PEER4, dst=STACK4, id=4242) / ICMP(id=9, seq=3) / big, fragsize=1480)
    write("frag_echo4", records(ARP_REQ, *[Ether(dst=STACK_MAC, src=PEER_MAC) / f
                                           for f in frags4]))
    # Out of order, then a duplicate of the first one.
    write("frag_echo4_reordered", records(
        ARP_REQ, *[Ether(dst=STACK_MAC, src=PEER_MAC) / f for f in reversed(frags4)],
        Ether(dst=STACK_MAC, src=PEER_MAC) / frags4[0]))
    frags6 = fragment6(IPv6(src=PEER6, dst=STACK6) / IPv6ExtHdrFragment(id=4242) /
                       ICMPv6EchoRequest(id=9, seq=3, data=big), 1500)
    write("frag_echo6", records(NS, *[Ether(dst=STACK_MAC, src=PEER_MAC) / f for f in frags6]))
    # A first fragment alone, then 40 s: reassembly times out (ICMP time exceeded, RFC 792).
    write("frag4_timeout", records(ARP_REQ, Ether(dst=STACK_MAC, src=PEER_MAC) / frags4[0],
                                   (ten_sec(4), ARP_REQ)))
    write("frag6_timeout", records(NS, Ether(dst=STACK_MAC, src=PEER_MAC) / frags6[0],
                                   (ten_sec(7), NS)))

    # Regression (found by this target): a first fragment sent to a multicast / broadcast
    # address timed out and the Time Exceeded went out with that group address as its source.
    # RFC 4443 2.4(e) and RFC 1122 3.2.2: no ICMP error about such packets.
    write("frag6_multicast_timeout", records(
        NS, Ether(dst=SNM6_MAC, src=PEER_MAC) /
        IPv6(src=PEER6, dst=SNM6) / IPv6ExtHdrFragment(id=7, m=1) /
        ICMPv6EchoRequest(id=9, seq=1, data=bytes(1000)), (ten_sec(7), NS)))
    write("frag4_broadcast_timeout", records(
        ARP_REQ, Ether(dst="ff:ff:ff:ff:ff:ff", src=PEER_MAC) /
        IP(src=PEER4, dst="10.0.0.255", id=5, flags="MF") / ICMP(id=9, seq=1) / bytes(1000),
        (ten_sec(4), ARP_REQ)))

    write("udp4", records(ARP_REQ, to_stack4() / UDP(sport=4000, dport=7) / (b"x" * 64), setup=SETUP_UDP))
    write("udp6", records(NS, to_stack6() / UDP(sport=4000, dport=7) / (b"y" * 64), setup=SETUP_UDP))
    write("udp4_closed_port", records(ARP_REQ, to_stack4() / UDP(sport=4000, dport=9) / b"z"))
    udp_big = fragment(IP(src=PEER4, dst=STACK4, id=77) / UDP(sport=4000, dport=7) /
                       bytes(3000), fragsize=1480)
    write("udp4_fragmented", records(ARP_REQ, *[Ether(dst=STACK_MAC, src=PEER_MAC) / f
                                                for f in udp_big], setup=SETUP_UDP))

    # Replies to the harness's outstanding pings (id 0x1234, seq 1), after resolution.
    write("ping_reply4", records(ARP_REPLY, (ms(5), to_stack4() / ICMP(type=0, id=0x1234, seq=1) /
                                             bytes(56)), setup=SETUP_PING))
    write("ping_reply6", records(NA, (ms(5), to_stack6() /
                                      ICMPv6EchoReply(id=0x1234, seq=1, data=bytes(56))), setup=SETUP_PING))
    # Neighbor entries age while time passes (RFC 4861 7.3.3), then traffic resumes.
    write("echo6_after_stale", records(
        NS, (sec(40), to_stack6() / ICMPv6EchoRequest(id=7, seq=2, data=DATA56)),
        (sec(6), to_stack6() / ICMPv6EchoRequest(id=7, seq=3, data=DATA56))))
    # A Router Advertisement with an autonomous prefix (SLAAC, RFC 4862 5.5.3).
    write("router_advertisement", records(
        Ether(dst="33:33:00:00:00:01", src=PEER_MAC) /
        IPv6(src="fe80::1", dst="ff02::1", hlim=255) / ICMPv6ND_RA(routerlifetime=1800) /
        ICMPv6NDOptSrcLLAddr(lladdr=PEER_MAC) /
        ICMPv6NDOptPrefixInfo(prefix="2001:db8:1::", prefixlen=64, L=1, A=1,
                              validlifetime=3600, preferredlifetime=1800)))
    # Hop-by-hop header in front of an echo request.
    write("echo6_hbh", records(NS, to_stack6() / IPv6ExtHdrHopByHop() /
                               ICMPv6EchoRequest(id=7, seq=4, data=DATA56)))
    # Ethernet padding behind a short IPv4 packet (the IP length must win).
    write("echo4_padded", records(ARP_REQ, Ether(bytes(to_stack4() / ICMP(id=7, seq=5)) +
                                                 bytes(20))))
    # Checksums rewritten by the harness, so mutations of these reach past the checks.
    write("echo4_fix", records(ARP_REQ, to_stack4() / ICMP(id=7, seq=6) / DATA56,
                               setup=SETUP_FIX))
    write("echo6_fix", records(NS, to_stack6() / ICMPv6EchoRequest(id=7, seq=6, data=DATA56),
                               setup=SETUP_FIX))
    write("udp_fix", records(ARP_REQ, to_stack4() / UDP(sport=4000, dport=7) / (b"x" * 64),
                             NS, to_stack6() / UDP(sport=4000, dport=7) / (b"y" * 64),
                             setup=SETUP_UDP | SETUP_FIX | SETUP_PING))
    write("garbage", records(Raw(bytes(14)), Raw(b"\x02\x00\x00\x00\x00\x02" * 3)))


if __name__ == "__main__":
    main()
