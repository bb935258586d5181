// IPv4 header (RFC 791) with options, fragmentation fields (RFC 791 3.2, RFC 6864 for IDs).
#pragma once

#include <cstdint>

#include <multios/net/address.hpp>
#include <multios/net/wire/bytes.hpp>
#include <multios/net/wire/parse_error.hpp>

namespace multios::net::wire {

inline constexpr std::size_t kIpv4MinHeaderLen = 20;
inline constexpr std::size_t kIpv4MaxDatagram = 65535;

namespace ipproto {
inline constexpr std::uint8_t kHopByHop = 0;
inline constexpr std::uint8_t kIcmp = 1;
inline constexpr std::uint8_t kTcp = 6;
inline constexpr std::uint8_t kUdp = 17;
inline constexpr std::uint8_t kRouting = 43;
inline constexpr std::uint8_t kFragment = 44;
inline constexpr std::uint8_t kIcmpv6 = 58;
inline constexpr std::uint8_t kNoNext = 59;
inline constexpr std::uint8_t kDestOpts = 60;
} // namespace ipproto

/// A validated IPv4 packet; spans point into the original buffer.
struct Ipv4Packet {
    std::uint8_t tos = 0;
    std::uint16_t total_len = 0;
    std::uint16_t id = 0;
    bool dont_fragment = false;
    bool more_fragments = false;
    std::uint16_t frag_offset = 0; ///< In bytes (field value * 8).
    std::uint8_t ttl = 0;
    std::uint8_t protocol = 0;
    Ipv4Address src;
    Ipv4Address dst;
    Bytes header;  ///< The whole header including options (IHL*4 bytes).
    Bytes options; ///< Options only (may be empty).
    Bytes payload; ///< total_len - IHL*4 bytes; link padding excluded.

    bool is_fragment() const { return more_fragments || frag_offset != 0; }
};

/// Validates version, IHL >= 5, IHL*4 <= total_len <= buffer, header checksum, option TLVs
/// (EOL/NOP single-byte, others length >= 2 and inside the header), rejects LSRR/SSRR options
/// (ParseError::SourceRoute) and fragment offset + payload > 65535 (BadFragment). A fragment
/// with MF set whose payload is empty or not a multiple of 8 is also BadFragment (RFC 791 3.2),
/// and a multicast or broadcast source address is BadAddress (RFC 1122 3.2.1.3).
/// Check order: Truncated/BadVersion/BadHeaderLength, BadChecksum, BadFragment, BadAddress,
/// then options (BadOption/SourceRoute).
ParseError parse_ipv4(Bytes data, Ipv4Packet& out);

/// Fields for an IPv4 header without options.
struct Ipv4HeaderFields {
    std::uint8_t tos = 0;
    std::uint16_t total_len = 0;
    std::uint16_t id = 0;
    bool dont_fragment = false;
    bool more_fragments = false;
    std::uint16_t frag_offset = 0; ///< Bytes; must be a multiple of 8.
    std::uint8_t ttl = 64;
    std::uint8_t protocol = 0;
    Ipv4Address src;
    Ipv4Address dst;
};

/// Writes a 20-byte header with a correct checksum into the start of `out`.
void emit_ipv4(MutBytes out, const Ipv4HeaderFields& f);

} // namespace multios::net::wire
