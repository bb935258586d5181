// Address helpers for the ip unit tests (no text parsing needed).
#pragma once

#include <cstdint>
#include <initializer_list>

#include <multios/net/address.hpp>

namespace multios::net::test {

inline IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    return Ipv4Address{{a, b, c, d}};
}

/// IPv6 address from up to eight 16-bit groups; missing trailing groups are zero.
inline Ipv6Address v6a(std::initializer_list<std::uint16_t> groups) {
    Ipv6Address a{};
    std::size_t i = 0;
    for (auto g : groups) {
        a.bytes[i++] = static_cast<std::uint8_t>(g >> 8);
        a.bytes[i++] = static_cast<std::uint8_t>(g);
    }
    return a;
}

inline IpAddress v6(std::initializer_list<std::uint16_t> groups) {
    return v6a(groups);
}

inline IpPrefix prefix(const IpAddress& a, std::uint8_t len) {
    return IpPrefix{a, len};
}

} // namespace multios::net::test
