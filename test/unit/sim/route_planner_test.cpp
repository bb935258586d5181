// Routes for scenario topologies: routing = "auto" plans shortest paths through routers only,
// listed routes win, and trace_route finds what the stacks will do (hosts do not forward,
// loops and missing routes are named).
#include <catch2/catch.hpp>

#include <string>
#include <variant>

#include "sim/route_planner.hpp"
#include "sim/scenario.hpp"

using namespace multios::net;
using namespace multios::net::sim;

namespace multios::net::route_planner_test {
namespace {

/// h1 - r1 - r2 - h2 (10.1/24, 10.2/24, 10.3/24 and fd01..fd03::/64), plus a shortcut link
/// r1 - r3 - h2 on 10.4/24, 10.5/24 when `detour`; `middle_kind` is r2's kind.
std::string chain(const char* routing, const char* middle_kind, const std::string& extra = "") {
    return std::string("[simulation]\nrouting = \"") + routing + "\"\n" + R"(
[[node]]
name = "h1"
addresses = ["10.1.0.1/24", "fd01::1/64"]
[[node]]
name = "r1"
kind = "router"
addresses = { eth0 = ["10.1.0.254/24", "fd01::fe/64"], eth1 = ["10.2.0.1/24", "fd02::1/64"] }
[[node]]
name = "r2"
kind = ")" +
           middle_kind +
           R"("
addresses = { eth0 = ["10.2.0.2/24", "fd02::2/64"], eth1 = ["10.3.0.254/24", "fd03::fe/64"] }
[[node]]
name = "h2"
addresses = ["10.3.0.1/24", "fd03::1/64"]
)" + extra +
           R"(
[[link]]
a = "h1"
b = "r1:eth0"
[[link]]
a = "r1:eth1"
b = "r2:eth0"
[[link]]
a = "r2:eth1"
b = "h2"
)";
}

ScenarioFile parse_ok(const std::string& text) {
    auto r = parse_scenario(text, "t.toml");
    if (const auto* e = std::get_if<ScenarioError>(&r))
        FAIL(e->message);
    return std::get<ScenarioFile>(std::move(r));
}

const NodeSpec& node(const ScenarioFile& sc, const std::string& name) {
    for (const auto& n : sc.nodes)
        if (n.name == name)
            return n;
    FAIL("no node " << name);
    return sc.nodes.front();
}

RouteSpec planned(const char* to, const char* via) {
    return RouteSpec{*IpPrefix::parse(to), *IpAddress::parse(via), true};
}

} // namespace
} // namespace multios::net::route_planner_test

using namespace multios::net::route_planner_test;

TEST_CASE("auto routing gives every node the next hop of a shortest path", "[sim_scenario]") {
    const ScenarioFile sc = parse_ok(chain("auto", "router"));
    // h1 reaches the far subnets through r1; r1 reaches 10.3/24 through r2.
    const std::vector<RouteSpec> h1{
        planned("10.2.0.0/24", "10.1.0.254"), planned("10.3.0.0/24", "10.1.0.254"),
        planned("fd02::/64", "fd01::fe"), planned("fd03::/64", "fd01::fe")};
    CHECK(node(sc, "h1").routes == h1);
    const std::vector<RouteSpec> r1{planned("10.3.0.0/24", "10.2.0.2"),
                                    planned("fd03::/64", "fd02::2")};
    CHECK(node(sc, "r1").routes == r1);
    CHECK(node(sc, "h2").routes.size() == 4);
    const auto path = trace_route(sc, "h1", *IpAddress::parse("fd03::1"));
    REQUIRE(std::holds_alternative<std::vector<std::string>>(path));
    CHECK(std::get<std::vector<std::string>>(path) ==
          std::vector<std::string>{"h1", "r1", "r2", "h2"});
    CHECK(source_address(sc, "h2", *IpAddress::parse("10.1.0.1")) == IpAddress::parse("10.3.0.1"));
}

TEST_CASE("auto routing never sends transit traffic through a host", "[sim_scenario]") {
    // r2 is a host: nothing beyond it is reachable from h1, and an app across it is refused.
    const ScenarioFile sc = parse_ok(chain("auto", "host"));
    for (const auto& r : node(sc, "h1").routes)
        CHECK_FALSE(r.to.contains(*IpAddress::parse("10.3.0.1")));
    const auto path = trace_route(sc, "h1", *IpAddress::parse("10.3.0.1"));
    REQUIRE(std::holds_alternative<std::string>(path));
    CHECK(std::get<std::string>(path) == "h1 has no route to 10.3.0.1");
}

TEST_CASE("listed routes are kept as written and checked hop by hop", "[sim_scenario]") {
    // Static routing with a default route on each host and the routers pointing at each
    // other for the far subnet of the other: h1 -> h2 works, the reverse lacks r2's route.
    const std::string text = chain("static", "router") + R"(
)";
    ScenarioFile sc = parse_ok(text);
    CHECK(node(sc, "h1").routes.empty());
    auto& h1 = sc.nodes[0];
    auto& r1 = sc.nodes[1];
    auto& r2 = sc.nodes[2];
    h1.routes = {RouteSpec{*IpPrefix::parse("0.0.0.0/0"), *IpAddress::parse("10.1.0.254")}};
    r1.routes = {RouteSpec{*IpPrefix::parse("10.3.0.0/24"), *IpAddress::parse("10.2.0.2")}};
    CHECK(
        std::get<std::vector<std::string>>(trace_route(sc, "h1", *IpAddress::parse("10.3.0.1"))) ==
        std::vector<std::string>{"h1", "r1", "r2", "h2"});
    CHECK(std::get<std::string>(trace_route(sc, "h2", *IpAddress::parse("10.1.0.1"))) ==
          "h2 has no route to 10.1.0.1");
    // A loop: r2 sends 10.1/24 back to r1's side... and r1 sends it to r2.
    r1.routes.push_back(RouteSpec{*IpPrefix::parse("10.9.0.0/16"), *IpAddress::parse("10.2.0.2")});
    r2.routes = {RouteSpec{*IpPrefix::parse("10.9.0.0/16"), *IpAddress::parse("10.2.0.1")}};
    const auto loop = trace_route(sc, "h1", *IpAddress::parse("10.9.1.1"));
    REQUIRE(std::holds_alternative<std::string>(loop));
    CHECK(std::get<std::string>(loop).find("routing loop") != std::string::npos);
}

TEST_CASE("an app across a host in static routing is refused with the reason", "[sim_scenario]") {
    const std::string extra = R"(
[[app]]
kind = "ping"
from = "h1"
to = "h2"
)";
    std::string text = chain("static", "host", extra);
    // Give h1 and r1 routes so that the datagram reaches the host r2.
    text.replace(text.find("addresses = [\"10.1.0.1/24\", \"fd01::1/64\"]"),
                 std::string("addresses = [\"10.1.0.1/24\", \"fd01::1/64\"]").size(),
                 "addresses = [\"10.1.0.1/24\", \"fd01::1/64\"]\n"
                 "routes = [{ to = \"default\", via = \"10.1.0.254\" }]");
    text.replace(text.find("kind = \"router\"\naddresses = { eth0 = [\"10.1.0.254/24\""),
                 std::string("kind = \"router\"\n").size(),
                 "kind = \"router\"\nroutes = [{ to = \"10.3.0.0/24\", via = \"10.2.0.2\" }]\n");
    auto r = parse_scenario(text, "t.toml");
    REQUIRE(std::holds_alternative<ScenarioError>(r));
    CHECK(std::get<ScenarioError>(r).message.find(
              "h1 cannot reach 10.3.0.1: r2 would have to forward to 10.3.0.1, but it is a host") !=
          std::string::npos);
}
