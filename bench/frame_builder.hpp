// Frames a peer would send, built once before a benchmark loop starts. These builders allocate
// (std::vector); they are never called inside a timed loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <multios/net/address.hpp>

namespace multios::net::bench {

using Frame = std::vector<std::byte>; // = frames::Frame (test/support)

/// The addresses every benchmark uses: the stack is .2 / ::2, the peer .1 / ::1 (10.0.0.0/24,
/// fd00::/64), as in the unit-test harness.
struct Peers {
    MacAddress stack_mac{{0x02, 0, 0, 0, 0, 0x02}};
    MacAddress peer_mac{{0x02, 0, 0, 0, 0, 0x01}};
    Ipv4Address stack_ip{{10, 0, 0, 2}};
    Ipv4Address peer_ip{{10, 0, 0, 1}};
    Ipv6Address stack_ip6{{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
    Ipv6Address peer_ip6{{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
};

inline const Peers kPeers{};

/// `n` bytes of a repeating pattern (so checksums are not over zeros).
Frame pattern(std::size_t n);

/// Ethernet II header from the peer to the stack (or to `dst`) around `payload`.
Frame ethernet(std::uint16_t ethertype, std::span<const std::byte> payload);
Frame ethernet_to(const MacAddress& dst, std::uint16_t ethertype,
                  std::span<const std::byte> payload);

/// IPv4 header without options, peer -> stack; `frag_offset` in bytes.
Frame ipv4(std::uint8_t proto, std::span<const std::byte> upper, std::uint16_t id = 1,
           std::uint16_t frag_offset = 0, bool more_fragments = false);
/// IPv6 header, `src` -> `dst`, with `next` as the first next-header value.
Frame ipv6(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t next,
           std::span<const std::byte> payload, std::uint8_t hop_limit = 64);

Frame udp_v4(std::uint16_t sport, std::uint16_t dport, std::span<const std::byte> data);
Frame udp_v6(std::uint16_t sport, std::uint16_t dport, std::span<const std::byte> data);

/// ICMP echo request messages (header + data) with id/seq.
Frame icmpv4_echo(std::uint16_t id, std::uint16_t seq, std::span<const std::byte> data);
Frame icmpv6_echo(std::uint16_t id, std::uint16_t seq, std::span<const std::byte> data);

/// Complete frames.
Frame arp_request_for_stack();
Frame neighbor_solicitation_for_stack();
/// Ethernet + IPv4 + UDP (or IPv6 + UDP) peer -> stack, exactly `frame_len` bytes long.
Frame udp_v4_frame_of_len(std::size_t frame_len);
Frame udp_v6_frame_of_len(std::size_t frame_len);
/// Ethernet + IPv6 + HBH(PadN) + DestOpts(PadN) + Routing(type 4, segments left 0) + UDP.
Frame ipv6_three_ext_headers_frame();
/// The IPv4 / IPv6 fragments (Ethernet frames, in order) of one echo request with `data_len`
/// bytes of data, each fragment's IP packet at most 1500 bytes.
std::vector<Frame> icmpv4_echo_fragments(std::size_t data_len, std::uint16_t id);
std::vector<Frame> icmpv6_echo_fragments(std::size_t data_len, std::uint32_t id);

} // namespace multios::net::bench
