#include "common/interface_info.hpp"

namespace multios::net {

bool Ipv4Assignment::on_link(const Ipv4Address& a) const {
    return prefix_bits_equal(address.bytes.data(), a.bytes.data(), prefix_len);
}

bool Ipv4Assignment::is_subnet_broadcast(const Ipv4Address& a) const {
    if (prefix_len >= 31)
        return false;
    const std::uint32_t host_mask = 0xffffffffu >> prefix_len;
    return on_link(a) && (a.to_u32() & host_mask) == host_mask;
}

bool Ipv6Assignment::on_link(const Ipv6Address& a) const {
    return prefix_bits_equal(address.bytes.data(), a.bytes.data(), prefix_len);
}

bool InterfaceInfo::has_v4(const Ipv4Address& a) const {
    for (const auto& x : v4)
        if (x.address == a)
            return true;
    return false;
}

bool InterfaceInfo::is_subnet_broadcast(const Ipv4Address& a) const {
    for (const auto& x : v4)
        if (x.is_subnet_broadcast(a))
            return true;
    return false;
}

const Ipv6Assignment* InterfaceInfo::find_v6(const Ipv6Address& a) const {
    for (const auto& x : v6)
        if (x.address == a)
            return &x;
    return nullptr;
}

Ipv6Assignment* InterfaceInfo::find_v6(const Ipv6Address& a) {
    for (auto& x : v6)
        if (x.address == a)
            return &x;
    return nullptr;
}

bool InterfaceInfo::accepts_v4(const Ipv4Address& a) const {
    return a.is_broadcast() || has_v4(a) || is_subnet_broadcast(a);
}

bool InterfaceInfo::accepts_v6(const Ipv6Address& a) const {
    if (a == Ipv6Address::all_nodes())
        return true;
    for (const auto& x : v6) {
        if (x.address == a && x.usable())
            return true;
        if (x.state != Ipv6AddressState::Duplicate && x.address.solicited_node() == a)
            return true;
    }
    return false;
}

const Ipv6Assignment* InterfaceInfo::link_local() const {
    for (const auto& x : v6)
        if (x.address.is_link_local() && x.usable())
            return &x;
    return nullptr;
}

const Ipv4Assignment* InterfaceInfo::source_v4_for(const Ipv4Address& dst) const {
    for (const auto& x : v4)
        if (x.on_link(dst))
            return &x;
    return v4.empty() ? nullptr : &v4.front();
}

const Ipv6Assignment* InterfaceInfo::source_v6_for(const Ipv6Address& dst) const {
    const Ipv6Assignment* fallback = nullptr;
    const bool want_link_local = dst.is_link_local() || dst.is_multicast();
    for (const auto& x : v6) {
        if (!x.usable())
            continue;
        if (!x.address.is_link_local() && x.on_link(dst))
            return &x;
        if (x.address.is_link_local() == want_link_local) {
            if (!fallback || (fallback->state == Ipv6AddressState::Deprecated &&
                              x.state == Ipv6AddressState::Preferred))
                fallback = &x;
        }
    }
    if (fallback)
        return fallback;
    // A global destination with only a link-local address still gets an answer (RFC 6724
    // would pick the link-local as the only candidate).
    return link_local();
}

} // namespace multios::net
