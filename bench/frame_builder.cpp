#include "frame_builder.hpp"

#include <algorithm>
#include <cstring>

#include <multios/net/wire/arp.hpp>
#include <multios/net/wire/ethernet.hpp>
#include <multios/net/wire/icmp.hpp>
#include <multios/net/wire/ipv4.hpp>
#include <multios/net/wire/ipv6.hpp>
#include <multios/net/wire/ndp.hpp>
#include <multios/net/wire/udp.hpp>

namespace multios::net::bench {

namespace {

/// `header_len` zero bytes followed by a copy of `body`.
Frame with_room(std::size_t header_len, std::span<const std::byte> body) {
    Frame f(header_len + body.size());
    std::copy(body.begin(), body.end(), f.begin() + static_cast<std::ptrdiff_t>(header_len));
    return f;
}

/// An 8-byte HBH or destination-options header holding one PadN option (RFC 8200 4.2).
void emit_padn_options_header(std::byte* p, std::uint8_t next) {
    wire::store8(p, next);
    wire::store8(p + 1, 0); // (0 + 1) * 8 bytes
    wire::store8(p + 2, 1); // PadN
    wire::store8(p + 3, 4); // four bytes of padding follow
    wire::store_be32(p + 4, 0);
}

/// An 8-byte routing header of type 4 with no segments left, which a host skips (RFC 8200 4.4).
void emit_done_routing_header(std::byte* p, std::uint8_t next) {
    wire::store8(p, next);
    wire::store8(p + 1, 0);
    wire::store8(p + 2, 4);
    wire::store8(p + 3, 0);
    wire::store_be32(p + 4, 0);
}

} // namespace

Frame pattern(std::size_t n) {
    Frame d(n);
    for (std::size_t i = 0; i < n; ++i) {
        d[i] = static_cast<std::byte>((i * 13 + 5) & 0xff);
    }
    return d;
}

Frame ethernet_to(const MacAddress& dst, std::uint16_t ethertype,
                  std::span<const std::byte> payload) {
    Frame f = with_room(wire::kEthernetHeaderLen, payload);
    wire::emit_ethernet(f, dst, kPeers.peer_mac, ethertype);
    return f;
}

Frame ethernet(std::uint16_t ethertype, std::span<const std::byte> payload) {
    return ethernet_to(kPeers.stack_mac, ethertype, payload);
}

Frame ipv4(std::uint8_t proto, std::span<const std::byte> upper, std::uint16_t id,
           std::uint16_t frag_offset, bool more_fragments) {
    Frame p = with_room(wire::kIpv4MinHeaderLen, upper);
    wire::Ipv4HeaderFields h;
    h.total_len = static_cast<std::uint16_t>(p.size());
    h.id = id;
    h.frag_offset = frag_offset;
    h.more_fragments = more_fragments;
    h.protocol = proto;
    h.src = kPeers.peer_ip;
    h.dst = kPeers.stack_ip;
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

Frame udp_v4(std::uint16_t sport, std::uint16_t dport, std::span<const std::byte> data) {
    Frame m = with_room(wire::kUdpHeaderLen, data);
    wire::emit_udp_v4(m, sport, dport, kPeers.peer_ip, kPeers.stack_ip);
    return m;
}

Frame udp_v6(std::uint16_t sport, std::uint16_t dport, std::span<const std::byte> data) {
    Frame m = with_room(wire::kUdpHeaderLen, data);
    wire::emit_udp_v6(m, sport, dport, kPeers.peer_ip6, kPeers.stack_ip6);
    return m;
}

Frame icmpv4_echo(std::uint16_t id, std::uint16_t seq, std::span<const std::byte> data) {
    Frame m = with_room(wire::kIcmpHeaderLen, data);
    wire::emit_icmpv4(m, wire::icmpv4::kEchoRequest, 0, (std::uint32_t{id} << 16) | seq);
    return m;
}

Frame icmpv6_echo(std::uint16_t id, std::uint16_t seq, std::span<const std::byte> data) {
    Frame m = with_room(wire::kIcmpHeaderLen, data);
    wire::emit_icmpv6(m, wire::icmpv6::kEchoRequest, 0, (std::uint32_t{id} << 16) | seq,
                      kPeers.peer_ip6, kPeers.stack_ip6);
    return m;
}

Frame arp_request_for_stack() {
    wire::ArpPacket a;
    a.op = wire::kArpRequest;
    a.sender_mac = kPeers.peer_mac;
    a.sender_ip = kPeers.peer_ip;
    a.target_ip = kPeers.stack_ip;
    Frame body(wire::kArpLen);
    wire::emit_arp(body, a);
    return ethernet_to(MacAddress::broadcast(), wire::ethertype::kArp, body);
}

Frame neighbor_solicitation_for_stack() {
    // RFC 4861 4.3: target address, then the sender's link-layer address option, which lets
    // the stack answer (and later send echo replies) without resolving the peer itself.
    Frame m(wire::kIcmpHeaderLen + 16 + 8);
    std::memcpy(m.data() + wire::kIcmpHeaderLen, kPeers.stack_ip6.bytes.data(), 16);
    wire::emit_lla_option(std::span(m).subspan(wire::kIcmpHeaderLen + 16),
                          wire::ndopt::kSourceLinkAddr, kPeers.peer_mac);
    const Ipv6Address dst = kPeers.stack_ip6.solicited_node();
    wire::emit_icmpv6(m, wire::icmpv6::kNeighborSolicitation, 0, 0, kPeers.peer_ip6, dst);
    return ethernet_to(dst.multicast_mac(), wire::ethertype::kIpv6,
                       ipv6(kPeers.peer_ip6, dst, wire::ipproto::kIcmpv6, m, 255));
}

Frame udp_v4_frame_of_len(std::size_t frame_len) {
    const std::size_t headers =
        wire::kEthernetHeaderLen + wire::kIpv4MinHeaderLen + wire::kUdpHeaderLen;
    const Frame data = pattern(frame_len > headers ? frame_len - headers : 0);
    return ethernet(wire::ethertype::kIpv4, ipv4(wire::ipproto::kUdp, udp_v4(4000, 7, data)));
}

Frame udp_v6_frame_of_len(std::size_t frame_len) {
    const std::size_t headers =
        wire::kEthernetHeaderLen + wire::kIpv6HeaderLen + wire::kUdpHeaderLen;
    const Frame data = pattern(frame_len > headers ? frame_len - headers : 0);
    return ethernet(wire::ethertype::kIpv6, ipv6(kPeers.peer_ip6, kPeers.stack_ip6,
                                                 wire::ipproto::kUdp, udp_v6(4000, 7, data)));
}

Frame ipv6_three_ext_headers_frame() {
    const Frame udp = udp_v6(4000, 7, pattern(32));
    Frame chain = with_room(3 * 8, udp);
    emit_padn_options_header(chain.data(), wire::ipproto::kRouting);
    emit_done_routing_header(chain.data() + 8, wire::ipproto::kDestOpts);
    emit_padn_options_header(chain.data() + 16, wire::ipproto::kUdp);
    return ethernet(wire::ethertype::kIpv6,
                    ipv6(kPeers.peer_ip6, kPeers.stack_ip6, wire::ipproto::kHopByHop, chain));
}

std::vector<Frame> icmpv4_echo_fragments(std::size_t data_len, std::uint16_t id) {
    const Frame icmp = icmpv4_echo(0x77, 1, pattern(data_len));
    constexpr std::size_t kPiece = 1500 - wire::kIpv4MinHeaderLen; // 1480, a multiple of 8
    std::vector<Frame> out;
    for (std::size_t off = 0; off < icmp.size(); off += kPiece) {
        const std::size_t len = std::min(kPiece, icmp.size() - off);
        const std::span<const std::byte> piece(icmp.data() + off, len);
        out.push_back(ethernet(wire::ethertype::kIpv4,
                               ipv4(wire::ipproto::kIcmp, piece, id,
                                    static_cast<std::uint16_t>(off), off + len < icmp.size())));
    }
    return out;
}

std::vector<Frame> icmpv6_echo_fragments(std::size_t data_len, std::uint32_t id) {
    const Frame icmp = icmpv6_echo(0x77, 1, pattern(data_len));
    // 1500 - 40 - 8 = 1452, rounded down to a multiple of 8 (RFC 8200 4.5).
    constexpr std::size_t kPiece = 1448;
    std::vector<Frame> out;
    for (std::size_t off = 0; off < icmp.size(); off += kPiece) {
        const std::size_t len = std::min(kPiece, icmp.size() - off);
        Frame body(wire::kIpv6FragmentHeaderLen + len);
        wire::Ipv6FragmentHeader fh;
        fh.next_header = wire::ipproto::kIcmpv6;
        fh.offset = static_cast<std::uint16_t>(off);
        fh.more_fragments = off + len < icmp.size();
        fh.id = id;
        wire::emit_ipv6_fragment(body, fh);
        std::memcpy(body.data() + wire::kIpv6FragmentHeaderLen, icmp.data() + off, len);
        out.push_back(ethernet(wire::ethertype::kIpv6, ipv6(kPeers.peer_ip6, kPeers.stack_ip6,
                                                            wire::ipproto::kFragment, body)));
    }
    return out;
}

} // namespace multios::net::bench
