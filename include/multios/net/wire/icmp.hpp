// ICMPv4 (RFC 792) and ICMPv6 (RFC 4443) messages: type, code, checksum, the 4-byte
// type-specific word, and the body.
#pragma once

#include <cstdint>

#include <multios/net/address.hpp>
#include <multios/net/wire/bytes.hpp>
#include <multios/net/wire/parse_error.hpp>

namespace multios::net::wire {

inline constexpr std::size_t kIcmpHeaderLen = 8;

namespace icmpv4 {
inline constexpr std::uint8_t kEchoReply = 0;
inline constexpr std::uint8_t kDestUnreachable = 3;
inline constexpr std::uint8_t kEchoRequest = 8;
inline constexpr std::uint8_t kTimeExceeded = 11;
inline constexpr std::uint8_t kParamProblem = 12;
// Destination unreachable codes.
inline constexpr std::uint8_t kNetUnreachable = 0;
inline constexpr std::uint8_t kHostUnreachable = 1;
inline constexpr std::uint8_t kProtoUnreachable = 2;
inline constexpr std::uint8_t kPortUnreachable = 3;
inline constexpr std::uint8_t kFragNeeded = 4;
// Time exceeded codes.
inline constexpr std::uint8_t kTtlExceeded = 0;
inline constexpr std::uint8_t kReassemblyTimeExceeded = 1;
} // namespace icmpv4

namespace icmpv6 {
inline constexpr std::uint8_t kDestUnreachable = 1;
inline constexpr std::uint8_t kPacketTooBig = 2;
inline constexpr std::uint8_t kTimeExceeded = 3;
inline constexpr std::uint8_t kParamProblem = 4;
inline constexpr std::uint8_t kEchoRequest = 128;
inline constexpr std::uint8_t kEchoReply = 129;
inline constexpr std::uint8_t kRouterSolicitation = 133;
inline constexpr std::uint8_t kRouterAdvertisement = 134;
inline constexpr std::uint8_t kNeighborSolicitation = 135;
inline constexpr std::uint8_t kNeighborAdvertisement = 136;
inline constexpr std::uint8_t kRedirect = 137;
/// RFC 4861 4: Router Solicitation (133) .. Redirect (137) are neighbor discovery.
constexpr bool is_neighbor_discovery(std::uint8_t type) {
    return type >= kRouterSolicitation && type <= kRedirect;
}
// Destination unreachable codes.
inline constexpr std::uint8_t kNoRoute = 0;
inline constexpr std::uint8_t kAddressUnreachable = 3;
inline constexpr std::uint8_t kPortUnreachable = 4;
// Parameter problem codes.
inline constexpr std::uint8_t kErroneousHeader = 0;
inline constexpr std::uint8_t kUnrecognizedNextHeader = 1;
inline constexpr std::uint8_t kUnrecognizedOption = 2;
// Time exceeded codes.
inline constexpr std::uint8_t kHopLimitExceeded = 0;
inline constexpr std::uint8_t kReassemblyTimeExceeded = 1;
} // namespace icmpv6

struct IcmpMessage {
    std::uint8_t type = 0;
    std::uint8_t code = 0;
    std::uint32_t rest =
        0;      ///< Bytes 4..7: id<<16|seq for echo, MTU for frag-needed/PTB, pointer...
    Bytes body; ///< After the 8-byte header.

    std::uint16_t echo_id() const { return static_cast<std::uint16_t>(rest >> 16); }
    std::uint16_t echo_seq() const { return static_cast<std::uint16_t>(rest); }
};

/// ICMPv4: checks length >= 8 and the checksum over the whole message.
ParseError parse_icmpv4(Bytes data, IcmpMessage& out);
/// ICMPv6: checks length >= 8 and the checksum including the IPv6 pseudo-header.
ParseError parse_icmpv6(Bytes data, const Ipv6Address& src, const Ipv6Address& dst,
                        IcmpMessage& out);

/// Writes the 8-byte header with checksum 0; `out` must span header + body already in place.
/// Then computes the checksum over all of `out` (v4) or with the pseudo-header (v6).
void emit_icmpv4(MutBytes out, std::uint8_t type, std::uint8_t code, std::uint32_t rest);
void emit_icmpv6(MutBytes out, std::uint8_t type, std::uint8_t code, std::uint32_t rest,
                 const Ipv6Address& src, const Ipv6Address& dst);

} // namespace multios::net::wire
