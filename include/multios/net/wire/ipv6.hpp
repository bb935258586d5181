// IPv6 fixed header (RFC 8200) and the extension-header chain walk.
#pragma once

#include <cstdint>

#include <multios/net/address.hpp>
#include <multios/net/wire/bytes.hpp>
#include <multios/net/wire/ipv4.hpp> // ipproto
#include <multios/net/wire/parse_error.hpp>

namespace multios::net::wire {

inline constexpr std::size_t kIpv6HeaderLen = 40;
inline constexpr std::size_t kIpv6FragmentHeaderLen = 8;
inline constexpr unsigned kMaxIpv6ExtHeaders = 16; ///< Longer chains are dropped (TooManyHeaders).

struct Ipv6Packet {
    std::uint8_t traffic_class = 0;
    std::uint32_t flow_label = 0;
    std::uint16_t payload_len = 0;
    std::uint8_t next_header = 0;
    std::uint8_t hop_limit = 0;
    Ipv6Address src;
    Ipv6Address dst;
    Bytes payload; ///< Everything after the 40-byte header (payload_len bytes; padding excluded).
};

/// Validates version 6 and payload_len <= buffer - 40. Jumbograms (payload_len 0 + HBH jumbo
/// option) are not supported (BadLength). A multicast source address is BadAddress
/// (RFC 4291 2.7).
ParseError parse_ipv6(Bytes data, Ipv6Packet& out);

struct Ipv6FragmentHeader {
    std::uint8_t next_header = 0;
    std::uint16_t offset = 0; ///< Bytes.
    bool more_fragments = false;
    std::uint32_t id = 0;
};

/// What an option in a HBH/destination-options header asks for when it is not recognised
/// (RFC 8200 4.2, the two high-order bits of the option type).
enum class Ipv6OptionAction : std::uint8_t {
    None,               ///< All options understood or skippable.
    Discard,            ///< 01: discard silently.
    DiscardIcmp,        ///< 10: discard, send ICMP Parameter Problem code 2.
    DiscardIcmpUnicast, ///< 11: same, only if dst was not multicast.
};

/// Result of walking the extension headers of an Ipv6Packet.
struct Ipv6ExtChain {
    std::uint8_t upper_protocol = 0;    ///< The first non-extension next-header value.
    std::size_t upper_offset = 0;       ///< Offset of the upper-layer header within payload.
    std::size_t unfragmentable_len = 0; ///< Bytes of payload before the fragment header (or 0).
    bool has_fragment = false;
    Ipv6FragmentHeader fragment;
    std::size_t fragment_offset_in_payload = 0; ///< Where the fragment header sits.
    Ipv6OptionAction option_action = Ipv6OptionAction::None;
    std::size_t problem_pointer =
        0; ///< For ICMPv6 Parameter Problem: offset from IPv6 header start.
    unsigned header_count = 0;
};

/// Walks HBH (only first), routing, fragment and destination-options headers, at most
/// `max_headers` of them. Checks each header's length against the payload, option TLVs inside
/// HBH/DestOpts (Pad1/PadN, unknown options by their action bits), drops routing header
/// type 0 (SourceRoute) and other routing types with segments left != 0 (Unsupported),
/// stops at the fragment header when the fragment offset is non-zero (the rest is fragment data),
/// and at any upper-layer or unknown protocol number. HBH anywhere but first is BadOption.
/// An unrecognised option whose action bits are not 00 returns BadOption with `option_action`
/// and `problem_pointer` set (the caller sends ICMPv6 Parameter Problem code 2 if asked).
/// A second fragment header, an M=1 fragment whose data is not a multiple of 8, or a fragment
/// that would reassemble past 65535 bytes is BadFragment. `problem_pointer` is also set for
/// RH0 (SourceRoute), Unsupported routing types and BadFragment (RFC 8200 4.4, 4.5).
ParseError walk_ipv6_extensions(const Ipv6Packet& p, Ipv6ExtChain& out,
                                unsigned max_headers = kMaxIpv6ExtHeaders);

struct Ipv6HeaderFields {
    std::uint8_t traffic_class = 0;
    std::uint32_t flow_label = 0;
    std::uint16_t payload_len = 0;
    std::uint8_t next_header = 0;
    std::uint8_t hop_limit = 64;
    Ipv6Address src;
    Ipv6Address dst;
};

/// Writes the 40-byte fixed header.
void emit_ipv6(MutBytes out, const Ipv6HeaderFields& f);
/// Writes an 8-byte fragment header.
void emit_ipv6_fragment(MutBytes out, const Ipv6FragmentHeader& f);

} // namespace multios::net::wire
