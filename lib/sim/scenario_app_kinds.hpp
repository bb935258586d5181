// Factories of the app kinds (one file each); make_app picks one. Internal to lib/sim.
#pragma once

#include <memory>

#include "sim/scenario_apps.hpp"

namespace multios::net::sim::apps {

Result<std::unique_ptr<ScenarioApp>> make_ping(Network& net, const AppSpec& spec, NodeId from,
                                               NodeId to, Instant origin);
Result<std::unique_ptr<ScenarioApp>> make_tcp_bulk(Network& net, const AppSpec& spec, NodeId from,
                                                   NodeId to, Instant origin);
Result<std::unique_ptr<ScenarioApp>> make_udp_cbr(Network& net, const AppSpec& spec, NodeId from,
                                                  NodeId to, Instant origin);
Result<std::unique_ptr<ScenarioApp>> make_http(Network& net, const AppSpec& spec, NodeId from,
                                               NodeId to, Instant origin);

Result<std::unique_ptr<ScenarioApp>> make_traceroute(Network& net, const AppSpec& spec, NodeId from,
                                                     NodeId to, Instant origin);

} // namespace multios::net::sim::apps
