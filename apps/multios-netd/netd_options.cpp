#include "netd_options.hpp"

#include <charconv>

#include "netd/protocol.hpp"

namespace multios::net::netd {

namespace {

bool parse_lcores(const std::string& text, unsigned& out) {
    unsigned v = 0;
    const auto* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc{} || p != end || v < 1 || v > 128)
        return false;
    out = v;
    return true;
}

} // namespace

std::variant<NetdOptions, std::string> parse_netd_options(const std::vector<std::string>& args,
                                                          const char* env_socket) {
    NetdOptions o;
    o.socket_path = env_socket != nullptr && *env_socket != '\0' ? env_socket : kDefaultSocketPath;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            o.help = true;
            continue;
        }
        const bool takes_value =
            a == "--socket" || a == "--config" || a == "--lcores" || a == "--eal" || a == "--pcap";
        if (!takes_value)
            return "unknown argument '" + a + "' (see --help)";
        if (i + 1 >= args.size())
            return a + " needs a value";
        const std::string& v = args[++i];
        if (a == "--socket") {
            if (v.empty() || v.size() >= 108)
                return "--socket: a path of 1..107 bytes is needed (Unix socket limit)";
            o.socket_path = v;
        } else if (a == "--config") {
            o.config_file = v;
        } else if (a == "--lcores") {
            if (!parse_lcores(v, o.lcores))
                return "--lcores: '" + v + "' is not a number in 1..128";
        } else if (a == "--eal") {
            o.eal_args = v;
        } else {
            o.pcap_file = v;
        }
    }
    return o;
}

std::string netd_usage() {
    return R"(usage: multios-netd [--socket PATH] [--config FILE] [--lcores N] [--eal "ARGS"] [--pcap FILE]

Runs the MultiOS network stack for other processes: they attach over a Unix socket and use
its sockets through libmultios-client or the LD_PRELOAD shim libmultios-preload.so.

  --socket PATH   where clients connect (default: $MULTIOS_NETD, else /run/multios-netd.sock);
                  created with mode 0666, removed at exit
  --config FILE   the stack's ports and addresses (TOML, docs/config.md; as multios-net
                  --config); default: $MULTIOS_NET_CONFIG
  --lcores N      polling lcores (1..128, default 1)
  --eal "ARGS"    extra DPDK EAL arguments
  --pcap FILE     capture every port's traffic (pcapng)
  --help          this text

Prints "multios-netd: ready on PATH" once clients can attach. SIGTERM or SIGINT stops it:
clients' sockets are closed and their calls fail with ENETDOWN.
)";
}

} // namespace multios::net::netd
