#include <catch2/catch.hpp>

#include <cstdint>
#include <random>

#include "tcp/seq.hpp"
#include "tcp_buffers_test_util.hpp"

using multios::net::tcp::in_window;
using multios::net::tcp::seq_distance;
using multios::net::tcp::seq_max;
using multios::net::tcp::seq_min;
using multios::net::tcp::seq_signed_distance;
using multios::net::tcp::SeqNum;

// Everything is constexpr: the header promises it.
static_assert(SeqNum(0xfffffff0u) < SeqNum(0x10u));
static_assert(SeqNum(0xffffffffu) + 1 == SeqNum(0));
static_assert(in_window(SeqNum(2), SeqNum(0xfffffffeu), 5));
static_assert(seq_distance(SeqNum(0xfffffff0u), SeqNum(0x10u)) == 0x20u);

TEST_CASE("SeqNum compares across the 2^32 wrap", "[tcp_buffers][seq]") {
    const SeqNum before(0xfffffff0u);
    const SeqNum after(0x10u);
    CHECK(before < after);
    CHECK(before <= after);
    CHECK(after > before);
    CHECK(after >= before);
    CHECK_FALSE(after < before);
    CHECK_FALSE(before > after);
    CHECK_FALSE(before == after);
    CHECK(before != after);
    CHECK(before <= before);
    CHECK(before >= before);
    CHECK_FALSE(before < before);

    // Plain numbers far apart but less than 2^31: ordinary order.
    CHECK(SeqNum(5) < SeqNum(0x7fffffffu));
    // More than 2^31 apart: the smaller raw value is "after" (it wrapped).
    CHECK(SeqNum(5) > SeqNum(0x80000006u));
}

TEST_CASE("SeqNum arithmetic wraps modulo 2^32", "[tcp_buffers][seq]") {
    SeqNum s(0xfffffffeu);
    CHECK((s + 3).value() == 1u);
    CHECK((SeqNum(1) - 3).value() == 0xfffffffeu);
    s += 2;
    CHECK(s == SeqNum(0));
    s -= 1;
    CHECK(s.value() == 0xffffffffu);

    CHECK(seq_distance(SeqNum(0xfffffff0u), SeqNum(0x10u)) == 0x20u);
    CHECK(seq_signed_distance(SeqNum(0xfffffff0u), SeqNum(0x10u)) == 0x20);
    CHECK(seq_signed_distance(SeqNum(0x10u), SeqNum(0xfffffff0u)) == -0x20);
    CHECK(seq_distance(SeqNum(7), SeqNum(7)) == 0u);

    CHECK(seq_min(SeqNum(0xfffffff0u), SeqNum(0x10u)) == SeqNum(0xfffffff0u));
    CHECK(seq_max(SeqNum(0xfffffff0u), SeqNum(0x10u)) == SeqNum(0x10u));
    CHECK(seq_min(SeqNum(0x10u), SeqNum(0xfffffff0u)) == SeqNum(0xfffffff0u));
    CHECK(seq_max(SeqNum(3), SeqNum(3)) == SeqNum(3));
}

TEST_CASE("SeqNum order holds for any forward distance below 2^31", "[tcp_buffers][seq]") {
    std::mt19937 rng(1982);
    std::uniform_int_distribution<std::uint32_t> any;
    std::uniform_int_distribution<std::uint32_t> dist(1, 0x7fffffffu);
    for (int i = 0; i < 10000; ++i) {
        const SeqNum a(any(rng));
        const std::uint32_t d = dist(rng);
        const SeqNum b = a + d;
        REQUIRE(a < b);
        REQUIRE(b > a);
        REQUIRE_FALSE(b < a);
        REQUIRE(seq_distance(a, b) == d);
        REQUIRE(seq_signed_distance(b, a) == -static_cast<std::int32_t>(d));
        REQUIRE(b - d == a);
    }
}

TEST_CASE("in_window edge cases", "[tcp_buffers][seq]") {
    const SeqNum start(0xfffffff0u);
    CHECK(in_window(start, start, 0x20));
    CHECK(in_window(SeqNum(0xffffffffu), start, 0x20));
    CHECK(in_window(SeqNum(0), start, 0x20));
    CHECK(in_window(SeqNum(0x0fu), start, 0x20));             // last byte
    CHECK_FALSE(in_window(SeqNum(0x10u), start, 0x20));       // one past the end
    CHECK_FALSE(in_window(SeqNum(0xffffffefu), start, 0x20)); // one before the start

    // Zero-length window: empty.
    CHECK_FALSE(in_window(start, start, 0));
    // One-byte window: only its start.
    CHECK(in_window(SeqNum(9), SeqNum(9), 1));
    CHECK_FALSE(in_window(SeqNum(10), SeqNum(9), 1));
    // A window of 2^31 bytes: still unambiguous with one unsigned comparison.
    CHECK(in_window(SeqNum(0x7fffffffu), SeqNum(0), 0x80000000u));
    CHECK_FALSE(in_window(SeqNum(0x80000000u), SeqNum(0), 0x80000000u));
    // Maximal window: everything except the byte before the start.
    CHECK(in_window(SeqNum(5), SeqNum(6), 0xffffffffu) == false);
    CHECK(in_window(SeqNum(4), SeqNum(6), 0xffffffffu));
}
