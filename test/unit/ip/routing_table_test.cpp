#include <catch2/catch.hpp>

#include "ip/routing_table.hpp"
#include "ip_test_util.hpp"

using namespace multios::net;
using namespace multios::net::test;

namespace {

Route route(IpPrefix p, IfIndex ifindex, std::uint32_t metric = 0,
            std::optional<IpAddress> gw = std::nullopt, RouteSource source = RouteSource::Static) {
    return Route{p, gw, ifindex, metric, source};
}

IfIndex via(const RoutingTable& t, const IpAddress& dst) {
    const Route* r = t.lookup(dst);
    REQUIRE(r != nullptr);
    return r->ifindex;
}

} // namespace

TEST_CASE("routing: IPv4 longest prefix match with a default route", "[ip][routing]") {
    RoutingTable t;
    REQUIRE(t.add(route(prefix(v4(0, 0, 0, 0), 0), 1, 0, v4(10, 0, 0, 1), RouteSource::Default)));
    REQUIRE(t.add(route(prefix(v4(10, 0, 0, 0), 8), 2)));
    REQUIRE(t.add(route(prefix(v4(10, 1, 0, 0), 16), 3)));
    REQUIRE(t.add(route(prefix(v4(10, 1, 2, 3), 32), 4)));
    REQUIRE(t.add(route(prefix(v4(172, 16, 16, 0), 20), 5)));

    CHECK(via(t, v4(8, 8, 8, 8)) == 1);
    CHECK(via(t, v4(10, 200, 0, 1)) == 2);
    CHECK(via(t, v4(10, 1, 9, 9)) == 3);
    CHECK(via(t, v4(10, 1, 2, 3)) == 4);
    CHECK(via(t, v4(10, 1, 2, 4)) == 3);
    // /20 is not byte aligned: 172.16.16.0 - 172.16.31.255.
    CHECK(via(t, v4(172, 16, 31, 255)) == 5);
    CHECK(via(t, v4(172, 16, 32, 0)) == 1);
    CHECK(via(t, v4(172, 16, 15, 255)) == 1);
    // An IPv4 default route does not answer for IPv6.
    CHECK(t.lookup(v6({0x2001, 0xdb8})) == nullptr);
    CHECK(t.size() == 5);
}

TEST_CASE("routing: no match without a default route", "[ip][routing]") {
    RoutingTable t;
    CHECK(t.lookup(v4(1, 2, 3, 4)) == nullptr);
    REQUIRE(t.add(route(prefix(v4(192, 168, 1, 0), 24), 1)));
    CHECK(t.lookup(v4(192, 168, 2, 1)) == nullptr);
    CHECK(t.lookup(v4(192, 168, 1, 1)) != nullptr);
}

TEST_CASE("routing: equal prefixes prefer the lowest metric", "[ip][routing]") {
    RoutingTable t;
    REQUIRE(t.add(route(prefix(v4(192, 168, 0, 0), 24), 1, 10)));
    REQUIRE(t.add(route(prefix(v4(192, 168, 0, 0), 24), 2, 5)));
    REQUIRE(t.add(route(prefix(v4(192, 168, 0, 0), 24), 3, 20)));
    CHECK(via(t, v4(192, 168, 0, 7)) == 2);
    CHECK(t.remove(prefix(v4(192, 168, 0, 0), 24), 2));
    CHECK(via(t, v4(192, 168, 0, 7)) == 1);
    CHECK_FALSE(t.remove(prefix(v4(192, 168, 0, 0), 24), 2));
    // A more specific route still beats a lower metric.
    REQUIRE(t.add(route(prefix(v4(192, 168, 0, 0), 16), 4, 0)));
    CHECK(via(t, v4(192, 168, 0, 7)) == 1);
}

TEST_CASE("routing: add validates and canonicalises", "[ip][routing]") {
    RoutingTable t(3);
    REQUIRE(t.add(route(prefix(v4(10, 1, 2, 3), 8), 1)));
    // Same destination after clearing host bits, same interface.
    auto dup = t.add(route(prefix(v4(10, 9, 9, 9), 8), 1));
    REQUIRE_FALSE(dup);
    CHECK(dup.error() == std::errc::file_exists);
    CHECK(t.routes().front().destination == prefix(v4(10, 0, 0, 0), 8));
    // Same destination on another interface is a separate route.
    CHECK(t.add(route(prefix(v4(10, 0, 0, 0), 8), 2)));

    auto too_long = t.add(route(prefix(v4(10, 0, 0, 0), 33), 1));
    REQUIRE_FALSE(too_long);
    CHECK(too_long.error() == std::errc::invalid_argument);
    auto wrong_gw =
        t.add(route(prefix(v4(10, 0, 0, 0), 16), 1, 0, v6({0xfe80, 0, 0, 0, 0, 0, 0, 1})));
    REQUIRE_FALSE(wrong_gw);
    CHECK(wrong_gw.error() == std::errc::invalid_argument);
    CHECK_FALSE(t.add(route(prefix(v6({0x2001}), 129), 1)));

    REQUIRE(t.add(route(prefix(v4(10, 2, 0, 0), 16), 1)));
    auto full = t.add(route(prefix(v4(10, 3, 0, 0), 16), 1));
    REQUIRE_FALSE(full);
    CHECK(full.error() == std::errc::no_space_on_device);
    // remove() canonicalises too.
    CHECK(t.remove(prefix(v4(10, 2, 3, 4), 16), 1));
}

TEST_CASE("routing: IPv6 longest prefix match", "[ip][routing]") {
    RoutingTable t;
    const IpAddress router = v6({0xfe80, 0, 0, 0, 0, 0, 0, 1});
    REQUIRE(t.add(route(prefix(v6({}), 0), 1, 1024, router, RouteSource::Default)));
    REQUIRE(t.add(route(prefix(v6({0x2001, 0xdb8}), 32), 2)));
    REQUIRE(t.add(route(prefix(v6({0x2001, 0xdb8, 1}), 48), 3)));
    REQUIRE(t.add(route(prefix(v6({0xfe80}), 64), 4, 0, std::nullopt, RouteSource::Connected)));
    REQUIRE(t.add(route(prefix(v6({0x2001, 0xdb8, 2, 0, 0, 0, 0, 0x10}), 127), 5)));

    CHECK(via(t, v6({0x2606, 0x4700})) == 1);
    CHECK(via(t, v6({0x2001, 0xdb8, 7, 0, 0, 0, 0, 1})) == 2);
    CHECK(via(t, v6({0x2001, 0xdb8, 1, 5, 0, 0, 0, 1})) == 3);
    CHECK(via(t, v6({0xfe80, 0, 0, 0, 1, 2, 3, 4})) == 4);
    CHECK(via(t, v6({0x2001, 0xdb8, 2, 0, 0, 0, 0, 0x11})) == 5);
    CHECK(via(t, v6({0x2001, 0xdb8, 2, 0, 0, 0, 0, 0x12})) == 2);
    CHECK(t.lookup(v4(1, 1, 1, 1)) == nullptr);

    const Route* def = t.lookup(v6({0x2606, 0x4700}));
    REQUIRE(def != nullptr);
    CHECK(next_hop(*def, v6({0x2606, 0x4700})) == router);
    const Route* onlink = t.lookup(v6({0xfe80, 0, 0, 0, 1, 2, 3, 4}));
    REQUIRE(onlink != nullptr);
    CHECK(next_hop(*onlink, v6({0xfe80, 0, 0, 0, 1, 2, 3, 4})) ==
          v6({0xfe80, 0, 0, 0, 1, 2, 3, 4}));
}

TEST_CASE("routing: remove_interface drops all its routes", "[ip][routing]") {
    RoutingTable t;
    REQUIRE(t.add(route(prefix(v4(0, 0, 0, 0), 0), 1, 0, v4(10, 0, 0, 1))));
    REQUIRE(t.add(route(prefix(v4(10, 0, 0, 0), 24), 1)));
    REQUIRE(t.add(route(prefix(v6({0xfe80}), 64), 1)));
    REQUIRE(t.add(route(prefix(v4(10, 0, 0, 0), 24), 2, 50)));
    t.remove_interface(1);
    CHECK(t.size() == 1);
    CHECK(via(t, v4(10, 0, 0, 9)) == 2);
    CHECK(t.lookup(v4(8, 8, 8, 8)) == nullptr);
    CHECK(t.lookup(v6({0xfe80, 0, 0, 0, 0, 0, 0, 1})) == nullptr);
    const auto all = t.routes();
    REQUIRE(all.size() == 1);
    CHECK(all[0].ifindex == 2);
    CHECK(all[0].metric == 50);
}
