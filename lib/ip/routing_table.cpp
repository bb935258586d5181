#include "ip/routing_table.hpp"

#include <algorithm>
#include <span>

namespace multios::net {
namespace {

std::span<const std::uint8_t> address_bytes(const IpAddress& a) {
    if (a.is_v4())
        return a.v4().bytes;
    return a.v6().bytes;
}

unsigned family_bits(const IpAddress& a) {
    return a.is_v4() ? 32 : 128;
}

// True when the first `len` bits of `a` and `b` agree (same family assumed).
bool leading_bits_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b,
                        unsigned len) {
    const unsigned whole = len / 8;
    for (unsigned i = 0; i < whole; ++i)
        if (a[i] != b[i])
            return false;
    const unsigned rest = len % 8;
    if (rest == 0)
        return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return ((a[whole] ^ b[whole]) & mask) == 0;
}

} // namespace

IpPrefix canonical_prefix(const IpPrefix& p) {
    auto clear = [&](auto addr) {
        for (unsigned i = 0; i < addr.bytes.size(); ++i) {
            const unsigned first_bit = i * 8;
            if (first_bit >= p.length)
                addr.bytes[i] = 0;
            else if (p.length - first_bit < 8)
                addr.bytes[i] &= static_cast<std::uint8_t>(0xff << (8 - (p.length - first_bit)));
        }
        return IpPrefix{IpAddress(addr), p.length};
    };
    return p.address.is_v4() ? clear(p.address.v4()) : clear(p.address.v6());
}

namespace {

bool matches(const Route& r, const IpAddress& dst) {
    return leading_bits_equal(address_bytes(r.destination.address), address_bytes(dst),
                              r.destination.length);
}

// Sort order: longest prefix first, then lowest metric, so lookup takes the first match.
bool preferred(const Route& a, const Route& b) {
    if (a.destination.length != b.destination.length)
        return a.destination.length > b.destination.length;
    return a.metric < b.metric;
}

} // namespace

IpAddress next_hop(const Route& route, const IpAddress& dst) {
    return route.gateway ? *route.gateway : dst;
}

Result<void> RoutingTable::add(const Route& route) {
    const IpAddress& a = route.destination.address;
    if (route.destination.length > family_bits(a))
        return fail(EINVAL);
    if (route.gateway && route.gateway->is_v6() != a.is_v6())
        return fail(EINVAL);
    Route r = route;
    r.destination = canonical_prefix(route.destination);
    auto& routes = family(a.is_v6());
    for (const auto& x : routes)
        if (x.destination == r.destination && x.ifindex == r.ifindex)
            return fail(EEXIST);
    if (routes.size() >= max_routes_)
        return fail(ENOSPC);
    // upper_bound keeps insertion order among equals, so the first-added route wins ties.
    routes.insert(std::upper_bound(routes.begin(), routes.end(), r, preferred), r);
    return {};
}

bool RoutingTable::remove(const IpPrefix& destination, IfIndex ifindex) {
    if (destination.length > family_bits(destination.address))
        return false;
    const IpPrefix key = canonical_prefix(destination);
    auto& routes = family(key.address.is_v6());
    auto it = std::find_if(routes.begin(), routes.end(), [&](const Route& r) {
        return r.destination == key && r.ifindex == ifindex;
    });
    if (it == routes.end())
        return false;
    routes.erase(it);
    return true;
}

void RoutingTable::remove_interface(IfIndex ifindex) {
    for (auto* routes : {&v4_, &v6_})
        std::erase_if(*routes, [&](const Route& r) { return r.ifindex == ifindex; });
}

const Route* RoutingTable::lookup(const IpAddress& dst) const {
    for (const auto& r : family(dst.is_v6()))
        if (matches(r, dst))
            return &r;
    return nullptr;
}

std::vector<Route> RoutingTable::routes() const {
    std::vector<Route> all(v4_);
    all.insert(all.end(), v6_.begin(), v6_.end());
    return all;
}

} // namespace multios::net
