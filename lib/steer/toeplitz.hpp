// The Toeplitz hash that NICs compute for Receive Side Scaling (Microsoft "RSS Hashing
// Functions"; test data in "Verifying the RSS Hash Calculation"). Software steering must compute
// exactly the NIC's function so that a flow lands on the same lcore whether the NIC or an lcore
// decided. Two forms: the spec's bit-serial definition (reference, table construction) and a
// per-key precomputed table, one 256-entry table per input byte position, for the data path.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace multios::net::steer {

/// RSS keys are 40 bytes (320 bits) for the Toeplitz function.
inline constexpr std::size_t kRssKeyBytes = 40;
using RssKey = std::array<std::uint8_t, kRssKeyBytes>;

/// Longest RSS input: IPv6 source, destination, source port, destination port.
inline constexpr std::size_t kMaxRssInputBytes = 16 + 16 + 2 + 2;

/// The key of "Verifying the RSS Hash Calculation" (also the common NIC default).
inline constexpr RssKey kMicrosoftRssKey = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};

/// The symmetric key: 0x6d5a repeated, so both directions of a flow hash alike.
///
/// Why it is symmetric: the Toeplitz hash is the XOR, over every set input bit i (numbered from
/// the most significant bit of input[0]), of the 32 key bits starting at key bit i. A key with a
/// 16-bit period makes that 32-bit window depend only on i mod 16, so moving a bit by a multiple
/// of 16 positions leaves its contribution unchanged. Reversing a flow swaps source and
/// destination address (a move by 32 bits for IPv4, 128 for IPv6) and the two ports (a move by
/// 16 bits), all multiples of 16, so hash(src, dst, sport, dport) == hash(dst, src, dport, sport).
/// The windows stay inside the key: the last one used (IPv6 with ports) starts at bit 287 and
/// ends at bit 318 < 320.
/// The price: the hash is a function of the XOR of all 16-bit input words, so it carries at
/// most 16 bits of flow entropy; enough to spread flows over a 128/512-entry indirection table,
/// not a keyed hash against chosen collisions (connection tables use SipHash for that).
inline constexpr RssKey kSymmetricRssKey = {
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
    0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a};

/// The spec's definition, bit by bit: for each input bit from the left, if it is 1 XOR the
/// leftmost 32 key bits into the result; shift the key left by one. Needs
/// key.size() >= input.size() + 4 (the window must stay inside the key); returns 0 otherwise.
/// Slow (one branch per input bit): a reference for tests and table construction.
std::uint32_t toeplitz_hash(std::span<const std::uint8_t> key, std::span<const std::byte> input);

/// The same function with the key folded into per-byte-position tables: hash = XOR over input
/// positions p of table[p][input[p]]. Valid because the hash is linear over XOR, so each byte's
/// contribution is independent of the others. 36 x 256 x 4 bytes = 36 KiB per key.
class ToeplitzTable {
  public:
    explicit ToeplitzTable(const RssKey& key);

    /// Hash of up to kMaxRssInputBytes bytes (longer input: only the first
    /// kMaxRssInputBytes count; callers build inputs with rss_input.hpp, which never exceed it).
    std::uint32_t hash(std::span<const std::byte> input) const {
        const std::size_t n = input.size() < kMaxRssInputBytes ? input.size() : kMaxRssInputBytes;
        std::uint32_t h = 0;
        for (std::size_t p = 0; p < n; ++p)
            h ^= table_[p][static_cast<std::uint8_t>(input[p])];
        return h;
    }

    /// Contribution of `value` at input byte `position` (< kMaxRssInputBytes): lets a caller
    /// update a hash when one field changes (hash ^ old contribution ^ new contribution).
    std::uint32_t contribution(std::size_t position, std::uint8_t value) const {
        return table_[position][value];
    }

    const RssKey& key() const { return key_; }

  private:
    RssKey key_;
    std::array<std::array<std::uint32_t, 256>, kMaxRssInputBytes> table_{};
};

} // namespace multios::net::steer
