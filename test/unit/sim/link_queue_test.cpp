// The transmit queue: drop-tail bound, serialization spacing of back-to-back frames, and RED.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>

#include "sim/red.hpp"
#include "sim_test_support.hpp"

using namespace multios::net;
using namespace multios::net::sim_test;
using namespace std::chrono_literals;

TEST_CASE("serialization: 1500-byte frames on 10 Mbit/s arrive 1.2 ms apart", "[sim]") {
    LinkConfig cfg;
    cfg.rate_bps = 10'000'000;
    cfg.delay = 5ms;
    LinkBench b(cfg);
    CHECK(b.link.serialization_time(1500) == 1200us);
    const Instant t0 = b.sched.now();
    const int n = 20;
    for (int i = 0; i < n; ++i) {
        b.link.offer(numbered_frame(b.pool, 1500, std::uint32_t(i)), t0); // all at once
    }
    CHECK(b.link.queue_length() == std::size_t(n));
    b.drain();
    REQUIRE(b.rx.got.size() == std::size_t(n));
    for (int i = 0; i < n; ++i) {
        // Frame i is fully on the wire after (i+1) serializations, then propagates.
        CHECK(b.rx.got[i].at - t0 == 5ms + (i + 1) * 1200us);
        CHECK(frame_seq(b.rx.got[i].bytes) == std::uint32_t(i));
    }
}

TEST_CASE("a drop-tail queue of B frames never holds more than B", "[sim]") {
    LinkConfig cfg;
    cfg.rate_bps = 10'000'000;
    cfg.queue_packets = 10;
    LinkBench b(cfg, 1, false);
    std::size_t seen_max = 0;
    b.link.set_queue_observer([&](Instant, std::size_t q) { seen_max = std::max(seen_max, q); });

    SECTION("a burst: the excess is dropped at once") {
        for (std::uint32_t i = 0; i < 100; ++i) {
            b.link.offer(numbered_frame(b.pool, 1500, i), b.sched.now());
        }
        b.drain();
        CHECK(b.link.counters().dropped_queue == 90);
        CHECK(b.rx.got.size() == 10);
    }
    SECTION("sustained overload at twice the link rate") {
        // One 1500-byte frame every 0.6 ms into a link that sends one per 1.2 ms.
        b.stream(2000, 1500, 600us);
        const auto& c = b.link.counters();
        CHECK(c.delivered + c.dropped_queue == 2000);
        // Half the frames fit through, minus the queue's head start.
        CHECK(c.delivered >= 1000);
        CHECK(c.delivered <= 1011);
    }
    CHECK(seen_max == 10);
    CHECK(b.link.counters().max_queue == 10);
    CHECK(b.pool.in_use() == 0);
}

TEST_CASE("RED drops nothing below min_th and everything at max_th", "[sim]") {
    RedConfig rc;
    rc.min_threshold = 5;
    rc.max_threshold = 15;
    rc.max_p = 0.1;
    rc.weight = 0.02;
    const Instant t = instant_from_ns(1'000'000);
    const Duration pkt = 1200us;
    Red low(rc, 1);
    for (int i = 0; i < 10000; ++i) {
        REQUIRE_FALSE(low.should_drop(4, t, t, pkt));
    }
    CHECK(low.average() == Approx(4.0).epsilon(0.01));

    Red high(rc, 1);
    int drops = 0;
    for (int i = 0; i < 2000; ++i) {
        drops += high.should_drop(30, t, t, pkt) ? 1 : 0;
    }
    // avg = 30 (1 - 0.98^n) crosses 15 after ~35 arrivals; from then every arrival is dropped.
    CHECK(high.average() > 15);
    CHECK(drops > 1900);
}

TEST_CASE("RED between the thresholds drops about p_b, evenly spread", "[sim]") {
    RedConfig rc;
    rc.min_threshold = 5;
    rc.max_threshold = 15;
    rc.max_p = 0.1;
    rc.weight = 0.02;
    const Instant t = instant_from_ns(1'000'000);
    Red red(rc, 9);
    for (int i = 0; i < 1000; ++i) {
        red.should_drop(10, t, t, 1200us); // settle avg at 10
    }
    // p_b = 0.1 * (10-5)/(15-5) = 0.05; with the count correction the gaps between drops are
    // uniform on 1..1/p_b, so the drop rate is 2/(1/p_b + 1) = 0.095.
    int drops = 0, longest_gap = 0, gap = 0;
    for (int i = 0; i < 100000; ++i) {
        if (red.should_drop(10, t, t, 1200us)) {
            ++drops;
            longest_gap = std::max(longest_gap, gap);
            gap = 0;
        } else {
            ++gap;
        }
    }
    CHECK(drops / 100000.0 == Approx(0.095).margin(0.005));
    CHECK(longest_gap <= 20); // never more than 1/p_b arrivals without a drop
}

TEST_CASE("RED's average decays over an idle queue", "[sim]") {
    RedConfig rc;
    rc.weight = 0.02;
    Red red(rc, 1);
    const Instant t = instant_from_ns(1'000'000);
    for (int i = 0; i < 500; ++i) {
        red.should_drop(10, t, t, 1200us);
    }
    const double busy = red.average();
    // Idle for 100 packet times: avg *= 0.98^100 = 0.13.
    red.should_drop(0, t + 100 * 1200us, t, 1200us);
    CHECK(red.average() == Approx(busy * std::pow(0.98, 100)).epsilon(1e-6));
}

TEST_CASE("a RED link drops early and keeps the queue below its hard limit", "[sim]") {
    LinkConfig cfg;
    cfg.rate_bps = 10'000'000;
    cfg.queue_packets = 100;
    cfg.discipline = QueueDiscipline::red;
    cfg.red = RedConfig{5, 15, 0.1, 0.05};
    LinkBench b(cfg, 3, false);
    b.stream(3000, 1500, 600us); // twice the link rate
    const auto& c = b.link.counters();
    CHECK(c.dropped_red > 1000);
    CHECK(c.dropped_queue == 0);
    CHECK(c.max_queue < 30);
    CHECK(c.delivered + c.dropped_red == 3000);
}
