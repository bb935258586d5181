// Ethernet II frames with up to two 802.1Q/802.1ad tags (IEEE 802.3, 802.1Q).
#pragma once

#include <cstdint>

#include <multios/net/address.hpp>
#include <multios/net/wire/bytes.hpp>
#include <multios/net/wire/parse_error.hpp>

namespace multios::net::wire {

namespace ethertype {
inline constexpr std::uint16_t kIpv4 = 0x0800;
inline constexpr std::uint16_t kArp = 0x0806;
inline constexpr std::uint16_t kVlan = 0x8100;
inline constexpr std::uint16_t kQinQ = 0x88a8;
inline constexpr std::uint16_t kIpv6 = 0x86dd;
} // namespace ethertype

inline constexpr std::size_t kEthernetHeaderLen = 14;
inline constexpr std::size_t kVlanTagLen = 4;
inline constexpr unsigned kMaxVlanTags = 2;

/// A parsed Ethernet frame; `payload` points into the original buffer.
struct EthernetFrame {
    MacAddress dst;
    MacAddress src;
    std::uint16_t ethertype = 0; ///< After any VLAN tags.
    std::uint16_t vlan_tci = 0;  ///< Innermost tag's TCI (0 when untagged).
    std::uint8_t vlan_tags = 0;
    std::size_t header_len = 0;
    Bytes payload;
};

/// Parses a frame. Frames shorter than 14 bytes, with more than kMaxVlanTags tags, or with an
/// 802.3 length field (ethertype < 0x0600) are rejected. Padding is left in `payload`; the IP
/// layer trims it using its own length field.
ParseError parse_ethernet(Bytes frame, EthernetFrame& out);

/// Writes an untagged 14-byte header at the start of `out` (which must hold 14 bytes).
void emit_ethernet(MutBytes out, const MacAddress& dst, const MacAddress& src,
                   std::uint16_t ethertype);

} // namespace multios::net::wire
