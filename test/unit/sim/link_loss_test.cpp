// Loss on a link: Bernoulli within a binomial bound, Gilbert-Elliott at its stationary rate
// and in bursts, and the conservation of frames (sent = delivered + dropped).
#include <catch2/catch.hpp>

#include <chrono>

#include "sim_test_support.hpp"

using namespace multios::net;
using namespace multios::net::sim_test;
using namespace std::chrono_literals;

TEST_CASE("a 1% Bernoulli link drops 1% within 4 binomial sigmas over 100k frames", "[sim]") {
    LinkConfig cfg;
    cfg.loss = 0.01;
    cfg.delay = 1ms;
    LinkBench b(cfg, 2024, false);
    const std::uint32_t n = 100'000;
    b.stream(n, 100, 10us);
    const auto& c = b.link.counters();
    CHECK(c.sent == n);
    CHECK(c.delivered + c.dropped_loss == n);
    CHECK(b.rx.got.size() == c.delivered);
    // Expected 1000 drops, sigma = sqrt(n p (1-p)) = 31.5.
    const double bound = four_sigma(n, 0.01);
    INFO("dropped " << c.dropped_loss << ", bound +-" << bound);
    CHECK(std::abs(static_cast<double>(c.dropped_loss) - 1000.0) <= bound);
    CHECK(b.pool.in_use() == 0);
}

TEST_CASE("Bernoulli loss holds for other seeds and rates", "[sim]") {
    for (const double p : {0.001, 0.05, 0.2}) {
        for (const std::uint64_t seed : {1u, 99u}) {
            LinkConfig cfg;
            cfg.loss = p;
            LinkBench b(cfg, seed, false);
            const std::uint32_t n = 50'000;
            b.stream(n, 64, 1us);
            INFO("p " << p << " seed " << seed);
            CHECK(std::abs(double(b.link.counters().dropped_loss) - n * p) <= four_sigma(n, p));
        }
    }
}

TEST_CASE("a Gilbert-Elliott link loses at its stationary rate, in bursts", "[sim]") {
    LinkConfig cfg;
    cfg.burst_loss = GilbertElliottConfig{0.005, 0.2, 0.0, 1.0};
    LinkBench b(cfg, 77, true);
    const std::uint32_t n = 200'000;
    b.stream(n, 64, 1us);
    const double pi = cfg.burst_loss->stationary_loss(); // 0.005 / 0.205 = 0.0244
    const double lambda = 1.0 - 0.005 - 0.2;
    const double sd = std::sqrt(pi * (1 - pi) * (1 + lambda) / (1 - lambda) / double(n));
    const double rate = double(b.link.counters().dropped_loss) / n;
    INFO("loss rate " << rate << " expected " << pi << " +- " << 4 * sd);
    CHECK(std::abs(rate - pi) < 4 * sd);

    // Bursts seen by the receiver: gaps in the sequence numbers. Mean gap ~ 1/r = 5.
    std::uint64_t gaps = 0, missing = 0;
    std::uint32_t expect = 0;
    for (const auto& d : b.rx.got) {
        const std::uint32_t s = frame_seq(d.bytes);
        if (s != expect) {
            ++gaps;
            missing += s - expect;
        }
        expect = s + 1;
    }
    REQUIRE(gaps > 500);
    const double mean_burst = double(missing) / double(gaps);
    INFO("mean burst " << mean_burst);
    // ~975 bursts, geometric sd sqrt(20)/sqrt(975) = 0.14: 0.6 is over 4 sd.
    CHECK(std::abs(mean_burst - 5.0) < 0.6);
}
