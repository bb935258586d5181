#include "frame_builder.hpp"

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
    return frames::pattern(n);
}

Frame ethernet_to(const MacAddress& dst, std::uint16_t ethertype,
                  std::span<const std::byte> payload) {
    return frames::eth(dst, kPeers.peer_mac, ethertype, payload);
}

Frame ethernet(std::uint16_t ethertype, std::span<const std::byte> payload) {
    return ethernet_to(kPeers.stack_mac, ethertype, payload);
}

Frame ipv4(std::uint8_t proto, std::span<const std::byte> upper, std::uint16_t id,
           std::uint16_t frag_offset, bool more_fragments) {
    return frames::ipv4(kPeers.peer_ip, kPeers.stack_ip, proto, upper, id, frag_offset,
                        more_fragments);
}

Frame ipv6(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t next,
           std::span<const std::byte> payload, std::uint8_t hop_limit) {
    return frames::ipv6(src, dst, next, payload, hop_limit);
}

Frame udp_v4(std::uint16_t sport, std::uint16_t dport, std::span<const std::byte> data) {
    return frames::udp_v4(sport, dport, data, kPeers.peer_ip, kPeers.stack_ip);
}

Frame udp_v6(std::uint16_t sport, std::uint16_t dport, std::span<const std::byte> data) {
    return frames::udp_v6(sport, dport, data, kPeers.peer_ip6, kPeers.stack_ip6);
}

Frame icmpv4_echo(std::uint16_t id, std::uint16_t seq, std::span<const std::byte> data) {
    return frames::icmpv4_echo(id, seq, data);
}

Frame icmpv6_echo(std::uint16_t id, std::uint16_t seq, std::span<const std::byte> data) {
    return frames::icmpv6_echo(id, seq, data, kPeers.peer_ip6, kPeers.stack_ip6);
}

Frame arp_request_for_stack() {
    return frames::arp_request(kPeers.peer_mac, kPeers.peer_ip, kPeers.stack_ip);
}

Frame neighbor_solicitation_for_stack() {
    // The sender's link-layer address option lets the stack answer (and later send echo
    // replies) without resolving the peer itself.
    return frames::neighbor_solicitation(kPeers.peer_mac, kPeers.peer_ip6, kPeers.stack_ip6);
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
    return frames::ipv4_fragments(kPeers.stack_mac, kPeers.peer_mac, kPeers.peer_ip,
                                  kPeers.stack_ip, wire::ipproto::kIcmp, icmp, id);
}

std::vector<Frame> icmpv6_echo_fragments(std::size_t data_len, std::uint32_t id) {
    const Frame icmp = icmpv6_echo(0x77, 1, pattern(data_len));
    return frames::ipv6_fragments(kPeers.stack_mac, kPeers.peer_mac, kPeers.peer_ip6,
                                  kPeers.stack_ip6, wire::ipproto::kIcmpv6, icmp, id);
}

} // namespace multios::net::bench
