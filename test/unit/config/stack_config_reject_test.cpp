// Stack configuration files: everything refused, each with the file, line and column of the
// offending key or value and the key's name (typos must not pass silently).
#include <catch2/catch.hpp>

#include <string>

#include "config/stack_config_file.hpp"

namespace multios::net::config_test {

namespace {

struct Rejection {
    const char* text;
    const char* where; ///< "LINE:COL" of the error
    const char* what;  ///< a piece of the message
};

std::string error_of(std::string_view text) {
    auto r = config::parse_stack_config(text, "bad.toml");
    if (auto* e = std::get_if<config::ConfigError>(&r))
        return e->message;
    return "(accepted)";
}

void check_rejected(const Rejection& c) {
    INFO("file:\n" << c.text);
    const std::string msg = error_of(c.text);
    INFO("message: " << msg);
    CHECK(msg.starts_with(std::string("bad.toml:") + c.where + ": "));
    CHECK(msg.find(c.what) != std::string::npos);
}

} // namespace

TEST_CASE("config: unknown keys and tables are refused where they are written", "[config]") {
    const Rejection cases[] = {
        {"[stack]\nlcore = 2\n", "2:1", "unknown key 'lcore' in [stack]"},
        {"[tcp]\nno_delay = true\n", "2:1", "unknown key 'no_delay' in [tcp]"},
        {"[[interface]]\nname = \"a\"\nadress = \"10.0.0.1/24\"\n", "3:1",
         "unknown key 'adress' in interface[0]"},
        {"[stak]\nlcores = 2\n", "1:2", "unknown key 'stak' in the top level"},
        {"lcores = 2\n", "1:1", "unknown key 'lcores' in the top level"},
        {"[interface]\nname = \"a\"\n", "1:1", "write [[interface]]"},
        {"stack = 3\n", "1:9", "stack: expected a table [stack], got an integer"},
    };
    for (const auto& c : cases)
        check_rejected(c);
}

TEST_CASE("config: wrong types are refused with the key's name", "[config]") {
    const Rejection cases[] = {
        {"[stack]\nlcores = \"2\"\n", "2:10",
         "stack.lcores: expected an integer in 1..128, got a "
         "string"},
        {"[stack]\nseed = 1.5\n", "2:8", "stack.seed: expected an integer"},
        {"[stack]\npcap = 1\n", "2:8", "stack.pcap: expected a string, got an integer"},
        {"[stack]\neal = [\"-m\"]\n", "2:7", "stack.eal: expected a string, got an array"},
        {"[stack]\ngateway = [1]\n", "2:12", "stack.gateway: expected a string in the array"},
        {"[tcp]\nnodelay = \"yes\"\n", "2:11", "tcp.nodelay: expected true or false"},
        {"[tcp]\nsend_buffer = true\n", "2:15", "tcp.send_buffer: expected an integer"},
        {"[[interface]]\nname = 5\n", "2:8", "interface[0].name: expected a string"},
        {"[[interface]]\nname = \"a\"\nmtu = 1500.0\n", "3:7",
         "interface[0].mtu: expected an "
         "integer"},
        {"[[interface]]\nname = \"a\"\nloss = \"1%\"\n", "3:8",
         "interface[0].loss: expected a "
         "fraction"},
        {"[[interface]]\nname = \"a\"\naddresses = 10\n", "3:13",
         "interface[0].addresses: expected a string or an array of strings"},
    };
    for (const auto& c : cases)
        check_rejected(c);
}

TEST_CASE("config: bad addresses, prefixes and MACs are refused", "[config]") {
    const Rejection cases[] = {
        {"[[interface]]\nname = \"a\"\naddresses = [\"10.0.0.1/24\", \"10.0.0.300/24\"]\n", "3:29",
         "interface[0].addresses: '10.0.0.300/24' is not ADDR/PREFIX"},
        {"[[interface]]\nname = \"a\"\naddresses = [\"10.0.0.1/33\"]\n", "3:14",
         "'10.0.0.1/33' is not ADDR/PREFIX"},
        {"[[interface]]\nname = \"a\"\naddresses = [\"10.0.0.1/x\"]\n", "3:14",
         "'10.0.0.1/x' is not ADDR/PREFIX"},
        {"[[interface]]\nname = \"a\"\naddresses = [\"fd00::1/129\"]\n", "3:14",
         "'fd00::1/129' is not ADDR/PREFIX"},
        {"[[interface]]\nname = \"a\"\naddresses = [\"224.0.0.1/4\"]\n", "3:14",
         "not a unicast address"},
        {"[[interface]]\nname = \"a\"\naddresses = [\"fd00::1/64\", \"fd00::1/64\"]\n", "3:28",
         "address 'fd00::1/64' given twice"},
        {"[[interface]]\nname = \"a\"\nmac = \"02:00:00:00:00\"\n", "3:7",
         "interface[0].mac: '02:00:00:00:00' is not a MAC address"},
        {"[[interface]]\nname = \"a\"\nmac = \"01:00:5e:00:00:01\"\n", "3:7",
         "not a unicast MAC address"},
        {"[[interface]]\nname = \"a\"\nmac = \"00:00:00:00:00:00\"\n", "3:7",
         "not a unicast MAC address"},
        {"[stack]\ngateway = \"10.0.0\"\n", "2:11",
         "stack.gateway: '10.0.0' is not an IPv4 or "
         "IPv6 address"},
        {"[[interface]]\nname = \"a\"\ndevice = \"\"\n", "3:10",
         "interface[0].device: must not "
         "be empty"},
        {"[[interface]]\nname = \"a\"\ndevice = \"net tap\"\n", "3:10", "is not a DPDK device"},
    };
    for (const auto& c : cases)
        check_rejected(c);
}

TEST_CASE("config: numbers outside their ranges are refused", "[config]") {
    const Rejection cases[] = {
        {"[[interface]]\nname = \"a\"\nmtu = 67\n", "3:7",
         "interface[0].mtu: 67 is outside "
         "68..9000"},
        {"[[interface]]\nname = \"a\"\nmtu = 9001\n", "3:7", "9001 is outside 68..9000"},
        {"[[interface]]\nname = \"a\"\naddresses = [\"fd00::2/64\"]\nmtu = 1000\n", "4:7",
         "interface[0].mtu: 1000 is below 1280, the IPv6 minimum"},
        {"[[interface]]\nname = \"a\"\nloss = 1.5\n", "3:8",
         "interface[0].loss: 1.5 is outside "
         "0..1"},
        {"[[interface]]\nname = \"a\"\nloss = -0.1\n", "3:8", "is outside 0..1"},
        {"[[interface]]\nname = \"a\"\nreorder = 2\n", "3:11",
         "interface[0].reorder: 2 is "
         "outside 0..1"},
        {"[[interface]]\nname = \"a\"\nloss = nan\n", "3:8", "is outside 0..1"},
        {"[[interface]]\nname = \"a\"\ndelay_ms = 10001\n", "3:12", "10001 is outside 0..10000"},
        {"[stack]\nlcores = 0\n", "2:10", "stack.lcores: 0 is outside 1..128"},
        {"[stack]\nlcores = 129\n", "2:10", "stack.lcores: 129 is outside 1..128"},
        {"[stack]\nseed = -1\n", "2:8", "stack.seed: -1 is outside"},
        {"[tcp]\nsend_buffer = 100\n", "2:15", "tcp.send_buffer: 100 is outside"},
        {"[tcp]\nmax_connections = 0\n", "2:19", "tcp.max_connections: 0 is outside"},
        {"[tcp]\ncongestion = \"bbr\"\n", "2:14", "tcp.congestion: unknown algorithm 'bbr'"},
    };
    for (const auto& c : cases)
        check_rejected(c);
}

TEST_CASE("config: interfaces must have distinct names and devices", "[config]") {
    const Rejection cases[] = {
        {"[[interface]]\nname = \"a\"\n[[interface]]\nname = \"a\"\ndevice = \"net_tap1\"\n", "4:8",
         "interface[1].name: interface name 'a' already used by interface[0]"},
        {"[[interface]]\nname = \"a\"\n[[interface]]\nname = \"b\"\n", "4:8",
         "interface[1].device: DPDK device 'net_tap0' already used by interface[0]"},
        {"[[interface]]\nname = \"a\"\ndevice = \"net_tap3,iface=x\"\n[[interface]]\nname = "
         "\"b\"\ndevice = \"net_tap3,iface=y\"\n",
         "6:10", "DPDK device 'net_tap3' already used"},
        {"[[interface]]\nmtu = 1500\n", "1:1", "interface[0]: missing key 'name'"},
        {"[[interface]]\nname = \"has space\"\n", "2:8", "is not an interface name"},
        {"[[interface]]\nname = \"a-very-long-name0\"\n", "2:8", "is not an interface name"},
    };
    for (const auto& c : cases)
        check_rejected(c);
}

TEST_CASE("config: more than one gateway per family is refused", "[config]") {
    const Rejection cases[] = {
        {"[stack]\ngateway = [\"10.0.0.1\", \"fd00::1\", \"10.0.0.2\"]\n", "2:35",
         "stack.gateway: more than one IPv4 gateway"},
        {"[stack]\ngateway = [\"fd00::1\", \"fd00::2\"]\n", "2:23",
         "stack.gateway: more than one IPv6 gateway"},
    };
    for (const auto& c : cases)
        check_rejected(c);
}

TEST_CASE("config: eal may not choose lcores (same rule as --eal)", "[config]") {
    const Rejection cases[] = {
        {"[stack]\neal = \"-l 0-3\"\n", "2:7", "stack.eal: use lcores = N in [stack], not -l"},
        {"[stack]\neal = \"--no-huge -l0\"\n", "2:7", "not -l inside eal"},
        {"[stack]\neal = \"--lcores=0@0\"\n", "2:7", "not --lcores inside eal"},
        {"[stack]\neal = \"--lcores 2\"\n", "2:7", "not --lcores inside eal"},
        {"[stack]\neal = \"-c 0x3\"\n", "2:7", "not -c (core mask) inside eal"},
        {"[stack]\neal = \"--log-level='x\"\n", "2:7", "stack.eal: a quote is left open"},
    };
    for (const auto& c : cases)
        check_rejected(c);
}

TEST_CASE("config: TOML syntax errors carry the line and column", "[config]") {
    const std::string msg = error_of("[stack]\nlcores = = 2\n");
    INFO(msg);
    CHECK(msg.starts_with("bad.toml:2:"));
    const std::string dup = error_of("[stack]\nlcores = 1\nlcores = 2\n");
    INFO(dup);
    CHECK(dup.starts_with("bad.toml:3:"));
}

} // namespace multios::net::config_test
