// Time as the protocol cores see it: an Instant is injected by the caller (the DPDK poll loop
// reads the TSC once per iteration; tests and the simulator advance a fake clock). No core
// ever reads a clock itself.
#pragma once

#include <chrono>
#include <cstdint>

namespace multios::net {

/// A clock that cannot be read: it only gives Instant a type. Epoch is arbitrary.
struct StackClock {
    using duration = std::chrono::nanoseconds;
    using rep = duration::rep;
    using period = duration::period;
    using time_point = std::chrono::time_point<StackClock>;
    static constexpr bool is_steady = true;
};

using Duration = std::chrono::nanoseconds;
using Instant = StackClock::time_point;

constexpr Instant instant_from_ns(std::int64_t ns) {
    return Instant(Duration(ns));
}
constexpr std::int64_t to_ns(Instant t) {
    return t.time_since_epoch().count();
}

/// "Never": a deadline that never expires.
constexpr Instant kNever = Instant::max();

} // namespace multios::net
