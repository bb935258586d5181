// Small questions the client commands (get, load) ask of a running stack before they open
// connections, and the time arithmetic they print with.
#pragma once

#include <chrono>
#include <cstddef>

#include <multios/net/address.hpp>
#include <multios/net/time.hpp>

#include "stack/stack_core.hpp"

namespace multios::net::app {

inline double seconds_between(Instant a, Instant b) {
    return std::chrono::duration<double>(b - a).count();
}

/// True once `stack` has a source address for `dst` (IPv6: after DAD).
inline bool has_source(const StackCore& stack, const IpAddress& dst) {
    for (std::size_t i = 0; i < stack.interface_count(); ++i) {
        const auto& info = stack.interface(static_cast<IfIndex>(i));
        if (dst.is_v4() ? info.source_v4_for(dst.v4()) != nullptr
                        : info.source_v6_for(dst.v6()) != nullptr)
            return true;
    }
    return false;
}

} // namespace multios::net::app
