// The pcapng block layout shared by the capture writer (capture.cpp) and the part merger
// (capture_merge.cpp). Internal to drivers/pmd_glue.
// Format: IETF draft-ietf-opsawg-pcapng (block structure §3.1, SHB §4.1, IDB §4.2, EPB §4.3).
// We always write little-endian with the byte-order magic, so readers on any host detect it;
// bytes.hpp has only big-endian (network order) helpers, hence the two little-endian ones here.
#pragma once

#include <cstddef>
#include <cstdint>

namespace multios::net::glue::pcapng {

constexpr std::uint32_t kSectionHeader = 0x0A0D0D0A; ///< Palindromic: same in both orders.
constexpr std::uint32_t kInterfaceDescription = 1;
constexpr std::uint32_t kEnhancedPacket = 6;
constexpr std::uint32_t kByteOrderMagic = 0x1A2B3C4D;
/// The magic as a little-endian reader sees a section written big-endian (§4.1).
constexpr std::uint32_t kByteOrderMagicSwapped = 0x4D3C2B1A;

/// Block = type(4), total length(4), body, total length again(4) (§3.1).
constexpr std::size_t kBlockHeaderBytes = 8;
constexpr std::size_t kBlockOverheadBytes = 12;
/// SHB body: byte-order magic(4), major(2), minor(2), section length(8) (§4.1).
constexpr std::size_t kShbFixedBytes = 16;
constexpr std::size_t kShbMagicOffset = 8;  ///< From the start of the block.
constexpr std::size_t kShbMajorOffset = 12; ///< From the start of the block.
constexpr std::uint16_t kMajorVersion = 1;
/// EPB body: interface id(4), timestamp high(4) and low(4), captured(4), original(4) (§4.3).
constexpr std::size_t kEpbFixedBytes = 20;
constexpr std::size_t kEpbInterfaceOffset = 8; ///< From the start of the block.
constexpr std::size_t kEpbTsHighOffset = 12;   ///< From the start of the block.
constexpr std::size_t kEpbTsLowOffset = 16;    ///< From the start of the block.
constexpr std::size_t kEpbCapturedOffset = 20; ///< From the start of the block.

inline void store_le32(std::byte* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) {
        p[i] = static_cast<std::byte>(v >> (8 * i));
    }
}
inline std::uint16_t load_le16(const std::byte* p) {
    return static_cast<std::uint16_t>(std::to_integer<std::uint16_t>(p[0]) |
                                      (std::to_integer<std::uint16_t>(p[1]) << 8));
}
inline std::uint32_t load_le32(const std::byte* p) {
    return std::uint32_t{load_le16(p)} | (std::uint32_t{load_le16(p + 2)} << 16);
}

} // namespace multios::net::glue::pcapng
