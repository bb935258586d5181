// RFC 9438 CUBIC: reduction by beta, K and W(t) against the formula, concave then convex growth,
// the Reno-friendly region, fast convergence, timeout. Time is injected.
#include <catch2/catch.hpp>

#include <cmath>

#include "cc_test_util.hpp"
#include "tcp/congestion/cubic.hpp"

using namespace std::chrono_literals;
using multios::net::Duration;
using multios::net::Instant;
using multios::net::instant_from_ns;
using multios::net::tcp::CcConfig;
using multios::net::tcp::CongestionEvent;
using multios::net::tcp::Cubic;
using multios::net::tcp_cc_test::run_round_trip;

namespace {
const auto kT0 = instant_from_ns(7'000'000'000);
constexpr std::uint32_t kSmss = 1000;

CcConfig config(std::uint32_t iw_segments) {
    CcConfig c;
    c.smss = kSmss;
    c.initial_window = iw_segments * kSmss;
    return c;
}

double formula_w(double t, double k, double w_max) {
    return 0.4 * std::pow(t - k, 3) + w_max;
}

double cwnd_segments(const Cubic& cc) {
    return static_cast<double>(cc.cwnd()) / kSmss;
}

/// Loss at kT0 with cwnd = w_max segments, recovery over at kT0 + rtt.
Instant lose_and_recover(Cubic& cc, std::uint32_t w_max, Duration rtt) {
    cc.on_congestion_event(CongestionEvent{kT0, w_max * kSmss, 0});
    cc.on_recovery_exit(kT0 + rtt, cc.cwnd());
    return kT0 + rtt;
}
} // namespace

TEST_CASE("cubic: reduction to beta * W_max", "[tcp_cc]") {
    Cubic cc(config(100));
    cc.on_congestion_event(CongestionEvent{kT0, 100 * kSmss, 0});
    CHECK(cc.cwnd() == 70 * kSmss);
    CHECK(cc.ssthresh() == 70 * kSmss);
    CHECK(cc.w_max() == Approx(100.0));
    CHECK(cc.in_recovery());
    CHECK(cc.alpha_cubic() == Approx(3.0 * 0.3 / 1.7));
}

TEST_CASE("cubic: fast convergence lowers W_max when the window keeps shrinking", "[tcp_cc]") {
    Cubic cc(config(100));
    cc.on_congestion_event(CongestionEvent{kT0, 100 * kSmss, 0});
    cc.on_recovery_exit(kT0 + 10ms, 70 * kSmss);
    cc.on_congestion_event(CongestionEvent{kT0 + 20ms, 70 * kSmss, 0}); // 70 < W_max 100
    CHECK(cc.w_max() == Approx(70.0 * 1.7 / 2.0));
    CHECK(cc.cwnd() == 49 * kSmss);
}

TEST_CASE("cubic: growth follows W(t) = C(t-K)^3 + W_max, concave then convex", "[tcp_cc]") {
    // A large W_max keeps the flow in the cubic region (W_est stays below W_cubic at 100 ms).
    Cubic cc(config(1000));
    const Duration rtt = 100ms;
    Instant t = lose_and_recover(cc, 1000, rtt);
    REQUIRE(cc.cwnd() == 700 * kSmss);
    t = run_round_trip(cc, t, rtt, 2 * kSmss); // The first ACK in avoidance starts the epoch.
    REQUIRE(cc.epoch_start());
    const double k = std::cbrt((1000.0 - 700.0) / 0.4);
    CHECK(cc.k_seconds() == Approx(k));
    CHECK(k == Approx(9.0856).epsilon(1e-4));
    CHECK(cc.w_cubic(0s) == Approx(700.0));
    CHECK(cc.w_cubic(Duration(std::llround(k * 1e9))) == Approx(1000.0));
    CHECK(cc.w_cubic(12s) == Approx(formula_w(12.0, k, 1000.0)));

    // Sample cwnd once per second: it tracks the curve within one RTT.
    constexpr int kSeconds = 14;
    double previous = cwnd_segments(cc);
    double increments[kSeconds] = {};
    for (int second = 1; second <= kSeconds; ++second) {
        while (t < *cc.epoch_start() + std::chrono::seconds(second)) {
            t = run_round_trip(cc, t, rtt, 2 * kSmss);
        }
        const double elapsed = std::chrono::duration<double>(t - *cc.epoch_start()).count();
        const double w = cwnd_segments(cc);
        INFO("t=" << elapsed << " cwnd=" << w);
        CHECK(w >= formula_w(elapsed - 0.1, k, 1000.0) - 1.0);
        CHECK(w <= formula_w(elapsed + 0.1, k, 1000.0) + 1.0);
        CHECK(w > cc.w_est());             // The cubic region, not the Reno-friendly one.
        if (std::abs(elapsed - k) > 0.5) { // Below W_max before K, above it after.
            CHECK((w < 1000.0) == (elapsed < k));
        }
        increments[second - 1] = w - previous;
        previous = w;
    }
    // Concave below W_max: growth slows down towards K ...
    for (int i = 1; i < 8; ++i) {
        CHECK(increments[i] < increments[i - 1]);
    }
    // ... convex beyond it: growth speeds up.
    for (int i = 11; i < kSeconds; ++i) {
        CHECK(increments[i] > increments[i - 1]);
    }
}

TEST_CASE("cubic: the Reno-friendly region dominates early with a small RTT", "[tcp_cc]") {
    Cubic cc(config(10));
    const Duration rtt = 1ms;
    Instant t = lose_and_recover(cc, 10, rtt);
    REQUIRE(cc.cwnd() == 7 * kSmss);
    for (int i = 0; i < 100; ++i) {
        t = run_round_trip(cc, t, rtt, kSmss);
    }
    const Duration elapsed = t - *cc.epoch_start();
    // 0.1 s into an epoch with K ~ 1.96 s the cubic curve is still near its start ...
    CHECK(cc.k_seconds() == Approx(std::cbrt(3.0 / 0.4)));
    CHECK(cc.w_cubic(elapsed) < 8.0);
    // ... while W_est has grown by ~alpha per RTT up to W_max, then 1 per RTT.
    CHECK(cc.w_est() > 90.0);
    CHECK(cwnd_segments(cc) == Approx(cc.w_est()).margin(1.0));
}

TEST_CASE("cubic: timeout restarts from 1 SMSS with K = 0", "[tcp_cc]") {
    Cubic cc(config(100));
    cc.on_rto(kT0, 100 * kSmss, false);
    CHECK(cc.cwnd() == kSmss);
    CHECK(cc.ssthresh() == 70 * kSmss);
    // Slow start up to ssthresh, then the first avoidance epoch: K = 0, W_max = cwnd_epoch.
    Instant t = kT0 + 1s;
    while (cc.in_slow_start()) {
        t = run_round_trip(cc, t, 100ms, kSmss);
    }
    CHECK(cc.cwnd() >= 70 * kSmss);
    t = run_round_trip(cc, t, 100ms, kSmss);
    REQUIRE(cc.epoch_start());
    CHECK(cc.k_seconds() == 0.0);
    CHECK(cc.w_max() == Approx(70.0));
    CHECK(cwnd_segments(cc) >= 70.0);
}

TEST_CASE("cubic: restart after idle drops to the initial window, keeps W_max", "[tcp_cc]") {
    Cubic cc(config(0)); // RFC 6928 IW: 10 segments, grown to 100 in slow start
    while (cc.cwnd() < 100 * kSmss) {
        cc.on_ack(multios::net::tcp_cc_test::ack_of(2 * kSmss, kT0));
    }
    REQUIRE(cc.cwnd() == 100 * kSmss);
    Instant t = lose_and_recover(cc, 100, 100ms);
    t = run_round_trip(cc, t, 100ms, kSmss);
    cc.on_idle_restart(t + 10s);
    CHECK(cc.cwnd() == 10 * kSmss); // RFC 6928 IW for SMSS 1000
    CHECK_FALSE(cc.epoch_start());
    // Slow start back to ssthresh (RFC 5681 4.1), then a fresh epoch towards the old W_max.
    t += 10s;
    while (cc.in_slow_start()) {
        t = run_round_trip(cc, t, 100ms, kSmss);
    }
    CHECK(cc.cwnd() >= 70 * kSmss);
    run_round_trip(cc, t, 100ms, kSmss);
    REQUIRE(cc.epoch_start());
    CHECK(cc.w_max() == Approx(100.0));
    CHECK(cc.k_seconds() == Approx(std::cbrt(30.0 / 0.4)));
}
