// The traceroute app and several pingers on one node, on a chain of real router stacks:
// every probe's answer reaches the app that sent it, the path is the routers' addresses in
// order, a missing route ends the trace with !N, and the router table counts it all.
#include <catch2/catch.hpp>

#include <string>
#include <variant>

#include "sim/run_scenario.hpp"
#include "sim/run_summary.hpp"
#include "sim/scenario.hpp"

using namespace multios::net;
using namespace multios::net::sim;
using namespace std::chrono_literals;

namespace multios::net::traceroute_test {
namespace {

const std::string kChain = R"(
[simulation]
duration = "4s"
[[node]]
name = "h1"
addresses = ["10.1.0.1/24"]
[[node]]
name = "r1"
kind = "router"
addresses = { eth0 = "10.1.0.254/24", eth1 = "10.2.0.1/24" }
[[node]]
name = "r2"
kind = "router"
addresses = { eth0 = "10.2.0.2/24", eth1 = "10.3.0.254/24" }
[[node]]
name = "h2"
addresses = ["10.3.0.1/24"]
[[link]]
a = "h1"
b = "r1:eth0"
delay = "1ms"
[[link]]
a = "r1:eth1"
b = "r2:eth0"
delay = "3ms"
[[link]]
a = "r2:eth1"
b = "h2"
delay = "1ms"
)";

RunSummary run(const std::string& text) {
    auto parsed = parse_scenario(text, "t.toml");
    if (const auto* e = std::get_if<ScenarioError>(&parsed))
        FAIL(e->message);
    auto r = run_scenario(std::get<ScenarioFile>(parsed), SimulateOptions{});
    REQUIRE(r);
    return *r;
}

} // namespace
} // namespace multios::net::traceroute_test

using namespace multios::net::traceroute_test;

TEST_CASE("traceroute lists each router in turn, then the destination", "[sim_scenario]") {
    const RunSummary s = run(kChain + R"(
[[app]]
kind = "traceroute"
name = "t"
from = "h1"
to = "h2"
probes = 2
start = "1s"
[[app]]
kind = "ping"
name = "p1"
from = "h1"
to = "h2"
count = 3
interval = "10ms"
start = "1s"
[[app]]
kind = "ping"
name = "p2"
from = "h1"
to = "r2"
count = 5
interval = "10ms"
start = "1s"
)");
    REQUIRE(s.flows.size() == 3);
    const FlowSummary& t = s.flows[0];
    CHECK(t.error.empty());
    CHECK(t.sent == 6); // TTL 1, 2, 3, two probes each
    CHECK(t.received == 6);
    INFO(format_summary(s));
    REQUIRE(t.report.size() == 4);
    // The first probe of each TTL also waited for one ARP resolution on the new link; the
    // second shows the pure round trip (infinitely fast links: propagation only).
    CHECK(t.report[1].rfind("  1  10.1.0.254  ", 0) == 0);
    CHECK(t.report[1].find("  2.000 ms") != std::string::npos);
    CHECK(t.report[2].rfind("  2  10.2.0.2  ", 0) == 0);
    CHECK(t.report[2].find("  8.000 ms") != std::string::npos);
    CHECK(t.report[3].rfind("  3  10.3.0.1  ", 0) == 0);
    CHECK(t.report[3].find("  10.000 ms") != std::string::npos);
    // Both pingers of h1 got exactly their own replies, although they share a stack and run
    // at the same time as the traceroute.
    CHECK(s.flows[1].received == 3);
    CHECK(s.flows[1].sent == 3);
    CHECK(s.flows[1].error.empty());
    CHECK(s.flows[2].received == 5);
    CHECK(s.flows[2].rtt_min == 8ms); // to r2's far address: two links, 1 + 3 ms each way
    REQUIRE(s.routers.size() == 2);
    CHECK(s.routers[0].name == "r1");
    CHECK(s.routers[0].ttl_expired == 2);
    CHECK(s.routers[1].ttl_expired == 2);
    CHECK(s.routers[0].forwarded == 2 * (2 + 2 + 3 + 5)); // both ways: TTL 2/3 probes, pings
}

TEST_CASE("a router without a route ends the trace with !N", "[sim_scenario]") {
    // Static routing: h1 has a default route, r1 none beyond its own subnets.
    std::string text = kChain + R"(
[[app]]
kind = "traceroute"
name = "t"
from = "h1"
to = "r2"
to_address = "10.2.0.2"
start = "1s"
)";
    text.replace(text.find("[simulation]\n"), 13, "[simulation]\nrouting = \"static\"\n");
    text.replace(text.find("addresses = [\"10.1.0.1/24\"]"), 27,
                 "addresses = [\"10.1.0.1/24\"]\nroutes = [{ to = \"default\", via = "
                 "\"10.1.0.254\" }]");
    text.replace(text.find("addresses = { eth0 = \"10.2.0.2/24\""), 0,
                 "routes = [{ to = \"10.1.0.0/24\", via = \"10.2.0.1\" }]\n");
    text.replace(text.find("to_address = \"10.2.0.2\""), 23, "to_address = \"10.3.0.254\"");
    const RunSummary s = run(text);
    REQUIRE(s.flows.size() == 1);
    const FlowSummary& t = s.flows[0];
    INFO(format_summary(s));
    CHECK(t.error == "10.3.0.254 not reached");
    // TTL 1 expires at r1 (RFC 1812 checks the TTL before the route); TTL 2 finds no route.
    REQUIRE(t.report.size() == 3);
    CHECK(t.report[1].rfind("  1  10.1.0.254  ", 0) == 0);
    CHECK(t.report[1].find("!N") == std::string::npos);
    CHECK(t.report[2].rfind("  2  10.1.0.254  ", 0) == 0);
    CHECK(t.report[2].find(" ms !N") != std::string::npos);
    CHECK(t.sent == 6); // two TTLs' probes, then nothing: the trace ended there
    CHECK(s.routers[0].ttl_expired == 3);
    CHECK(s.routers[0].no_route == 3);
    CHECK(s.routers[0].icmp_errors == 6);
    // Any other app to that address is refused before the run, with the reason.
    text.replace(text.find("kind = \"traceroute\""), 19, "kind = \"ping\"");
    auto parsed = parse_scenario(text, "t.toml");
    REQUIRE(std::holds_alternative<ScenarioError>(parsed));
    CHECK(std::get<ScenarioError>(parsed).message.find("r1 has no route to 10.3.0.254") !=
          std::string::npos);
}

TEST_CASE("traceroute keys are checked", "[sim_scenario]") {
    for (const auto& [keys, expect] :
         {std::pair<std::string, std::string>{"max_hops = 0\n", "max_hops"},
          {"probes = 11\n", "probes"},
          {"port = 80\n", "unknown key 'port'"}}) {
        auto parsed = parse_scenario(kChain +
                                         "[[app]]\nkind = \"traceroute\"\nfrom = \"h1\"\n"
                                         "to = \"h2\"\n" +
                                         keys,
                                     "t.toml");
        REQUIRE(std::holds_alternative<ScenarioError>(parsed));
        CHECK(std::get<ScenarioError>(parsed).message.find(expect) != std::string::npos);
    }
}
