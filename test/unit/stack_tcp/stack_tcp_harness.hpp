// TCP frames for the stack harness (test/unit/stack/stack_harness.hpp) and parsing of the
// segments the stack sends.
#pragma once

#include <multios/net/wire/tcp.hpp>

#include "../stack/stack_harness.hpp"

namespace multios::net::stack_tcp_test {

using namespace multios::net::stack_test;

inline wire::TcpHeaderFields tcp_fields(std::uint16_t sport, std::uint16_t dport, std::uint32_t seq,
                                        std::uint32_t ack, std::uint8_t flags) {
    wire::TcpHeaderFields f;
    f.src_port = sport;
    f.dst_port = dport;
    f.seq = seq;
    f.ack = ack;
    f.flags = flags;
    f.window = 65535;
    return f;
}

/// Ethernet + IPv4 + TCP from the peer to `dst` (the stack's address by default).
inline Frame tcp4_frame(const wire::TcpHeaderFields& f, std::span<const std::byte> data = {},
                        const Ipv4Address& src = kPeerIp, const Ipv4Address& dst = kStackIp) {
    return eth(kStackMac, kPeerMac, wire::ethertype::kIpv4,
               ipv4(src, dst, wire::ipproto::kTcp, frames::tcp_v4(f, data, src, dst)));
}

inline Frame tcp6_frame(const wire::TcpHeaderFields& f, std::span<const std::byte> data = {},
                        const Ipv6Address& src = kPeerIp6, const Ipv6Address& dst = kStackIp6) {
    return eth(kStackMac, kPeerMac, wire::ethertype::kIpv6,
               frames::ipv6(src, dst, wire::ipproto::kTcp, frames::tcp_v6(f, data, src, dst)));
}

/// A TCP segment the stack sent (IPv4 or IPv6 by the ethertype), checksum verified.
struct SentSegment {
    IpAddress src, dst;
    wire::TcpSegment seg;
};

inline bool parse_sent_tcp(const Frame& f, SentSegment& out) {
    wire::EthernetFrame e;
    if (wire::parse_ethernet(f, e) != wire::ParseError::Ok)
        return false;
    if (e.ethertype == wire::ethertype::kIpv4) {
        wire::Ipv4Packet ip;
        if (wire::parse_ipv4(e.payload, ip) != wire::ParseError::Ok ||
            ip.protocol != wire::ipproto::kTcp)
            return false;
        out.src = ip.src;
        out.dst = ip.dst;
        return wire::parse_tcp_v4(ip.payload, ip.src, ip.dst, out.seg) == wire::ParseError::Ok;
    }
    if (e.ethertype == wire::ethertype::kIpv6) {
        wire::Ipv6Packet ip;
        if (wire::parse_ipv6(e.payload, ip) != wire::ParseError::Ok ||
            ip.next_header != wire::ipproto::kTcp)
            return false;
        out.src = ip.src;
        out.dst = ip.dst;
        return wire::parse_tcp_v6(ip.payload, ip.src, ip.dst, out.seg) == wire::ParseError::Ok;
    }
    return false;
}

/// Every TCP segment among `frames` (others, e.g. ARP, are skipped).
inline std::vector<SentSegment> tcp_segments(const std::vector<Frame>& frames) {
    std::vector<SentSegment> out;
    for (const auto& f : frames) {
        SentSegment s;
        if (parse_sent_tcp(f, s))
            out.push_back(s);
    }
    return out;
}

/// Lets the stack know the peer's MAC for IPv4 (ARP) and IPv6 (NS), then drops the chatter.
inline void introduce_peer(Harness& h) {
    h.rx(frames::arp_request(kPeerMac, kPeerIp, kStackIp));
    h.rx(frames::neighbor_solicitation(kPeerMac, kPeerIp6, kStackIp6));
    h.sink.take();
}

} // namespace multios::net::stack_tcp_test
