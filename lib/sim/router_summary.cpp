#include "sim/router_summary.hpp"

#include <fmt/format.h>

namespace multios::net::sim {

RouterSummary summarize_router(const std::string& name, const StackCore& stack) {
    const StackCounters& c = stack.counters();
    const DropCounters& d = stack.drops();
    RouterSummary r;
    r.name = name;
    r.forwarded = c.ipv4_forwarded + c.ipv6_forwarded;
    r.ttl_expired = d[DropReason::Ipv4TtlExceeded] + d[DropReason::Ipv6HopLimitExceeded];
    r.no_route = d[DropReason::Ipv4NoRoute] + d[DropReason::Ipv6NoRoute];
    r.too_big = d[DropReason::Ipv4FragNeeded] + d[DropReason::Ipv6PacketTooBig];
    r.fragments = c.frags_tx;
    r.icmp_errors = c.icmp_errors_tx + c.icmp6_errors_tx;
    return r;
}

std::string format_routers(const std::vector<RouterSummary>& routers) {
    if (routers.empty()) {
        return {};
    }
    std::string out =
        fmt::format("\n{:<16} {:>10} {:>11} {:>9} {:>8} {:>10} {:>11}\n", "router", "forwarded",
                    "ttl expired", "no route", "too big", "fragments", "icmp errors");
    for (const RouterSummary& r : routers) {
        out += fmt::format("{:<16} {:>10} {:>11} {:>9} {:>8} {:>10} {:>11}\n", r.name, r.forwarded,
                           r.ttl_expired, r.no_route, r.too_big, r.fragments, r.icmp_errors);
    }
    return out;
}

} // namespace multios::net::sim
