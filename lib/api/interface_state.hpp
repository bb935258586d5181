// NetworkInterface::State: what an interface handle shares with its copies and its stack.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <multios/net/network_interface.hpp>

#include "api/engine.hpp"

namespace multios::net {

struct NetworkInterface::State {
    mutable std::mutex mutex;
    std::string name;
    std::string device; ///< Empty: net_tapN,iface=<name>.
    std::vector<IpPrefix> addresses;
    std::optional<MacAddress> mac;
    std::uint16_t mtu = 1500;
    // Impairments (config file only): loss and reorder fractions, one-way delay.
    double loss = 0, reorder = 0;
    std::uint32_t delay_ms = 0;
    NetworkStack::Engine* running = nullptr; ///< Set while its stack runs.
    IfIndex index = 0;                       ///< Its position in the stack.
};

} // namespace multios::net
