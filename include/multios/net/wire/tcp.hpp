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

/// Validates the data offset (>= 5, <= buffer), the checksum with the pseudo-header, and walks
/// options with the rule `len >= 2 && i + len <= header_len`; unknown options are skipped,
/// malformed known ones (wrong length) make the segment BadOption.
ParseError parse_tcp_v4(Bytes data, const Ipv4Address& src, const Ipv4Address& dst,
                        TcpSegment& out);
ParseError parse_tcp_v6(Bytes data, const Ipv6Address& src, const Ipv6Address& dst,
                        TcpSegment& out);
/// Options only (for fuzzing and tests): `opts` is the bytes between offset 20 and header_len.
ParseError parse_tcp_options(Bytes opts, TcpOptions& out);

} // namespace multios::net::wire
