// The result of a scenario run (what `multios-net simulate` prints): per flow goodput and
// counters, per link direction what was carried and dropped, and the files written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <multios/net/time.hpp>

#include "sim/link_config.hpp"
#include "sim/router_summary.hpp"
#include "sim/scenario_apps.hpp"

namespace multios::net::sim {

struct LinkSummary {
    std::string name; ///< "<link>:<from>><to>", one per direction.
    LinkCounters counters;
    std::uint64_t drops() const;
};

struct RunSummary {
    Duration simulated{};
    std::uint64_t seed = 0;
    std::uint64_t events = 0; ///< Scheduler events run (for events-per-second figures).
    std::vector<FlowSummary> flows;
    std::vector<LinkSummary> links;
    std::vector<RouterSummary> routers; ///< The nodes of kind "router", in file order.
    /// Jain's fairness index over the tcp_bulk flows' goodput (with two or more of them).
    std::optional<double> tcp_fairness;
    std::vector<std::string> files; ///< Paths written, in order.
};

/// Jain's fairness index (Jain, Chiu, Hawe 1984): (sum x)^2 / (n * sum x^2), 1 when all are
/// equal, 1/n when one flow takes everything. nullopt for no flows or all zero.
std::optional<double> jain_fairness(const std::vector<double>& x);

/// A terminal table: one row per flow, one per link direction, one per router, then the
/// fairness index and the flows' reports (traceroute paths).
std::string format_summary(const RunSummary& s);

} // namespace multios::net::sim
