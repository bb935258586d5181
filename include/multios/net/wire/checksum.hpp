// Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-headers (RFC 768, RFC 793, RFC 8200 8.1).
#pragma once

#include <cstdint>

#include <multios/net/address.hpp>
#include <multios/net/wire/bytes.hpp>

namespace multios::net::wire {

/// Accumulates 16-bit ones'-complement sums over several pieces of data, any of which may have
/// odd length (the byte pairing carries across pieces).
class ChecksumAccumulator {
  public:
    void add(Bytes data);
    void add_u16(std::uint16_t v); ///< Only at an even offset.
    void add_u32(std::uint32_t v); ///< Only at an even offset.
    /// The checksum to store in a header: ~fold(sum). Never returns 0 unless the sum is 0xffff.
    std::uint16_t finish() const;
    /// True when data that includes its own checksum field sums to 0xffff (valid).
    bool verifies() const;

  private:
    std::uint64_t sum_ = 0;
    bool odd_ = false; ///< The last piece ended on an odd byte.
};

/// Checksum of a single buffer (e.g. the IPv4 header, ICMPv4 message).
std::uint16_t internet_checksum(Bytes data);

/// Starts an accumulator with the IPv4 pseudo-header for `upper_len` bytes of protocol `proto`.
ChecksumAccumulator pseudo_header_v4(const Ipv4Address& src, const Ipv4Address& dst,
                                     std::uint8_t proto, std::uint32_t upper_len);
/// Starts an accumulator with the IPv6 pseudo-header.
ChecksumAccumulator pseudo_header_v6(const Ipv6Address& src, const Ipv6Address& dst,
                                     std::uint8_t next_header, std::uint32_t upper_len);

} // namespace multios::net::wire
