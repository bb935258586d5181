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

/// A static route: datagrams to `to` go to the on-link router `via`.
struct RouteSpec {
    IpPrefix to; ///< 0.0.0.0/0 or ::/0 for "default".
    IpAddress via;
    bool planned = false; ///< Computed by routing = "auto", not written in the file.
    friend bool operator==(const RouteSpec&, const RouteSpec&) = default;
};

struct NodeSpec {
    std::string name;
    std::vector<InterfaceAddresses> addresses;
    /// kind = "router": forwards datagrams between its interfaces (StackConfig::forwarding).
    bool router = false;
    /// Static routes, as written in the file, then (routing = "auto") the planned ones.
    std::vector<RouteSpec> routes;
};

/// How nodes get routes to subnets they are not attached to.
enum class RoutingMode : std::uint8_t {
    /// Shortest paths (fewest hops through routers) for every node that lists no routes of a
    /// family; nodes that list some keep exactly those.
    automatic,
    /// Only the routes the file lists.
    manual,
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

enum class AppKind : std::uint8_t { ping, tcp_bulk, udp_cbr, http, traceroute };

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
    std::uint32_t count = 0;                     ///< Echo requests; 0: one per interval until stop.
    Duration interval = std::chrono::seconds(1); ///< ping; traceroute (default 100 ms)
    // traceroute
    std::uint8_t max_hops = 30; ///< Highest TTL probed.
    std::uint8_t probes = 3;    ///< Echo requests per TTL.
    std::size_t size = 56;      ///< ping payload / UDP datagram payload bytes.
    // tcp_bulk
    std::uint64_t bytes = 0; ///< Bytes to transfer; 0: send until stop.
    std::string congestion = "cubic";
    bool sack = true;
    std::size_t app_buffer = 64 * 1024; ///< Bytes the sending/receiving app handles per call.
    std::uint16_t port = 0;             ///< TCP/UDP destination port (0: 5001 + app index).
    // udp_cbr
    std::uint64_t rate_bps = 1'000'000;
    // http (tcp_bulk's congestion, sack and port apply too)
    std::uint32_t connections = 1;      ///< Persistent (keep-alive) client connections.
    std::uint64_t requests = 0;         ///< In total over all connections; 0: until stop.
    std::uint64_t response_size = 1024; ///< Body bytes of every response.
    /// Empty: "/<response_size>". The server answers "/<n>" with n bytes, any other path
    /// with response_size.
    std::string request_path;
    /// Requests per second per connection ("rate" in the file); 0: back to back.
    double request_rate = 0;
};

struct ScenarioFile {
    std::string source; ///< File name, for messages.
    Duration duration = std::chrono::seconds(10);
    std::uint64_t seed = 1;
    /// Period of the flows.csv / links.csv samples.
    Duration sample_interval = std::chrono::milliseconds(100);
    RoutingMode routing = RoutingMode::automatic;
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
