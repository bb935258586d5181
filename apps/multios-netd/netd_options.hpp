// multios-netd's command line (pure parsing, unit-tested).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace multios::net::netd {

struct NetdOptions {
    std::string socket_path;                ///< --socket, else $MULTIOS_NETD, else the default
    std::optional<std::string> config_file; ///< --config (or $MULTIOS_NET_CONFIG)
    unsigned lcores = 1;                    ///< --lcores
    std::string eal_args;                   ///< --eal "..."
    std::optional<std::string> pcap_file;   ///< --pcap FILE
    bool help = false;
};

/// Parses argv[1..]; `env_socket` is $MULTIOS_NETD (nullptr when unset). Returns the options or
/// a one-line reason.
std::variant<NetdOptions, std::string> parse_netd_options(const std::vector<std::string>& args,
                                                          const char* env_socket);

/// `multios-netd --help`.
std::string netd_usage();

} // namespace multios::net::netd
