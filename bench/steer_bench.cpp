// Per-packet cost of software steering (issue 4): build the RSS input of a received packet,
// Toeplitz-hash it with the precomputed tables and look the owner up in the RETA. One
// benchmark iteration is one packet.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "steer/flow_steering.hpp"

namespace multios::net::bench {
namespace {

/// A few hundred distinct flows, so the loop does not hash one constant tuple.
constexpr std::size_t kFlows = 256;

std::array<FourTuple, kFlows> make_flows(bool v6) {
    std::array<FourTuple, kFlows> flows{};
    for (std::size_t i = 0; i < kFlows; ++i) {
        FourTuple& t = flows[i];
        if (v6) {
            Ipv6Address local, remote;
            local.bytes = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
            remote.bytes = {0xfd, 0, 0, 0, 0, 0, 0,    0,
                            0,    0, 0, 0, 0, 0, 0x10, static_cast<std::uint8_t>(i)};
            t.local = local;
            t.remote = remote;
        } else {
            t.local = Ipv4Address::from_u32(0x0a00'0002);
            t.remote = Ipv4Address::from_u32(0x0a00'1000 + static_cast<std::uint32_t>(i));
        }
        t.local_port = 80;
        t.remote_port = static_cast<std::uint16_t>(40000 + i * 7);
    }
    return flows;
}

void steer_owner(benchmark::State& state, bool v6) {
    const auto steering = steer::FlowSteering::create(2, 512);
    const auto flows = make_flows(v6);
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(steering->owner(flows[i++ % kFlows]));
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_SteerOwnerV4(benchmark::State& state) {
    steer_owner(state, false);
}
BENCHMARK(BM_SteerOwnerV4);

void BM_SteerOwnerV6(benchmark::State& state) {
    steer_owner(state, true);
}
BENCHMARK(BM_SteerOwnerV6);

/// Bit-serial reference for comparison: why the tables exist.
void BM_ToeplitzBitSerialV4(benchmark::State& state) {
    const auto flows = make_flows(false);
    std::size_t i = 0;
    for (auto _ : state) {
        const auto in = steer::rss_input_received(flows[i++ % kFlows]);
        benchmark::DoNotOptimize(steer::toeplitz_hash(steer::kSymmetricRssKey, in.view()));
    }
}
BENCHMARK(BM_ToeplitzBitSerialV4);

/// One active-open candidate port test (LandsOnLcore), as EphemeralPortSelector probes it.
void BM_ActiveOpenPortProbe(benchmark::State& state) {
    const auto steering = steer::FlowSteering::create(2, 512);
    const auto flows = make_flows(false);
    const steer::LandsOnLcore lands(*steering, 1, flows[0]);
    std::uint16_t port = 49152;
    for (auto _ : state) {
        benchmark::DoNotOptimize(lands(port++));
    }
}
BENCHMARK(BM_ActiveOpenPortProbe);

} // namespace
} // namespace multios::net::bench
