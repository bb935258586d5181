// IPv4 header validation (RFC 791 3.1, RFC 1122 3.2.1) and emission.
// Heads up: every length is checked against the buffer before it is used in arithmetic
// (HARDENING rows 1 and 9), and source-routing options are refused (row 20).
#include <multios/net/wire/ipv4.hpp>

#include <cstring>

#include <multios/net/wire/checksum.hpp>

#include "wire/kind_length_options.hpp"

namespace multios::net::wire {

namespace {

constexpr std::uint8_t kOptLsrr = 0x83; // Loose Source and Record Route
constexpr std::uint8_t kOptSsrr = 0x89; // Strict Source and Record Route
constexpr std::uint16_t kFlagDf = 0x4000;
constexpr std::uint16_t kFlagMf = 0x2000;
constexpr std::uint16_t kOffsetMask = 0x1fff;

Ipv4Address load_v4(const std::byte* p) {
    Ipv4Address a;
    std::memcpy(a.bytes.data(), p, 4);
    return a;
}

/// RFC 791 3.1 options; RFC 7126 4.3/4.4: LSRR and SSRR are dropped by default (they are used
/// for spoofing and filter bypass).
ParseError check_options(Bytes opts) {
    return walk_kind_length_options(opts, [](std::uint8_t type, Bytes) {
        return type == kOptLsrr || type == kOptSsrr ? ParseError::SourceRoute : ParseError::Ok;
    });
}

} // namespace

ParseError parse_ipv4(Bytes data, Ipv4Packet& out) {
    if (data.size() < kIpv4MinHeaderLen) {
        return ParseError::Truncated;
    }
    const std::byte* p = data.data();
    const std::uint8_t ver_ihl = load8(p);
    if ((ver_ihl >> 4) != 4) {
        return ParseError::BadVersion;
    }
    const std::size_t header_len = std::size_t{ver_ihl & 0x0fu} * 4;
    if (header_len < kIpv4MinHeaderLen) {
        return ParseError::BadHeaderLength;
    }
    if (header_len > data.size()) {
        return ParseError::Truncated;
    }
    // RFC 1122 3.2.1.1/3.2.1.2 order: IHL*4 <= total length <= what the link delivered.
    const std::size_t total_len = load_be16(p + 2);
    if (total_len < header_len) {
        return ParseError::BadHeaderLength;
    }
    if (total_len > data.size()) {
        return ParseError::Truncated;
    }
    const Bytes header = data.first(header_len);
    if (internet_checksum(header) != 0) {
        return ParseError::BadChecksum;
    }
    const std::uint16_t frag = load_be16(p + 6);
    const std::size_t frag_offset = static_cast<std::size_t>(frag & kOffsetMask) * 8;
    const std::size_t payload_len = total_len - header_len;
    const bool more_fragments = (frag & kFlagMf) != 0;
    // RFC 791 3.2: the fragment's data must fit the 16-bit datagram size (ping of death).
    if (frag_offset + payload_len > kIpv4MaxDatagram) {
        return ParseError::BadFragment;
    }
    // RFC 791 3.2: every fragment but the last carries a multiple of 8 data octets.
    if (more_fragments && (payload_len == 0 || payload_len % 8 != 0)) {
        return ParseError::BadFragment;
    }
    out.src = load_v4(p + 12);
    out.dst = load_v4(p + 16);
    // RFC 1122 3.2.1.3: a source address must not be broadcast or multicast.
    if (out.src.is_multicast() || out.src.is_broadcast()) {
        return ParseError::BadAddress;
    }
    const Bytes options = header.subspan(kIpv4MinHeaderLen);
    if (const ParseError e = check_options(options); e != ParseError::Ok) {
        return e;
    }
    out.tos = load8(p + 1);
    out.total_len = static_cast<std::uint16_t>(total_len);
    out.id = load_be16(p + 4);
    out.dont_fragment = (frag & kFlagDf) != 0;
    out.more_fragments = more_fragments;
    out.frag_offset = static_cast<std::uint16_t>(frag_offset);
    out.ttl = load8(p + 8);
    out.protocol = load8(p + 9);
    out.header = header;
    out.options = options;
    out.payload = data.subspan(header_len, payload_len);
    return ParseError::Ok;
}

void emit_ipv4(MutBytes out, const Ipv4HeaderFields& f) {
    std::byte* p = out.data();
    store8(p, 0x45); // version 4, IHL 5 (no options)
    store8(p + 1, f.tos);
    store_be16(p + 2, f.total_len);
    store_be16(p + 4, f.id);
    std::uint16_t frag = static_cast<std::uint16_t>((f.frag_offset / 8) & kOffsetMask);
    if (f.dont_fragment) {
        frag |= kFlagDf;
    }
    if (f.more_fragments) {
        frag |= kFlagMf;
    }
    store_be16(p + 6, frag);
    store8(p + 8, f.ttl);
    store8(p + 9, f.protocol);
    store_be16(p + 10, 0);
    std::memcpy(p + 12, f.src.bytes.data(), 4);
    std::memcpy(p + 16, f.dst.bytes.data(), 4);
    store_be16(p + 10, internet_checksum(out.first(kIpv4MinHeaderLen)));
}

} // namespace multios::net::wire
