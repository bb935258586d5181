// TCP header and options (RFC 9293 3.1, RFC 7323, RFC 2018). The TCP state machine is not here.
#pragma once

#include <cstdint>

#include <multios/net/address.hpp>
#include <multios/net/wire/bytes.hpp>
#include <multios/net/wire/parse_error.hpp>

namespace multios::net::wire {

inline constexpr std::size_t kTcpMinHeaderLen = 20;
inline constexpr unsigned kMaxSackBlocks = 4;

namespace tcpflag {
inline constexpr std::uint8_t kFin = 0x01;
inline constexpr std::uint8_t kSyn = 0x02;
inline constexpr std::uint8_t kRst = 0x04;
inline constexpr std::uint8_t kPsh = 0x08;
inline constexpr std::uint8_t kAck = 0x10;
inline constexpr std::uint8_t kUrg = 0x20;
inline constexpr std::uint8_t kEce = 0x40;
inline constexpr std::uint8_t kCwr = 0x80;
} // namespace tcpflag

struct SackBlock {
    std::uint32_t left = 0;
    std::uint32_t right = 0;
};

struct TcpOptions {
    std::uint16_t mss = 0; ///< 0 = absent.
    bool has_window_scale = false;
    std::uint8_t window_scale = 0; ///< Clamped to 14 (RFC 7323 2.3).
    bool sack_permitted = false;
    bool has_timestamps = false;
    std::uint32_t ts_val = 0;
    std::uint32_t ts_ecr = 0;
    SackBlock sack[kMaxSackBlocks];
    unsigned sack_count = 0;
};

struct TcpSegment {
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;
    std::uint16_t window = 0;
    std::uint16_t checksum = 0;
    std::uint16_t urgent = 0;
    std::size_t header_len = 0;
    TcpOptions options;
    Bytes payload;
};

/// RFC 9293 3.4 SEG.LEN: the payload plus one for SYN and one for FIN.
inline std::uint32_t tcp_segment_length(const TcpSegment& seg) {
    return static_cast<std::uint32_t>(seg.payload.size()) + ((seg.flags & tcpflag::kSyn) ? 1 : 0) +
           ((seg.flags & tcpflag::kFin) ? 1 : 0);
}

/// Validates the data offset (>= 5, <= buffer), the checksum with the pseudo-header, and walks
/// options with the rule `len >= 2 && i + len <= header_len`; unknown options are skipped,
/// malformed known ones (wrong length) make the segment BadOption.
ParseError parse_tcp_v4(Bytes data, const Ipv4Address& src, const Ipv4Address& dst,
                        TcpSegment& out);
ParseError parse_tcp_v6(Bytes data, const Ipv6Address& src, const Ipv6Address& dst,
                        TcpSegment& out);
/// Options only (for fuzzing and tests): `opts` is the bytes between offset 20 and header_len.
ParseError parse_tcp_options(Bytes opts, TcpOptions& out);

// ---- emitting ----

/// Longest option area (RFC 9293 3.1: data offset 15 words).
inline constexpr std::size_t kTcpMaxOptionsLen = 40;

/// Header fields of a segment to emit; the data offset follows from the options present.
struct TcpHeaderFields {
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;
    std::uint16_t window = 0;
    std::uint16_t urgent = 0;
    /// Emitted: mss != 0, has_window_scale, sack_permitted, has_timestamps, sack[0..sack_count)
    /// (as many SACK blocks as fit in the 40 option bytes; the first ones are kept).
    TcpOptions options;
};

/// Bytes the options of `o` take on the wire, padded to a multiple of 4 (<= 40).
std::size_t tcp_options_length(const TcpOptions& o);
/// 20 + tcp_options_length(o): the data offset in bytes.
inline std::size_t tcp_header_length(const TcpOptions& o) {
    return kTcpMinHeaderLen + tcp_options_length(o);
}
/// Writes the options of `o` at the start of `out` (at least tcp_options_length(o) bytes) in
/// the layout Linux uses (MSS; SACK-permitted + timestamps or NOP,NOP,TS; NOP,WS;
/// NOP,NOP,SACK) so that every 32-bit field is aligned. Returns the bytes written.
std::size_t emit_tcp_options(MutBytes out, const TcpOptions& o);
/// Writes header + options at the start of `segment` (which spans header, options and the
/// payload already in place at tcp_header_length()) and the checksum over all of it.
void emit_tcp_v4(MutBytes segment, const TcpHeaderFields& h, const Ipv4Address& src,
                 const Ipv4Address& dst);
void emit_tcp_v6(MutBytes segment, const TcpHeaderFields& h, const Ipv6Address& src,
                 const Ipv6Address& dst);

} // namespace multios::net::wire
