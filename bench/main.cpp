// Entry point of multios-bench; the benchmarks register themselves (wire_bench.cpp,
// stack_bench.cpp).
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
