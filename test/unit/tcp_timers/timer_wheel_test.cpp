// Timer wheel: firing semantics on injected time and work bounded independently of the number
// of armed timers (counted through TimerWheelStats, never by wall-clock timing).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/timer_wheel.hpp"

using namespace std::chrono_literals;
using multios::net::Duration;
using multios::net::Instant;
using multios::net::instant_from_ns;
using multios::net::kNever;
using multios::net::TimerNode;
using multios::net::TimerWheel;

namespace multios::net::tcp_timers_test {

constexpr Instant kStart = instant_from_ns(1'000'000'000);

/// Records (kind, instant of the advance) for every fire.
struct FireLog {
    struct Entry {
        std::uint16_t kind;
        Instant at;
    };
    std::vector<Entry> entries;
    std::size_t count(std::uint16_t kind) const {
        std::size_t n = 0;
        for (const auto& e : entries)
            n += e.kind == kind ? 1 : 0;
        return n;
    }
};

/// Advances `w` to `now` logging every fire.
std::size_t advance_log(TimerWheel& w, Instant now, FireLog& log) {
    return w.advance(now, [&](TimerNode& n) { log.entries.push_back({n.kind(), now}); });
}

} // namespace multios::net::tcp_timers_test

using namespace multios::net::tcp_timers_test;

TEST_CASE("timer fires exactly once, at its deadline and never early", "[tcp_timers]") {
    TimerWheel w(1ms, kStart);
    TimerNode a(nullptr, 1);
    w.schedule(a, kStart + 10ms);
    CHECK(w.armed(a));
    CHECK(w.size() == 1);
    FireLog log;
    CHECK(advance_log(w, kStart + 9ms, log) == 0);
    CHECK(advance_log(w, kStart + 10ms - 1ns, log) == 0);
    CHECK(w.armed(a));
    CHECK(advance_log(w, kStart + 10ms, log) == 1);
    CHECK_FALSE(w.armed(a));
    CHECK(w.size() == 0);
    CHECK(advance_log(w, kStart + 1s, log) == 0);
    REQUIRE(log.entries.size() == 1);
    CHECK(log.entries[0].kind == 1);
}

TEST_CASE("off-grid deadline fires at the next tick boundary, not before", "[tcp_timers]") {
    TimerWheel w(1ms, kStart);
    TimerNode a;
    w.schedule(a, kStart + 10ms + 1ns);
    FireLog log;
    CHECK(advance_log(w, kStart + 10ms + 500us, log) == 0);
    CHECK(w.next_deadline() == kStart + 11ms);
    CHECK(advance_log(w, kStart + 11ms, log) == 1);
}

TEST_CASE("one advance over many ticks fires in deadline order", "[tcp_timers]") {
    TimerWheel w(1ms, kStart);
    std::vector<std::unique_ptr<TimerNode>> nodes;
    const std::vector<int> delays_ms = {700, 3, 90000, 64, 65, 4096, 4095, 1, 262144, 5000};
    for (std::size_t i = 0; i < delays_ms.size(); ++i) {
        nodes.push_back(std::make_unique<TimerNode>(nullptr, static_cast<std::uint16_t>(i)));
        w.schedule(*nodes.back(), kStart + std::chrono::milliseconds(delays_ms[i]));
    }
    std::vector<Instant> fired_deadlines;
    const auto n = w.advance(kStart + 1h, [&](TimerNode& t) {
        fired_deadlines.push_back(kStart + std::chrono::milliseconds(delays_ms[t.kind()]));
    });
    CHECK(n == delays_ms.size());
    REQUIRE(fired_deadlines.size() == delays_ms.size());
    for (std::size_t i = 1; i < fired_deadlines.size(); ++i)
        CHECK(fired_deadlines[i - 1] <= fired_deadlines[i]);
}

TEST_CASE("cancel and re-schedule", "[tcp_timers]") {
    TimerWheel w(1ms, kStart);
    TimerNode a(nullptr, 1), b(nullptr, 2);
    w.schedule(a, kStart + 5ms);
    w.schedule(b, kStart + 5ms);
    w.cancel(a);
    w.cancel(a); // idempotent
    CHECK(w.size() == 1);
    w.schedule(b, kStart + 50ms); // re-arm moves it
    CHECK(w.size() == 1);
    CHECK(w.next_deadline() == kStart + 50ms);
    FireLog log;
    CHECK(advance_log(w, kStart + 49ms, log) == 0);
    CHECK(advance_log(w, kStart + 50ms, log) == 1);
    CHECK(log.entries[0].kind == 2);
    w.schedule(a, kNever); // kNever disarms
    CHECK_FALSE(w.armed(a));
    CHECK(w.next_deadline() == kNever);
}

TEST_CASE("destroying an armed node cancels it", "[tcp_timers]") {
    TimerWheel w(1ms, kStart);
    {
        TimerNode a;
        w.schedule(a, kStart + 5ms);
        CHECK(w.size() == 1);
    }
    CHECK(w.size() == 0);
    FireLog log;
    CHECK(advance_log(w, kStart + 1s, log) == 0);
}

TEST_CASE("callbacks may re-arm themselves and cancel or arm others", "[tcp_timers]") {
    TimerWheel w(1ms, kStart);
    TimerNode periodic(nullptr, 1), victim(nullptr, 2), late(nullptr, 3), spawned(nullptr, 4);
    w.schedule(periodic, kStart + 10ms);
    w.schedule(victim, kStart + 10ms); // same slot as periodic, fires after it unless cancelled
    w.schedule(late, kStart + 200ms);
    std::vector<Instant> periodic_fires;
    std::size_t total = 0;
    auto on_fire = [&](TimerNode& n) {
        ++total;
        if (n.kind() == 1) {
            periodic_fires.push_back(n.deadline());
            w.cancel(victim);
            if (periodic_fires.size() < 5)
                w.schedule(n, n.deadline() + 10ms);
            else
                w.schedule(spawned, n.deadline() + 1ms);
        }
    };
    w.advance(kStart + 100ms, on_fire);
    REQUIRE(periodic_fires.size() == 5);
    for (std::size_t i = 0; i < 5; ++i)
        CHECK(periodic_fires[i] == kStart + std::chrono::milliseconds(10 * (i + 1)));
    CHECK_FALSE(w.armed(victim));
    CHECK(total == 6); // 5 periodic + spawned at 51 ms, victim never
    CHECK(w.armed(late));
    CHECK(w.size() == 1);
}

TEST_CASE("re-arming at 'now' from a callback fires on the next advance, not in a loop",
          "[tcp_timers]") {
    TimerWheel w(1ms, kStart);
    TimerNode a;
    w.schedule(a, kStart + 1ms);
    std::size_t fires = 0;
    auto rearm_now = [&](TimerNode& n) {
        ++fires;
        w.schedule(n, kStart); // in the past
    };
    CHECK(w.advance(kStart + 2ms, rearm_now) == 1);
    CHECK(w.armed(a));
    CHECK(w.next_deadline() <= kStart + 2ms);
    CHECK(w.advance(kStart + 2ms, rearm_now) == 1);
    CHECK(fires == 2);
}

TEST_CASE("far-future timers fire at the right tick after many advances", "[tcp_timers]") {
    TimerWheel w(1ms, kStart);
    TimerNode keepalive(nullptr, 1), time_wait(nullptr, 2);
    w.schedule(keepalive, kStart + 2h + 7ms);
    w.schedule(time_wait, kStart + 60s);
    FireLog log;
    Instant now = kStart;
    // Advance in uneven steps; the last step before each deadline stops one tick short.
    while (now + 997ms < kStart + 2h) {
        now += 997ms;
        advance_log(w, now, log);
    }
    REQUIRE(log.count(2) == 1);
    CHECK(log.entries[0].at >= kStart + 60s);
    CHECK(log.entries[0].at < kStart + 60s + 997ms);
    CHECK(log.count(1) == 0);
    CHECK(w.next_deadline() == kStart + 2h + 7ms);
    advance_log(w, kStart + 2h + 6ms, log);
    CHECK(log.count(1) == 0);
    advance_log(w, kStart + 2h + 7ms, log);
    CHECK(log.count(1) == 1);
}

TEST_CASE("deadlines beyond the top level wait in overflow and still fire on time",
          "[tcp_timers]") {
    // A 1 ns tick makes the wheel's reach 2^36 ns (~69 s): 2 h goes to the overflow list.
    TimerWheel w(1ns, kStart);
    TimerNode far(nullptr, 1), near(nullptr, 2);
    w.schedule(far, kStart + 2h);
    w.schedule(near, kStart + 30s);
    CHECK(w.next_deadline() == kStart + 30s);
    FireLog log;
    for (int i = 1; i <= 7200; ++i)
        advance_log(w, kStart + std::chrono::seconds(i) - 1ns, log);
    CHECK(log.count(2) == 1);
    CHECK(log.count(1) == 0);
    CHECK(w.next_deadline() <= kStart + 2h);
    advance_log(w, kStart + 2h, log);
    CHECK(log.count(1) == 1);
    CHECK(w.size() == 0);
}

TEST_CASE("next_deadline is never later than the earliest armed deadline", "[tcp_timers]") {
    TimerWheel w(1ms, kStart);
    CHECK(w.next_deadline() == kNever);
    std::vector<std::unique_ptr<TimerNode>> nodes;
    std::uint64_t state = 12345;
    Instant earliest = kNever;
    for (int i = 0; i < 200; ++i) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        const auto delay = std::chrono::microseconds((state >> 20) % 3'000'000'000ull);
        nodes.push_back(std::make_unique<TimerNode>());
        w.schedule(*nodes.back(), kStart + delay);
        // Rounded up to the 1 ms grid.
        const auto rounded = kStart + std::chrono::ceil<std::chrono::milliseconds>(delay);
        earliest = std::min(earliest, Instant(rounded));
    }
    // Exact while nothing was cancelled; a simulated clock that jumps to next_deadline()
    // fires everything at its rounded deadline.
    CHECK(w.next_deadline() == earliest);
    std::size_t fired = 0;
    Instant last = kStart;
    while (w.next_deadline() != kNever) {
        const Instant t = w.next_deadline();
        CHECK(t >= last);
        last = t;
        fired += w.advance(t, [&](TimerNode& n) { CHECK(n.deadline() <= t); });
    }
    CHECK(fired == 200);
}

TEST_CASE("100k timers: schedule/cancel and advance work do not scale with armed timers",
          "[tcp_timers]") {
    constexpr std::size_t kTimers = 100'000;
    TimerWheel w(1ms, kStart);
    std::vector<TimerNode> nodes(kTimers);
    for (std::size_t i = 0; i < kTimers; ++i)
        w.schedule(nodes[i], kStart + 2h + std::chrono::milliseconds(i % 1000));
    CHECK(w.size() == kTimers);

    // 1000 one-tick advances with 100k timers armed far out: no timer is touched, and only
    // a bounded number of slots (one per upper-level boundary crossed) is visited.
    const auto before = w.stats();
    for (int i = 1; i <= 1000; ++i)
        CHECK(w.advance(kStart + std::chrono::milliseconds(i), [](TimerNode&) {}) == 0);
    const auto after = w.stats();
    CHECK(after.timers_cascaded == before.timers_cascaded);
    CHECK(after.slots_visited - before.slots_visited <= 10);

    // Cancel them all: afterwards hours of advance visit nothing.
    for (auto& n : nodes)
        w.cancel(n);
    CHECK(w.size() == 0);
    CHECK(w.next_deadline() == kNever);
    const auto idle = w.stats();
    CHECK(w.advance(kStart + 5h, [](TimerNode&) {}) == 0);
    CHECK(w.stats().slots_visited == idle.slots_visited);

    // Re-arm all, fire all: each timer is cascaded at most kLevels - 1 times.
    for (std::size_t i = 0; i < kTimers; ++i)
        w.schedule(nodes[i], kStart + 7h + std::chrono::microseconds(i * 37));
    const auto armed = w.stats();
    std::size_t fired = w.advance(kStart + 8h, [](TimerNode&) {});
    CHECK(fired == kTimers);
    const auto done = w.stats();
    CHECK(done.timers_cascaded - armed.timers_cascaded <= kTimers * (TimerWheel::kLevels - 1));
    // Slots visited bounded by occupied slots, far fewer than the 3.6M ticks crossed.
    CHECK(done.slots_visited - armed.slots_visited <= 5000);
}

TEST_CASE("random schedule/cancel/advance matches a brute-force model", "[tcp_timers]") {
    // Model: a timer fires in the first advance(now) with now >= its deadline rounded up to
    // the tick grid; never earlier, never twice. Callbacks re-arm some timers.
    constexpr std::size_t kNodes = 300;
    TimerWheel w(100us, kStart);
    std::vector<std::unique_ptr<TimerNode>> nodes;
    std::vector<Instant> model(kNodes, kNever); // rounded deadline, kNever = unarmed
    std::vector<bool> due_next(kNodes, false);  // re-armed at/before the current tick
    for (std::size_t i = 0; i < kNodes; ++i)
        nodes.push_back(std::make_unique<TimerNode>(nullptr, static_cast<std::uint16_t>(i)));
    std::uint64_t state = 777;
    auto rnd = [&](std::uint64_t bound) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return (state >> 17) % bound;
    };
    auto rounded = [](Instant d) { // up to the 100 us grid; the wheel clamps to tick 0
        const std::int64_t ns = (d - kStart).count();
        const std::int64_t ticks = ns <= 0 ? 0 : (ns + 99'999) / 100'000;
        return kStart + std::chrono::microseconds(100 * ticks);
    };
    Instant now = kStart;
    auto random_delay = [&]() -> Duration {
        switch (rnd(4)) {
        case 0:
            return std::chrono::nanoseconds(rnd(2'000'000)); // < 2 ms
        case 1:
            return std::chrono::microseconds(rnd(10'000'000)); // < 10 s
        case 2:
            return std::chrono::milliseconds(rnd(3'000'000)); // < 50 min
        default:
            return std::chrono::seconds(rnd(4 * 3600)); // < 4 h
        }
    };
    for (int round = 0; round < 4000; ++round) {
        const auto op = rnd(10);
        const std::size_t i = rnd(kNodes);
        if (op < 5) {
            const Instant d = now + random_delay();
            w.schedule(*nodes[i], d);
            model[i] = rounded(d);
            due_next[i] = model[i] <= now; // due already: the next advance fires it
        } else if (op < 6) {
            w.cancel(*nodes[i]);
            model[i] = kNever;
            due_next[i] = false;
        } else {
            Duration step = op < 9 ? Duration(std::chrono::microseconds(rnd(5000)))
                                   : Duration(std::chrono::seconds(rnd(1000)));
            const Instant next = now + step;
            Instant earliest = kNever;
            for (const auto m : model)
                earliest = std::min(earliest, m);
            CHECK(w.next_deadline() <= earliest);
            w.advance(next, [&](TimerNode& n) {
                const std::size_t k = n.kind();
                if (!due_next[k]) {
                    CHECK(model[k] <= next); // not early
                    CHECK(model[k] > now);   // not late: an earlier advance would have fired it
                }
                model[k] = kNever;
                due_next[k] = false;
                if (k % 7 == 0) { // re-arm from inside the callback, maybe already due
                    const Instant d = next - std::chrono::microseconds(rnd(300)) +
                                      std::chrono::microseconds(rnd(600));
                    w.schedule(n, d);
                    model[k] = rounded(d);
                    // At or before the tick being processed: deferred to the next advance()
                    // (never re-fired inside this one). The tick being processed is at most
                    // `next` floored to the grid; it is exact when only this fires.
                    const Instant floor_next = rounded(next + 1ns) - 100us;
                    due_next[k] = model[k] <= floor_next;
                }
            });
            now = next;
            for (std::size_t k = 0; k < kNodes; ++k) {
                CHECK(w.armed(*nodes[k]) == (model[k] != kNever));
                if (model[k] != kNever && model[k] <= now)
                    CHECK(due_next[k]); // due but unfired only when deferred
            }
        }
        std::size_t armed = 0;
        for (const auto m : model)
            armed += m != kNever ? 1 : 0;
        REQUIRE(w.size() == armed);
    }
}
