// How fast the simulator runs (issue 7's benchmark): N bulk TCP flows (10, 100, 1,000) share
// one 100 Mbit/s, 20 ms RTT bottleneck link, and each iteration builds the scenario and runs
// it for kSimulated of virtual time through run_scenario(), the same path as
// `multios-net simulate` (minus the files). items_processed counts scheduler events, so the
// "items/s" column is events per real second; "sim_s_per_s" is simulated seconds per real
// second (above 1: faster than real time).
//
// Shape: a dumbbell. kHosts senders behind router r1, kHosts receivers behind router r2
// (1 Gbit/s, 1 ms access links), one 100 Mbit/s, 10 ms bottleneck between the routers; flow
// i runs from sender i mod kHosts to receiver i mod kHosts, so every frame is forwarded twice.
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

constexpr int kHosts = 10;

/// The scenario text: the dumbbell, routes planned automatically, `flows` tcp_bulk apps on
/// their own ports. The app buffer is kept small so 1,000 flows stay within a few tens of MB.
std::string dumbbell_scenario(int flows) {
    std::string s = R"(
[simulation]
duration = "2s"
seed = 1
[[node]]
name = "r1"
kind = "router"
[[node]]
name = "r2"
kind = "router"
[[link]]
name = "bottleneck"
a = "r1"
b = "r2"
rate = "100Mbit"
delay = "10ms"
queue = 1000
pcap = false
)";
    std::string r1_addresses = "eth0 = \"10.8.0.1/30\"", r2_addresses = "eth0 = \"10.8.0.2/30\"";
    for (int h = 0; h < kHosts; ++h) {
        for (const char* side : {"s", "d"}) {
            const int net = side[0] == 's' ? 10 + h : 50 + h;
            s += fmt::format("[[node]]\nname = \"{}{}\"\naddresses = [\"10.8.{}.1/24\"]\n"
                             "[[link]]\na = \"{}{}\"\nb = \"{}:eth{}\"\nrate = \"1Gbit\"\n"
                             "delay = \"1ms\"\npcap = false\n",
                             side, h, net, side, h, side[0] == 's' ? "r1" : "r2", h + 1);
            (side[0] == 's' ? r1_addresses : r2_addresses) +=
                fmt::format(", eth{} = \"10.8.{}.254/24\"", h + 1, net);
        }
    }
    // The routers' addresses name interfaces the links above created.
    const std::string kind = "kind = \"router\"\n";
    s.replace(s.find(kind), kind.size(), kind + "addresses = { " + r1_addresses + " }\n");
    s.replace(s.rfind(kind), kind.size(), kind + "addresses = { " + r2_addresses + " }\n");
    for (int i = 0; i < flows; ++i) {
        s += fmt::format("[[app]]\nkind = \"tcp_bulk\"\nfrom = \"s{}\"\nto = \"d{}\"\n"
                         "port = {}\napp_buffer = \"16KiB\"\n",
                         i % kHosts, i % kHosts, 10000 + i);
    }
    return s;
}

void BM_SimDumbbellFlows(benchmark::State& state) {
    const int flows = static_cast<int>(state.range(0));
    auto parsed = sim::parse_scenario(dumbbell_scenario(flows), "sim_bench.toml");
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

BENCHMARK(BM_SimDumbbellFlows)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

} // namespace
} // namespace multios::net::sim_bench

BENCHMARK_MAIN();
