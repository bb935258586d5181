// Neighbor Discovery messages and options (RFC 4861 4.x), SLAAC prefix info (RFC 4862).
// The 8-byte ICMPv6 header is parsed by parse_icmpv6; these parse the message body.
#pragma once

#include <cstdint>
#include <optional>

#include <multios/net/address.hpp>
#include <multios/net/wire/bytes.hpp>
#include <multios/net/wire/parse_error.hpp>

namespace multios::net::wire {

namespace ndopt {
inline constexpr std::uint8_t kSourceLinkAddr = 1;
inline constexpr std::uint8_t kTargetLinkAddr = 2;
inline constexpr std::uint8_t kPrefixInfo = 3;
inline constexpr std::uint8_t kMtu = 5;
} // namespace ndopt

struct NdpPrefixInfo {
    std::uint8_t prefix_len = 0;
    bool on_link = false;    ///< L flag
    bool autonomous = false; ///< A flag
    std::uint32_t valid_lifetime = 0;
    std::uint32_t preferred_lifetime = 0;
    Ipv6Address prefix;
};

inline constexpr unsigned kMaxNdpPrefixes = 8; ///< Further prefix options are ignored.

/// Options found in an ND message. Unknown options are skipped. Any option with length 0, or
/// one running past the end, makes the whole message invalid (BadOption), as RFC 4861 requires.
struct NdpOptions {
    std::optional<MacAddress> source_lla;
    std::optional<MacAddress> target_lla;
    std::optional<std::uint32_t> mtu;
    NdpPrefixInfo prefixes[kMaxNdpPrefixes];
    unsigned prefix_count = 0;
};

/// Prefix Information with length != 4 or prefix length > 128, and MTU with length != 1, are
/// BadOption as well.
ParseError parse_ndp_options(Bytes options, NdpOptions& out);

/// NS / NA body: the `rest` word of the ICMPv6 header holds flags (NA: R S O bits); the body is
/// the 16-byte target followed by options.
struct NeighborMessage {
    Ipv6Address target;
    bool router = false;    ///< NA R flag
    bool solicited = false; ///< NA S flag
    bool override_ = false; ///< NA O flag
    NdpOptions options;
};
/// `rest` is IcmpMessage::rest; `body` is IcmpMessage::body. A body shorter than 16 bytes is
/// Truncated; a multicast target is BadAddress (RFC 4861 7.1.1, 7.1.2).
ParseError parse_neighbor_message(std::uint32_t rest, Bytes body, NeighborMessage& out);

/// Router Advertisement body (after the ICMPv6 header: reachable time, retrans timer, options).
struct RouterAdvertisement {
    std::uint8_t cur_hop_limit = 0;
    bool managed = false;
    bool other = false;
    std::uint16_t router_lifetime = 0; ///< Seconds.
    std::uint32_t reachable_time = 0;  ///< Milliseconds.
    std::uint32_t retrans_timer = 0;   ///< Milliseconds.
    NdpOptions options;
};
ParseError parse_router_advertisement(std::uint32_t rest, Bytes body, RouterAdvertisement& out);

/// Writes a link-layer address option (8 bytes) of `type` at the start of `out`.
void emit_lla_option(MutBytes out, std::uint8_t type, const MacAddress& mac);

} // namespace multios::net::wire
