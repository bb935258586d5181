#include <catch2/catch.hpp>

#include "ip/pmtu_cache.hpp"
#include "ip_test_util.hpp"

using namespace multios::net;
using namespace multios::net::test;
using namespace std::chrono_literals;

namespace {
constexpr Instant t0 = instant_from_ns(5'000'000'000);
}

TEST_CASE("pmtu: learned values apply per destination, never above the link", "[ip][pmtu]") {
    PmtuCache c;
    const IpAddress a = v4(192, 0, 2, 1), b = v4(192, 0, 2, 2);
    CHECK(c.lookup(a, 1500, t0) == 1500);
    c.update(a, 1400, t0);
    CHECK(c.lookup(a, 1500, t0) == 1400);
    CHECK(c.lookup(a, 1300, t0) == 1300); // Never above the interface MTU.
    CHECK(c.lookup(b, 1500, t0) == 1500);
    CHECK(c.size() == 1);
    // A report never raises a live estimate (RFC 8201 4); a lower one replaces it.
    c.update(a, 1450, t0 + 1s);
    CHECK(c.lookup(a, 1500, t0 + 1s) == 1400);
    c.update(a, 1000, t0 + 2s);
    CHECK(c.lookup(a, 1500, t0 + 2s) == 1000);
}

TEST_CASE("pmtu: forged tiny MTUs are floored", "[ip][pmtu]") {
    PmtuCache c;
    const IpAddress a = v4(198, 51, 100, 7);
    c.update(a, 0, t0);
    c.update(a, 67, t0);
    CHECK(c.lookup(a, 1500, t0) == 1500);
    CHECK(c.size() == 0);
    c.update(a, 68, t0);
    CHECK(c.lookup(a, 1500, t0) == 552);
    c.update(a, 300, t0);
    CHECK(c.lookup(a, 1500, t0) == 552);

    const IpAddress b = v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 9});
    c.update(b, 1000, t0);
    CHECK(c.lookup(b, 1500, t0) == 1280);
    c.update(b, 0, t0);
    CHECK(c.lookup(b, 1500, t0) == 1280);
    c.update(b, 1400, t0);
    CHECK(c.lookup(b, 1500, t0) == 1280);
    CHECK(c.lookup(b, 9000, t0) == 1280);
    // IPv4 and IPv6 entries with the same bytes are distinct.
    CHECK(c.lookup(v6({0xc633, 0x6407}), 1500, t0) == 1500);
}

TEST_CASE("pmtu: entries expire after ten minutes", "[ip][pmtu]") {
    PmtuCache c;
    const IpAddress a = v4(203, 0, 113, 5);
    c.update(a, 1200, t0);
    CHECK(c.lookup(a, 1500, t0 + 10min - 1ns) == 1200);
    CHECK(c.lookup(a, 1500, t0 + 10min) == 1500);
    // Once expired a higher value is accepted again.
    c.update(a, 1450, t0 + 10min);
    CHECK(c.lookup(a, 1500, t0 + 10min) == 1450);
    // A lower report restarts the lifetime.
    c.update(a, 1300, t0 + 15min);
    CHECK(c.lookup(a, 1500, t0 + 24min) == 1300);
    CHECK(c.lookup(a, 1500, t0 + 25min) == 1500);
    c.expire(t0 + 25min);
    CHECK(c.size() == 0);

    PmtuConfig cfg;
    cfg.lifetime = 1min;
    PmtuCache short_lived(cfg);
    short_lived.update(a, 1200, t0);
    CHECK(short_lived.lookup(a, 1500, t0 + 1min) == 1500);
}

TEST_CASE("pmtu: size is bounded, oldest entry evicted", "[ip][pmtu]") {
    PmtuConfig cfg;
    cfg.max_entries = 4;
    PmtuCache c(cfg);
    for (std::uint8_t i = 0; i < 4; ++i)
        c.update(v4(10, 0, 0, i), 1000 + i, t0 + i * 1s);
    CHECK(c.size() == 4);
    // Refresh entry 0 with a lower value: entry 1 becomes the oldest.
    c.update(v4(10, 0, 0, 0), 900, t0 + 5s);
    c.update(v4(10, 0, 0, 9), 1100, t0 + 6s);
    CHECK(c.size() == 4);
    CHECK(c.lookup(v4(10, 0, 0, 1), 1500, t0 + 6s) == 1500);
    CHECK(c.lookup(v4(10, 0, 0, 0), 1500, t0 + 6s) == 900);
    CHECK(c.lookup(v4(10, 0, 0, 2), 1500, t0 + 6s) == 1002);
    CHECK(c.lookup(v4(10, 0, 0, 9), 1500, t0 + 6s) == 1100);
    // Many destinations: still bounded.
    for (std::uint32_t i = 0; i < 1000; ++i)
        c.update(Ipv4Address::from_u32(0x0a010000 + i), 1200, t0 + 7s);
    CHECK(c.size() == 4);
    CHECK(c.lookup(Ipv4Address::from_u32(0x0a010000 + 999), 1500, t0 + 7s) == 1200);
    c.clear();
    CHECK(c.size() == 0);
    CHECK(c.lookup(Ipv4Address::from_u32(0x0a010000 + 999), 1500, t0 + 7s) == 1500);
}
