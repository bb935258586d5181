// Neighbor Discovery message bodies and options (RFC 4861 4.3-4.6).
// Heads up: RFC 4861 4.6 "Nodes MUST silently discard an ND packet that contains an option
// with length zero" (picoTCP-style zero-length loops); every option is bounds-checked.
#include <multios/net/wire/ndp.hpp>

#include <cstring>

namespace multios::net::wire {

namespace {

constexpr std::size_t kOptionUnit = 8;       // option lengths count 8-octet units
constexpr std::size_t kPrefixInfoLen = 32;   // RFC 4861 4.6.2: Length 4
constexpr std::size_t kMtuOptionLen = 8;     // RFC 4861 4.6.4: Length 1
constexpr std::size_t kNeighborBodyLen = 16; // target address
constexpr std::size_t kRaBodyLen = 8;        // reachable time + retrans timer
constexpr std::uint32_t kNaRouter = 0x80000000u;
constexpr std::uint32_t kNaSolicited = 0x40000000u;
constexpr std::uint32_t kNaOverride = 0x20000000u;

MacAddress load_mac(const std::byte* p) {
    MacAddress m;
    std::memcpy(m.bytes.data(), p, 6);
    return m;
}

Ipv6Address load_v6(const std::byte* p) {
    Ipv6Address a;
    std::memcpy(a.bytes.data(), p, 16);
    return a;
}

/// RFC 4861 4.6.2 Prefix Information; `opt` is exactly 32 bytes.
ParseError read_prefix(Bytes opt, NdpOptions& out) {
    const std::uint8_t prefix_len = load8(opt.data() + 2);
    if (prefix_len > 128) {
        return ParseError::BadOption;
    }
    if (out.prefix_count == kMaxNdpPrefixes) {
        return ParseError::Ok; // bounded storage: further prefixes are ignored
    }
    NdpPrefixInfo& pi = out.prefixes[out.prefix_count++];
    const std::uint8_t flags = load8(opt.data() + 3);
    pi.prefix_len = prefix_len;
    pi.on_link = (flags & 0x80) != 0;
    pi.autonomous = (flags & 0x40) != 0;
    pi.valid_lifetime = load_be32(opt.data() + 4);
    pi.preferred_lifetime = load_be32(opt.data() + 8);
    pi.prefix = load_v6(opt.data() + 16);
    return ParseError::Ok;
}

ParseError read_option(std::uint8_t type, Bytes opt, NdpOptions& out) {
    switch (type) {
    case ndopt::kSourceLinkAddr:
        // RFC 4861 4.6.1: for Ethernet the address is the 6 bytes after type and length.
        out.source_lla = load_mac(opt.data() + 2);
        return ParseError::Ok;
    case ndopt::kTargetLinkAddr:
        out.target_lla = load_mac(opt.data() + 2);
        return ParseError::Ok;
    case ndopt::kPrefixInfo:
        if (opt.size() != kPrefixInfoLen) {
            return ParseError::BadOption;
        }
        return read_prefix(opt, out);
    case ndopt::kMtu:
        if (opt.size() != kMtuOptionLen) {
            return ParseError::BadOption;
        }
        out.mtu = load_be32(opt.data() + 4);
        return ParseError::Ok;
    default:
        // RFC 4861 4.6: "Receivers MUST silently ignore any options they do not recognize".
        return ParseError::Ok;
    }
}

} // namespace

ParseError parse_ndp_options(Bytes options, NdpOptions& out) {
    out = NdpOptions{};
    std::size_t i = 0;
    while (i < options.size()) {
        if (options.size() - i < 2) {
            return ParseError::BadOption;
        }
        const std::uint8_t type = load8(options.data() + i);
        const std::size_t len = std::size_t{load8(options.data() + i + 1)} * kOptionUnit;
        if (len == 0 || len > options.size() - i) {
            return ParseError::BadOption;
        }
        if (const ParseError e = read_option(type, options.subspan(i, len), out);
            e != ParseError::Ok) {
            return e;
        }
        i += len;
    }
    return ParseError::Ok;
}

ParseError parse_neighbor_message(std::uint32_t rest, Bytes body, NeighborMessage& out) {
    if (body.size() < kNeighborBodyLen) {
        return ParseError::Truncated;
    }
    out.target = load_v6(body.data());
    // RFC 4861 7.1.1 / 7.1.2: the target address must not be a multicast address.
    if (out.target.is_multicast()) {
        return ParseError::BadAddress;
    }
    out.router = (rest & kNaRouter) != 0;
    out.solicited = (rest & kNaSolicited) != 0;
    out.override_ = (rest & kNaOverride) != 0;
    return parse_ndp_options(body.subspan(kNeighborBodyLen), out.options);
}

ParseError parse_router_advertisement(std::uint32_t rest, Bytes body, RouterAdvertisement& out) {
    if (body.size() < kRaBodyLen) {
        return ParseError::Truncated;
    }
    // RFC 4861 4.2: Cur Hop Limit, M|O|reserved, Router Lifetime form the ICMP `rest` word.
    out.cur_hop_limit = static_cast<std::uint8_t>(rest >> 24);
    const auto flags = static_cast<std::uint8_t>(rest >> 16);
    out.managed = (flags & 0x80) != 0;
    out.other = (flags & 0x40) != 0;
    out.router_lifetime = static_cast<std::uint16_t>(rest);
    out.reachable_time = load_be32(body.data());
    out.retrans_timer = load_be32(body.data() + 4);
    return parse_ndp_options(body.subspan(kRaBodyLen), out.options);
}

void emit_lla_option(MutBytes out, std::uint8_t type, const MacAddress& mac) {
    store8(out.data(), type);
    store8(out.data() + 1, 1); // one 8-octet unit
    std::memcpy(out.data() + 2, mac.bytes.data(), 6);
}

} // namespace multios::net::wire
