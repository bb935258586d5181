// The poll loop's clock: reads the TSC (rte_get_tsc_cycles, a few ns, no syscall) once per
// iteration and converts it to the stack's Instant. The TSC is invariant on the machines we
// run on (constant_tsc/nonstop_tsc), so Instants are monotonic and comparable across lcores.
// The epoch is the TSC's (machine boot), which the stack never interprets.
#pragma once

#include <cstdint>

#include <multios/net/time.hpp>

namespace multios::net::glue {

class TscClock {
  public:
    /// Reads the TSC frequency once (EAL must be running).
    TscClock();
    Instant now() const;
    /// Cycles -> Instant. Split into whole seconds and a remainder so that the products fit
    /// in 64 bits for any uptime (remainder < hz < 2^33, times 10^9 < 2^63).
    Instant from_cycles(std::uint64_t cycles) const {
        const std::uint64_t secs = cycles / hz_;
        const std::uint64_t rem = cycles % hz_;
        return instant_from_ns(
            static_cast<std::int64_t>(secs * 1'000'000'000ULL + rem * 1'000'000'000ULL / hz_));
    }
    std::uint64_t hz() const { return hz_; }

  private:
    std::uint64_t hz_;
};

} // namespace multios::net::glue
