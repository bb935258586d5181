// UDP (RFC 768; IPv6 rules RFC 8200 8.1).
#pragma once

#include <cstdint>

#include <multios/net/address.hpp>
#include <multios/net/wire/bytes.hpp>
#include <multios/net/wire/parse_error.hpp>

namespace multios::net::wire {

inline constexpr std::size_t kUdpHeaderLen = 8;

struct UdpDatagram {
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint16_t length = 0;
    std::uint16_t checksum = 0;
    Bytes payload; ///< length - 8 bytes.
};

/// Validates 8 <= length <= data.size() (trailing bytes beyond `length` are ignored) and, when
/// the checksum field is non-zero, the checksum. Zero checksum is accepted over IPv4 only.
ParseError parse_udp_v4(Bytes data, const Ipv4Address& src, const Ipv4Address& dst,
                        UdpDatagram& out);
ParseError parse_udp_v6(Bytes data, const Ipv6Address& src, const Ipv6Address& dst,
                        UdpDatagram& out);

/// Writes the 8-byte header at the start of `out` (which spans header + payload already in
/// place) and fills in the checksum (0 is sent as 0xffff).
void emit_udp_v4(MutBytes out, std::uint16_t src_port, std::uint16_t dst_port,
                 const Ipv4Address& src, const Ipv4Address& dst);
void emit_udp_v6(MutBytes out, std::uint16_t src_port, std::uint16_t dst_port,
                 const Ipv6Address& src, const Ipv6Address& dst);

} // namespace multios::net::wire
