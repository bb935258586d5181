// The byte strings the RSS Toeplitz hash reads, laid out exactly as Microsoft's "RSS Hashing
// Functions" defines them: source address, destination address, then (for TCP/UDP hash types)
// source port and destination port, all in network byte order.
//   IPv4 with ports: Input[12] = src @12-15, dst @16-19, sport @20-21, dport @22-23
//   IPv4 only:       Input[8]  = src, dst
//   IPv6 with ports: Input[36] = src @8-23, dst @24-39, sport, dport
//   IPv6 only:       Input[32] = src, dst
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include <multios/net/address.hpp>

#include "steer/toeplitz.hpp"
#include "tcp/four_tuple.hpp"

namespace multios::net::steer {

/// One RSS input, in a fixed buffer (no allocation on the data path).
struct RssInput {
    std::array<std::byte, kMaxRssInputBytes> bytes{};
    std::size_t size = 0;

    std::span<const std::byte> view() const { return {bytes.data(), size}; }
};

/// Byte offset of the destination port in the with-ports layouts: the field that is the local
/// port for a received packet, the one an active open chooses.
inline constexpr std::size_t kRssDstPortOffsetV4 = 4 + 4 + 2;
inline constexpr std::size_t kRssDstPortOffsetV6 = 16 + 16 + 2;

RssInput rss_input_v4(const Ipv4Address& src, const Ipv4Address& dst);
RssInput rss_input_v4(const Ipv4Address& src, const Ipv4Address& dst, std::uint16_t src_port,
                      std::uint16_t dst_port);
RssInput rss_input_v6(const Ipv6Address& src, const Ipv6Address& dst);
RssInput rss_input_v6(const Ipv6Address& src, const Ipv6Address& dst, std::uint16_t src_port,
                      std::uint16_t dst_port);

/// The input a NIC hashes for a packet of connection `t` arriving here: the remote end is the
/// source, the local end the destination. Both addresses IPv4 give the IPv4 layout; otherwise
/// an IPv4 address is written as IPv4-mapped IPv6 (RFC 4291 2.5.5.2) into the IPv6 layout
/// (no real packet mixes families; this only keeps the function total).
RssInput rss_input_received(const FourTuple& t);

} // namespace multios::net::steer
