// Static routes for a scenario's topology, computed the way a link-state protocol would settle
// (fewest hops through routers), and a hop-by-hop check that an app's destination is reachable
// with the routes the nodes have. Works on the scenario's description, before any stack
// exists, so a scenario with an unreachable destination fails at parse time with a reason.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <multios/net/address.hpp>

#include "sim/scenario.hpp"

namespace multios::net::sim {

/// For every node that lists no route of a family, adds a route (planned = true) to every
/// subnet of that family it is not attached to and that it can reach: via the neighbor on
/// the first hop of a shortest path whose every transit node is a router. Ties go to the
/// earlier link in the file, so the result depends on the file alone.
void plan_routes(ScenarioFile& sc);

/// The nodes a datagram from node `from` to `dst` visits (`from` first, the node owning `dst`
/// last), following connected subnets and routes (longest prefix) as the stacks will; or,
/// when it cannot arrive, why ("r1 has no route to 10.9.0.1", "routing loop at r2", ...).
std::variant<std::vector<std::string>, std::string>
trace_route(const ScenarioFile& sc, const std::string& from, const IpAddress& dst);

/// The source address node `from` gives a datagram to `dst`: its address on the subnet of
/// the first hop (what the stack picks), or nullopt without a route.
std::optional<IpAddress> source_address(const ScenarioFile& sc, const std::string& from,
                                        const IpAddress& dst);

} // namespace multios::net::sim
