// What the protocol cores know about one interface: link address, MTU and IP addresses.
// Owned by the stack core; neighbor discovery (DAD, SLAAC) edits the IPv6 address list.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <multios/net/address.hpp>
#include <multios/net/time.hpp>

#include "common/frame_sink.hpp"

namespace multios::net {

struct Ipv4Assignment {
    Ipv4Address address;
    std::uint8_t prefix_len = 32;

    /// Directed broadcast of this subnet (all host bits set); none for /31 and /32.
    bool is_subnet_broadcast(const Ipv4Address& a) const;
    bool on_link(const Ipv4Address& a) const;
};

enum class Ipv6AddressState : std::uint8_t {
    Tentative,  ///< DAD in progress: not used as a source, NS for it are not answered.
    Preferred,  ///< Usable.
    Deprecated, ///< Preferred lifetime over: still accepted, not chosen for new traffic.
    Duplicate,  ///< DAD failed: never used.
};

struct Ipv6Assignment {
    Ipv6Address address;
    std::uint8_t prefix_len = 128;
    Ipv6AddressState state = Ipv6AddressState::Preferred;
    bool autoconfigured = false; ///< From SLAAC.
    Instant valid_until = kNever;
    Instant preferred_until = kNever;

    bool usable() const {
        return state == Ipv6AddressState::Preferred || state == Ipv6AddressState::Deprecated;
    }
    bool on_link(const Ipv6Address& a) const;
};

struct InterfaceInfo {
    IfIndex index = 0;
    std::string name;
    MacAddress mac;
    std::uint16_t mtu = 1500;
    std::vector<Ipv4Assignment> v4;
    std::vector<Ipv6Assignment> v6;
    /// Bumped whenever an IPv6 address is added, removed or found duplicate, so that what
    /// depends on the set (the MLD groups) recomputes only then, not on every poll.
    std::uint32_t v6_changes = 0;

    /// True when `a` is one of our IPv4 addresses.
    bool has_v4(const Ipv4Address& a) const;
    /// Our IPv6 assignment for `a`, in any state, or nullptr.
    const Ipv6Assignment* find_v6(const Ipv6Address& a) const;
    Ipv6Assignment* find_v6(const Ipv6Address& a);
    /// True when `a` is the broadcast address of one of our IPv4 subnets.
    bool is_subnet_broadcast(const Ipv4Address& a) const;
    /// True for addresses we accept as IPv4 destination: ours, 255.255.255.255, subnet broadcast.
    bool accepts_v4(const Ipv4Address& a) const;
    /// True for IPv6 destinations we accept: usable unicast addresses, all-nodes, and the
    /// solicited-node groups of all our addresses (tentative ones included, for DAD).
    bool accepts_v6(const Ipv6Address& a) const;
    /// The link-local address if it is usable.
    const Ipv6Assignment* link_local() const;
    /// Best source address for a destination (on-link prefix match first, then any usable
    /// global, link-local only for link-local/multicast destinations).
    const Ipv4Assignment* source_v4_for(const Ipv4Address& dst) const;
    const Ipv6Assignment* source_v6_for(const Ipv6Address& dst) const;
};

} // namespace multios::net
