// The `routes` of a [[node]] and the [simulation] `routing` mode: parsed and checked against
// the node's subnets, with errors that point at the value. Internal to the scenario parser.
#pragma once

#include <toml++/toml.h>

#include "sim/scenario.hpp"
#include "sim/scenario_checker.hpp"

namespace multios::net::sim::scenario_detail {

/// `routes = [{ to = "10.3.0.0/24", via = "10.2.0.2" }, { to = "default", via = ... }]`:
/// every `via` must be on one of `node`'s subnets (a router it is linked to), of the same
/// family as `to`, and each destination may appear once. Needs the node's addresses.
Err read_routes(const Checker& c, const toml::node& routes, NodeSpec& node);

/// `routing = "auto"` (planned shortest paths, the default) or `"static"` (the file's only).
Err read_routing_mode(const Checker& c, const toml::node& n, RoutingMode& out);

} // namespace multios::net::sim::scenario_detail
