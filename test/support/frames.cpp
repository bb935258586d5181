#include "frames.hpp"

#include <algorithm>
#include <cstring>

#include <multios/net/wire/arp.hpp>
#include <multios/net/wire/ethernet.hpp>
#include <multios/net/wire/icmp.hpp>
#include <multios/net/wire/ipv4.hpp>
#include <multios/net/wire/ipv6.hpp>
#include <multios/net/wire/ndp.hpp>
#include <multios/net/wire/udp.hpp>

namespace multios::net::frames {

namespace {

/// `header_len` zero bytes followed by a copy of `body`.
Frame with_room(std::size_t header_len, std::span<const std::byte> body) {
    Frame f(header_len + body.size());
    std::copy(body.begin(), body.end(), f.begin() + static_cast<std::ptrdiff_t>(header_len));
    return f;
}

} // namespace

Frame pattern(std::size_t n) {
    Frame d(n);
    for (std::size_t i = 0; i < n; ++i)
        d[i] = static_cast<std::byte>((i * 7 + 3) & 0xff);
    return d;
}

Frame eth(const MacAddress& dst, const MacAddress& src, std::uint16_t type,
          std::span<const std::byte> payload) {
    Frame f = with_room(wire::kEthernetHeaderLen, payload);
    wire::emit_ethernet(f, dst, src, type);
    return f;
}

Frame ipv4(const Ipv4Address& src, const Ipv4Address& dst, std::uint8_t proto,
           std::span<const std::byte> upper, std::uint16_t id, std::uint16_t frag_offset, bool more,
           std::uint8_t ttl) {
    Frame p = with_room(wire::kIpv4MinHeaderLen, upper);
    wire::Ipv4HeaderFields h;
    h.total_len = static_cast<std::uint16_t>(p.size());
    h.id = id;
    h.frag_offset = frag_offset;
    h.more_fragments = more;
    h.ttl = ttl;
    h.protocol = proto;
    h.src = src;
    h.dst = dst;
    wire::emit_ipv4(p, h);
    return p;
}

Frame ipv6(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t next,
           std::span<const std::byte> payload, std::uint8_t hop_limit) {
    Frame p = with_room(wire::kIpv6HeaderLen, payload);
    wire::Ipv6HeaderFields h;
    h.payload_len = static_cast<std::uint16_t>(payload.size());
    h.next_header = next;
    h.hop_limit = hop_limit;
    h.src = src;
    h.dst = dst;
    wire::emit_ipv6(p, h);
    return p;
}

Frame icmpv4_echo(std::uint16_t id, std::uint16_t seq, std::span<const std::byte> data) {
    Frame m = with_room(wire::kIcmpHeaderLen, data);
    wire::emit_icmpv4(m, wire::icmpv4::kEchoRequest, 0, (std::uint32_t{id} << 16) | seq);
    return m;
}

Frame icmpv6_msg(std::uint8_t type, std::uint32_t rest, std::span<const std::byte> body,
                 const Ipv6Address& src, const Ipv6Address& dst) {
    Frame m = with_room(wire::kIcmpHeaderLen, body);
    wire::emit_icmpv6(m, type, 0, rest, src, dst);
    return m;
}

Frame icmpv6_echo(std::uint16_t id, std::uint16_t seq, std::span<const std::byte> data,
                  const Ipv6Address& src, const Ipv6Address& dst) {
    return icmpv6_msg(wire::icmpv6::kEchoRequest, (std::uint32_t{id} << 16) | seq, data, src, dst);
}

Frame udp_v4(std::uint16_t sport, std::uint16_t dport, std::span<const std::byte> data,
             const Ipv4Address& src, const Ipv4Address& dst) {
    Frame m = with_room(wire::kUdpHeaderLen, data);
    wire::emit_udp_v4(m, sport, dport, src, dst);
    return m;
}

Frame tcp_v4(const wire::TcpHeaderFields& h, std::span<const std::byte> data,
             const Ipv4Address& src, const Ipv4Address& dst) {
    Frame m = with_room(wire::tcp_header_length(h.options), data);
    wire::emit_tcp_v4(m, h, src, dst);
    return m;
}

Frame tcp_v6(const wire::TcpHeaderFields& h, std::span<const std::byte> data,
             const Ipv6Address& src, const Ipv6Address& dst) {
    Frame m = with_room(wire::tcp_header_length(h.options), data);
    wire::emit_tcp_v6(m, h, src, dst);
    return m;
}

Frame udp_v6(std::uint16_t sport, std::uint16_t dport, std::span<const std::byte> data,
             const Ipv6Address& src, const Ipv6Address& dst) {
    Frame m = with_room(wire::kUdpHeaderLen, data);
    wire::emit_udp_v6(m, sport, dport, src, dst);
    return m;
}

namespace {

Frame arp(std::uint16_t op, const MacAddress& eth_dst, const MacAddress& sender_mac,
          const Ipv4Address& sender_ip, const MacAddress& target_mac,
          const Ipv4Address& target_ip) {
    wire::ArpPacket a;
    a.op = op;
    a.sender_mac = sender_mac;
    a.sender_ip = sender_ip;
    a.target_mac = target_mac;
    a.target_ip = target_ip;
    Frame body(wire::kArpLen);
    wire::emit_arp(body, a);
    return eth(eth_dst, sender_mac, wire::ethertype::kArp, body);
}

} // namespace

Frame arp_request(const MacAddress& sender_mac, const Ipv4Address& sender_ip,
                  const Ipv4Address& target) {
    return arp(wire::kArpRequest, MacAddress::broadcast(), sender_mac, sender_ip, MacAddress{},
               target);
}

Frame arp_reply(const MacAddress& sender_mac, const Ipv4Address& sender_ip,
                const MacAddress& target_mac, const Ipv4Address& target_ip) {
    return arp(wire::kArpReply, target_mac, sender_mac, sender_ip, target_mac, target_ip);
}

Frame neighbor_solicitation(const MacAddress& src_mac, const Ipv6Address& src,
                            const Ipv6Address& target) {
    Frame body(16 + 8);
    std::memcpy(body.data(), target.bytes.data(), 16);
    wire::emit_lla_option(std::span(body).subspan(16), wire::ndopt::kSourceLinkAddr, src_mac);
    const Ipv6Address dst = target.solicited_node();
    const Frame icmp = icmpv6_msg(wire::icmpv6::kNeighborSolicitation, 0, body, src, dst);
    return eth(dst.multicast_mac(), src_mac, wire::ethertype::kIpv6,
               ipv6(src, dst, wire::ipproto::kIcmpv6, icmp, 255));
}

std::vector<Frame> ipv4_fragments(const MacAddress& dst_mac, const MacAddress& src_mac,
                                  const Ipv4Address& src, const Ipv4Address& dst,
                                  std::uint8_t proto, std::span<const std::byte> upper,
                                  std::uint16_t id, std::size_t piece) {
    std::vector<Frame> out;
    for (std::size_t off = 0; off < upper.size(); off += piece) {
        const std::size_t len = std::min(piece, upper.size() - off);
        out.push_back(eth(dst_mac, src_mac, wire::ethertype::kIpv4,
                          ipv4(src, dst, proto, upper.subspan(off, len), id,
                               static_cast<std::uint16_t>(off), off + len < upper.size())));
    }
    return out;
}

std::vector<Frame> ipv6_fragments(const MacAddress& dst_mac, const MacAddress& src_mac,
                                  const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t next,
                                  std::span<const std::byte> upper, std::uint32_t id,
                                  std::size_t piece) {
    std::vector<Frame> out;
    for (std::size_t off = 0; off < upper.size(); off += piece) {
        const std::size_t len = std::min(piece, upper.size() - off);
        Frame body = with_room(wire::kIpv6FragmentHeaderLen, upper.subspan(off, len));
        wire::Ipv6FragmentHeader fh;
        fh.next_header = next;
        fh.offset = static_cast<std::uint16_t>(off);
        fh.more_fragments = off + len < upper.size();
        fh.id = id;
        wire::emit_ipv6_fragment(body, fh);
        out.push_back(eth(dst_mac, src_mac, wire::ethertype::kIpv6,
                          ipv6(src, dst, wire::ipproto::kFragment, body)));
    }
    return out;
}

} // namespace multios::net::frames
