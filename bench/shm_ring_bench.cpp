// The shared-memory ring of issue 6 (lib/shm): two rings (requests and completions) in one
// memfd segment, as between a client process and multios-netd, with a second thread standing
// in for the other process (the cache-line traffic between cores is the same; the page tables
// differ, which does not matter once both are mapped). Pure busy-polling on both sides: this
// measures the ring, not the futex wake-up (which costs a system call when a side sleeps).
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <thread>

#include <benchmark/benchmark.h>

#include "shm/segment.hpp"
#include "shm/spsc_ring.hpp"

namespace multios::net::bench {
namespace {

constexpr std::uint32_t kSlotSize = 128; // room for a 64-byte message plus the length prefix
constexpr std::uint32_t kSlots = 1024;
constexpr std::size_t kRingBytes = shm::SpscRing::bytes_needed(kSlotSize, kSlots);
constexpr std::size_t kMessageBytes = 64;

/// A memfd segment holding a request ring at offset 0 and a completion ring after it.
struct RingPair {
    RingPair()
        : segment(shm::SharedSegment::create("multios-bench-ring", 2 * kRingBytes).value()),
          requests(shm::SpscRing::format(segment.data(), kRingBytes, kSlotSize).value()),
          completions(
              shm::SpscRing::format(segment.data() + kRingBytes, kRingBytes, kSlotSize).value()) {}
    shm::SharedSegment segment;
    shm::SpscRing requests;
    shm::SpscRing completions;
};

void push_spin(shm::SpscRing& ring, std::span<const std::byte> msg) {
    while (!ring.try_push(msg)) {
    }
}

/// One iteration: a 64-byte request out and the echoed 64-byte completion back.
void BM_ShmRingRoundTrip(benchmark::State& state) {
    RingPair rings;
    std::atomic<bool> stop{false};
    // The "daemon": the other side's handles, opened from the segment as a peer would.
    auto daemon_in = shm::SpscRing::open(rings.segment.data(), kRingBytes).value();
    auto daemon_out = shm::SpscRing::open(rings.segment.data() + kRingBytes, kRingBytes).value();
    std::thread echo([&] {
        std::array<std::byte, kMessageBytes> buf{};
        while (!stop.load(std::memory_order_relaxed)) {
            if (auto n = daemon_in.try_pop(buf))
                push_spin(daemon_out, std::span(buf.data(), *n));
        }
    });
    std::array<std::byte, kMessageBytes> msg{};
    std::array<std::byte, kMessageBytes> reply{};
    std::uint64_t seq = 0;
    for (auto _ : state) {
        std::memcpy(msg.data(), &seq, sizeof seq);
        push_spin(rings.requests, msg);
        while (!rings.completions.try_pop(reply)) {
        }
        ++seq;
    }
    stop = true;
    echo.join();
    if (std::memcmp(reply.data(), &(--seq), sizeof seq) != 0 && state.iterations() > 0)
        state.SkipWithError("echo out of order");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ShmRingRoundTrip)->UseRealTime();

/// One iteration: one 64-byte message received from a producer thread that pushes as fast as
/// the ring accepts; items_per_second is the one-way message rate.
void BM_ShmRingThroughput(benchmark::State& state) {
    RingPair rings;
    std::atomic<bool> stop{false};
    auto producer_ring = shm::SpscRing::open(rings.segment.data(), kRingBytes).value();
    std::thread producer([&] {
        std::array<std::byte, kMessageBytes> msg{};
        for (std::uint64_t seq = 0; !stop.load(std::memory_order_relaxed);) {
            std::memcpy(msg.data(), &seq, sizeof seq);
            if (producer_ring.try_push(msg))
                ++seq;
        }
    });
    std::array<std::byte, kMessageBytes> buf{};
    std::uint64_t expected = 0;
    bool in_order = true;
    for (auto _ : state) {
        while (!rings.requests.try_pop(buf)) {
        }
        std::uint64_t seq;
        std::memcpy(&seq, buf.data(), sizeof seq);
        in_order = in_order && seq == expected++;
    }
    stop = true;
    producer.join();
    if (!in_order)
        state.SkipWithError("messages out of order");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kMessageBytes));
}
BENCHMARK(BM_ShmRingThroughput)->UseRealTime();

} // namespace
} // namespace multios::net::bench
