// `multios-net --config FILE`: the file fills what the command line left out; the command
// line's options win (docs/config.md, precedence).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cli_args.hpp"
#include "cli_config_file.hpp"
#include "config/stack_config_file.hpp"

namespace multios::net::config_merge_test {

using cli::CliConfig;

namespace {

constexpr std::string_view kFile = R"(
[stack]
lcores = 2
seed = 42
pcap = "/tmp/x.pcapng"
eal = "--log-level=lib.eal:error -m 256"
gateway = ["10.99.0.1", "fd99::1"]
[tcp]
congestion = "reno"
[[interface]]
name = "mnet0"
device = "net_tap0,iface=mnet0"
addresses = ["10.99.0.2/24", "fd99::2/64"]
mac = "02:00:00:00:00:02"
mtu = 1500
loss = 0.1
delay_ms = 5
[[interface]]
name = "mnet1"
device = "net_tap1,iface=mnet1"
addresses = ["10.98.0.2/24"]
)";

/// The command line `words` (ending in a command) merged with kFile.
CliConfig merged(std::vector<std::string> words) {
    auto out = cli::parse_cli_args(words);
    INFO(out.message);
    REQUIRE(out.ok());
    auto file = config::parse_stack_config(kFile, "f.toml");
    REQUIRE(std::holds_alternative<config::FileConfig>(file));
    CliConfig cfg = out.config;
    auto err = cli::merge_config_file(cfg, std::get<config::FileConfig>(file));
    INFO(err.value_or(""));
    REQUIRE_FALSE(err);
    return cfg;
}

} // namespace

TEST_CASE("config merge: without options the file describes everything", "[config]") {
    CliConfig c = merged({"--config", "f.toml", "serve"});
    CHECK(c.global.lcores == 2);
    CHECK(c.global.seed == std::optional<std::uint64_t>(42));
    CHECK(c.global.pcap_file == std::optional<std::string>("/tmp/x.pcapng"));
    CHECK(c.global.eal_args == std::vector<std::string>{"--log-level=lib.eal:error", "-m", "256"});
    CHECK(c.global.gateway_v4 == Ipv4Address::parse("10.99.0.1"));
    CHECK(c.global.gateway_v6 == Ipv6Address::parse("fd99::1"));
    CHECK(c.global.tcp.congestion == std::optional<std::string>("newreno"));
    REQUIRE(c.ports.size() == 2);
    CHECK(c.ports[0].vdev == "net_tap0,iface=mnet0");
    CHECK(c.ports[0].ips.size() == 2);
    CHECK(c.ports[0].mac == MacAddress::parse("02:00:00:00:00:02"));
    CHECK(c.ports[0].mtu == std::optional<std::uint16_t>(1500));
    CHECK(c.ports[0].loss == 0.1);
    CHECK(c.ports[0].delay_ms == 5.0);
    CHECK(c.ports[1].vdev == "net_tap1,iface=mnet1");
    REQUIRE(c.ports[1].ips.size() == 1);
    CHECK(c.ports[1].ips[0] == *IpPrefix::parse("10.98.0.2/24"));
}

TEST_CASE("config merge: global options on the command line win", "[config]") {
    CliConfig c = merged({"--config", "f.toml", "--lcores", "1", "--seed", "7", "--pcap", "b.pcap",
                          "--eal", "--no-huge", "--gateway", "10.99.0.254", "serve"});
    CHECK(c.global.lcores == 1); // --lcores 1 equals the default, yet it was given
    CHECK(c.global.seed == std::optional<std::uint64_t>(7));
    CHECK(c.global.pcap_file == std::optional<std::string>("b.pcap"));
    CHECK(c.global.eal_args == std::vector<std::string>{"--no-huge"});
    CHECK(c.global.gateway_v4 == Ipv4Address::parse("10.99.0.254"));
    CHECK(c.global.gateway_v6 == Ipv6Address::parse("fd99::1")); // the other family: the file's
}

TEST_CASE("config merge: port options before any --vdev override the first interface", "[config]") {
    CliConfig c = merged(
        {"--config", "f.toml", "--ip", "10.99.0.3/24", "--loss", "0", "--mtu", "9000", "serve"});
    REQUIRE(c.ports.size() == 2);
    REQUIRE(c.ports[0].ips.size() == 1); // --ip replaces the file's list
    CHECK(c.ports[0].ips[0] == *IpPrefix::parse("10.99.0.3/24"));
    CHECK(c.ports[0].loss == 0.0);
    CHECK(c.ports[0].mtu == std::optional<std::uint16_t>(9000));
    CHECK(c.ports[0].delay_ms == 5.0); // not given: the file's
    CHECK(c.ports[0].mac == MacAddress::parse("02:00:00:00:00:02"));
}

TEST_CASE("config merge: --vdev on the command line replaces the file's interfaces", "[config]") {
    CliConfig c = merged(
        {"--config", "f.toml", "--vdev", "net_tap5,iface=x", "--ip", "10.5.0.2/24", "serve"});
    REQUIRE(c.ports.size() == 1);
    CHECK(c.ports[0].vdev == "net_tap5,iface=x");
    CHECK(c.ports[0].loss == 0.0);
    CHECK(c.global.lcores == 2); // global values still come from the file
}

TEST_CASE("config merge: a small MTU and IPv6 from different sources are refused", "[config]") {
    auto out = cli::parse_cli_args(
        std::vector<std::string>{"--config", "f.toml", "--ip", "fd99::5/64", "serve"});
    REQUIRE(out.ok());
    auto file = config::parse_stack_config("[[interface]]\nname = \"mnet0\"\nmtu = 1000\n", "f");
    REQUIRE(std::holds_alternative<config::FileConfig>(file));
    auto err = cli::merge_config_file(out.config, std::get<config::FileConfig>(file));
    REQUIRE(err);
    CHECK(err->find("IPv6 needs at least 1280") != std::string::npos);
}

TEST_CASE("config merge: parse_cli turns a bad or missing file into a usage error", "[config]") {
    const char* argv[] = {"multios-net", "--config", "/nonexistent/x.toml", "serve"};
    auto out = cli::parse_cli(4, argv);
    CHECK(out.kind == cli::ParseOutcome::Kind::UsageError);
    CHECK(out.exit_code() == 2);
    CHECK(out.message == "multios-net: --config: /nonexistent/x.toml: cannot read the "
                         "configuration file: No such file or directory");
}

} // namespace multios::net::config_merge_test
