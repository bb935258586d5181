// NetworkStack and configuration files: what a file (docs/config.md) adds to a stack the
// program configured. The program's own settings win; the file fills in the rest.
#pragma once

#include <deque>
#include <optional>
#include <string>

#include <multios/net/network_interface.hpp>
#include <multios/net/network_stack.hpp>

#include "stack/stack_core.hpp"

namespace multios::net {

/// Loads `path` and merges it: interfaces the program did not add are added; for one it did
/// add, the file supplies device, addresses, MAC and MTU that the program left unset; stack
/// options (lcores, seed, pcap, EAL arguments) and gateways apply where left at their
/// defaults; the [tcp] section sets the TCP defaults. EINVAL (message on stderr: FILE:LINE:COL) on
/// a bad file, ENOENT when missing.
Result<void> apply_config_file(const std::string& path, StackOptions& options,
                               std::deque<NetworkInterface>& interfaces,
                               std::optional<Ipv4Address>& gateway_v4,
                               std::optional<Ipv6Address>& gateway_v6, TcpStackConfig& tcp);

} // namespace multios::net
