// A simulation scenario as read from a TOML file (docs/simulator.md has the format): the run's
// length and seed, host nodes with their addresses, duplex links with their impairments and
// capture settings, and the applications that generate traffic. Plain data, already checked:
// every link names known nodes, every address is unique, every app has a reachable peer.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <multios/net/address.hpp>
#include <multios/net/time.hpp>

#include "sim/link_config.hpp"

namespace multios::net::sim {

/// A scenario that could not be read: "FILE:LINE:COL: what" (one line).
struct ScenarioError {
    std::string message;
};

/// The addresses one interface of a node gets.
struct InterfaceAddresses {
    std::string ifname; ///< Empty: the node's first interface.
    std::vector<IpPrefix> prefixes;
};

struct NodeSpec {
    std::string name;
    std::vector<InterfaceAddresses> addresses;
};

/// "h1:eth0" or just "h1" (the interface is then named eth0, eth1, ... in link order).
struct Endpoint {
    std::string node;
    std::string ifname;
};

struct LinkSpec {
    std::string name; ///< Default "a-b" (node names); used for file names and CSV rows.
    Endpoint a, b;
    LinkConfig config; ///< Both directions (links are symmetric in the file format).
    bool pcap = true;
    std::uint32_t snaplen = 65535;
};

enum class AppKind : std::uint8_t { ping, tcp_bulk, udp_cbr };

struct AppSpec {
    AppKind kind = AppKind::ping;
    std::string name;     ///< Default "<kind><index>"; the flow's name in CSV rows.
    std::string from, to; ///< Node names.
    /// The destination address: `to`'s first address unless the file gave one ("to_address").
    IpAddress to_address;
    Duration start{};
    /// Zero: until the end of the run.
    Duration stop{};
    // ping
    std::uint32_t count = 0; ///< Echo requests; 0: one per interval until stop.
    Duration interval = std::chrono::seconds(1);
    std::size_t size = 56; ///< ping payload / UDP datagram payload bytes.
    // tcp_bulk
    std::uint64_t bytes = 0; ///< Bytes to transfer; 0: send until stop.
    std::string congestion = "cubic";
    bool sack = true;
    std::size_t app_buffer = 64 * 1024; ///< Bytes the sending/receiving app handles per call.
    std::uint16_t port = 0;             ///< TCP/UDP destination port (0: 5001 + app index).
    // udp_cbr
    std::uint64_t rate_bps = 1'000'000;
};

struct ScenarioFile {
    std::string source; ///< File name, for messages.
    Duration duration = std::chrono::seconds(10);
    std::uint64_t seed = 1;
    /// Period of the flows.csv / links.csv samples.
    Duration sample_interval = std::chrono::milliseconds(100);
    std::vector<NodeSpec> nodes;
    std::vector<LinkSpec> links;
    std::vector<AppSpec> apps;
};

/// Parses and checks `text`; `source` (the file name) starts every error message.
std::variant<ScenarioFile, ScenarioError> parse_scenario(std::string_view text,
                                                         std::string_view source);
/// Reads and parses the file at `path` ("PATH: strerror" when unreadable).
std::variant<ScenarioFile, ScenarioError> load_scenario(const std::string& path);

std::string_view app_kind_name(AppKind k);

} // namespace multios::net::sim
