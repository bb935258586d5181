// Byte-order helpers: every multi-byte wire field is read and written through these, never by
// casting a struct over packet bytes (alignment and aliasing are not ours to assume).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace multios::net::wire {

using Bytes = std::span<const std::byte>;
using MutBytes = std::span<std::byte>;

inline std::uint8_t load8(const std::byte* p) {
    return static_cast<std::uint8_t>(*p);
}
inline std::uint16_t load_be16(const std::byte* p) {
    return static_cast<std::uint16_t>((std::uint16_t{load8(p)} << 8) | load8(p + 1));
}
inline std::uint32_t load_be32(const std::byte* p) {
    return (std::uint32_t{load_be16(p)} << 16) | load_be16(p + 2);
}
inline void store8(std::byte* p, std::uint8_t v) {
    *p = static_cast<std::byte>(v);
}
inline void store_be16(std::byte* p, std::uint16_t v) {
    store8(p, static_cast<std::uint8_t>(v >> 8));
    store8(p + 1, static_cast<std::uint8_t>(v));
}
inline void store_be32(std::byte* p, std::uint32_t v) {
    store_be16(p, static_cast<std::uint16_t>(v >> 16));
    store_be16(p + 2, static_cast<std::uint16_t>(v));
}
template <std::size_t N>
inline void load_array(const std::byte* p, std::uint8_t (&out)[N]) {
    std::memcpy(out, p, N);
}

/// View a string literal or std::string as bytes (tests, examples).
inline Bytes as_bytes(const void* data, std::size_t len) {
    return {static_cast<const std::byte*>(data), len};
}

} // namespace multios::net::wire
