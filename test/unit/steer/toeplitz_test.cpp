// The RSS Toeplitz hash against Microsoft's published verification data, and the symmetry of
// the 0x6d5a key.
//
// Vectors: Microsoft, "Verifying the RSS Hash Calculation" (Windows driver docs, network/RSS,
// learn.microsoft.com/windows-hardware/drivers/network/verifying-the-rss-hash-calculation),
// read from the MicrosoftDocs windows-driver-docs page source (ms.date 04/20/2017). Key: the
// 40-byte key printed there (kMicrosoftRssKey). Tables give destination and source "address:port"
// and the hash without ports ("IPv4 only"/"IPv6 only") and with them ("with TCP"); the input is
// source address, destination address, source port, destination port.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>

#include "steer/rss_input.hpp"
#include "steer/toeplitz.hpp"

namespace multios::net::steer_test {
namespace {

using steer::kMicrosoftRssKey;
using steer::kSymmetricRssKey;

struct Vector {
    const char* dst;
    std::uint16_t dst_port;
    const char* src;
    std::uint16_t src_port;
    std::uint32_t addresses_only;
    std::uint32_t with_ports;
};

// IPv4 table of the spec, row by row.
constexpr Vector kV4Vectors[] = {
    {"161.142.100.80", 1766, "66.9.149.187", 2794, 0x323e8fc2, 0x51ccc178},
    {"65.69.140.83", 4739, "199.92.111.2", 14230, 0xd718262a, 0xc626b0ea},
    {"12.22.207.184", 38024, "24.19.198.95", 12898, 0xd2d0a5de, 0x5c2b394a},
    {"209.142.163.6", 2217, "38.27.205.30", 48228, 0x82989176, 0xafc7327f},
    {"202.188.127.2", 1303, "153.39.163.191", 44251, 0x5d1809c5, 0x10e828a2},
};

// IPv6 table of the spec, row by row.
constexpr Vector kV6Vectors[] = {
    {"3ffe:2501:200:3::1", 1766, "3ffe:2501:200:1fff::7", 2794, 0x2cc18cd5, 0x40207d3d},
    {"ff02::1", 4739, "3ffe:501:8::260:97ff:fe40:efab", 14230, 0x0f0c461c, 0xdde51bbf},
    {"fe80::200:f8ff:fe21:67cf", 38024, "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 44251, 0x4b61e985,
     0x02d1feef},
};

Ipv4Address v4(const char* text) {
    const auto a = Ipv4Address::parse(text);
    REQUIRE(a.has_value());
    return *a;
}

Ipv6Address v6(const char* text) {
    const auto a = Ipv6Address::parse(text);
    REQUIRE(a.has_value());
    return *a;
}

Ipv4Address random_v4(std::mt19937& rng) {
    return Ipv4Address::from_u32(static_cast<std::uint32_t>(rng()));
}

Ipv6Address random_v6(std::mt19937& rng) {
    Ipv6Address a;
    for (auto& b : a.bytes)
        b = static_cast<std::uint8_t>(rng());
    return a;
}

std::uint16_t random_port(std::mt19937& rng) {
    return static_cast<std::uint16_t>(rng());
}

} // namespace

TEST_CASE("toeplitz: Microsoft IPv4 verification vectors", "[steer]") {
    const steer::ToeplitzTable table(kMicrosoftRssKey);
    for (const Vector& v : kV4Vectors) {
        INFO(v.src << ":" << v.src_port << " -> " << v.dst << ":" << v.dst_port);
        const auto addrs = steer::rss_input_v4(v4(v.src), v4(v.dst));
        const auto ports = steer::rss_input_v4(v4(v.src), v4(v.dst), v.src_port, v.dst_port);
        CHECK(addrs.size == 8);
        CHECK(ports.size == 12);
        CHECK(steer::toeplitz_hash(kMicrosoftRssKey, addrs.view()) == v.addresses_only);
        CHECK(steer::toeplitz_hash(kMicrosoftRssKey, ports.view()) == v.with_ports);
        CHECK(table.hash(addrs.view()) == v.addresses_only);
        CHECK(table.hash(ports.view()) == v.with_ports);
    }
}

TEST_CASE("toeplitz: Microsoft IPv6 verification vectors", "[steer]") {
    const steer::ToeplitzTable table(kMicrosoftRssKey);
    for (const Vector& v : kV6Vectors) {
        INFO(v.src << " port " << v.src_port << " -> " << v.dst << " port " << v.dst_port);
        const auto addrs = steer::rss_input_v6(v6(v.src), v6(v.dst));
        const auto ports = steer::rss_input_v6(v6(v.src), v6(v.dst), v.src_port, v.dst_port);
        CHECK(addrs.size == 32);
        CHECK(ports.size == 36);
        CHECK(steer::toeplitz_hash(kMicrosoftRssKey, addrs.view()) == v.addresses_only);
        CHECK(steer::toeplitz_hash(kMicrosoftRssKey, ports.view()) == v.with_ports);
        CHECK(table.hash(addrs.view()) == v.addresses_only);
        CHECK(table.hash(ports.view()) == v.with_ports);
    }
}

TEST_CASE("toeplitz: the received-packet input puts the remote end first", "[steer]") {
    // First IPv4 row seen from 161.142.100.80: the packet comes from the remote 66.9.149.187.
    const FourTuple t{v4("161.142.100.80"), v4("66.9.149.187"), 1766, 2794};
    const auto in = steer::rss_input_received(t);
    CHECK(steer::toeplitz_hash(kMicrosoftRssKey, in.view()) == 0x51ccc178);
    const FourTuple t6{v6("3ffe:2501:200:3::1"), v6("3ffe:2501:200:1fff::7"), 1766, 2794};
    CHECK(steer::toeplitz_hash(kMicrosoftRssKey, steer::rss_input_received(t6).view()) ==
          0x40207d3d);
}

TEST_CASE("toeplitz: the table form equals the bit-serial definition", "[steer]") {
    std::mt19937 rng(0x5eed);
    const steer::ToeplitzTable ms(kMicrosoftRssKey);
    const steer::ToeplitzTable sym(kSymmetricRssKey);
    for (int i = 0; i < 2000; ++i) {
        std::array<std::byte, steer::kMaxRssInputBytes> buf{};
        for (auto& b : buf)
            b = static_cast<std::byte>(rng());
        const std::size_t n = rng() % (buf.size() + 1);
        const std::span<const std::byte> in(buf.data(), n);
        REQUIRE(ms.hash(in) == steer::toeplitz_hash(kMicrosoftRssKey, in));
        REQUIRE(sym.hash(in) == steer::toeplitz_hash(kSymmetricRssKey, in));
    }
}

TEST_CASE("toeplitz: a key too short for the input gives 0 rather than reading past it",
          "[steer]") {
    const std::array<std::uint8_t, 8> short_key{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    const std::array<std::byte, 5> five{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4},
                                        std::byte{5}};
    CHECK(steer::toeplitz_hash(short_key, five) == 0);
    // 4 input bytes fit an 8-byte key: a set bit adds a non-zero window.
    CHECK(steer::toeplitz_hash(short_key, std::span<const std::byte>(five.data(), 4)) != 0);
}

TEST_CASE("toeplitz: the Microsoft key is not symmetric", "[steer]") {
    // Guards the symmetry tests below against a hash that ignores its input order.
    const auto fwd = steer::rss_input_v4(v4("66.9.149.187"), v4("161.142.100.80"), 2794, 1766);
    const auto rev = steer::rss_input_v4(v4("161.142.100.80"), v4("66.9.149.187"), 1766, 2794);
    CHECK(steer::toeplitz_hash(kMicrosoftRssKey, fwd.view()) !=
          steer::toeplitz_hash(kMicrosoftRssKey, rev.view()));
}

TEST_CASE("toeplitz: the symmetric key hashes both directions of IPv4 flows alike", "[steer]") {
    std::mt19937 rng(4);
    const steer::ToeplitzTable table(kSymmetricRssKey);
    int distinct = 0;
    for (int i = 0; i < 10000; ++i) {
        const auto a = random_v4(rng);
        const auto b = random_v4(rng);
        const auto pa = random_port(rng);
        const auto pb = random_port(rng);
        const auto fwd = table.hash(steer::rss_input_v4(a, b, pa, pb).view());
        const auto rev = table.hash(steer::rss_input_v4(b, a, pb, pa).view());
        REQUIRE(fwd == rev);
        REQUIRE(table.hash(steer::rss_input_v4(a, b).view()) ==
                table.hash(steer::rss_input_v4(b, a).view()));
        // Not a constant function: most tuples differ from the previous one's hash.
        distinct += fwd != table.hash(steer::rss_input_v4(a, b, pa, pb ^ 1).view());
    }
    CHECK(distinct == 10000);
}

TEST_CASE("toeplitz: the symmetric key hashes both directions of IPv6 flows alike", "[steer]") {
    std::mt19937 rng(6);
    const steer::ToeplitzTable table(kSymmetricRssKey);
    for (int i = 0; i < 10000; ++i) {
        const auto a = random_v6(rng);
        const auto b = random_v6(rng);
        const auto pa = random_port(rng);
        const auto pb = random_port(rng);
        REQUIRE(table.hash(steer::rss_input_v6(a, b, pa, pb).view()) ==
                table.hash(steer::rss_input_v6(b, a, pb, pa).view()));
        REQUIRE(table.hash(steer::rss_input_v6(a, b).view()) ==
                table.hash(steer::rss_input_v6(b, a).view()));
    }
}

TEST_CASE("toeplitz: the symmetric hash depends only on the XOR of the 16-bit words", "[steer]") {
    // The reason for the symmetry (see kSymmetricRssKey): every bit's contribution depends on
    // its position mod 16 only. Moving the address's low word into the source port changes no
    // folded word, so the hash stays; this is the documented entropy limit.
    const steer::ToeplitzTable table(kSymmetricRssKey);
    const auto a = steer::rss_input_v4(v4("10.0.0.1"), v4("10.0.0.2"), 1000, 2000);
    const auto b = steer::rss_input_v4(v4("10.0.0.0"), v4("10.0.0.2"), 1000 ^ 1, 2000);
    CHECK(table.hash(a.view()) == table.hash(b.view()));
}

} // namespace multios::net::steer_test
