// The wire of a link: MTU drops, one-bit corruption, duplication, jitter that keeps order,
// and reordering only when asked.
#include <catch2/catch.hpp>

#include <bit>
#include <chrono>
#include <set>

#include "sim_test_support.hpp"

using namespace multios::net;
using namespace multios::net::sim_test;
using namespace std::chrono_literals;

namespace multios::net::sim_test {
namespace {
std::vector<std::byte> expected_bytes(std::size_t len, std::uint32_t seq) {
    FramePool p;
    const auto h = numbered_frame(p, len, seq);
    const auto b = p.bytes(h);
    return {b.begin(), b.end()};
}
} // namespace
} // namespace multios::net::sim_test

TEST_CASE("frames longer than MTU + 14 are dropped and counted", "[sim]") {
    LinkConfig cfg;
    cfg.mtu = 1000;
    LinkBench b(cfg);
    b.link.offer(numbered_frame(b.pool, 1014, 0), b.sched.now());
    b.link.offer(numbered_frame(b.pool, 1015, 1), b.sched.now());
    b.link.offer(numbered_frame(b.pool, 9000, 2), b.sched.now());
    b.drain();
    CHECK(b.link.counters().dropped_mtu == 2);
    REQUIRE(b.rx.got.size() == 1);
    CHECK(b.rx.got[0].bytes.size() == 1014);
    CHECK(b.pool.in_use() == 0);
}

TEST_CASE("corruption flips exactly one bit of a frame", "[sim]") {
    LinkConfig cfg;
    cfg.corrupt = 1.0;
    LinkBench b(cfg, 5);
    const std::uint32_t n = 2000;
    b.stream(n, 200, 1us);
    REQUIRE(b.rx.got.size() == n);
    CHECK(b.link.counters().corrupted == n);
    std::set<std::size_t> positions;
    for (std::uint32_t i = 0; i < n; ++i) {
        const auto want = expected_bytes(200, i);
        const auto& got = b.rx.got[i].bytes;
        REQUIRE(got.size() == want.size());
        int flipped = 0;
        for (std::size_t k = 0; k < got.size(); ++k) {
            const auto x = static_cast<unsigned>(got[k] ^ want[k]);
            flipped += std::popcount(x);
            if (x != 0) {
                positions.insert(k);
            }
        }
        REQUIRE(flipped == 1);
    }
    // The flipped bit lands all over the frame, not in one favourite place.
    CHECK(positions.size() > 150);
}

TEST_CASE("a corrupt fraction leaves the other frames intact", "[sim]") {
    LinkConfig cfg;
    cfg.corrupt = 0.1;
    LinkBench b(cfg, 6);
    const std::uint32_t n = 20'000;
    b.stream(n, 100, 1us);
    std::uint64_t damaged = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
        damaged += b.rx.got[i].bytes != expected_bytes(100, i) ? 1 : 0;
    }
    CHECK(damaged == b.link.counters().corrupted);
    CHECK(std::abs(double(damaged) - 2000.0) <= four_sigma(n, 0.1));
}

TEST_CASE("duplication delivers a second copy right behind the first", "[sim]") {
    LinkConfig cfg;
    cfg.duplicate = 1.0;
    cfg.delay = 2ms;
    LinkBench b(cfg);
    b.stream(100, 300, 50us);
    CHECK(b.link.counters().duplicated == 100);
    REQUIRE(b.rx.got.size() == 200);
    for (std::uint32_t i = 0; i < 100; ++i) {
        CHECK(frame_seq(b.rx.got[2 * i].bytes) == i);
        CHECK(b.rx.got[2 * i + 1].bytes == b.rx.got[2 * i].bytes);
        CHECK(b.rx.got[2 * i + 1].at == b.rx.got[2 * i].at);
    }
    CHECK(b.pool.in_use() == 0);
}

TEST_CASE("jitter varies the delay but never reorders", "[sim]") {
    LinkConfig cfg;
    cfg.delay = 10ms;
    cfg.jitter = 5ms;
    LinkBench b(cfg, 8);
    const Instant t0 = b.sched.now();
    const std::uint32_t n = 5000;
    b.stream(n, 100, 100us); // frames 0.1 ms apart: jitter alone would reorder them
    REQUIRE(b.rx.got.size() == n);
    Duration min_delay = Duration::max(), max_delay = Duration::zero();
    for (std::uint32_t i = 0; i < n; ++i) {
        REQUIRE(frame_seq(b.rx.got[i].bytes) == i);
        if (i > 0) {
            REQUIRE(b.rx.got[i].at >= b.rx.got[i - 1].at);
        }
        const Duration d = b.rx.got[i].at - (t0 + i * 100us);
        min_delay = std::min(min_delay, d);
        max_delay = std::max(max_delay, d);
    }
    // Order is kept by holding a frame behind a predecessor that drew more jitter, so the
    // delay stays within [delay, delay + jitter].
    CHECK(min_delay >= 10ms);
    CHECK(max_delay <= 15ms);
    CHECK(b.link.counters().reordered == 0);
}

TEST_CASE("jitter on sparse frames is uniform over [delay, delay + jitter]", "[sim]") {
    LinkConfig cfg;
    cfg.delay = 10ms;
    cfg.jitter = 5ms;
    LinkBench b(cfg, 8);
    const Instant t0 = b.sched.now();
    const std::uint32_t n = 2000;
    b.stream(n, 100, 20ms); // further apart than the jitter: no frame waits for another
    REQUIRE(b.rx.got.size() == n);
    double sum_ms = 0;
    Duration min_delay = Duration::max(), max_delay = Duration::zero();
    for (std::uint32_t i = 0; i < n; ++i) {
        const Duration d = b.rx.got[i].at - (t0 + i * 20ms);
        min_delay = std::min(min_delay, d);
        max_delay = std::max(max_delay, d);
        sum_ms += std::chrono::duration<double, std::milli>(d).count();
    }
    CHECK(min_delay >= 10ms);
    CHECK(min_delay < 10ms + 50us);
    CHECK(max_delay <= 15ms);
    CHECK(max_delay > 15ms - 50us);
    // Mean 12.5 ms; sd of the mean = 5/sqrt(12)/sqrt(2000) = 0.032 ms.
    CHECK(sum_ms / n == Approx(12.5).margin(0.13));
}

TEST_CASE("reordering holds a fraction of frames behind the next one", "[sim]") {
    LinkConfig cfg;
    cfg.delay = 1ms;
    cfg.reorder = 0.05;
    LinkBench b(cfg, 4);
    const std::uint32_t n = 20'000;
    b.stream(n, 80, 20us);
    REQUIRE(b.rx.got.size() == n); // late, never lost
    std::uint64_t inversions = 0;
    std::set<std::uint32_t> seen;
    for (std::size_t i = 0; i < b.rx.got.size(); ++i) {
        const auto s = frame_seq(b.rx.got[i].bytes);
        seen.insert(s);
        if (i > 0 && s < frame_seq(b.rx.got[i - 1].bytes)) {
            ++inversions;
        }
    }
    CHECK(seen.size() == n);
    const auto held = b.link.counters().reordered;
    CHECK(inversions == held);
    CHECK(std::abs(double(held) - n * 0.05) <= four_sigma(n, 0.05) + 50);
}
