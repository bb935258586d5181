// RFC 6528 ISNs and RFC 6056 ephemeral ports: keyed, per-tuple, reproducible per seed.
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <set>
#include <vector>

#include "tcp/ephemeral_port.hpp"
#include "tcp/four_tuple.hpp"
#include "tcp/isn.hpp"

using namespace std::chrono_literals;
using multios::net::EphemeralPortSelector;
using multios::net::FourTuple;
using multios::net::Instant;
using multios::net::instant_from_ns;
using multios::net::IpAddress;
using multios::net::IsnGenerator;

namespace multios::net::tcp_timers_test {

FourTuple v4_tuple(std::uint16_t local_port, std::uint16_t remote_port) {
    return FourTuple{*IpAddress::parse("10.0.0.1"), *IpAddress::parse("10.0.0.2"), local_port,
                     remote_port};
}

FourTuple v6_tuple(std::uint16_t local_port, std::uint16_t remote_port) {
    return FourTuple{*IpAddress::parse("fd00::1"), *IpAddress::parse("fd00::2"), local_port,
                     remote_port};
}

} // namespace multios::net::tcp_timers_test

using namespace multios::net::tcp_timers_test;

TEST_CASE("ISN differs per tuple and is reproducible for a seed", "[tcp_timers]") {
    const IsnGenerator gen(42), same(42), other(43);
    const Instant t = instant_from_ns(123'456'789);
    CHECK(gen.isn(v4_tuple(80, 40000), t) == same.isn(v4_tuple(80, 40000), t));
    CHECK(gen.isn(v4_tuple(80, 40000), t) != other.isn(v4_tuple(80, 40000), t));
    CHECK(gen.isn(v4_tuple(80, 40000), t) != gen.isn(v4_tuple(80, 40001), t));
    CHECK(gen.isn(v4_tuple(80, 40000), t) != gen.isn(v4_tuple(81, 40000), t));
    CHECK(gen.isn(v4_tuple(80, 40000), t) != gen.isn(v6_tuple(80, 40000), t));
    FourTuple swapped = v4_tuple(80, 40000);
    std::swap(swapped.local, swapped.remote);
    CHECK(gen.isn(v4_tuple(80, 40000), t) != gen.isn(swapped, t));
}

TEST_CASE("ISN advances with time in 4 microsecond steps", "[tcp_timers]") {
    const IsnGenerator gen(7);
    const auto tuple = v6_tuple(443, 51000);
    const Instant t0 = instant_from_ns(4'000'000); // on a 4 us boundary
    const std::uint32_t base = gen.isn(tuple, t0);
    CHECK(gen.isn(tuple, t0 + 3999ns) == base);
    CHECK(gen.isn(tuple, t0 + 4us) == base + 1);
    CHECK(gen.isn(tuple, t0 + 1s) == base + 250'000);
    // The 32-bit clock wraps: 2^32 steps later the ISN repeats.
    CHECK(gen.isn(tuple, t0 + std::chrono::nanoseconds(4000ll << 32)) == base);
}

TEST_CASE("ISNs of consecutive ports show no linear relation", "[tcp_timers]") {
    const IsnGenerator gen(99);
    const Instant t = instant_from_ns(1'000'000'000);
    std::set<std::uint32_t> differences;
    std::set<std::uint32_t> isns;
    std::uint32_t previous = gen.isn(v4_tuple(80, 30000), t);
    isns.insert(previous);
    int high_bit_set = 0;
    for (std::uint16_t port = 30001; port < 32001; ++port) {
        const std::uint32_t isn = gen.isn(v4_tuple(80, port), t);
        differences.insert(isn - previous);
        isns.insert(isn);
        high_bit_set += (isn >> 31) != 0 ? 1 : 0;
        previous = isn;
    }
    // 2000 differences: a linear generator would give one value; a PRF gives ~all distinct.
    CHECK(differences.size() > 1990);
    CHECK(isns.size() > 1990);
    // Bits balanced (binomial(2000, 1/2): 5 sigma is ~112).
    CHECK(high_bit_set > 1000 - 112);
    CHECK(high_bit_set < 1000 + 112);
}

TEST_CASE("four-tuple equality and keyed hash", "[tcp_timers]") {
    const multios::net::SipKey key = multios::net::SipKey::from_seed(1, 2);
    CHECK(v4_tuple(1, 2) == v4_tuple(1, 2));
    CHECK_FALSE(v4_tuple(1, 2) == v4_tuple(2, 1));
    CHECK(hash_four_tuple(key, v4_tuple(1, 2)) == hash_four_tuple(key, v4_tuple(1, 2)));
    CHECK(hash_four_tuple(key, v4_tuple(1, 2)) != hash_four_tuple(key, v4_tuple(2, 1)));
    CHECK(hash_four_tuple(key, v4_tuple(1, 2)) != hash_four_tuple(key, v6_tuple(1, 2)));
}

TEST_CASE("ephemeral ports: in range, honour the predicate, spread", "[tcp_timers]") {
    EphemeralPortSelector sel(5);
    std::set<std::uint16_t> used;
    auto is_free = [&](std::uint16_t p) {
        return used.count(p) == 0;
    };
    // 1000 connections to one destination: all distinct, all in the default range.
    for (int i = 0; i < 1000; ++i) {
        const auto port = sel.choose(v4_tuple(0, 80), is_free);
        REQUIRE(port.has_value());
        CHECK(*port >= EphemeralPortSelector::kDefaultFirst);
        used.insert(*port);
    }
    CHECK(used.size() == 1000);

    // Different destinations start at unrelated offsets: first choices spread over the range.
    EphemeralPortSelector fresh(6);
    std::array<int, 16> buckets{};
    for (std::uint16_t rp = 1; rp <= 1600; ++rp) {
        const auto port = fresh.choose(v4_tuple(0, rp), [](std::uint16_t) { return true; });
        REQUIRE(port.has_value());
        ++buckets[(*port - EphemeralPortSelector::kDefaultFirst) * 16 / 16384];
    }
    for (const int b : buckets) {
        CHECK(b > 50); // expected 100 each
        CHECK(b < 150);
    }
}

TEST_CASE("ephemeral ports: small range exhausts after trying every port once", "[tcp_timers]") {
    EphemeralPortSelector sel(8);
    std::vector<std::uint16_t> tried;
    const auto none = sel.choose(
        v6_tuple(0, 443),
        [&](std::uint16_t p) {
            tried.push_back(p);
            return false;
        },
        5000, 5009);
    CHECK_FALSE(none.has_value());
    REQUIRE(tried.size() == 10);
    CHECK(std::set<std::uint16_t>(tried.begin(), tried.end()).size() == 10);
    for (const auto p : tried) {
        CHECK(p >= 5000);
        CHECK(p <= 5009);
    }
    // Only one port free: found.
    const auto one = sel.choose(
        v6_tuple(0, 443), [](std::uint16_t p) { return p == 5007; }, 5000, 5009);
    REQUIRE(one.has_value());
    CHECK(*one == 5007);
    // Reproducible for a seed.
    EphemeralPortSelector a(11), b(11);
    auto all = [](std::uint16_t) {
        return true;
    };
    CHECK(a.choose(v4_tuple(0, 1), all) == b.choose(v4_tuple(0, 1), all));
}
