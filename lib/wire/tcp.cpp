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

constexpr std::uint8_t kOptNop = 1;
constexpr std::size_t kTimestampsLen = 10;
constexpr std::size_t kSackHeaderLen = 2;

/// SACK blocks that still fit once the other options took `used` bytes (NOP,NOP + kind/len).
unsigned sack_blocks_that_fit(const TcpOptions& o, std::size_t used) {
    if (o.sack_count == 0 || used + 4 + kSackBlockLen > kTcpMaxOptionsLen) {
        return 0;
    }
    const std::size_t room = (kTcpMaxOptionsLen - used - 4) / kSackBlockLen;
    return static_cast<unsigned>(
        std::min<std::size_t>({room, o.sack_count, std::size_t{kMaxSackBlocks}}));
}

/// Length of everything but the SACK blocks (each piece already a multiple of 4).
std::size_t fixed_options_length(const TcpOptions& o) {
    std::size_t n = 0;
    if (o.mss != 0) {
        n += 4;
    }
    if (o.has_timestamps) {
        n += 12; // SACK-permitted fills the two NOPs in front of TS when both are present.
    } else if (o.sack_permitted) {
        n += 4;
    }
    if (o.has_window_scale) {
        n += 4;
    }
    return n;
}

void put_kind_len(std::byte*& p, std::uint8_t kind, std::uint8_t len) {
    store8(p++, kind);
    store8(p++, len);
}

void put_nops(std::byte*& p, unsigned n) {
    for (unsigned i = 0; i < n; ++i) {
        store8(p++, kOptNop);
    }
}

void write_header(MutBytes segment, const TcpHeaderFields& h) {
    std::byte* p = segment.data();
    const std::size_t header_len = tcp_header_length(h.options);
    store_be16(p, h.src_port);
    store_be16(p + 2, h.dst_port);
    store_be32(p + 4, h.seq);
    store_be32(p + 8, h.ack);
    store8(p + 12, static_cast<std::uint8_t>((header_len / 4) << 4));
    store8(p + 13, h.flags);
    store_be16(p + 14, h.window);
    store_be16(p + 16, 0);
    store_be16(p + 18, h.urgent);
    emit_tcp_options(segment.subspan(kTcpMinHeaderLen), h.options);
}

void store_checksum(MutBytes segment, ChecksumAccumulator acc) {
    acc.add(segment);
    store_be16(segment.data() + 16, acc.finish());
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

std::size_t tcp_options_length(const TcpOptions& o) {
    const std::size_t fixed = fixed_options_length(o);
    const unsigned blocks = sack_blocks_that_fit(o, fixed);
    return fixed + (blocks == 0 ? 0 : 4 + blocks * kSackBlockLen);
}

std::size_t emit_tcp_options(MutBytes out, const TcpOptions& o) {
    std::byte* const start = out.data();
    std::byte* p = start;
    if (o.mss != 0) { // RFC 9293 3.2: kind 2, length 4
        put_kind_len(p, kOptMss, 4);
        store_be16(p, o.mss);
        p += 2;
    }
    if (o.has_timestamps) { // RFC 7323 3.2, aligned as its Appendix A suggests
        if (o.sack_permitted) {
            put_kind_len(p, kOptSackPermitted, 2);
        } else {
            put_nops(p, 2);
        }
        put_kind_len(p, kOptTimestamps, kTimestampsLen);
        store_be32(p, o.ts_val);
        store_be32(p + 4, o.ts_ecr);
        p += 8;
    } else if (o.sack_permitted) { // RFC 2018 2
        put_nops(p, 2);
        put_kind_len(p, kOptSackPermitted, 2);
    }
    if (o.has_window_scale) { // RFC 7323 2.2
        put_nops(p, 1);
        put_kind_len(p, kOptWindowScale, 3);
        store8(p++, std::min(o.window_scale, kMaxWindowScale));
    }
    const unsigned blocks = sack_blocks_that_fit(o, static_cast<std::size_t>(p - start));
    if (blocks != 0) { // RFC 2018 3
        put_nops(p, 2);
        put_kind_len(p, kOptSack,
                     static_cast<std::uint8_t>(kSackHeaderLen + blocks * kSackBlockLen));
        for (unsigned b = 0; b < blocks; ++b) {
            store_be32(p, o.sack[b].left);
            store_be32(p + 4, o.sack[b].right);
            p += kSackBlockLen;
        }
    }
    return static_cast<std::size_t>(p - start);
}

void emit_tcp_v4(MutBytes segment, const TcpHeaderFields& h, const Ipv4Address& src,
                 const Ipv4Address& dst) {
    write_header(segment, h);
    store_checksum(segment, pseudo_header_v4(src, dst, ipproto::kTcp,
                                             static_cast<std::uint32_t>(segment.size())));
}

void emit_tcp_v6(MutBytes segment, const TcpHeaderFields& h, const Ipv6Address& src,
                 const Ipv6Address& dst) {
    write_header(segment, h);
    store_checksum(segment, pseudo_header_v6(src, dst, ipproto::kTcp,
                                             static_cast<std::uint32_t>(segment.size())));
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
