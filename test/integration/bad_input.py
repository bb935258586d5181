#!/usr/bin/python3
"""Bad input for the running stack, sent with scapy from the kernel side of the TAP
(HARDENING.md rows 1-4, 9, 10, 21): truncated headers at every layer, bad checksums, bad
IHL/lengths, IPv6 extension-header chains of 100+ headers, overlapping and tiny fragments and a
bounded flood of incomplete fragments.

Two sub-commands, both run by bad_input.sh:
  bad_input.py send --iface IF --stack-mac MAC --stack-v4 A --kernel-v4 A --stack-v6 A --kernel-v6 A
      sends every case, checking after each group that the stack still answers ping.
  bad_input.py check STACK_STDOUT
      reads the counters `serve` printed at exit and checks that every case's drop shows up
      under one of its expected reason names, and that reassembly stayed under its cap.
  bad_input.py list
      prints the cases and the reason names each may be counted under.

Run with /usr/bin/python3 (Debian's scapy).
"""
import argparse
import os
import random
import re
import socket
import subprocess
import sys
import time

# ---------------------------------------------------------------------------------------------
# Expectations: edit here when the stack's counter output changes.
#
# Drop reason names come from lib/common/drop_reason.hpp (read at run time, so a renamed reason
# is reported instead of silently never matching). Each case below lists the reasons its
# packets may be counted under; an empty list means "must not crash, no drop required" (e.g.
# tiny but valid fragments, which a stack may reassemble and answer).
DROP_REASON_HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib",
                                  "common", "drop_reason.hpp")
# `serve` prints one line per non-zero reason, e.g. "  ipv4_bad_checksum: 3" (under "drops:").
COUNTER_LINE = re.compile(r"\b([a-z][a-z0-9_]*)\s*[:=]\s*(\d+)\b")
# ... and a line like "reassembly: buffers_in_use=N cap=M [peak=P]".
REASSEMBLY_LINE = re.compile(r"^\s*reassembly\b[: ]\s*(.*)$", re.MULTILINE)
REASSEMBLY_USAGE_KEYS = ("buffers_in_use", "in_use", "peak", "max_in_use", "high_water",
                         "peak_buffers")
REASSEMBLY_CAP_KEYS = ("cap", "limit", "max_buffers")
REQUIRE_REASSEMBLY_LINE = True

FLOOD_V4 = 3000  # incomplete first fragments with random IDs
FLOOD_V6 = 1500
FLOOD_BATCH = 100  # frames per burst; a short pause between bursts keeps the TAP queue from
FLOOD_PAUSE_S = 0.003  # overflowing (drops there would never reach the stack)

# ---------------------------------------------------------------------------------------------


def known_reasons(header=DROP_REASON_HEADER):
    with open(header, encoding="utf-8") as f:
        return set(re.findall(r'X\(\s*\w+\s*,\s*"([a-z0-9_]+)"\s*\)', f.read()))


class Case:
    def __init__(self, group, name, frames, accept):
        self.group, self.name, self.frames, self.accept = group, name, frames, list(accept)


def build_cases(a):
    """All cases as lists of Ethernet frames. `a` holds addresses and MACs."""
    from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, ICMPv6EchoRequest,
                           ICMPv6ND_NS, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                           IPv6ExtHdrHopByHop, Raw, HBHOptUnknown)

    eth = lambda t=None: Ether(src=a.kernel_mac, dst=a.stack_mac, **({"type": t} if t else {}))
    ip4 = lambda **kw: IP(**{"src": a.kernel_v4, "dst": a.stack_v4, **kw})
    ip6 = lambda **kw: IPv6(**{"src": a.kernel_v6, "dst": a.stack_v6, **kw})
    echo4 = lambda seq=1, n=32: ICMP(type=8, id=0x4d4e, seq=seq) / (b"x" * n)
    echo6 = lambda seq=1, n=32: ICMPv6EchoRequest(id=0x4d4e, seq=seq, data=b"x" * n)
    v4 = lambda pkt: bytearray(bytes(ip4() / pkt))
    v6 = lambda pkt: bytearray(bytes(ip6() / pkt))
    raw4 = lambda b: eth(0x0800) / Raw(bytes(b))
    raw6 = lambda b: eth(0x86DD) / Raw(bytes(b))
    cases = []

    def add(group, name, frames, *accept):
        cases.append(Case(group, name, frames if isinstance(frames, list) else [frames], accept))

    # --- Ethernet (a frame shorter than 14 bytes is padded to 14 by the kernel's packet
    # socket, so the shortest that reaches the stack is a bare header).
    add("eth", "runt_13_bytes", Raw(bytes(eth(0x0800))[:13]), "eth_truncated", "eth_unknown_type",
        "ipv4_truncated", "ipv4_bad_version")
    add("eth", "bare_header_ipv4", Raw(bytes(eth(0x0800))), "eth_truncated", "ipv4_truncated")
    add("eth", "unknown_ethertype", eth(0x88B5) / Raw(b"\0" * 46), "eth_unknown_type")
    add("eth", "six_vlan_tags",
        eth() / Dot1Q(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / Dot1Q(vlan=4) / Dot1Q(vlan=5) /
        Dot1Q(vlan=6) / ip4() / echo4(), "eth_too_many_vlans", "eth_unknown_type")
    add("eth", "other_unicast_mac",
        Ether(src=a.kernel_mac, dst="02:00:00:00:77:77") / ip4() / echo4(), "eth_not_for_us")

    # --- ARP
    add("arp", "truncated", eth(0x0806) / Raw(bytes(ARP(pdst=a.stack_v4))[:10]),
        "arp_malformed")
    bad_len = bytearray(bytes(ARP(pdst=a.stack_v4, psrc=a.kernel_v4)))
    bad_len[4], bad_len[5] = 7, 5  # hardware length 7, protocol length 5
    add("arp", "bad_address_lengths", eth(0x0806) / Raw(bytes(bad_len)), "arp_malformed")
    add("arp", "request_for_other_ip",
        Ether(src=a.kernel_mac, dst="ff:ff:ff:ff:ff:ff") /
        ARP(op=1, hwsrc=a.kernel_mac, psrc=a.kernel_v4, pdst="10.99.0.77"), "arp_not_for_us")

    # --- IPv4 header
    add("ipv4", "truncated_header", raw4(v4(echo4())[:10]), "ipv4_truncated")
    b = v4(echo4())
    b[0] = 0x65
    add("ipv4", "version_6", raw4(b), "ipv4_bad_version")
    b = v4(echo4())
    b[0] = 0x44
    add("ipv4", "ihl_4", raw4(b), "ipv4_bad_ihl", "ipv4_truncated")
    b = v4(echo4(n=0))
    b[0] = 0x4F  # 60-byte header claimed, 28 bytes present
    add("ipv4", "ihl_15_beyond_packet", raw4(b), "ipv4_bad_ihl", "ipv4_truncated",
        "ipv4_bad_length")
    add("ipv4", "total_length_beyond_frame", eth() / ip4(len=1000) / echo4(), "ipv4_bad_length",
        "ipv4_truncated")
    add("ipv4", "total_length_below_header", eth() / ip4(len=12) / echo4(), "ipv4_bad_length",
        "ipv4_bad_ihl")
    add("ipv4", "bad_header_checksum", eth() / ip4(chksum=0xDEAD) / echo4(),
        "ipv4_bad_checksum")
    add("ipv4", "not_for_us", eth() / ip4(dst="10.99.0.77") / echo4(), "ipv4_not_for_us",
        "ipv4_no_route")
    add("ipv4", "unknown_protocol", eth() / ip4(proto=253) / Raw(b"hello"),
        "ipv4_unknown_protocol")
    # Loose source route (type 0x83, length 7, pointer 4, one address) and a NOP. Written as
    # bytes: scapy would move the route's last hop into the destination address.
    lsrr = b"\x83\x07\x04" + socket.inet_aton(a.kernel_v4) + b"\x01"
    add("ipv4", "loose_source_route", eth() / ip4(ihl=7, options=lsrr) / echo4(),
        "ipv4_source_route", "ipv4_bad_option")
    # Record-route option claiming length 1 (< 2): an option walk must stop, not loop.
    b = bytearray(bytes(ip4(ihl=6, options=b"\x07\x01\x00\x00") / echo4()))
    add("ipv4", "option_length_1", raw4(b), "ipv4_bad_option")
    add("ipv4", "broadcast_source", eth() / ip4(src="255.255.255.255") / echo4(),
        "ipv4_bad_address")
    add("ipv4", "multicast_source", eth() / ip4(src="224.0.0.5") / echo4(), "ipv4_bad_address")

    # --- ICMPv4
    add("icmp4", "truncated", eth() / ip4(proto=1) / Raw(b"\x08\x00\x00"), "icmp_truncated")
    add("icmp4", "bad_checksum", eth() / ip4() / ICMP(type=8, chksum=0xBEEF) / (b"x" * 32),
        "icmp_bad_checksum")
    add("icmp4", "unknown_type", eth() / ip4() / ICMP(type=99, code=7) / (b"x" * 8),
        "icmp_unhandled_type")

    # --- UDP over IPv4
    add("udp4", "truncated", eth() / ip4(proto=17) / Raw(b"\x00\x07\x00\x07"), "udp_truncated")
    add("udp4", "length_beyond_packet", eth() / ip4() / UDP(dport=7, len=500) / b"abc",
        "udp_bad_length", "udp_bad_checksum")
    add("udp4", "length_below_header", eth() / ip4() / UDP(dport=7, len=4) / b"abc",
        "udp_bad_length", "udp_bad_checksum")
    add("udp4", "bad_checksum", eth() / ip4() / UDP(dport=7, chksum=0x1234) / b"hello",
        "udp_bad_checksum")
    add("udp4", "closed_port", eth() / ip4() / UDP(sport=5555, dport=9999) / b"hello",
        "udp_port_closed")

    # --- TCP over IPv4 (TCP itself comes later: an unknown protocol until then)
    tcp_reasons = ("tcp_malformed", "tcp_port_closed", "ipv4_unknown_protocol")
    add("tcp4", "truncated", eth() / ip4(proto=6) / Raw(b"\x00\x50" * 5), *tcp_reasons)
    add("tcp4", "data_offset_3", eth() / ip4() / TCP(dport=80, dataofs=3), *tcp_reasons)
    add("tcp4", "bad_checksum", eth() / ip4() / TCP(dport=80, chksum=0x1111), *tcp_reasons)

    # --- IPv6 header and extension headers
    add("ipv6", "truncated_header", raw6(v6(echo6())[:20]), "ipv6_truncated")
    b = v6(echo6())
    b[0] = 0x45
    add("ipv6", "version_4", raw6(b), "ipv6_bad_version")
    add("ipv6", "payload_length_beyond_frame", eth() / ip6(plen=1000) / echo6(),
        "ipv6_bad_length", "ipv6_truncated")
    chain = ip6() / IPv6ExtHdrHopByHop()
    for _ in range(120):
        chain = chain / IPv6ExtHdrDestOpt()
    add("ipv6", "chain_of_121_ext_headers", eth() / chain / echo6(),
        "ipv6_too_many_ext_headers", "ipv6_bad_ext_header")
    add("ipv6", "hop_by_hop_not_first",
        eth() / ip6() / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() / echo6(),
        "ipv6_bad_ext_header")
    # Destination options header claiming (255+1)*8 bytes in an 8-byte packet.
    add("ipv6", "ext_header_length_beyond_packet",
        raw6(bytes(ip6(nh=60, plen=8)) + bytes([58, 255, 1, 4, 0, 0, 0, 0])),
        "ipv6_bad_ext_header", "ipv6_truncated", "ipv6_bad_length")
    # Type 0 routing header (RFC 5095 deprecates it), written as bytes: scapy would move the
    # route's last address into the destination address.
    rh0 = bytes([58, 2, 0, 1, 0, 0, 0, 0]) + socket.inet_pton(socket.AF_INET6, a.kernel_v6)
    icmp = bytes(ip6() / echo6())[40:]
    add("ipv6", "routing_header_type_0",
        raw6(bytes(ip6(nh=43, plen=len(rh0) + len(icmp))) + rh0 + icmp),
        "ipv6_routing_header", "ipv6_bad_ext_header")
    # Option type 0x9e: the top bits 10 say "discard, send Parameter Problem" (RFC 8200 4.2).
    add("ipv6", "unknown_option_discard",
        eth() / ip6() / IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x9E, optdata=b"\0\0")]) /
        echo6(), "ipv6_unknown_option", "ipv6_bad_ext_header")
    add("ipv6", "not_for_us", eth() / ip6(dst="fd99::77") / echo6(), "ipv6_not_for_us",
        "ipv6_no_route")
    add("ipv6", "multicast_source", eth() / ip6(src="ff02::1") / echo6(), "ipv6_bad_address")

    # --- ICMPv6 and NDP
    add("icmp6", "truncated", raw6(bytes(ip6(nh=58, plen=2)) + b"\x80\x00"), "icmp_truncated")
    add("icmp6", "bad_checksum", eth() / ip6() / ICMPv6EchoRequest(cksum=0xBEEF, data=b"x" * 8),
        "icmp_bad_checksum")
    # RFC 4861 7.1.1: a Neighbor Solicitation must arrive with hop limit 255.
    add("icmp6", "ns_hop_limit_64", eth() / ip6(hlim=64) / ICMPv6ND_NS(tgt=a.stack_v6),
        "ndp_invalid", "ndp_malformed")
    # A source link-layer address option with length 0: an option walk must stop, not loop.
    zero_len_opt = b"\x01\x00" + bytes.fromhex(a.kernel_mac.replace(":", ""))
    add("icmp6", "ns_option_length_0",
        eth() / ip6(hlim=255) / ICMPv6ND_NS(tgt=a.stack_v6) / Raw(zero_len_opt),
        "ndp_malformed", "ndp_invalid")

    # --- UDP over IPv6
    add("udp6", "truncated", raw6(bytes(ip6(nh=17, plen=4)) + b"\x00\x07\x00\x07"),
        "udp_truncated")
    add("udp6", "zero_checksum", eth() / ip6() / UDP(dport=7, chksum=0) / b"hello",
        "udp_bad_checksum")
    add("udp6", "bad_checksum", eth() / ip6() / UDP(dport=7, chksum=0x4321) / b"hello",
        "udp_bad_checksum")

    cases += fragment_cases(a, eth, ip4, ip6, echo4, echo6, Raw, IP, IPv6, IPv6ExtHdrFragment,
                            IPv6ExtHdrDestOpt)
    return cases


def fragment_cases(a, eth, ip4, ip6, echo4, echo6, Raw, IP, IPv6, IPv6ExtHdrFragment,
                   IPv6ExtHdrDestOpt):
    cases = []

    def add(group, name, frames, *accept):
        cases.append(Case(group, name, frames, accept))

    def frag4(ident, payload, offset_bytes, more, proto=1):
        return eth() / ip4(id=ident, proto=proto, flags="MF" if more else 0,
                           frag=offset_bytes // 8) / Raw(payload)

    def frag6(ident, payload, offset_bytes, more, nh=58):
        return eth() / ip6() / IPv6ExtHdrFragment(nh=nh, id=ident, offset=offset_bytes // 8,
                                                  m=int(more)) / Raw(payload)

    def l4_v6(pkt):  # upper-layer bytes with the checksum computed over the real addresses
        return bytes(ip6() / pkt)[40:]

    icmp4 = bytes(echo4(seq=7, n=40))  # 48 bytes
    icmp6 = l4_v6(echo6(seq=7, n=40))
    # Overlaps (RFC 5722 for IPv6: drop the whole datagram).
    add("frag4", "overlap_middle",
        [frag4(0x1001, icmp4[0:24], 0, True), frag4(0x1001, icmp4[16:40], 16, True),
         frag4(0x1001, icmp4[40:48], 40, False)], "frag_overlap")
    add("frag4", "duplicate_fragment",
        [frag4(0x1002, icmp4[0:24], 0, True), frag4(0x1002, icmp4[0:24], 0, True),
         frag4(0x1002, icmp4[24:48], 24, False)])
    add("frag6", "overlap_middle",
        [frag6(0x2001, icmp6[0:24], 0, True), frag6(0x2001, icmp6[16:40], 16, True),
         frag6(0x2001, icmp6[40:48], 40, False)], "frag_overlap")
    # Tiny (8-byte) fragments of valid echo requests: a stack may answer them.
    big4 = bytes(echo4(seq=8, n=56))
    add("frag4", "tiny_8_byte_fragments",
        [frag4(0x1003, big4[i:i + 8], i, i + 8 < len(big4)) for i in range(0, len(big4), 8)])
    big6 = l4_v6(echo6(seq=8, n=56))
    add("frag6", "tiny_8_byte_fragments",
        [frag6(0x2003, big6[i:i + 8], i, i + 8 < len(big6)) for i in range(0, len(big6), 8)])
    # RFC 8200 4.5 / RFC 7112: the first fragment must hold the whole header chain.
    chain = l4_v6(IPv6ExtHdrDestOpt(nh=58) / echo6(seq=9, n=40))
    add("frag6", "header_chain_split",
        [frag6(0x2004, chain[0:8], 0, True, nh=60), frag6(0x2004, chain[8:], 8, False, nh=60)],
        "frag_first_too_small", "ipv6_bad_ext_header", "frag_bad")
    # Offset + length beyond 65535.
    add("frag4", "beyond_65535", [frag4(0x1005, b"y" * 96, 65528 - 64, False)],
        "frag_too_big", "frag_bad", "ipv4_bad_length")
    add("frag6", "beyond_65535", [frag6(0x2005, b"y" * 96, 65528 - 64, False)], "frag_too_big",
        "frag_bad")
    # A non-last fragment whose length is not a multiple of 8.
    add("frag4", "unaligned_middle", [frag4(0x1006, icmp4[0:13], 0, True)], "frag_bad")
    add("frag6", "unaligned_middle", [frag6(0x2006, icmp6[0:13], 0, True)], "frag_bad",
        "ipv6_bad_length")
    # Floods of incomplete datagrams: the cap must hold; the oldest get evicted.
    rnd = random.Random(1234)
    add("flood", "ipv4_incomplete_first_fragments",
        [frag4(rnd.randrange(0x10000), b"f" * 1200, 0, True) for _ in range(FLOOD_V4)],
        "frag_evicted", "frag_no_memory")
    add("flood", "ipv6_incomplete_first_fragments",
        [frag6(rnd.randrange(1 << 32), b"f" * 1200, 0, True) for _ in range(FLOOD_V6)],
        "frag_evicted", "frag_no_memory")
    return cases


def stack_answers(addr, tries=5):
    for _ in range(tries):
        r = subprocess.run(["ping", "-c", "1", "-W", "2", addr], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
        if r.returncode == 0:
            return True
        time.sleep(0.2)
    return False


def check_names(cases, known):
    unknown = sorted({r for c in cases for r in c.accept} - known)
    if unknown:
        print(f"bad_input.py: reason names not in {DROP_REASON_HEADER}: {', '.join(unknown)}")
        print("  update the expectations at the top of bad_input.py")
        return False
    return True


def cmd_send(a):
    from scapy.all import conf, get_if_hwaddr

    a.kernel_mac = a.kernel_mac or get_if_hwaddr(a.iface)
    cases = build_cases(a)
    if not check_names(cases, known_reasons()):
        return 1
    sock = conf.L2socket(iface=a.iface)
    group = None
    for case in cases:
        if group is not None and case.group != group and not alive_after(group, a):
            return 1
        group = case.group
        print(f"send {case.group}/{case.name}: {len(case.frames)} frame(s); counted as "
              f"{' or '.join(case.accept) if case.accept else '(no drop required)'}", flush=True)
        for i, frame in enumerate(case.frames):
            sock.send(frame)
            if (i + 1) % FLOOD_BATCH == 0:
                time.sleep(FLOOD_PAUSE_S)
        time.sleep(0.05)
    sock.close()
    return 0 if alive_after(group, a) else 1


def alive_after(group, a):
    if a.skip_ping:
        return True
    ok = stack_answers(a.stack_v4) and stack_answers(a.stack_v6)
    print(f"after {group}: the stack {'still answers ping' if ok else 'DOES NOT ANSWER ping'}",
          flush=True)
    return ok


def parse_counters(text, known):
    counters = {}
    for line in text.splitlines():
        for name, value in COUNTER_LINE.findall(line):
            if name in known:
                counters[name] = counters.get(name, 0) + int(value)
    return counters


def check_reassembly(text):
    lines = REASSEMBLY_LINE.findall(text)
    if not lines:
        print("no 'reassembly: buffers_in_use=N cap=M' line in the stack's output")
        return not REQUIRE_REASSEMBLY_LINE
    ok = True
    for line in lines:
        fields = {k: int(v) for k, v in re.findall(r"([a-z_]+)\s*[=:]\s*(\d+)", line)}
        cap = next((fields[k] for k in REASSEMBLY_CAP_KEYS if k in fields), None)
        if cap is None:
            print(f"reassembly line without a cap: {line!r}")
            ok = ok and not REQUIRE_REASSEMBLY_LINE
            continue
        for key in REASSEMBLY_USAGE_KEYS:
            if key in fields and fields[key] > cap:
                print(f"reassembly {key}={fields[key]} exceeds cap={cap}")
                ok = False
        print(f"reassembly: {line.strip()} -> {'ok' if ok else 'OVER THE CAP'}")
    return ok


def cmd_check(a):
    known = known_reasons()
    a.kernel_mac = a.stack_mac = "02:00:00:00:00:01"
    a.stack_v4 = a.kernel_v4 = "10.99.0.1"
    a.stack_v6 = a.kernel_v6 = "fd99::1"
    cases = build_cases(a)
    if not check_names(cases, known):
        return 1
    with open(a.stack_stdout, encoding="utf-8", errors="replace") as f:
        text = f.read()
    counters = parse_counters(text, known)
    print("drop counters found: " +
          (", ".join(f"{k}={v}" for k, v in sorted(counters.items())) or "none"))
    ok = True
    for case in cases:
        if not case.accept:
            continue
        seen = {r: counters.get(r, 0) for r in case.accept}
        hit = sum(seen.values()) > 0
        ok = ok and hit
        print(f"{'ok  ' if hit else 'MISS'} {case.group}/{case.name}: "
              + ", ".join(f"{r}={n}" for r, n in seen.items()))
    ok = check_reassembly(text) and ok
    return 0 if ok else 1


def cmd_list(a):
    a.kernel_mac = a.stack_mac = "02:00:00:00:00:01"
    a.stack_v4 = a.kernel_v4 = "10.99.0.1"
    a.stack_v6 = a.kernel_v6 = "fd99::1"
    cases = build_cases(a)
    for c in cases:
        print(f"{c.group}/{c.name}: {len(c.frames)} frame(s) -> {' | '.join(c.accept) or '-'}")
    return 0 if check_names(cases, known_reasons()) else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    s.add_argument("--iface", required=True)
    s.add_argument("--stack-mac", required=True)
    s.add_argument("--kernel-mac", default=None)
    s.add_argument("--skip-ping", action="store_true",
                   help="do not check that the stack answers (for testing the sender alone)")
    for name in ("--stack-v4", "--kernel-v4", "--stack-v6", "--kernel-v6"):
        s.add_argument(name, required=True)
    c = sub.add_parser("check")
    c.add_argument("stack_stdout")
    sub.add_parser("list")
    a = p.parse_args()
    return {"send": cmd_send, "check": cmd_check, "list": cmd_list}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
