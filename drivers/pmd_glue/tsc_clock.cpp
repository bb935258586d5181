#include "pmd_glue/tsc_clock.hpp"

#include <rte_cycles.h>

namespace multios::net::glue {

TscClock::TscClock() : hz_(rte_get_tsc_hz()) {
    if (hz_ == 0) {
        hz_ = 1'000'000'000ULL; // never seen; avoids a division by zero
    }
}

Instant TscClock::now() const {
    return from_cycles(rte_get_tsc_cycles());
}

} // namespace multios::net::glue
