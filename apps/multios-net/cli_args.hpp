// Command-line parsing for `multios-net`. Pure: no DPDK, no exit(), no I/O except reading the
// --config file in parse_cli(); main() decides what to print and which exit code to use. The
// grammar is the one in CONTRACTS.md:
//
//   multios-net [GLOBAL OPTIONS] [--vdev SPEC [PORT OPTIONS]]... COMMAND [COMMAND OPTIONS] [ARGS]
//
// Port options written before any --vdev apply to the first port; the first --vdev names that
// port (replacing the default `net_tap0,iface=mnet0`), every later --vdev starts a new port.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <multios/net/address.hpp>

#include "config/stack_config_file.hpp"

namespace multios::net::cli {

inline constexpr std::string_view kProgramName = "multios-net";
inline constexpr std::string_view kDefaultVdev = "net_tap0,iface=mnet0";

/// Exit codes shared by every command (CONTRACTS.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// Limits checked by the parser. Exposed so help texts and tests quote the same numbers.
inline constexpr std::uint16_t kMinMtu = 68;     // RFC 791: every IPv4 host must take 68 bytes
inline constexpr std::uint16_t kMinMtuV6 = 1280; // RFC 8200 section 5
inline constexpr std::uint16_t kMaxMtu = 9000;
inline constexpr std::uint32_t kMaxLcores = 128; // RTE_MAX_LCORE of Debian's DPDK build
inline constexpr double kMaxDelayMs = 10000.0;
inline constexpr std::uint32_t kMaxPingSizeV4 = 65507; // 65535 - 20 (IPv4) - 8 (ICMP)
inline constexpr std::uint32_t kMaxPingSizeV6 = 65527; // 65535 payload length - 8 (ICMPv6)
inline constexpr double kMaxPingSeconds = 3600.0;
inline constexpr std::uint32_t kMaxGetParallel = 1024; // get --parallel: bounded connections
inline constexpr double kMaxSimulateSeconds = 86400.0; // simulate --duration: one simulated day
inline constexpr std::uint32_t kMaxLoadConnections = 10000; // load -c: bounded connections
inline constexpr double kMaxLoadSeconds = 3600.0;           // load -d

enum class Command { Serve, Ping, Demo, Get, Simulate, Load };

/// Name as typed on the command line ("serve").
std::string_view to_string(Command c);

/// One DPDK port and the interface the stack builds on it.
struct PortConfig {
    std::string vdev{kDefaultVdev};   ///< EAL --vdev argument, e.g. "net_tap0,iface=mnet0"
    std::vector<IpPrefix> ips;        ///< --ip, in the order given (v4 and v6 mixed)
    std::optional<MacAddress> mac;    ///< --mac; unset: the PMD's MAC
    std::optional<std::uint16_t> mtu; ///< --mtu; unset: the PMD's MTU (1500 on net_tap)
    double loss = 0.0;                ///< --loss: fraction 0..1, drawn for rx and tx
    double delay_ms = 0.0;            ///< --delay: one-way delay added in each direction
    double reorder = 0.0;             ///< --reorder: fraction held back behind the next one
};

/// Options that apply to the whole process; each may be given once.
struct GlobalOptions {
    std::optional<Ipv4Address> gateway_v4;  ///< --gateway with an IPv4 address
    std::optional<Ipv6Address> gateway_v6;  ///< --gateway with an IPv6 address
    std::optional<std::string> pcap_file;   ///< --pcap FILE
    std::optional<std::uint64_t> seed;      ///< --seed N (impairment draws)
    std::vector<std::string> eal_args;      ///< --eal "ARGS", split like a shell would
    std::uint32_t lcores = 1;               ///< --lcores N, including the main lcore
    std::optional<std::string> config_file; ///< --config FILE
    /// TCP defaults from the --config file's [tcp] (no command-line options for them).
    config::TcpSection tcp;
};

/// Options written on the command line whose values cannot tell "given" from "default":
/// a --config file fills what the command line left out (docs/config.md, precedence).
struct GivenOptions {
    bool vdev = false;   ///< any --vdev
    bool lcores = false; ///< --lcores
    bool eal = false;    ///< --eal
    /// --loss / --delay / --reorder for the first port (the one a file's first interface fills)
    bool loss = false, delay = false, reorder = false;
};

/// `serve [--udp-echo PORT]... [--udp-sink PORT]... [--echo PORT]... [--discard PORT]...
/// [--chargen PORT]... [--http PORT --root DIR]`
struct ServeOptions {
    std::vector<std::uint16_t> udp_echo_ports;
    std::vector<std::uint16_t> udp_sink_ports;    ///< --udp-sink: count and drop (benchmarks)
    std::vector<std::uint16_t> tcp_echo_ports;    ///< --echo: TCP echo (RFC 862 over TCP)
    std::vector<std::uint16_t> tcp_discard_ports; ///< --discard: read and count (RFC 863)
    std::vector<std::uint16_t> tcp_chargen_ports; ///< --chargen: send until closed (RFC 864)
    std::optional<std::uint16_t> http_port;       ///< --http PORT (needs --root)
    std::optional<std::string> http_root;         ///< --root DIR: files served by --http
};

/// `get URL [-o FILE] [-P N]`: HTTP/1.1 GET of an http:// URL with a numeric IPv4 or [IPv6]
/// host.
struct GetOptions {
    std::string url;                   ///< URL as typed
    std::optional<std::string> output; ///< -o FILE; unset: body to stdout
    /// -P/--parallel N: concurrent GETs of URL, 1..kMaxGetParallel, spread over the lcores;
    /// only the first one's body is written.
    std::uint32_t parallel = 1;
};

/// `load URL [-c CONNECTIONS] [-d SECONDS] [-n REQUESTS]`: keep-alive HTTP/1.1 load
/// (load_command.cpp). Neither -d nor -n: 10 seconds.
struct LoadOptions {
    std::string url;                       ///< URL as typed
    std::uint32_t connections = 10;        ///< -c: 1..kMaxLoadConnections
    std::optional<double> duration_s;      ///< -d: seconds above 0, at most kMaxLoadSeconds
    std::optional<std::uint64_t> requests; ///< -n: stop after this many requests
};

/// `ping DEST [-c N] [-s SIZE] [-i SECONDS] [-t TTL] [-W SECONDS]`, defaults as iputils ping.
struct PingOptions {
    std::string destination_text;       ///< DEST as typed
    IpAddress destination;              ///< DEST parsed (numeric addresses only: no DNS yet)
    std::optional<std::uint32_t> count; ///< -c; unset: until SIGINT/SIGTERM
    std::uint32_t size = 56;            ///< -s: ICMP payload bytes
    double interval_s = 1.0;            ///< -i
    std::uint8_t ttl = 64;              ///< -t: TTL (v4) or hop limit (v6)
    double wait_s = 10.0;               ///< -W: how long to wait for a reply
};

/// `demo`: no options yet.
struct DemoOptions {};

/// `simulate SCENARIO [--seed N] [--out DIR] [--duration S] [--no-plots]` (no DPDK:
/// docs/simulator.md).
struct SimulateOptions {
    std::string scenario;               ///< the scenario file (TOML)
    std::optional<std::uint64_t> seed;  ///< --seed: overrides the file's seed
    std::optional<std::string> out_dir; ///< --out DIR: pcap, CSV and summary files
    std::optional<double> duration_s;   ///< --duration S: overrides the file's duration
    bool plots = true;                  ///< false with --no-plots: no PNG files in DIR
};

/// A fully validated command line. `ports` is never empty.
struct CliConfig {
    GlobalOptions global;
    std::vector<PortConfig> ports;
    Command command = Command::Demo;
    ServeOptions serve;       ///< valid when command == Serve
    PingOptions ping;         ///< valid when command == Ping
    DemoOptions demo;         ///< valid when command == Demo
    GetOptions get;           ///< valid when command == Get
    SimulateOptions simulate; ///< valid when command == Simulate
    LoadOptions load;         ///< valid when command == Load
    GivenOptions given;       ///< what the command line set (for merging a --config file)
};

/// What the parser decided. Run: `config` is valid. Help: print `message` to stdout, exit 0.
/// UsageError: print `message` to stderr, exit 2.
struct ParseOutcome {
    enum class Kind { Run, Help, UsageError };
    Kind kind = Kind::UsageError;
    CliConfig config;
    std::string message;

    bool ok() const { return kind == Kind::Run; }
    /// Exit code when not running: 0 for help, 2 for a usage error.
    int exit_code() const { return kind == Kind::UsageError ? kExitUsage : kExitOk; }
};

/// Parses argv as main() receives it (argv[0] is ignored). Unlike parse_cli_args, this also
/// reads the --config file and merges it under the command line's options (a bad file is a
/// usage error: exit code 2, message "FILE:LINE:COL: ...").
ParseOutcome parse_cli(int argc, const char* const* argv);

/// Parses the arguments after the program name.
ParseOutcome parse_cli_args(std::span<const std::string> args);

/// Splits an --eal string into words: blanks separate, '...' and "..." quote, \ escapes.
/// nullopt when a quote is left open.
std::optional<std::vector<std::string>> split_words(std::string_view text);

} // namespace multios::net::cli
