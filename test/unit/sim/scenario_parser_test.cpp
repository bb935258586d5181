// Scenario files: a complete file parses into the expected values; every kind of mistake is
// refused with a one-line message that points at its line.
#include <catch2/catch.hpp>

#include <string>
#include <variant>

#include "sim/scenario.hpp"
#include "sim/scenario_units.hpp"

using namespace multios::net;
using namespace multios::net::sim;
using namespace std::chrono_literals;

namespace multios::net::sim_scenario_test {
namespace {

const char* const kTwoHosts = R"(
[[node]]
name = "h1"
addresses = ["10.0.0.1/24"]
[[node]]
name = "h2"
addresses = ["10.0.0.2/24"]
)";

/// The error message for `text`, or "" if it parsed.
std::string error_of(const std::string& text) {
    auto r = parse_scenario(text, "t.toml");
    if (auto* e = std::get_if<ScenarioError>(&r)) {
        return e->message;
    }
    return {};
}

ScenarioFile parsed(const std::string& text) {
    auto r = parse_scenario(text, "t.toml");
    if (auto* e = std::get_if<ScenarioError>(&r)) {
        FAIL(e->message);
    }
    return std::get<ScenarioFile>(std::move(r));
}

} // namespace
} // namespace multios::net::sim_scenario_test

using namespace multios::net::sim_scenario_test;

TEST_CASE("scenario units: rates, durations, sizes", "[sim_scenario]") {
    CHECK(parse_rate("10Mbit") == 10'000'000u);
    CHECK(parse_rate("1.5Gbit/s") == 1'500'000'000u);
    CHECK(parse_rate("64kbit") == 64'000u);
    CHECK(parse_rate("9600bit") == 9600u);
    CHECK_FALSE(parse_rate("10Mbps")); // bytes or bits? refused
    CHECK_FALSE(parse_rate("10"));
    CHECK_FALSE(parse_rate("-1Mbit"));
    CHECK_FALSE(parse_rate("Mbit"));
    CHECK(parse_duration("25ms") == 25ms);
    CHECK(parse_duration("1.5s") == 1500ms);
    CHECK(parse_duration("100us") == 100us);
    CHECK(parse_duration("2min") == 120s);
    CHECK_FALSE(parse_duration("25"));
    CHECK_FALSE(parse_duration("1e400s"));
    CHECK_FALSE(parse_duration("5 parsecs"));
    CHECK(parse_size("1500") == 1500u);
    CHECK(parse_size("64KiB") == 65536u);
    CHECK(parse_size("10MB") == 10'000'000u);
    CHECK_FALSE(parse_size("10Mb"));
}

TEST_CASE("a complete scenario parses into links, impairments and apps", "[sim_scenario]") {
    const ScenarioFile s = parsed(std::string(R"(
[simulation]
duration = "30s"
seed = 42
sample_interval = "10ms"
)") + kTwoHosts + R"(
[[link]]
name = "wan"
a = "h1:wan0"
b = "h2"
rate = "10Mbit"
delay = "25ms"
jitter = "1ms"
queue = 50
aqm = "red"
red = { min = 3, max = 12, max_p = 0.2 }
loss = 0.01
loss_model = "gilbert"
gilbert = { p = 0.02, r = 0.25 }
reorder = 0.05
duplicate = 0.001
corrupt = 0.0001
mtu = 1280
pcap = false
snaplen = 128

[[app]]
kind = "tcp_bulk"
from = "h1"
to = "h2"
bytes = "1MiB"
congestion = "newreno"
sack = false
start = "1s"

[[app]]
kind = "udp_cbr"
name = "cbr"
from = "h2"
to = "h1"
rate = "2Mbit"
size = 500
stop = "10s"

[[app]]
kind = "ping"
from = "h1"
to = "h2"
count = 3
interval = "200ms"
)");
    CHECK(s.duration == 30s);
    CHECK(s.seed == 42);
    CHECK(s.sample_interval == 10ms);
    REQUIRE(s.nodes.size() == 2);
    REQUIRE(s.links.size() == 1);
    const LinkSpec& l = s.links[0];
    CHECK(l.name == "wan");
    CHECK(l.a.ifname == "wan0");
    CHECK(l.b.ifname == "eth0");
    CHECK(l.config.rate_bps == 10'000'000);
    CHECK(l.config.delay == 25ms);
    CHECK(l.config.jitter == 1ms);
    CHECK(l.config.queue_packets == 50);
    CHECK(l.config.discipline == QueueDiscipline::red);
    CHECK(l.config.red.max_threshold == 12);
    CHECK(l.config.loss == 0.01);
    REQUIRE(l.config.burst_loss);
    CHECK(l.config.burst_loss->p_good_to_bad == 0.02);
    CHECK(l.config.mtu == 1280);
    CHECK_FALSE(l.pcap);
    CHECK(l.snaplen == 128);
    // h1's addresses went to its only interface, named by the link.
    REQUIRE(s.nodes[0].addresses.size() == 1);
    CHECK(s.nodes[0].addresses[0].ifname == "wan0");
    REQUIRE(s.apps.size() == 3);
    CHECK(s.apps[0].kind == AppKind::tcp_bulk);
    CHECK(s.apps[0].name == "tcp_bulk0");
    CHECK(s.apps[0].bytes == 1024 * 1024);
    CHECK(s.apps[0].congestion == "newreno");
    CHECK_FALSE(s.apps[0].sack);
    CHECK(s.apps[0].port == 5001);
    CHECK(s.apps[0].to_address == IpAddress{Ipv4Address{{10, 0, 0, 2}}});
    CHECK(s.apps[1].rate_bps == 2'000'000);
    CHECK(s.apps[1].size == 500);
    CHECK(s.apps[1].stop == 10s);
    CHECK(s.apps[2].count == 3);
}

TEST_CASE("scenario syntax errors give the line, not a crash", "[sim_scenario]") {
    const std::string e = error_of("[simulation]\nduration = \"1s\"\nseed = = 3\n");
    CHECK(e.rfind("t.toml:3:", 0) == 0);
    CHECK(e.find('\n') == std::string::npos);
    CHECK(error_of("").find("no [[node]]") != std::string::npos);
    CHECK(error_of("[[node]]\nname = \"a\"\n[[node\n").rfind("t.toml:3:", 0) == 0);
}

TEST_CASE("scenario mistakes are refused with the key and line", "[sim_scenario]") {
    const std::string link = "[[link]]\na = \"h1\"\nb = \"h2\"\n"; // lines 9-11 after kTwoHosts
    struct Case {
        std::string text, expect;
    };
    const Case cases[] = {
        {std::string(kTwoHosts) + "[simulation]\nspeed = 3\n", "unknown key 'speed'"},
        {std::string(kTwoHosts) + link + "rate = \"10Mbps\"\n", "t.toml:11:8: rate: '10Mbps'"},
        {std::string(kTwoHosts) + link + "delay = \"10 fortnights\"\n", "not a duration"},
        {std::string(kTwoHosts) + link + "loss = 1.5\n", "loss: 1.5 is outside 0..1"},
        {std::string(kTwoHosts) + link + "aqm = \"codel\"\n", "unknown 'codel'"},
        {std::string(kTwoHosts) + link + "red = { min = 5 }\n", "need aqm = \"red\""},
        {std::string(kTwoHosts) + link + "loss_model = \"gilbert\"\n", "needs gilbert ="},
        {std::string(kTwoHosts) + link + "mtu = 40\n", "mtu: 40 is outside 576..9000"},
        {std::string(kTwoHosts) + "[[link]]\na = \"h1\"\nb = \"h9\"\n",
         "t.toml:10:5: b: unknown node 'h9'"},
        {std::string(kTwoHosts) + "[[link]]\na = \"h1\"\nb = \"h1\"\n", "two different nodes"},
        {std::string(kTwoHosts) + link + link, "two links are named 'h1-h2'"},
        {"[[node]]\nname = \"r\"\nkind = \"switch\"\n", "known: host, router"},
        {std::string(kTwoHosts) + "[simulation]\nrouting = \"ospf\"\n", "unknown routing 'ospf'"},
        {"[[node]]\nname = \"a\"\n[[node]]\nname = \"a\"\n", "defined twice"},
        {"[[node]]\nname = \"a\"\naddresses = [\"10.0.0.1/24\"]\n", "no link"},
        {"[[node]]\nname = \"h1\"\naddresses = [\"10.0.0.1/24\"]\n"
         "[[node]]\nname = \"h2\"\naddresses = [\"10.0.0.1/24\"]\n" +
             link,
         "already an address of node 'h1'"},
        {"[[node]]\nname = \"h1\"\naddresses = { eth0 = [\"10.0.0.1/24\"], eth1 = "
         "[\"10.0.0.9/16\"] }\n[[node]]\nname = \"h2\"\n[[node]]\nname = \"h3\"\n" +
             link + "[[link]]\na = \"h1\"\nb = \"h3\"\n",
         "overlaps"},
        {"[[node]]\nname = \"h1\"\naddresses = [\"10.0.0.1\"]\n[[node]]\nname = \"h2\"\n" + link,
         "prefix length"},
        {std::string(kTwoHosts) + link + "[[app]]\nkind = \"ftp\"\n", "unknown app kind 'ftp'"},
        {std::string(kTwoHosts) + link + "[[app]]\nkind = \"ping\"\nfrom = \"h1\"\nto = \"h7\"\n",
         "unknown node 'h7'"},
        {std::string(kTwoHosts) + link +
             "[[app]]\nkind = \"ping\"\nfrom = \"h1\"\nto = \"h2\"\nbytes = 5\n",
         "unknown key 'bytes' in a ping [[app]]"},
        {std::string(kTwoHosts) + link +
             "[[app]]\nkind = \"tcp_bulk\"\nfrom = \"h1\"\nto = \"h2\"\ncongestion = \"bbr\"\n",
         "unknown 'bbr'"},
        {std::string(kTwoHosts) + link +
             "[[app]]\nkind = \"tcp_bulk\"\nfrom = \"h1\"\nto = \"h2\"\nstart = \"20s\"\n",
         "starts after the end"},
        {std::string(kTwoHosts) + link +
             "[[app]]\nkind = \"udp_cbr\"\nfrom = \"h1\"\nto = \"h2\"\nport = 9\n"
             "[[app]]\nkind = \"udp_cbr\"\nfrom = \"h1\"\nto = \"h2\"\nport = 9\n",
         "both use port 9"},
        {"[[node]]\nname = \"h1\"\naddresses = [\"10.0.0.1/24\"]\n[[node]]\nname = \"h2\"\n"
         "addresses = [\"10.9.0.2/24\"]\n" +
             link + "[[app]]\nkind = \"ping\"\nfrom = \"h1\"\nto = \"h2\"\n",
         "h1 cannot reach 10.9.0.2: h1 has no route to 10.9.0.2"},
        {"[[node]]\nname = \"h1\"\naddresses = [\"10.0.0.1/24\"]\n"
         "routes = [{ to = \"10.5.0.0/16\", via = \"10.1.0.9\" }]\n" +
             std::string("[[node]]\nname = \"h2\"\naddresses = [\"10.0.0.2/24\"]\n") + link,
         "10.1.0.9 is not on a subnet of node 'h1'"},
        {"[[node]]\nname = \"h1\"\naddresses = [\"10.0.0.1/24\"]\n"
         "routes = [{ to = \"10.5.0.0/33\", via = \"10.0.0.2\" }]\n" +
             std::string("[[node]]\nname = \"h2\"\naddresses = [\"10.0.0.2/24\"]\n") + link,
         "'10.5.0.0/33' is not a prefix"},
        {"[[node]]\nname = \"h1\"\naddresses = [\"10.0.0.1/24\"]\n"
         "routes = [{ to = \"default\", via = \"10.0.0.2\" }, "
         "{ to = \"0.0.0.0/0\", via = \"10.0.0.2\" }]\n" +
             std::string("[[node]]\nname = \"h2\"\naddresses = [\"10.0.0.2/24\"]\n") + link,
         "already has a route to 0.0.0.0/0"},
        {"[[node]]\nname = \"h1\"\naddresses = [\"10.0.0.1/24\"]\n"
         "routes = [{ to = \"fd00::/8\", via = \"10.0.0.2\" }]\n" +
             std::string("[[node]]\nname = \"h2\"\naddresses = [\"10.0.0.2/24\"]\n") + link,
         "different families"},
        {"[[node]]\nname = \"h1\"\naddresses = [\"10.0.0.1/24\"]\n"
         "routes = [{ to = \"default\" }]\n" +
             std::string("[[node]]\nname = \"h2\"\naddresses = [\"10.0.0.2/24\"]\n") + link,
         "needs both to"},
    };
    for (const Case& c : cases) {
        INFO(c.text);
        const std::string e = error_of(c.text);
        CHECK(e.find(c.expect) != std::string::npos);
        CHECK(e.rfind("t.toml:", 0) == 0);
        CHECK(e.find('\n') == std::string::npos);
    }
}

TEST_CASE("an unreadable scenario file is an error, not a crash", "[sim_scenario]") {
    auto r = load_scenario("/nonexistent/scenario.toml");
    REQUIRE(std::holds_alternative<ScenarioError>(r));
    CHECK(std::get<ScenarioError>(r).message.find("/nonexistent/scenario.toml: cannot read") == 0);
}
