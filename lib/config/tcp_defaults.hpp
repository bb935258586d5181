// Applying a file's [tcp] section to the stack's TCP defaults. A template over the stack's
// TcpStackConfig (lib/stack sits above lib/config in the layer order), for NetworkStack and the
// command-line runtime once it carries TCP settings.
#pragma once

#include <string_view>

#include "config/stack_config_file.hpp"

namespace multios::net::config {

/// The make_congestion_control() name with static storage (TcpConfig keeps a string_view).
inline std::string_view congestion_name(const std::string& name) {
    return name == "newreno" ? std::string_view("newreno") : std::string_view("cubic");
}

/// Sets the fields of `tcp` (a TcpStackConfig) that `section` sets; the others stay.
template <class TcpStackConfig>
void apply_tcp_section(const TcpSection& section, TcpStackConfig& tcp) {
    if (section.send_buffer)
        tcp.connection.send_buffer = *section.send_buffer;
    if (section.receive_buffer)
        tcp.connection.receive_buffer = *section.receive_buffer;
    if (section.nodelay)
        tcp.connection.nodelay = *section.nodelay;
    if (section.congestion)
        tcp.connection.congestion = congestion_name(*section.congestion);
    if (section.syn_cookies)
        tcp.syn_cookies = *section.syn_cookies;
    if (section.max_connections)
        tcp.max_connections = *section.max_connections;
}

} // namespace multios::net::config
