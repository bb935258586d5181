// The `multios-net` command-line grammar (CONTRACTS.md): global and port options, commands,
// ranges and the exact messages of usage errors.
#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <vector>

#include "cli_args.hpp"

using namespace multios::net;
using namespace multios::net::cli;

namespace {

ParseOutcome parse(std::initializer_list<const char*> words) {
    std::vector<std::string> args(words.begin(), words.end());
    return parse_cli_args(args);
}

CliConfig run(std::initializer_list<const char*> words) {
    auto out = parse(words);
    INFO(out.message);
    REQUIRE(out.kind == ParseOutcome::Kind::Run);
    return out.config;
}

std::string usage(std::initializer_list<const char*> words) {
    auto out = parse(words);
    REQUIRE(out.kind == ParseOutcome::Kind::UsageError);
    REQUIRE(out.exit_code() == 2);
    return out.message;
}

IpPrefix prefix(const char* text) {
    auto p = IpPrefix::parse(text);
    REQUIRE(p);
    return *p;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

} // namespace

TEST_CASE("a bare command runs on the default port with default globals", "[cli]") {
    auto cfg = run({"serve"});
    CHECK(cfg.command == Command::Serve);
    REQUIRE(cfg.ports.size() == 1);
    CHECK(cfg.ports[0].vdev == "net_tap0,iface=mnet0");
    CHECK(cfg.ports[0].ips.empty());
    CHECK_FALSE(cfg.ports[0].mac);
    CHECK_FALSE(cfg.ports[0].mtu);
    CHECK(cfg.ports[0].loss == 0.0);
    CHECK(cfg.global.lcores == 1);
    CHECK_FALSE(cfg.global.pcap_file);
    CHECK_FALSE(cfg.global.seed);
    CHECK(cfg.global.eal_args.empty());
    CHECK(cfg.serve.udp_echo_ports.empty());
}

TEST_CASE("port options before any --vdev apply to the default port", "[cli]") {
    auto cfg = run({"--ip", "10.1.2.2/24", "--ip", "fd00::2/64", "--mac", "02:00:00:00:00:02",
                    "--mtu", "9000", "demo"});
    REQUIRE(cfg.ports.size() == 1);
    const auto& p = cfg.ports[0];
    CHECK(p.vdev == "net_tap0,iface=mnet0");
    REQUIRE(p.ips.size() == 2);
    CHECK(p.ips[0] == prefix("10.1.2.2/24"));
    CHECK(p.ips[1] == prefix("fd00::2/64"));
    REQUIRE(p.mac);
    CHECK(*p.mac == *MacAddress::parse("02:00:00:00:00:02"));
    CHECK(p.mtu == std::optional<std::uint16_t>(9000));
}

TEST_CASE("the first --vdev names the port that earlier options configured", "[cli]") {
    auto cfg = run({"--ip", "10.0.0.2/24", "--vdev", "net_tap1,iface=t1", "--mtu", "1400", "ping",
                    "10.0.0.1"});
    REQUIRE(cfg.ports.size() == 1);
    CHECK(cfg.ports[0].vdev == "net_tap1,iface=t1");
    REQUIRE(cfg.ports[0].ips.size() == 1);
    CHECK(cfg.ports[0].ips[0] == prefix("10.0.0.2/24"));
    CHECK(cfg.ports[0].mtu == std::optional<std::uint16_t>(1400));
}

TEST_CASE("port options apply to the --vdev before them", "[cli]") {
    auto cfg = run({"--vdev", "net_tap0,iface=a", "--ip",     "10.0.0.2/24", "--mtu",
                    "1500",   "--pcap",           "x.pcapng", "--vdev",      "net_tap1,iface=b",
                    "--ip",   "10.0.1.2/24",      "--mtu",    "1400",        "--loss",
                    "0.25",   "--delay",          "5",        "--reorder",   "0.5",
                    "serve"});
    REQUIRE(cfg.ports.size() == 2);
    CHECK(cfg.ports[0].vdev == "net_tap0,iface=a");
    CHECK(cfg.ports[0].ips == std::vector<IpPrefix>{prefix("10.0.0.2/24")});
    CHECK(cfg.ports[0].mtu == std::optional<std::uint16_t>(1500));
    CHECK(cfg.ports[0].loss == 0.0);
    CHECK(cfg.ports[1].vdev == "net_tap1,iface=b");
    CHECK(cfg.ports[1].ips == std::vector<IpPrefix>{prefix("10.0.1.2/24")});
    CHECK(cfg.ports[1].mtu == std::optional<std::uint16_t>(1400));
    CHECK(cfg.ports[1].loss == 0.25);
    CHECK(cfg.ports[1].delay_ms == 5.0);
    CHECK(cfg.ports[1].reorder == 0.5);
    CHECK(cfg.global.pcap_file == std::optional<std::string>("x.pcapng"));
}

TEST_CASE("global options are parsed, with --name=value too", "[cli]") {
    auto cfg = run({"--gateway", "10.0.0.1", "--gateway=fd00::1", "--seed=42", "--lcores", "2",
                    "--config", "config/a.toml", "--eal", "--no-huge -m 512 --log-level='lib.*:8'",
                    "--ip=10.0.0.2/24", "demo"});
    REQUIRE(cfg.global.gateway_v4);
    CHECK(*cfg.global.gateway_v4 == *Ipv4Address::parse("10.0.0.1"));
    REQUIRE(cfg.global.gateway_v6);
    CHECK(*cfg.global.gateway_v6 == *Ipv6Address::parse("fd00::1"));
    CHECK(cfg.global.seed == std::optional<std::uint64_t>(42));
    CHECK(cfg.global.lcores == 2);
    CHECK(cfg.global.config_file == std::optional<std::string>("config/a.toml"));
    CHECK(cfg.global.eal_args ==
          std::vector<std::string>{"--no-huge", "-m", "512", "--log-level=lib.*:8"});
    CHECK(cfg.ports[0].ips == std::vector<IpPrefix>{prefix("10.0.0.2/24")});
}

TEST_CASE("unknown options, commands and missing pieces are usage errors", "[cli]") {
    CHECK(usage({"--foo", "serve"}) ==
          "multios-net: unknown option '--foo' (see multios-net --help)");
    CHECK(usage({}) == "multios-net: missing command (see multios-net --help)");
    CHECK(usage({"--ip", "10.0.0.2/24"}) ==
          "multios-net: missing command (see multios-net --help)");
    CHECK(usage({"frobnicate"}) ==
          "multios-net: unknown command 'frobnicate' (see multios-net --help)");
    CHECK(usage({"--ip"}) ==
          "multios-net: option '--ip' needs a value (ADDR/PREFIX) (see multios-net --help)");
    CHECK(usage({"serve", "--bogus"}) ==
          "multios-net serve: unknown option '--bogus' (see multios-net serve --help)");
    CHECK(usage({"serve", "extra"}) ==
          "multios-net serve: unexpected argument 'extra' (see multios-net serve --help)");
    CHECK(usage({"demo", "now"}) ==
          "multios-net demo: unexpected argument 'now' (see multios-net demo --help)");
}

TEST_CASE("global or port options after the command say where they belong", "[cli]") {
    auto msg = usage({"serve", "--ip", "10.0.0.2/24"});
    CHECK(msg == "multios-net serve: '--ip' is a global/port option: write it before the command "
                 "(see multios-net serve --help)");
    CHECK(contains(usage({"ping", "10.0.0.1", "--pcap=x"}), "'--pcap' is a global/port option"));
}

TEST_CASE("bad values are rejected with the option and the expected range", "[cli]") {
    CHECK(usage({"--mtu", "67", "serve"}) ==
          "multios-net: invalid value '67' for --mtu: expected an integer in 68..9000 "
          "(see multios-net --help)");
    CHECK(contains(usage({"--mtu", "9001", "serve"}), "for --mtu"));
    CHECK(contains(usage({"--mtu", "15x", "serve"}), "invalid value '15x' for --mtu"));
    CHECK(contains(usage({"--mtu", "-1", "serve"}), "invalid value '-1' for --mtu"));
    CHECK(run({"--mtu", "68", "serve"}).ports[0].mtu == std::optional<std::uint16_t>(68));
    CHECK(contains(usage({"--ip", "10.0.0.300/24", "serve"}), "invalid value '10.0.0.300/24'"));
    CHECK(contains(usage({"--ip", "nonsense", "serve"}), "for --ip"));
    CHECK(contains(usage({"--ip", "224.0.0.1/4", "serve"}), "not a unicast address"));
    CHECK(contains(usage({"--ip", "::/0", "serve"}), "not a unicast address"));
    CHECK(contains(usage({"--mac", "01:00:5e:00:00:01", "serve"}), "not a unicast MAC"));
    CHECK(contains(usage({"--mac", "02:00:00:00:00", "serve"}), "for --mac"));
    CHECK(contains(usage({"--gateway", "gw", "serve"}), "for --gateway"));
    CHECK(contains(usage({"--loss", "1.5", "serve"}), "expected a fraction in 0..1"));
    CHECK(contains(usage({"--loss", "nan", "serve"}), "for --loss"));
    CHECK(contains(usage({"--reorder", "-0.1", "serve"}), "for --reorder"));
    CHECK(contains(usage({"--delay", "x", "serve"}), "for --delay"));
    CHECK(contains(usage({"--lcores", "0", "serve"}), "for --lcores"));
    CHECK(contains(usage({"--seed", "-3", "serve"}), "for --seed"));
    CHECK(contains(usage({"--vdev", "", "serve"}), "for --vdev"));
    CHECK(run({"--loss", "1", "--seed", "18446744073709551615", "serve"}).global.seed ==
          std::optional<std::uint64_t>(18446744073709551615ull));
}

TEST_CASE("once-only options given twice are usage errors", "[cli]") {
    CHECK(contains(usage({"--pcap", "a", "--pcap", "b", "serve"}), "option '--pcap' given twice"));
    CHECK(contains(usage({"--seed", "1", "--seed", "1", "serve"}), "'--seed' given twice"));
    CHECK(contains(usage({"--lcores", "1", "--lcores", "2", "serve"}), "'--lcores' given twice"));
    CHECK(contains(usage({"--eal", "", "--eal", "", "serve"}), "'--eal' given twice"));
    CHECK(contains(usage({"--config", "a", "--config", "b", "serve"}), "'--config' given twice"));
    CHECK(contains(usage({"--gateway", "10.0.0.1", "--gateway", "10.0.0.9", "serve"}),
                   "given twice for IPv4"));
    CHECK(contains(usage({"--mtu", "1500", "--mtu", "1400", "serve"}),
                   "option '--mtu' given twice for port 'net_tap0,iface=mnet0'"));
    CHECK(contains(usage({"--mac", "02:00:00:00:00:02", "--mac", "02:00:00:00:00:03", "serve"}),
                   "'--mac' given twice"));
    CHECK(contains(usage({"--ip", "10.0.0.2/24", "--ip", "10.0.0.2/16", "serve"}),
                   "address given twice"));
    CHECK(contains(usage({"--vdev", "net_tap0,iface=a", "--vdev", "net_tap0,iface=b", "serve"}),
                   "device 'net_tap0' given twice"));
    // Once per port, not once per process.
    auto cfg = run(
        {"--vdev", "net_tap0", "--mtu", "1500", "--vdev", "net_tap1", "--mtu", "1400", "serve"});
    CHECK(cfg.ports.size() == 2);
}

TEST_CASE("lcores are chosen with --lcores, never inside --eal", "[cli]") {
    CHECK(usage({"--eal", "-l 0-1", "serve"}) ==
          "multios-net: use --lcores N, not -l inside --eal (see multios-net --help)");
    CHECK(contains(usage({"--eal", "--no-huge -l0", "serve"}), "not -l inside --eal"));
    CHECK(contains(usage({"--eal", "--lcores=0@0", "serve"}), "use --lcores N"));
    CHECK(contains(usage({"--eal", "--lcores 0", "serve"}), "use --lcores N"));
    CHECK(contains(usage({"--eal", "-c 0x3", "serve"}), "use --lcores N"));
    CHECK(contains(usage({"--eal", "--log-level='x", "serve"}), "balanced quotes"));
    CHECK(run({"--lcores", "2", "--eal", "--log-level=lib.eal:debug", "serve"}).global.lcores == 2);
}

TEST_CASE("IPv6 addresses need an MTU of 1280 or more", "[cli]") {
    CHECK(contains(usage({"--ip", "fd00::2/64", "--mtu", "1279", "serve"}),
                   "IPv6 needs an MTU of at least 1280"));
    CHECK(run({"--ip", "10.0.0.2/24", "--mtu", "576", "serve"}).ports[0].mtu ==
          std::optional<std::uint16_t>(576));
    CHECK(run({"--ip", "fd00::2/64", "--mtu", "1280", "serve"}).ports[0].mtu ==
          std::optional<std::uint16_t>(1280));
}

TEST_CASE("serve takes repeatable --udp-echo ports", "[cli]") {
    auto cfg = run({"serve", "--udp-echo", "7", "--udp-echo=9", "--udp-echo", "65535"});
    CHECK(cfg.serve.udp_echo_ports == std::vector<std::uint16_t>{7, 9, 65535});
    CHECK(contains(usage({"serve", "--udp-echo", "0"}), "expected an integer in 1..65535"));
    CHECK(contains(usage({"serve", "--udp-echo", "65536"}), "for --udp-echo"));
    CHECK(contains(usage({"serve", "--udp-echo"}), "option '--udp-echo' needs a value (PORT)"));
    CHECK(contains(usage({"serve", "--udp-echo", "7", "--udp-echo", "7"}), "given twice"));
}

TEST_CASE("ping has iputils defaults", "[cli]") {
    auto cfg = run({"ping", "10.0.0.1"});
    CHECK(cfg.command == Command::Ping);
    CHECK(cfg.ping.destination_text == "10.0.0.1");
    CHECK(cfg.ping.destination == IpAddress(*Ipv4Address::parse("10.0.0.1")));
    CHECK_FALSE(cfg.ping.count);
    CHECK(cfg.ping.size == 56);
    CHECK(cfg.ping.interval_s == 1.0);
    CHECK(cfg.ping.ttl == 64);
    CHECK(cfg.ping.wait_s == 10.0);
}

TEST_CASE("ping options may come before or after the destination", "[cli]") {
    auto after =
        run({"ping", "fd00::1", "-c", "3", "-s", "4000", "-i", "0.2", "-t", "9", "-W", "1.5"});
    auto before =
        run({"ping", "-c", "3", "-s", "4000", "-i", "0.2", "-t", "9", "-W", "1.5", "fd00::1"});
    auto glued = run({"ping", "-c3", "-s4000", "fd00::1", "-i0.2", "-t9", "-W1.5"});
    for (const auto* cfg : {&after, &before, &glued}) {
        CHECK(cfg->ping.destination.is_v6());
        CHECK(cfg->ping.count == std::optional<std::uint32_t>(3));
        CHECK(cfg->ping.size == 4000);
        CHECK(cfg->ping.interval_s == 0.2);
        CHECK(cfg->ping.ttl == 9);
        CHECK(cfg->ping.wait_s == 1.5);
    }
    CHECK(run({"ping", "--", "10.0.0.1"}).ping.destination.is_v4());
}

TEST_CASE("ping validates its ranges and its destination", "[cli]") {
    CHECK(run({"ping", "10.0.0.1", "-s", "65507"}).ping.size == 65507);
    CHECK(run({"ping", "10.0.0.1", "-s", "0"}).ping.size == 0);
    CHECK(contains(usage({"ping", "10.0.0.1", "-s", "65508"}), "0..65507 for this address"));
    CHECK(run({"ping", "fd00::1", "-s", "65527"}).ping.size == 65527);
    CHECK(contains(usage({"ping", "fd00::1", "-s", "65528"}), "for -s"));
    CHECK(contains(usage({"ping", "10.0.0.1", "-c", "0"}), "for -c"));
    CHECK(contains(usage({"ping", "10.0.0.1", "-t", "0"}), "for -t"));
    CHECK(contains(usage({"ping", "10.0.0.1", "-t", "256"}), "for -t"));
    CHECK(contains(usage({"ping", "10.0.0.1", "-i", "0"}), "for -i"));
    CHECK(contains(usage({"ping", "10.0.0.1", "-W", "-1"}), "for -W"));
    CHECK(usage({"ping", "10.0.0.1", "-c"}) ==
          "multios-net ping: option '-c' needs a value (see the usage) "
          "(see multios-net ping --help)");
    CHECK(usage({"ping"}) ==
          "multios-net ping: missing destination address (see multios-net ping --help)");
    CHECK(contains(usage({"ping", "10.0.0.1", "10.0.0.3"}), "unexpected argument '10.0.0.3'"));
    CHECK(contains(usage({"ping", "example.org"}),
                   "'example.org' is not a numeric IPv4 or IPv6 address"));
    CHECK(contains(usage({"ping", "10.0.0.1", "-x"}), "unknown option '-x'"));
    CHECK(contains(usage({"ping", "10.0.0.1", "--count", "3"}), "unknown option '--count'"));
}

TEST_CASE("parse_cli skips the program name", "[cli]") {
    const char* argv[] = {"multios-net", "--ip", "10.0.0.2/24", "ping", "10.0.0.1", "-c", "2"};
    auto out = parse_cli(7, argv);
    REQUIRE(out.ok());
    CHECK(out.config.ping.count == std::optional<std::uint32_t>(2));
    CHECK(out.config.ports[0].ips.size() == 1);
}

TEST_CASE("split_words splits like a shell", "[cli]") {
    CHECK(split_words("") == std::vector<std::string>{});
    CHECK(split_words("  a  b\tc ") == std::vector<std::string>{"a", "b", "c"});
    CHECK(split_words("--x='a b' \"c\\\"d\" e\\ f ''") ==
          std::vector<std::string>{"--x=a b", "c\"d", "e f", ""});
    CHECK_FALSE(split_words("'open"));
    CHECK_FALSE(split_words("\"open"));
}
