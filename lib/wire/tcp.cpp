// TCP header and options (RFC 9293 3.1, 3.2; RFC 7323 2-3; RFC 2018 2-3).
// Heads up: the option walk follows `len >= 2 && i + len <= header_len` (HARDENING row 6,
// picoTCP #506 zero-length loop, Treck CVE-2020-11912 SACK/TS lengths).
#include <multios/net/wire/tcp.hpp>

#include <algorithm>

#include <multios/net/wire/checksum.hpp>
#include <multios/net/wire/ipv4.hpp> // ipproto

#include "wire/kind_length_options.hpp"

namespace multios::net::wire {

namespace {

constexpr std::uint8_t kOptMss = 2;
constexpr std::uint8_t kOptWindowScale = 3;
constexpr std::uint8_t kOptSackPermitted = 4;
constexpr std::uint8_t kOptSack = 5;
constexpr std::uint8_t kOptTimestamps = 8;
constexpr std::size_t kSackBlockLen = 8;
constexpr std::uint8_t kMaxWindowScale = 14; // RFC 7323 2.3

/// Decodes one option of known `kind` whose bytes (kind and length included) are `opt`.
ParseError read_option(std::uint8_t kind, Bytes opt, TcpOptions& out) {
    const std::byte* p = opt.data();
    switch (kind) {
    case kOptMss: // RFC 9293 3.2: kind 2, length 4
        if (opt.size() != 4) {
            return ParseError::BadOption;
        }
        out.mss = load_be16(p + 2);
        return ParseError::Ok;
    case kOptWindowScale: // RFC 7323 2.2: kind 3, length 3
        if (opt.size() != 3) {
            return ParseError::BadOption;
        }
        out.has_window_scale = true;
        // RFC 7323 2.3: "If a Window Scale option is received with a shift.cnt value larger
        // than 14, the TCP SHOULD log the error but MUST use 14 instead".
        out.window_scale = std::min(load8(p + 2), kMaxWindowScale);
        return ParseError::Ok;
    case kOptSackPermitted: // RFC 2018 2: kind 4, length 2
        if (opt.size() != 2) {
            return ParseError::BadOption;
        }
        out.sack_permitted = true;
        return ParseError::Ok;
    case kOptSack: { // RFC 2018 3: kind 5, length 2 + 8n, n >= 1
        const std::size_t body = opt.size() - 2;
        if (body == 0 || body % kSackBlockLen != 0) {
            return ParseError::BadOption;
        }
        const std::size_t n = std::min<std::size_t>(body / kSackBlockLen, kMaxSackBlocks);
        for (std::size_t b = 0; b < n; ++b) {
            out.sack[b].left = load_be32(p + 2 + b * kSackBlockLen);
            out.sack[b].right = load_be32(p + 6 + b * kSackBlockLen);
        }
        out.sack_count = static_cast<unsigned>(n);
        return ParseError::Ok;
    }
    case kOptTimestamps: // RFC 7323 3.2: kind 8, length 10
        if (opt.size() != 10) {
            return ParseError::BadOption;
        }
        out.has_timestamps = true;
        out.ts_val = load_be32(p + 2);
        out.ts_ecr = load_be32(p + 6);
        return ParseError::Ok;
    default: // RFC 9293 3.2: unknown options are skipped using their length
        return ParseError::Ok;
    }
}

ParseError parse_segment(Bytes data, ChecksumAccumulator acc, TcpSegment& out) {
    if (data.size() < kTcpMinHeaderLen) {
        return ParseError::Truncated;
    }
    const std::byte* p = data.data();
    const std::size_t header_len = static_cast<std::size_t>(load8(p + 12) >> 4) * 4;
    if (header_len < kTcpMinHeaderLen) {
        return ParseError::BadHeaderLength;
    }
    if (header_len > data.size()) {
        return ParseError::Truncated;
    }
    acc.add(data);
    if (!acc.verifies()) {
        return ParseError::BadChecksum;
    }
    if (const ParseError e = parse_tcp_options(
            data.subspan(kTcpMinHeaderLen, header_len - kTcpMinHeaderLen), out.options);
        e != ParseError::Ok) {
        return e;
    }
    out.src_port = load_be16(p);
    out.dst_port = load_be16(p + 2);
    out.seq = load_be32(p + 4);
    out.ack = load_be32(p + 8);
    out.flags = load8(p + 13);
    out.window = load_be16(p + 14);
    out.checksum = load_be16(p + 16);
    out.urgent = load_be16(p + 18);
    out.header_len = header_len;
    out.payload = data.subspan(header_len);
    return ParseError::Ok;
}

} // namespace

ParseError parse_tcp_options(Bytes opts, TcpOptions& out) {
    out = TcpOptions{};
    return walk_kind_length_options(
        opts, [&](std::uint8_t kind, Bytes opt) { return read_option(kind, opt, out); });
}

ParseError parse_tcp_v4(Bytes data, const Ipv4Address& src, const Ipv4Address& dst,
                        TcpSegment& out) {
    return parse_segment(
        data, pseudo_header_v4(src, dst, ipproto::kTcp, static_cast<std::uint32_t>(data.size())),
        out);
}

ParseError parse_tcp_v6(Bytes data, const Ipv6Address& src, const Ipv6Address& dst,
                        TcpSegment& out) {
    return parse_segment(
        data, pseudo_header_v6(src, dst, ipproto::kTcp, static_cast<std::uint32_t>(data.size())),
        out);
}

} // namespace multios::net::wire
