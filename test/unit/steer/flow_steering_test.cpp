// FlowSteering: one owner per flow from either direction, the RETA rules, and active-open port
// choice through EphemeralPortSelector landing on the calling lcore.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <vector>

#include "steer/flow_steering.hpp"
#include "tcp/ephemeral_port.hpp"

namespace multios::net::steer_test {
namespace {

using steer::FlowSteering;

FourTuple reversed(const FourTuple& t) {
    return FourTuple{t.remote, t.local, t.remote_port, t.local_port};
}

FourTuple random_tuple(std::mt19937& rng, bool v6) {
    FourTuple t;
    if (v6) {
        Ipv6Address a, b;
        for (std::size_t i = 0; i < 16; ++i) {
            a.bytes[i] = static_cast<std::uint8_t>(rng());
            b.bytes[i] = static_cast<std::uint8_t>(rng());
        }
        t.local = a;
        t.remote = b;
    } else {
        t.local = Ipv4Address::from_u32(static_cast<std::uint32_t>(rng()));
        t.remote = Ipv4Address::from_u32(static_cast<std::uint32_t>(rng()));
    }
    t.local_port = static_cast<std::uint16_t>(rng());
    t.remote_port = static_cast<std::uint16_t>(rng());
    return t;
}

} // namespace

TEST_CASE("flow steering: creation bounds", "[steer]") {
    CHECK_FALSE(FlowSteering::create(0).has_value());
    CHECK_FALSE(FlowSteering::create(FlowSteering::kMaxLcores + 1, 512).has_value());
    CHECK_FALSE(FlowSteering::create(2, 100).has_value());  // not a power of two
    CHECK_FALSE(FlowSteering::create(2, 1024).has_value()); // above kMaxRetaSize
    CHECK_FALSE(FlowSteering::create(8, 4).has_value());    // some lcore would get no entry
    CHECK(FlowSteering::create(1, 1).has_value());
    CHECK(FlowSteering::create(FlowSteering::kMaxLcores, 512).has_value());
}

TEST_CASE("flow steering: the default RETA is round-robin", "[steer]") {
    for (const std::size_t size : {std::size_t{128}, std::size_t{512}}) {
        const auto s = FlowSteering::create(3, size);
        REQUIRE(s.has_value());
        REQUIRE(s->reta().size() == size);
        for (std::size_t i = 0; i < size; ++i)
            REQUIRE(s->reta()[i] == i % 3);
    }
}

TEST_CASE("flow steering: owner is reta[hash & (size - 1)]", "[steer]") {
    auto s = FlowSteering::create(4, 128);
    REQUIRE(s.has_value());
    std::vector<std::uint16_t> reta(128, 0);
    reta[0x55] = 3;
    REQUIRE(s->set_reta(reta));
    CHECK(s->owner_of_hash(0xabcd'0055) == 3);
    CHECK(s->owner_of_hash(0xabcd'0056) == 0);
    CHECK(s->owner_of_hash(0x0000'00d5) == 3); // bit 7 is above the mask

    std::mt19937 rng(11);
    for (int i = 0; i < 1000; ++i) {
        const FourTuple t = random_tuple(rng, (i & 1) != 0);
        REQUIRE(s->owner(t) == reta[s->hash(t) & 127]);
    }
}

TEST_CASE("flow steering: set_reta rejects a wrong size or an unknown lcore", "[steer]") {
    auto s = FlowSteering::create(2, 128);
    REQUIRE(s.has_value());
    const std::vector<std::uint16_t> short_reta(64, 1);
    CHECK_FALSE(s->set_reta(short_reta));
    std::vector<std::uint16_t> bad(128, 1);
    bad[7] = 2;
    CHECK_FALSE(s->set_reta(bad));
    CHECK(s->reta()[1] == 1); // unchanged: still round-robin
    CHECK(s->reta()[2] == 0);
}

TEST_CASE("flow steering: both directions of a flow have the same owner", "[steer]") {
    std::mt19937 rng(22);
    for (const std::uint16_t lcores : {std::uint16_t{2}, std::uint16_t{3}, std::uint16_t{8}}) {
        for (const std::size_t size : {std::size_t{128}, std::size_t{512}}) {
            const auto s = FlowSteering::create(lcores, size);
            REQUIRE(s.has_value());
            for (int i = 0; i < 2000; ++i) {
                const FourTuple t = random_tuple(rng, (i & 1) != 0);
                REQUIRE(s->hash(t) == s->hash(reversed(t)));
                REQUIRE(s->owner(t) == s->owner(reversed(t)));
                REQUIRE(s->owner(t) < lcores);
            }
        }
    }
}

TEST_CASE("flow steering: flows spread over every lcore", "[steer]") {
    // The symmetric hash keeps 16 bits of entropy; enough for the RETA to spread flows evenly.
    std::mt19937 rng(33);
    for (std::uint16_t lcores = 2; lcores <= 8; ++lcores) {
        const auto s = FlowSteering::create(lcores);
        REQUIRE(s.has_value());
        std::vector<int> count(lcores, 0);
        const int flows = 8000;
        for (int i = 0; i < flows; ++i)
            ++count[s->owner(random_tuple(rng, (i & 1) != 0))];
        for (const int c : count) {
            INFO("lcores " << lcores);
            CHECK(c > flows / lcores * 8 / 10);
            CHECK(c < flows / lcores * 12 / 10);
        }
    }
}

TEST_CASE("flow steering: LandsOnLcore agrees with owner for every port", "[steer]") {
    std::mt19937 rng(44);
    const auto s = FlowSteering::create(3);
    REQUIRE(s.has_value());
    for (const bool v6 : {false, true}) {
        const FourTuple t = random_tuple(rng, v6);
        for (std::uint16_t lcore = 0; lcore < 3; ++lcore) {
            const steer::LandsOnLcore lands(*s, lcore, t);
            for (std::uint32_t port = 0; port <= 0xffff; ++port) {
                FourTuple c = t;
                c.local_port = static_cast<std::uint16_t>(port);
                REQUIRE(lands(c.local_port) == (s->owner(c) == lcore));
            }
        }
    }
}

TEST_CASE("flow steering: active opens find ports that land on every lcore", "[steer]") {
    // EphemeralPortSelector::choose with the LandsOnLcore predicate, for 2..8 lcores: every
    // lcore gets a port, the port maps back to that lcore, and so does the peer's reply.
    std::mt19937 rng(55);
    EphemeralPortSelector selector(0x1234'5678);
    for (std::uint16_t lcores = 2; lcores <= 8; ++lcores) {
        const auto s = FlowSteering::create(lcores);
        REQUIRE(s.has_value());
        for (const bool v6 : {false, true}) {
            for (std::uint16_t lcore = 0; lcore < lcores; ++lcore) {
                FourTuple t = random_tuple(rng, v6);
                const steer::LandsOnLcore lands(*s, lcore, t);
                int probes = 0;
                const auto port = selector.choose(t, [&](std::uint16_t p) {
                    ++probes;
                    return lands(p);
                });
                INFO("lcores " << lcores << " lcore " << lcore << " v6 " << v6);
                REQUIRE(port.has_value());
                CHECK(*port >= EphemeralPortSelector::kDefaultFirst);
                CHECK(probes < 200); // about `lcores` probes expected
                t.local_port = *port;
                CHECK(s->owner(t) == lcore);
                CHECK(s->owner(reversed(t)) == lcore);
            }
        }
    }
}

TEST_CASE("flow steering: a port in use is skipped for the next one on the same lcore", "[steer]") {
    const auto s = FlowSteering::create(2);
    REQUIRE(s.has_value());
    std::mt19937 rng(66);
    const FourTuple t = random_tuple(rng, false);
    const steer::LandsOnLcore lands(*s, 1, t);
    EphemeralPortSelector selector(7);
    const auto first = selector.choose(t, [&](std::uint16_t p) { return lands(p); });
    REQUIRE(first.has_value());
    EphemeralPortSelector again(7);
    const auto second = again.choose(t, [&](std::uint16_t p) { return p != *first && lands(p); });
    REQUIRE(second.has_value());
    CHECK(*second != *first);
    FourTuple c = t;
    c.local_port = *second;
    CHECK(s->owner(c) == 1);
}

} // namespace multios::net::steer_test
