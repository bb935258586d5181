// Stack configuration files: what a good file turns into (docs/config.md).
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "config/stack_config_file.hpp"

namespace multios::net::config_test {

using config::ConfigError;
using config::FileConfig;

namespace {

FileConfig parse_ok(std::string_view text) {
    auto r = config::parse_stack_config(text, "t.toml");
    if (auto* e = std::get_if<ConfigError>(&r))
        FAIL("unexpected error: " << e->message);
    return std::get<FileConfig>(r);
}

constexpr std::string_view kExample = R"(
[stack]
lcores = 2
seed = 42
pcap = "/tmp/x.pcapng"
eal = "--log-level=lib.eal:error"
gateway = ["10.0.0.1", "fd00::1"]

[tcp]
send_buffer = 1048576
receive_buffer = 2097152
nodelay = false
syn_cookies = true
congestion = "cubic"
max_connections = 1000

[[interface]]
name = "eth0"
device = "net_tap0,iface=eth0"
addresses = ["192.168.1.10/24", "fd00::10/64"]
mac = "02:00:00:00:00:02"
mtu = 1500
loss = 0.0
delay_ms = 0
reorder = 0.0

[[interface]]
name = "eth1"
device = "net_tap1,iface=eth1"
addresses = "10.1.0.2/16"
loss = 0.25
delay_ms = 30
reorder = 1
)";

} // namespace

TEST_CASE("config: the documented example parses to its values", "[config]") {
    FileConfig c = parse_ok(kExample);
    CHECK(c.lcores == std::optional<unsigned>(2));
    CHECK(c.seed == std::optional<std::uint64_t>(42));
    CHECK(c.pcap == std::optional<std::string>("/tmp/x.pcapng"));
    CHECK(c.eal_args == "--log-level=lib.eal:error");
    REQUIRE(c.gateway_v4);
    CHECK(*c.gateway_v4 == *Ipv4Address::parse("10.0.0.1"));
    REQUIRE(c.gateway_v6);
    CHECK(*c.gateway_v6 == *Ipv6Address::parse("fd00::1"));

    CHECK(c.tcp.send_buffer == std::optional<std::size_t>(1048576));
    CHECK(c.tcp.receive_buffer == std::optional<std::size_t>(2097152));
    CHECK(c.tcp.nodelay == std::optional<bool>(false));
    CHECK(c.tcp.syn_cookies == std::optional<bool>(true));
    CHECK(c.tcp.congestion == std::optional<std::string>("cubic"));
    CHECK(c.tcp.max_connections == std::optional<unsigned>(1000));

    REQUIRE(c.interfaces.size() == 2);
    const auto& e0 = c.interfaces[0];
    CHECK(e0.name == "eth0");
    CHECK(e0.device == std::optional<std::string>("net_tap0,iface=eth0"));
    REQUIRE(e0.addresses.size() == 2);
    CHECK(e0.addresses[0] == *IpPrefix::parse("192.168.1.10/24"));
    CHECK(e0.addresses[1] == *IpPrefix::parse("fd00::10/64"));
    REQUIRE(e0.mac);
    CHECK(*e0.mac == *MacAddress::parse("02:00:00:00:00:02"));
    CHECK(e0.mtu == std::optional<std::uint16_t>(1500));
    CHECK(e0.loss == 0.0);
    CHECK(e0.delay_ms == 0);
    CHECK(e0.reorder == 0.0);

    const auto& e1 = c.interfaces[1];
    CHECK(e1.name == "eth1");
    REQUIRE(e1.addresses.size() == 1);
    CHECK(e1.addresses[0] == *IpPrefix::parse("10.1.0.2/16"));
    CHECK_FALSE(e1.mac);
    CHECK_FALSE(e1.mtu);
    CHECK(e1.loss == 0.25);
    CHECK(e1.delay_ms == 30);
    CHECK(e1.reorder == 1.0);
}

TEST_CASE("config: an empty file (or only comments) is an empty configuration", "[config]") {
    for (std::string_view text : {"", "\n\n", "# nothing here\n  # at all\n"}) {
        FileConfig c = parse_ok(text);
        CHECK(c.interfaces.empty());
        CHECK_FALSE(c.lcores);
        CHECK_FALSE(c.seed);
        CHECK_FALSE(c.pcap);
        CHECK_FALSE(c.gateway_v4);
        CHECK_FALSE(c.gateway_v6);
        CHECK(c.eal_args.empty());
        CHECK(c.tcp.empty());
    }
}

TEST_CASE("config: an interface without device uses net_tap0 named after it", "[config]") {
    FileConfig c = parse_ok("[[interface]]\nname = \"mnet7\"\n");
    REQUIRE(c.interfaces.size() == 1);
    CHECK_FALSE(c.interfaces[0].device);
    CHECK(c.interfaces[0].device_or_default() == "net_tap0,iface=mnet7");
}

TEST_CASE("config: reno is NewReno, one gateway string is accepted", "[config]") {
    FileConfig c = parse_ok("[stack]\ngateway = \"fd00::1\"\n[tcp]\ncongestion = \"reno\"\n");
    CHECK(c.tcp.congestion == std::optional<std::string>("newreno"));
    CHECK_FALSE(c.gateway_v4);
    CHECK(c.gateway_v6);
}

TEST_CASE("config: eal words are split like a shell, quotes kept together", "[config]") {
    auto w = config::eal_words("--no-huge -m 512 --log-level='lib.*:8' \"a b\"");
    REQUIRE(w);
    CHECK(*w == std::vector<std::string>{"--no-huge", "-m", "512", "--log-level=lib.*:8", "a b"});
    CHECK_FALSE(config::eal_words("'open"));
}

TEST_CASE("config: load_stack_config reads a file and names it in errors", "[config]") {
    char path[] = "/tmp/config-test-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    {
        std::ofstream f(path);
        f << "[stack]\nlcores = 3\n";
    }
    auto ok = config::load_stack_config(path);
    REQUIRE(std::holds_alternative<FileConfig>(ok));
    CHECK(std::get<FileConfig>(ok).lcores == std::optional<unsigned>(3));
    {
        std::ofstream f(path);
        f << "[stack]\nlcores = 0\n";
    }
    auto bad = config::load_stack_config(path);
    REQUIRE(std::holds_alternative<ConfigError>(bad));
    CHECK(std::get<ConfigError>(bad).message.starts_with(std::string(path) + ":2:10: "));
    std::remove(path);

    auto missing = config::load_stack_config("/nonexistent/dir/x.toml");
    REQUIRE(std::holds_alternative<ConfigError>(missing));
    CHECK(std::get<ConfigError>(missing).message ==
          "/nonexistent/dir/x.toml: cannot read the configuration file: No such file or "
          "directory");
}

} // namespace multios::net::config_test

namespace multios::net::config_test {

TEST_CASE("config: the files shipped in config/ parse", "[config]") {
    // __FILE__ is as meson passed it, relative to the build directory (where `meson test`
    // runs); by hand the tests usually run from the source root.
    std::string dir = (std::filesystem::path(__FILE__).parent_path() / "../../../config").string();
    if (!std::filesystem::exists(dir + "/example.toml"))
        dir = "config";
    auto example = config::load_stack_config(dir + "/example.toml");
    if (auto* e = std::get_if<ConfigError>(&example))
        FAIL(e->message);
    const FileConfig& ex = std::get<FileConfig>(example);
    CHECK(ex.lcores == std::optional<unsigned>(2));
    REQUIRE(ex.interfaces.size() == 1);
    CHECK(ex.interfaces[0].name == "eth0");

    auto net = config::load_stack_config(dir + "/test-net.toml");
    if (auto* e = std::get_if<ConfigError>(&net))
        FAIL(e->message);
    const FileConfig& tn = std::get<FileConfig>(net);
    REQUIRE(tn.interfaces.size() == 1);
    CHECK(tn.interfaces[0].device_or_default() == "net_tap0,iface=mnet0");
    CHECK(tn.interfaces[0].addresses.size() == 2);
    CHECK(tn.interfaces[0].mac == MacAddress::parse("02:00:00:00:00:02"));
}

} // namespace multios::net::config_test
