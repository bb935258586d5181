// What each router node of a run did, for the summary: datagrams forwarded, and the ones it
// refused with the ICMP error that told the sender (TTL expired, no route, too big), plus the
// IPv4 fragments it cut. Read from the router's real StackCore counters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "stack/stack_core.hpp"

namespace multios::net::sim {

struct RouterSummary {
    std::string name;
    std::uint64_t forwarded = 0;   ///< IPv4 + IPv6 datagrams routed on.
    std::uint64_t ttl_expired = 0; ///< TTL / hop limit ran out (time exceeded sent).
    std::uint64_t no_route = 0;    ///< Destination unreachable sent (or would have been).
    std::uint64_t too_big = 0;     ///< DF set (IPv4) or IPv6 above the next link's MTU.
    std::uint64_t fragments = 0;   ///< IPv4 fragments sent (in transit and its own).
    std::uint64_t icmp_errors = 0; ///< ICMP / ICMPv6 errors actually sent (rate-limited).
};

RouterSummary summarize_router(const std::string& name, const StackCore& stack);

/// A table with one row per router; empty when there are none.
std::string format_routers(const std::vector<RouterSummary>& routers);

} // namespace multios::net::sim
