// Frames a peer would send, for tests, benchmarks and fuzz seeds: built with the wire emitters,
// so they are valid unless a test breaks them on purpose. They allocate (std::vector): never
// call them inside a timed loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <multios/net/address.hpp>
#include <multios/net/wire/tcp.hpp>

namespace multios::net::frames {

using Frame = std::vector<std::byte>;

/// `n` bytes of a repeating pattern (so checksums are not over zeros).
Frame pattern(std::size_t n);

/// Ethernet header + payload.
Frame eth(const MacAddress& dst, const MacAddress& src, std::uint16_t type,
          std::span<const std::byte> payload);

/// An IPv4 packet (header without options) around `upper`.
Frame ipv4(const Ipv4Address& src, const Ipv4Address& dst, std::uint8_t proto,
           std::span<const std::byte> upper, std::uint16_t id = 1, std::uint16_t frag_offset = 0,
           bool more = false, std::uint8_t ttl = 64);

/// An IPv6 packet around `payload` (which starts with whatever `next` names).
Frame ipv6(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t next,
           std::span<const std::byte> payload, std::uint8_t hop_limit = 64);

Frame icmpv4_echo(std::uint16_t id, std::uint16_t seq, std::span<const std::byte> data);
/// Any ICMPv6 message: header word `rest` and `body`, checksummed for src → dst.
Frame icmpv6_msg(std::uint8_t type, std::uint32_t rest, std::span<const std::byte> body,
                 const Ipv6Address& src, const Ipv6Address& dst);
Frame icmpv6_echo(std::uint16_t id, std::uint16_t seq, std::span<const std::byte> data,
                  const Ipv6Address& src, const Ipv6Address& dst);

Frame udp_v4(std::uint16_t sport, std::uint16_t dport, std::span<const std::byte> data,
             const Ipv4Address& src, const Ipv4Address& dst);
Frame udp_v6(std::uint16_t sport, std::uint16_t dport, std::span<const std::byte> data,
             const Ipv6Address& src, const Ipv6Address& dst);

/// A TCP segment (header, options from `h.options`, `data`) checksummed for src -> dst.
Frame tcp_v4(const wire::TcpHeaderFields& h, std::span<const std::byte> data,
             const Ipv4Address& src, const Ipv4Address& dst);
Frame tcp_v6(const wire::TcpHeaderFields& h, std::span<const std::byte> data,
             const Ipv6Address& src, const Ipv6Address& dst);

/// A broadcast ARP request from sender (mac, ip) for `target`.
Frame arp_request(const MacAddress& sender_mac, const Ipv4Address& sender_ip,
                  const Ipv4Address& target);
/// An ARP reply from sender (mac, ip) to target (mac, ip).
Frame arp_reply(const MacAddress& sender_mac, const Ipv4Address& sender_ip,
                const MacAddress& target_mac, const Ipv4Address& target_ip);
/// A Neighbor Solicitation for `target` from (mac, ip) with its link-layer address option,
/// sent to the target's solicited-node group (RFC 4861 4.3).
Frame neighbor_solicitation(const MacAddress& src_mac, const Ipv6Address& src,
                            const Ipv6Address& target);

/// `upper` (an IPv4 upper-layer message) cut into Ethernet frames of IPv4 fragments carrying
/// `piece` bytes each (a multiple of 8).
std::vector<Frame> ipv4_fragments(const MacAddress& dst_mac, const MacAddress& src_mac,
                                  const Ipv4Address& src, const Ipv4Address& dst,
                                  std::uint8_t proto, std::span<const std::byte> upper,
                                  std::uint16_t id, std::size_t piece = 1480);
/// The same with IPv6 fragment headers (1448 bytes each: 1500 - 40 - 8, rounded down to 8).
std::vector<Frame> ipv6_fragments(const MacAddress& dst_mac, const MacAddress& src_mac,
                                  const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t next,
                                  std::span<const std::byte> upper, std::uint32_t id,
                                  std::size_t piece = 1448);

} // namespace multios::net::frames
