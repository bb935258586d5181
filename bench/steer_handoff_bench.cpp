// What software steering costs per received packet (issue 4): classify_frame (parse to L4 +
// Toeplitz hash + RETA), and the hand-off of the frame to the owning lcore over a
// single-producer/single-consumer rte_ring read by a consumer thread on the other CPU (the
// cache lines of the ring slots and of the frame move between cores). One iteration is one
// packet. The scaling of shared-nothing shards is BM_ShardScaling* in stack_tcp_bench.cpp.
#include <atomic>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <rte_ring.h>

#include <multios/net/wire/ethernet.hpp>
#include <multios/net/wire/ipv4.hpp>
#include <multios/net/wire/tcp.hpp>

#include "frames.hpp"
#include "steer/frame_classifier.hpp"

namespace multios::net::bench {
namespace {

constexpr std::size_t kFlows = 256;

/// Full-size TCP data frames of `kFlows` distinct IPv4 flows (10.0.16.x:40000+7i -> 10.0.0.2:80).
std::vector<frames::Frame> tcp_frames() {
    std::vector<frames::Frame> out;
    const frames::Frame payload = frames::pattern(1448);
    for (std::size_t i = 0; i < kFlows; ++i) {
        const Ipv4Address src = Ipv4Address::from_u32(0x0a00'1000 + static_cast<std::uint32_t>(i));
        const Ipv4Address dst = Ipv4Address::from_u32(0x0a00'0002);
        wire::TcpHeaderFields h;
        h.src_port = static_cast<std::uint16_t>(40000 + 7 * i);
        h.dst_port = 80;
        h.seq = 1;
        h.ack = 1;
        h.flags = wire::tcpflag::kAck;
        h.window = 65535;
        out.push_back(frames::eth(
            MacAddress{{2, 0, 0, 0, 0, 2}}, MacAddress{{2, 0, 0, 0, 0, 1}}, wire::ethertype::kIpv4,
            frames::ipv4(src, dst, wire::ipproto::kTcp, frames::tcp_v4(h, payload, src, dst))));
    }
    return out;
}

void BM_SteerClassifyTcpV4(benchmark::State& state) {
    const auto steering = steer::FlowSteering::create(2);
    const auto frames = tcp_frames();
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(steer::classify_frame(*steering, frames[i++ % kFlows]));
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_SteerClassifyTcpV4);

/// An rte_ring in ordinary memory (rte_ring_init needs no EAL), SP/SC as between two lcores.
struct RingMemory {
    void operator()(rte_ring* r) const { std::free(r); }
};
std::unique_ptr<rte_ring, RingMemory> make_ring(unsigned slots) {
    const ssize_t bytes = rte_ring_get_memsize(slots);
    if (bytes < 0) {
        return nullptr;
    }
    auto* r = static_cast<rte_ring*>(
        std::aligned_alloc(64, (static_cast<std::size_t>(bytes) + 63) & ~63ul));
    if (r == nullptr || rte_ring_init(r, "bench", slots, RING_F_SP_ENQ | RING_F_SC_DEQ) != 0) {
        std::free(r);
        return nullptr;
    }
    return std::unique_ptr<rte_ring, RingMemory>(r);
}

/// Classify, then hand every frame to a consumer thread that reads its first bytes (as the
/// owner's stack would), in bursts of 32 like the poll loop. Counts what the receiving lcore
/// pays; the consumer runs on the other CPU when there is one.
void BM_SteerHandoffTcpV4(benchmark::State& state) {
    const auto steering = steer::FlowSteering::create(2);
    const auto frames = tcp_frames();
    auto ring = make_ring(2048);
    if (!ring) {
        state.SkipWithError("rte_ring_init failed");
        return;
    }
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> consumed{0};
    std::thread consumer([&] {
        std::array<void*, 32> got;
        std::uint64_t sum = 0, n = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            const unsigned k = rte_ring_dequeue_burst(ring.get(), got.data(), got.size(), nullptr);
            for (unsigned j = 0; j < k; ++j) {
                sum += static_cast<std::uint8_t>(
                    static_cast<const frames::Frame*>(got[j])->data()[20]);
            }
            n += k;
        }
        benchmark::DoNotOptimize(sum);
        consumed.store(n);
    });
    std::array<void*, 32> burst;
    std::size_t i = 0;
    std::uint64_t dropped = 0;
    unsigned fill = 0;
    for (auto _ : state) {
        const frames::Frame& f = frames[i++ % kFlows];
        benchmark::DoNotOptimize(steer::classify_frame(*steering, f));
        burst[fill++] = const_cast<frames::Frame*>(&f);
        if (fill == burst.size()) {
            dropped += fill - rte_ring_enqueue_burst(ring.get(), burst.data(), fill, nullptr);
            fill = 0;
        }
    }
    stop.store(true);
    consumer.join();
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["ring_full_drops"] = static_cast<double>(dropped);
}
BENCHMARK(BM_SteerHandoffTcpV4);

} // namespace
} // namespace multios::net::bench
