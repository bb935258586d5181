// SYN cookies: round trip, rejection of anything not made for this exact handshake, expiry.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>

#include "tcp/four_tuple.hpp"
#include "tcp/syn_cookie.hpp"

using namespace std::chrono_literals;
using multios::net::FourTuple;
using multios::net::Instant;
using multios::net::instant_from_ns;
using multios::net::IpAddress;
using multios::net::SynCookies;

namespace multios::net::tcp_timers_test {

FourTuple cookie_tuple(bool v6 = false) {
    if (v6)
        return FourTuple{*IpAddress::parse("fd00::1"), *IpAddress::parse("fd00::99"), 80, 51234};
    return FourTuple{*IpAddress::parse("192.0.2.1"), *IpAddress::parse("198.51.100.7"), 80, 51234};
}

} // namespace multios::net::tcp_timers_test

using multios::net::tcp_timers_test::cookie_tuple;

TEST_CASE("cookie round trip recovers the MSS class", "[tcp_timers]") {
    const SynCookies c(1);
    const Instant now = instant_from_ns(5'000'000'000'000);
    for (const bool v6 : {false, true}) {
        const auto tuple = cookie_tuple(v6);
        for (const std::uint16_t mss : {100, 536, 1000, 1220, 1300, 1440, 1459, 1460, 9000}) {
            const std::uint32_t cookie = c.make_cookie(tuple, 0xdeadbeef, mss, now);
            const auto got = c.check_cookie(tuple, 0xdeadbeef, cookie, now + 1s);
            REQUIRE(got.has_value());
            CHECK(*got == SynCookies::encoded_mss(tuple, mss));
            CHECK(*got <= std::max<std::uint16_t>(mss, v6 ? 1220 : 536));
        }
    }
    CHECK(SynCookies::encoded_mss(cookie_tuple(), 1460) == 1460);
    CHECK(SynCookies::encoded_mss(cookie_tuple(), 1459) == 1440);
    CHECK(SynCookies::encoded_mss(cookie_tuple(), 100) == 536);
    CHECK(SynCookies::encoded_mss(cookie_tuple(true), 8960) == 8940);
}

TEST_CASE("cookie rejected for another tuple, peer ISN, key or any flipped bit", "[tcp_timers]") {
    const SynCookies c(2);
    const Instant now = instant_from_ns(1'000'000'000'000);
    const auto tuple = cookie_tuple();
    const std::uint32_t cookie = c.make_cookie(tuple, 1000, 1460, now);
    REQUIRE(c.check_cookie(tuple, 1000, cookie, now).has_value());

    auto other = tuple;
    other.remote_port = 51235;
    CHECK_FALSE(c.check_cookie(other, 1000, cookie, now).has_value());
    other = tuple;
    other.remote = *IpAddress::parse("198.51.100.8");
    CHECK_FALSE(c.check_cookie(other, 1000, cookie, now).has_value());
    CHECK_FALSE(c.check_cookie(tuple, 1001, cookie, now).has_value());
    CHECK_FALSE(SynCookies(3).check_cookie(tuple, 1000, cookie, now).has_value());
    for (int bit = 0; bit < 32; ++bit)
        CHECK_FALSE(c.check_cookie(tuple, 1000, cookie ^ (1u << bit), now).has_value());
    // Blind guesses: 2^-24 each, so 20000 tries should all fail.
    int accepted = 0;
    for (std::uint32_t guess = 0; guess < 20000; ++guess)
        accepted += c.check_cookie(tuple, 1000, guess * 214013u + 2531011u, now) ? 1 : 0;
    CHECK(accepted == 0);
}

TEST_CASE("cookie valid for less than two counter periods", "[tcp_timers]") {
    const SynCookies c(4);
    const auto tuple = cookie_tuple(true);
    const Instant period_start = instant_from_ns(0) + 64s * 1000;
    const std::uint32_t cookie = c.make_cookie(tuple, 77, 1440, period_start);
    CHECK(c.check_cookie(tuple, 77, cookie, period_start + 63s).has_value());
    CHECK(c.check_cookie(tuple, 77, cookie, period_start + 128s - 1ns).has_value());
    CHECK_FALSE(c.check_cookie(tuple, 77, cookie, period_start + 128s).has_value());
    CHECK_FALSE(c.check_cookie(tuple, 77, cookie, period_start + 64s * 64).has_value());
    CHECK_FALSE(c.check_cookie(tuple, 77, cookie, period_start + 64s * 65).has_value());
    // Not from the future either.
    CHECK_FALSE(c.check_cookie(tuple, 77, cookie, period_start - 1ns).has_value());
    // Made late in a period: still accepted just over one period later.
    const Instant late = period_start + 64s - 1ns;
    const std::uint32_t late_cookie = c.make_cookie(tuple, 77, 1440, late);
    CHECK(c.check_cookie(tuple, 77, late_cookie, late + 64s).has_value());
}

TEST_CASE("cookies of one tuple do not reveal time or MSS in plain bits", "[tcp_timers]") {
    const SynCookies c(5);
    const auto tuple = cookie_tuple();
    // Same tuple and peer ISN in successive periods: the top 6 bits are not a counter.
    int counter_like = 0;
    std::uint32_t previous = c.make_cookie(tuple, 5, 1460, instant_from_ns(0));
    for (int i = 1; i < 64; ++i) {
        const std::uint32_t cookie = c.make_cookie(tuple, 5, 1460, instant_from_ns(0) + 64s * i);
        counter_like += ((cookie >> 26) == ((previous >> 26) + 1) % 64) ? 1 : 0;
        previous = cookie;
    }
    CHECK(counter_like < 32);
}
