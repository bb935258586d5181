// Stack configuration files (TOML, CONTRACTS.md "Files and formats"; format in docs/config.md).
//
// One file describes the interfaces (ports) of a stack, process-wide settings (lcores, seed,
// capture, EAL arguments, gateways) and TCP defaults. The parser checks every value the way the
// command line checks the matching option, and refuses what it does not know: a typo in a key
// must not pass silently. Every error names the file, line and column and the key.
//
// Used by `multios-net --config FILE` and by NetworkStack through $MULTIOS_NET_CONFIG.
// Not on the data path: toml++ may throw while parsing, the parser catches it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <multios/net/address.hpp>

namespace multios::net::config {

// Limits, matched to the command line's (apps/multios-net/cli_args.hpp).
inline constexpr std::uint16_t kMinMtu = 68;     // RFC 791: every IPv4 host must take 68 bytes
inline constexpr std::uint16_t kMinMtuV6 = 1280; // RFC 8200 section 5
inline constexpr std::uint16_t kMaxMtu = 9000;
inline constexpr unsigned kMaxLcores = 128;         // RTE_MAX_LCORE of Debian's DPDK build
inline constexpr std::uint32_t kMaxDelayMs = 10000; // --delay's bound
inline constexpr std::size_t kMinTcpBuffer = 4096;
inline constexpr std::size_t kMaxTcpBuffer = std::size_t{1} << 30;
inline constexpr unsigned kMaxTcpConnections = 1u << 24;
inline constexpr std::size_t kMaxInterfaceName = 15; // IFNAMSIZ - 1: it may name a TAP

/// One `[[interface]]` table: a DPDK port and the stack's interface on it.
struct InterfaceSection {
    std::string name;
    /// DPDK vdev, e.g. "net_tap0,iface=mnet0"; unset: "net_tap0,iface=<name>" (CONTRACTS.md).
    std::optional<std::string> device;
    std::vector<IpPrefix> addresses;
    std::optional<MacAddress> mac;
    std::optional<std::uint16_t> mtu;
    double loss = 0;            ///< Fraction 0..1, drawn for rx and tx.
    std::uint32_t delay_ms = 0; ///< One-way delay added in each direction.
    double reorder = 0;         ///< Fraction 0..1 held back behind the next packet.

    /// `device`, or the default TAP named after the interface.
    std::string device_or_default() const;
};

/// `[tcp]`: defaults for every connection of the stack; unset keeps the stack's default.
struct TcpSection {
    std::optional<std::size_t> send_buffer, receive_buffer;
    std::optional<bool> nodelay, syn_cookies;
    /// A make_congestion_control() name: "newreno" or "cubic" ("reno" is read as "newreno").
    std::optional<std::string> congestion;
    std::optional<unsigned> max_connections;

    bool empty() const {
        return !send_buffer && !receive_buffer && !nodelay && !syn_cookies && !congestion &&
               !max_connections;
    }
};

/// A whole file. An empty file gives an empty FileConfig (every default).
struct FileConfig {
    std::vector<InterfaceSection> interfaces;
    std::optional<Ipv4Address> gateway_v4;
    std::optional<Ipv6Address> gateway_v6;
    std::optional<unsigned> lcores;
    std::optional<std::string> pcap;
    std::optional<std::uint64_t> seed;
    std::string eal_args; ///< As written in the file (words split like a shell; see eal_words).
    TcpSection tcp;
};

struct ConfigError {
    std::string message; ///< "FILE:LINE:COL: what"
};

/// Parses `text`; `source_name` (the file name) starts every error message.
std::variant<FileConfig, ConfigError> parse_stack_config(std::string_view text,
                                                         std::string_view source_name);

/// Reads and parses the file at `path`. A missing or unreadable file gives "PATH: strerror".
std::variant<FileConfig, ConfigError> load_stack_config(const std::string& path);

/// Splits EAL arguments into words: blanks separate, '...' and "..." quote, \ escapes.
/// nullopt when a quote is left open.
std::optional<std::vector<std::string>> eal_words(std::string_view text);

/// Why an EAL word may not be used (it picks lcores, which `lcores` owns), or nullopt.
std::optional<std::string> refused_eal_word(std::string_view word);

} // namespace multios::net::config
