// Lets a script fix a benchmark's iteration count from outside: with MULTIOS_BENCH_ITERATIONS=N
// in the environment, a benchmark registered with ->Apply(fixed_iterations) runs exactly N
// iterations once (no calibration runs). bench/callgrind.sh uses it to count instructions for
// two different N in two runs: (total(N2) - total(N1)) / (N2 - N1) is then the cost of one
// iteration with the start-up (stack set-up, handshake, Google Benchmark itself) cancelled.
// Unset: the benchmark calibrates as usual.
#pragma once

#include <cstdlib>

#include <benchmark/benchmark.h>

namespace multios::net::bench {

inline void fixed_iterations(benchmark::internal::Benchmark* b) {
    if (const char* n = std::getenv("MULTIOS_BENCH_ITERATIONS"); n && std::atoll(n) > 0)
        b->Iterations(std::atoll(n));
}

} // namespace multios::net::bench
