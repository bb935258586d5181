// Two StackCore nodes on one point-to-point link, for the network tests.
#pragma once

#include <multios/net/address.hpp>

#include "sim/network.hpp"

namespace multios::net::sim_test {

using namespace multios::net::sim;

inline InterfaceConfig p2p_interface(const char* name, std::uint8_t mac_last, const char* v4,
                                     const char* v6) {
    InterfaceConfig ic;
    ic.name = name;
    ic.mac = MacAddress{{0x02, 0, 0, 0, 0x51, mac_last}};
    ic.addresses = {*IpPrefix::parse(v4), *IpPrefix::parse(v6)};
    return ic;
}

/// Nodes a (10.7.0.1, fd07::1) and b (10.7.0.2, fd07::2) joined by `ab` / `ba`.
struct PointToPoint {
    Network net;
    NodeId a, b;
    DuplexLink link;

    PointToPoint(std::uint64_t seed, const LinkConfig& ab, const LinkConfig& ba) : net(seed) {
        a = net.add_node();
        b = net.add_node();
        link = net.connect(a, p2p_interface("p2p0", 1, "10.7.0.1/24", "fd07::1/64"), b,
                           p2p_interface("p2p0", 2, "10.7.0.2/24", "fd07::2/64"), ab, ba)
                   .value();
    }
    static IpAddress ip_a() { return IpAddress{Ipv4Address{{10, 7, 0, 1}}}; }
    static IpAddress ip_b() { return IpAddress{Ipv4Address{{10, 7, 0, 2}}}; }
};

} // namespace multios::net::sim_test
