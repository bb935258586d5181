// multios-netd's command line (apps/multios-netd/netd_options.cpp): defaults, the socket path
// from $MULTIOS_NETD (CONTRACTS.md), the Unix socket path limit, --lcores bounds, and clear
// one-line refusals for anything else.
#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include <vector>

#include "netd/protocol.hpp"
#include "netd_options.hpp"

namespace multios::net::netd_unit_test {

using netd::NetdOptions;

namespace {

using Parsed = std::variant<NetdOptions, std::string>;

Parsed parse(std::vector<std::string> args, const char* env = nullptr) {
    return netd::parse_netd_options(args, env);
}

NetdOptions ok(const Parsed& p) {
    if (const auto* why = std::get_if<std::string>(&p))
        FAIL("refused: " << *why);
    return std::get<NetdOptions>(p);
}

std::string refusal(const Parsed& p) {
    REQUIRE(std::holds_alternative<std::string>(p));
    return std::get<std::string>(p);
}

} // namespace

TEST_CASE("netd_options: defaults", "[netd]") {
    const NetdOptions o = ok(parse({}));
    CHECK(o.socket_path == "/run/multios-netd.sock");
    CHECK(o.socket_path == netd::kDefaultSocketPath);
    CHECK_FALSE(o.config_file);
    CHECK(o.lcores == 1);
    CHECK(o.eal_args.empty());
    CHECK_FALSE(o.pcap_file);
    CHECK_FALSE(o.help);
}

TEST_CASE("netd_options: $MULTIOS_NETD sets the socket, --socket overrides it", "[netd]") {
    CHECK(ok(parse({}, "/tmp/x.sock")).socket_path == "/tmp/x.sock");
    CHECK(ok(parse({}, "")).socket_path == netd::kDefaultSocketPath); // empty = unset
    CHECK(ok(parse({"--socket", "/tmp/y.sock"}, "/tmp/x.sock")).socket_path == "/tmp/y.sock");
    CHECK(ok(parse({"--socket", "/tmp/y.sock"})).socket_path == "/tmp/y.sock");
}

TEST_CASE("netd_options: every option with its value", "[netd]") {
    const NetdOptions o = ok(parse({"--config", "config/test-net.toml", "--lcores", "2", "--eal",
                                    "--log-level=lib.eal:debug --no-pci", "--pcap", "/tmp/c.pcapng",
                                    "--socket", "/tmp/s"}));
    REQUIRE(o.config_file);
    CHECK(*o.config_file == "config/test-net.toml");
    CHECK(o.lcores == 2);
    CHECK(o.eal_args == "--log-level=lib.eal:debug --no-pci");
    REQUIRE(o.pcap_file);
    CHECK(*o.pcap_file == "/tmp/c.pcapng");
    CHECK(o.socket_path == "/tmp/s");
}

TEST_CASE("netd_options: --socket must fit sun_path", "[netd]") {
    CHECK(ok(parse({"--socket", std::string(107, 'a')})).socket_path.size() == 107);
    CHECK(refusal(parse({"--socket", std::string(108, 'a')})).find("--socket") !=
          std::string::npos);
    CHECK(refusal(parse({"--socket", std::string(4096, 'a')})).find("--socket") !=
          std::string::npos);
    CHECK(refusal(parse({"--socket", ""})).find("--socket") != std::string::npos);
}

TEST_CASE("netd_options: --lcores bounds", "[netd]") {
    CHECK(ok(parse({"--lcores", "1"})).lcores == 1);
    CHECK(ok(parse({"--lcores", "128"})).lcores == 128);
    for (const char* bad : {"0", "129", "-1", "", "2x", " 2", "abc", "4294967297", "1.5", "+2"}) {
        INFO("--lcores '" << bad << "'");
        CHECK(refusal(parse({"--lcores", bad})).find("--lcores") != std::string::npos);
    }
}

TEST_CASE("netd_options: unknown arguments are refused by name", "[netd]") {
    for (const char* bad : {"--bogus", "serve", "-x", "--socket=/tmp/s", "--"}) {
        INFO(bad);
        CHECK(refusal(parse({bad})).find(bad) != std::string::npos);
    }
    // Also after valid options.
    CHECK(refusal(parse({"--lcores", "2", "extra"})).find("extra") != std::string::npos);
}

TEST_CASE("netd_options: an option without its value", "[netd]") {
    for (const char* opt : {"--socket", "--config", "--lcores", "--eal", "--pcap"}) {
        INFO(opt);
        const std::string why = refusal(parse({opt}));
        CHECK(why.find(opt) != std::string::npos);
        CHECK(why.find("value") != std::string::npos);
    }
    // A value that looks like an option is still taken as the value (as getopt does).
    CHECK(ok(parse({"--eal", "--help"})).eal_args == "--help");
    CHECK_FALSE(ok(parse({"--eal", "--help"})).help);
}

TEST_CASE("netd_options: --help and -h", "[netd]") {
    CHECK(ok(parse({"--help"})).help);
    CHECK(ok(parse({"-h"})).help);
    CHECK(ok(parse({"--lcores", "2", "--help"})).help);
    const std::string usage = netd::netd_usage();
    CHECK(usage.rfind("usage: multios-netd", 0) == 0);
    for (const char* opt : {"--socket", "--config", "--lcores", "--eal", "--pcap", "--help",
                            "MULTIOS_NETD", "ready on"})
        CHECK(usage.find(opt) != std::string::npos);
}

} // namespace multios::net::netd_unit_test
