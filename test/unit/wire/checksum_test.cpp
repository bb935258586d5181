// Internet checksum known answers (RFC 1071) and split-piece equivalence.
#include <catch2/catch.hpp>

#include <multios/net/wire/checksum.hpp>

#include "wire_test_util.hpp"

using namespace multios::net;
using namespace multios::net::wire;
using namespace multios::net::wire::test;

namespace {

/// Straightforward 16-bit reference implementation (RFC 1071 4.1) to compare against.
std::uint16_t reference(const Buf& b) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < b.size(); i += 2) {
        std::uint32_t w = std::uint32_t{at(b, i)} << 8;
        if (i + 1 < b.size()) {
            w |= at(b, i + 1);
        }
        sum += w;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return static_cast<std::uint16_t>(~sum);
}

Buf pseudo_random(std::size_t n, std::uint32_t seed) {
    Buf b(n);
    for (auto& x : b) {
        seed = seed * 1664525u + 1013904223u;
        x = static_cast<std::byte>(seed >> 24);
    }
    return b;
}

} // namespace

TEST_CASE("RFC 1071 example sums to ddf2", "[wire][checksum]") {
    // RFC 1071 3: bytes 00 01 f2 03 f4 f5 f6 f7 have the ones'-complement sum ddf2.
    const Buf b = hex("0001f203f4f5f6f7");
    CHECK(internet_checksum(view(b)) == static_cast<std::uint16_t>(~0xddf2));
    ChecksumAccumulator acc;
    acc.add(view(b));
    CHECK(acc.finish() == 0x220d);
}

TEST_CASE("A real IPv4 header checksums to zero", "[wire][checksum]") {
    // Header of an ICMP echo request captured with scapy (checksum 21d5 in place).
    const Buf h = hex("4500005404d24000400121d50a0000010a000002");
    CHECK(internet_checksum(view(h)) == 0);
    ChecksumAccumulator acc;
    acc.add(view(h));
    CHECK(acc.verifies());
    Buf zeroed = h;
    set(zeroed, 10, 0);
    set(zeroed, 11, 0);
    CHECK(internet_checksum(view(zeroed)) == 0x21d5);
}

TEST_CASE("Empty and odd inputs", "[wire][checksum]") {
    CHECK(internet_checksum({}) == 0xffff);
    CHECK(internet_checksum(view(hex("01"))) == static_cast<std::uint16_t>(~0x0100));
    CHECK(internet_checksum(view(hex("ffff"))) == 0);
    ChecksumAccumulator zero;
    CHECK_FALSE(zero.verifies());
}

TEST_CASE("Matches a reference for every length and split point", "[wire][checksum]") {
    for (std::size_t n = 0; n <= 80; ++n) {
        const Buf b = pseudo_random(n, static_cast<std::uint32_t>(n * 7 + 1));
        const std::uint16_t want = reference(b);
        INFO("n=" << n);
        REQUIRE(internet_checksum(view(b)) == want);
        for (std::size_t s1 = 0; s1 <= n; ++s1) {
            // Split in three at s1 and the midpoint of the rest, covering odd/odd, odd/even...
            const std::size_t s2 = s1 + (n - s1) / 2;
            ChecksumAccumulator acc;
            acc.add(view(b).subspan(0, s1));
            acc.add(view(b).subspan(s1, s2 - s1));
            acc.add(view(b).subspan(s2));
            INFO("s1=" << s1 << " s2=" << s2);
            REQUIRE(acc.finish() == want);
        }
    }
}

TEST_CASE("Byte-at-a-time equals one piece over a large buffer", "[wire][checksum]") {
    const Buf b = pseudo_random(1501, 99);
    ChecksumAccumulator acc;
    for (std::size_t i = 0; i < b.size(); ++i) {
        acc.add(view(b).subspan(i, 1));
    }
    CHECK(acc.finish() == internet_checksum(view(b)));
    CHECK(acc.finish() == reference(b));
}

TEST_CASE("add_u16/add_u32 equal adding the big-endian bytes", "[wire][checksum]") {
    ChecksumAccumulator a;
    a.add_u16(0x1234);
    a.add_u32(0xdeadbeef);
    CHECK(a.finish() == internet_checksum(view(hex("1234deadbeef"))));
}

TEST_CASE("Pseudo-headers match hand-built ones", "[wire][checksum]") {
    const auto s4 = *Ipv4Address::parse("192.0.2.1");
    const auto d4 = *Ipv4Address::parse("198.51.100.7");
    auto a4 = pseudo_header_v4(s4, d4, 6, 1234);
    CHECK(a4.finish() == internet_checksum(view(hex("c0000201 c6336407 0006 04d2"))));
    const auto s6 = *Ipv6Address::parse("2001:db8::1");
    const auto d6 = *Ipv6Address::parse("fe80::2");
    auto a6 = pseudo_header_v6(s6, d6, 58, 70000);
    CHECK(a6.finish() == internet_checksum(view(hex("20010db8000000000000000000000001"
                                                    "fe800000000000000000000000000002"
                                                    "00011170 0000003a"))));
}
