// The per-lcore timer wheel (lib/common/timer_wheel.hpp) with 1,000,000 armed timers, at the
// stack's 1 ms tick: what a busy lcore pays to re-arm a connection's timer (every ACK moves
// the retransmission timer), to arm and cancel one (a delayed ACK that a data segment
// overtakes), and to advance the wheel by one tick while timers keep expiring and being
// re-armed (TIME-WAIT, keepalive, RTOs of a million connections).
#include <memory>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/timer_wheel.hpp"

namespace multios::net::bench {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kTimers = 1'000'000;
constexpr Duration kSpread = 60s; ///< Armed deadlines are spread over the next minute.

/// A wheel at the stack's 1 ms tick with `n` timers armed at random deadlines in
/// (start, start + kSpread], plus a random sequence of offsets the loops draw from.
struct ArmedWheel {
    Instant now = instant_from_ns(1'000'000'000);
    TimerWheel wheel{1ms, now};
    std::unique_ptr<TimerNode[]> nodes;
    std::vector<std::int64_t> offsets_ns; ///< 1 ms .. kSpread
    std::vector<std::uint32_t> picks;     ///< random node indexes

    explicit ArmedWheel(std::size_t n) : nodes(new TimerNode[n]) {
        std::mt19937_64 rng(11);
        std::uniform_int_distribution<std::int64_t> off(1'000'000, kSpread.count());
        std::uniform_int_distribution<std::uint32_t> pick(0, static_cast<std::uint32_t>(n - 1));
        offsets_ns.resize(1 << 16);
        picks.resize(1 << 16);
        for (auto& o : offsets_ns)
            o = off(rng);
        for (auto& p : picks)
            p = pick(rng);
        for (std::size_t i = 0; i < n; ++i)
            wheel.schedule(nodes[i], now + Duration(offsets_ns[i % offsets_ns.size()] + i % 977));
    }
    Duration offset(std::size_t i) const {
        return Duration(offsets_ns[i & (offsets_ns.size() - 1)]);
    }
    TimerNode& pick(std::size_t i) { return nodes[picks[i & (picks.size() - 1)]]; }
};

/// schedule() of an armed node to a new deadline (unlink + insert), 1M armed.
void BM_TimerWheelRearm(benchmark::State& state) {
    ArmedWheel w(kTimers);
    std::size_t i = 0;
    for (auto _ : state) {
        w.wheel.schedule(w.pick(i), w.now + w.offset(i));
        ++i;
    }
    if (w.wheel.size() != kTimers)
        state.SkipWithError("re-arming changed the number of armed timers");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_TimerWheelRearm);

/// One extra node armed (40 ms: a delayed ACK) and cancelled, 1M others armed.
void BM_TimerWheelArmCancel(benchmark::State& state) {
    ArmedWheel w(kTimers);
    TimerNode extra;
    std::int64_t armed = 0;
    for (auto _ : state) {
        w.wheel.schedule(extra, w.now + 40ms);
        armed += extra.armed();
        w.wheel.cancel(extra);
    }
    if (armed != static_cast<std::int64_t>(state.iterations()) || extra.armed() ||
        w.wheel.size() != kTimers)
        state.SkipWithError("arm/cancel did not arm and disarm the node");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_TimerWheelArmCancel);

/// advance() by one 1 ms tick; every timer that fires is re-armed up to a minute ahead (so the
/// wheel stays at 1M and about 1M / 60,000 ≈ 17 timers fire per tick, cascades included).
/// One iteration is one tick; `fired_per_tick` is the mean number fired.
void BM_TimerWheelAdvance(benchmark::State& state) {
    ArmedWheel w(kTimers);
    std::size_t i = 0;
    std::int64_t fired = 0;
    for (auto _ : state) {
        w.now += 1ms;
        fired += static_cast<std::int64_t>(w.wheel.advance(
            w.now, [&](TimerNode& n) { w.wheel.schedule(n, w.now + w.offset(i++)); }));
    }
    const auto ticks = static_cast<std::int64_t>(state.iterations());
    if (w.wheel.size() != kTimers)
        state.SkipWithError("timers were lost while advancing");
    else if (ticks >= 1000 && fired == 0)
        state.SkipWithError("no timer fired in a second of ticks");
    state.SetItemsProcessed(ticks);
    if (ticks > 0)
        state.counters["fired_per_tick"] = static_cast<double>(fired) / static_cast<double>(ticks);
}
BENCHMARK(BM_TimerWheelAdvance);

} // namespace
} // namespace multios::net::bench
