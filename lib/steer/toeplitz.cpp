#include "steer/toeplitz.hpp"

namespace multios::net::steer {
namespace {

/// Bit `i` of the key, numbered from the most significant bit of key[0]; 0 beyond the end.
unsigned key_bit(std::span<const std::uint8_t> key, std::size_t i) {
    if (i / 8 >= key.size())
        return 0;
    return (key[i / 8] >> (7 - i % 8)) & 1u;
}

/// The 32 key bits starting at bit `i`: the "leftmost 32 bits of K" after `i` shifts.
std::uint32_t key_window(std::span<const std::uint8_t> key, std::size_t i) {
    std::uint32_t w = 0;
    for (std::size_t b = 0; b < 32; ++b)
        w = (w << 1) | key_bit(key, i + b);
    return w;
}

} // namespace

std::uint32_t toeplitz_hash(std::span<const std::uint8_t> key, std::span<const std::byte> input) {
    if (key.size() < input.size() + 4)
        return 0;
    std::uint32_t result = 0;
    for (std::size_t i = 0; i < input.size() * 8; ++i) {
        const auto byte = static_cast<std::uint8_t>(input[i / 8]);
        if ((byte >> (7 - i % 8)) & 1u)
            result ^= key_window(key, i);
    }
    return result;
}

ToeplitzTable::ToeplitzTable(const RssKey& key) : key_(key) {
    for (std::size_t p = 0; p < kMaxRssInputBytes; ++p) {
        // Windows for the 8 bits of this position, most significant bit first.
        std::array<std::uint32_t, 8> window{};
        for (std::size_t b = 0; b < 8; ++b)
            window[b] = key_window(key_, p * 8 + b);
        for (unsigned v = 0; v < 256; ++v) {
            std::uint32_t h = 0;
            for (std::size_t b = 0; b < 8; ++b)
                if ((v >> (7 - b)) & 1u)
                    h ^= window[b];
            table_[p][v] = h;
        }
    }
}

} // namespace multios::net::steer
