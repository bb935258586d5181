// How fast the simulator runs (issue 7's benchmark): N bulk TCP flows (10, 100, 1,000) share
// one 100 Mbit/s, 20 ms RTT bottleneck link, and each iteration builds the scenario and runs
// it for kSimulated of virtual time through run_scenario(), the same path as
// `multios-net simulate` (minus the files). items_processed counts scheduler events, so the
// "items/s" column is events per real second; "sim_s_per_s" is simulated seconds per real
// second (above 1: faster than real time).
//
// Shape: the issue asks for a dumbbell. Router nodes do not exist yet, so every flow runs
// between the same two hosts and shares the link's one drop-tail queue: the same bottleneck,
// without the access links and the forwarding work a real dumbbell adds.
#include <chrono>
#include <string>
#include <variant>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "sim/run_scenario.hpp"
#include "sim/scenario.hpp"

namespace multios::net::sim_bench {
namespace {

using namespace std::chrono_literals;
using sim::ScenarioError;
using sim::ScenarioFile;

/// Long enough for the flows to leave the handshake and ARP behind, short enough that one
/// iteration of 1,000 flows stays around a second.
constexpr Duration kSimulated = 2s;

/// The scenario text: two hosts, one bottleneck, `flows` tcp_bulk apps on their own ports.
/// The app buffer is kept small so 1,000 flows stay within a few tens of MB.
std::string bottleneck_scenario(int flows) {
    std::string s = R"(
[simulation]
duration = "2s"
seed = 1
[[node]]
name = "left"
addresses = ["10.8.0.1/24"]
[[node]]
name = "right"
addresses = ["10.8.0.2/24"]
[[link]]
name = "bottleneck"
a = "left"
b = "right"
rate = "100Mbit"
delay = "10ms"
queue = 1000
pcap = false
)";
    for (int i = 0; i < flows; ++i) {
        s += fmt::format("[[app]]\nkind = \"tcp_bulk\"\nfrom = \"left\"\nto = \"right\"\n"
                         "port = {}\napp_buffer = \"16KiB\"\n",
                         10000 + i);
    }
    return s;
}

void BM_SimBottleneckFlows(benchmark::State& state) {
    const int flows = static_cast<int>(state.range(0));
    auto parsed = sim::parse_scenario(bottleneck_scenario(flows), "sim_bench.toml");
    if (const auto* e = std::get_if<ScenarioError>(&parsed)) {
        state.SkipWithError(e->message.c_str());
        return;
    }
    const ScenarioFile scenario = std::get<ScenarioFile>(std::move(parsed));
    sim::SimulateOptions options;
    options.duration = kSimulated;

    std::uint64_t events = 0;
    double simulated_s = 0;
    double goodput_bps = 0;
    for (auto _ : state) {
        auto r = sim::run_scenario(scenario, options);
        if (!r) {
            state.SkipWithError("run_scenario failed");
            return;
        }
        events += r->events;
        simulated_s += std::chrono::duration<double>(r->simulated).count();
        goodput_bps = 0;
        for (const auto& f : r->flows) {
            goodput_bps += f.goodput_bps;
        }
        benchmark::DoNotOptimize(goodput_bps);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(events));
    state.counters["sim_s_per_s"] = benchmark::Counter(simulated_s, benchmark::Counter::kIsRate);
    // Sanity figure, not a measurement: the flows together should fill most of the link.
    state.counters["goodput_Mbps"] = goodput_bps / 1e6;
}

BENCHMARK(BM_SimBottleneckFlows)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

} // namespace
} // namespace multios::net::sim_bench

BENCHMARK_MAIN();
