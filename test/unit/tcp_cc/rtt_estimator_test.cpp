// RFC 6298 RTO computation with exact expected values, RTO floor/ceiling, back-off, min RTT.
#include <catch2/catch.hpp>

#include "tcp/rtt_estimator.hpp"

using namespace std::chrono_literals;
using multios::net::Duration;
using multios::net::instant_from_ns;
using multios::net::tcp::RttConfig;
using multios::net::tcp::RttEstimator;
using multios::net::tcp::WindowedMinRtt;

namespace {
const auto kT0 = instant_from_ns(1'000'000'000);
}

TEST_CASE("rtt: first sample sets SRTT=R and RTTVAR=R/2, then RFC 6298 2.3", "[tcp_cc]") {
    RttEstimator est;
    CHECK_FALSE(est.has_sample());
    CHECK(est.rto() == 1s); // RFC 6298 2.1 initial RTO.
    REQUIRE(est.sample(100ms, kT0));
    CHECK(est.srtt() == 100ms);
    CHECK(est.rttvar() == 50ms);
    CHECK(est.rto() == 300ms); // 100 + 4*50
    // R' = 120: RTTVAR = 3/4*50 + 1/4*|100-120| = 42.5; SRTT = 7/8*100 + 1/8*120 = 102.5.
    est.sample(120ms, kT0 + 1s);
    CHECK(est.rttvar() == 42500us);
    CHECK(est.srtt() == 102500us);
    CHECK(est.rto() == 272500us);
    // R' = 80: RTTVAR = 3/4*42.5 + 1/4*22.5 = 37.5; SRTT = 7/8*102.5 + 1/8*80 = 99.6875.
    est.sample(80ms, kT0 + 2s);
    CHECK(est.rttvar() == 37500us);
    CHECK(est.srtt() == Duration(99'687'500));
    CHECK(est.rto() == Duration(249'687'500));
    CHECK(est.min_rtt() == 80ms);
}

TEST_CASE("rtt: negative samples are ignored", "[tcp_cc]") {
    RttEstimator est;
    CHECK_FALSE(est.sample(-1ms, kT0));
    CHECK_FALSE(est.has_sample());
    CHECK(est.rto() == 1s);
}

TEST_CASE("rtt: RTO floor, granularity and ceiling", "[tcp_cc]") {
    SECTION("floor at rto_min (200 ms default)") {
        RttEstimator est;
        est.sample(1ms, kT0);
        CHECK(est.rto() == 200ms);
    }
    SECTION("RFC floor of 1 s is a config") {
        RttConfig cfg;
        cfg.rto_min = 1s;
        RttEstimator est(cfg);
        est.sample(10ms, kT0);
        CHECK(est.rto() == 1s);
    }
    SECTION("granularity G bounds the variance term") {
        RttConfig cfg;
        cfg.rto_min = 0ms;
        cfg.granularity = 10ms;
        RttEstimator est(cfg);
        est.sample(1ms, kT0); // 1 + max(10, 4 * 0.5)
        CHECK(est.rto() == 11ms);
        cfg.granularity = 1ms;
        RttEstimator fine(cfg);
        fine.sample(1ms, kT0); // 1 + max(1, 2)
        CHECK(fine.rto() == 3ms);
    }
    SECTION("ceiling at rto_max") {
        RttEstimator est;
        est.sample(50s, kT0); // 50 + 100 s
        CHECK(est.rto() == 60s);
        RttConfig cfg;
        cfg.rto_max = 120s;
        RttEstimator linux_like(cfg);
        linux_like.sample(50s, kT0);
        CHECK(linux_like.rto() == 120s);
    }
    SECTION("absurd samples are clamped, no overflow") {
        RttEstimator est;
        est.sample(Duration::max(), kT0);
        est.sample(Duration::max(), kT0);
        CHECK(est.srtt() == std::chrono::hours(1));
        CHECK(est.rto() == 60s);
    }
}

TEST_CASE("rtt: exponential back-off doubles up to the cap, a sample resets it", "[tcp_cc]") {
    RttEstimator est;
    const Duration expected[] = {2s, 4s, 8s, 16s, 32s, 60s, 60s, 60s};
    for (Duration want : expected) {
        est.on_retransmit_timeout();
        CHECK(est.rto() == want);
    }
    CHECK(est.backoffs() == 6); // Stops counting at the cap.
    est.sample(100ms, kT0);
    CHECK(est.backoffs() == 0);
    CHECK(est.rto() == 300ms);
    est.on_retransmit_timeout();
    CHECK(est.rto() == 600ms);
    est.reset_backoff();
    CHECK(est.rto() == 300ms);
}

TEST_CASE("rtt: windowed minimum forgets samples older than the window", "[tcp_cc]") {
    WindowedMinRtt filter(80s); // 8 slots of 10 s
    CHECK(filter.min() == Duration::max());
    filter.add(50ms, kT0);
    filter.add(80ms, kT0 + 20s);
    CHECK(filter.min() == 50ms);
    filter.add(90ms, kT0 + 75s);
    CHECK(filter.min() == 50ms);
    filter.add(90ms, kT0 + 85s); // The 50 ms slot is now 8 slots old.
    CHECK(filter.min() == 80ms);
    filter.add(100ms, kT0 + 300s);
    CHECK(filter.min() == 100ms);
    filter.add(70ms, kT0 + 301s);
    CHECK(filter.min() == 70ms);

    RttConfig cfg;
    cfg.min_rtt_window = 80s;
    RttEstimator est(cfg);
    est.sample(30ms, kT0);
    est.sample(40ms, kT0 + 100s);
    CHECK(est.min_rtt() == 40ms);
}
