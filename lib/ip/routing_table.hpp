// Longest-prefix-match routing table for IPv4 and IPv6 (RFC 1812 5.2.4.3: the most specific
// matching route wins; among equally specific ones the lowest metric). Control-plane changes
// allocate; lookups do not. The representation (per-family vector sorted by prefix length
// descending, then metric) is private so it can later become a trie or rte_fib without
// changing callers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <multios/net/address.hpp>
#include <multios/net/result.hpp>

#include "common/frame_sink.hpp"

namespace multios::net {

/// Where a route came from; later issues add dynamic protocols.
enum class RouteSource : std::uint8_t {
    Connected, ///< From an address assigned to an interface.
    Static,    ///< Configured by the user.
    Default,   ///< A default route (0.0.0.0/0, ::/0), e.g. from a Router Advertisement.
};

struct Route {
    IpPrefix destination;             ///< Host bits are cleared when added.
    std::optional<IpAddress> gateway; ///< Next-hop router; none = destination is on-link.
    IfIndex ifindex = 0;
    std::uint32_t metric = 0; ///< Lower is preferred among equal prefix lengths.
    RouteSource source = RouteSource::Static;
    friend bool operator==(const Route&, const Route&) = default;
};

/// `p` with its host bits cleared, so that 10.1.2.3/8 and 10.0.0.0/8 name the same route.
IpPrefix canonical_prefix(const IpPrefix& p);

/// The address to resolve on the link: the gateway if the route has one, else `dst` itself.
IpAddress next_hop(const Route& route, const IpAddress& dst);

class RoutingTable {
  public:
    /// At most `max_routes` routes per address family.
    explicit RoutingTable(std::size_t max_routes = 4096) : max_routes_(max_routes) {}

    /// Adds a route. Fails with EINVAL (prefix length beyond the family's width, or a gateway of
    /// the other family), EEXIST (same destination and ifindex already present) or ENOSPC.
    Result<void> add(const Route& route);
    /// Removes the route for (`destination`, `ifindex`); false when there was none.
    bool remove(const IpPrefix& destination, IfIndex ifindex);
    /// Removes every route through `ifindex` (interface going down).
    void remove_interface(IfIndex ifindex);
    /// Longest matching prefix, then lowest metric; nullptr when nothing matches. The pointer
    /// is valid until the next change to the table.
    const Route* lookup(const IpAddress& dst) const;
    /// A copy of all routes, IPv4 first, each family most specific first.
    std::vector<Route> routes() const;
    std::size_t size() const { return v4_.size() + v6_.size(); }

  private:
    std::vector<Route>& family(bool v6) { return v6 ? v6_ : v4_; }
    const std::vector<Route>& family(bool v6) const { return v6 ? v6_ : v4_; }

    std::size_t max_routes_;
    std::vector<Route> v4_;
    std::vector<Route> v6_;
};

} // namespace multios::net
