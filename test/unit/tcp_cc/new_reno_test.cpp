// RFC 6928 initial window, RFC 3465 byte counting, RFC 5681/6582 NewReno, the factory.
#include <catch2/catch.hpp>

#include "cc_test_util.hpp"
#include "tcp/congestion/new_reno.hpp"

using namespace std::chrono_literals;
using multios::net::instant_from_ns;
using multios::net::tcp::CcConfig;
using multios::net::tcp::CongestionEvent;
using multios::net::tcp::make_congestion_control;
using multios::net::tcp::NewReno;
using multios::net::tcp::rfc6928_initial_window;
using multios::net::tcp_cc_test::ack_of;
using multios::net::tcp_cc_test::run_round_trip;

namespace {
const auto kT0 = instant_from_ns(5'000'000'000);
CcConfig config(std::uint32_t smss, std::uint32_t iw = 0, std::uint32_t ssthresh = 0xffffffffu) {
    CcConfig c;
    c.smss = smss;
    c.initial_window = iw;
    c.initial_ssthresh = ssthresh;
    return c;
}
} // namespace

TEST_CASE("cc: RFC 6928 initial window", "[tcp_cc]") {
    CHECK(rfc6928_initial_window(1460) == 14600);
    CHECK(rfc6928_initial_window(536) == 5360);
    CHECK(rfc6928_initial_window(1000) == 10000);
    CHECK(rfc6928_initial_window(9000) == 18000); // max(2*MSS, 14600) wins
    NewReno cc(config(1460));
    CHECK(cc.cwnd() == 14600);
    CHECK(cc.in_slow_start());
    CHECK(cc.pacing_rate() == 0);
}

TEST_CASE("cc: factory by name", "[tcp_cc]") {
    auto reno = make_congestion_control("newreno", CcConfig{});
    REQUIRE(reno);
    CHECK(reno->name() == "newreno");
    auto cubic = make_congestion_control("cubic", CcConfig{});
    REQUIRE(cubic);
    CHECK(cubic->name() == "cubic");
    CHECK_FALSE(make_congestion_control("bbr", CcConfig{}));
    CHECK_FALSE(make_congestion_control("", CcConfig{}));
    CHECK_FALSE(make_congestion_control("NewReno", CcConfig{}));
}

TEST_CASE("newreno: slow start doubles per RTT with byte counting", "[tcp_cc]") {
    NewReno cc(config(1000));
    REQUIRE(cc.cwnd() == 10000);
    auto t = run_round_trip(cc, kT0, 50ms, 2000); // Delayed ACKs: 2 segments each.
    CHECK(cc.cwnd() == 20000);
    t = run_round_trip(cc, t, 50ms, 2000);
    CHECK(cc.cwnd() == 40000);
    run_round_trip(cc, t, 50ms, 1000); // One ACK per segment doubles as well.
    CHECK(cc.cwnd() == 80000);
    // RFC 3465 L = 2: a stretch ACK for 10 segments grows cwnd by only 2 SMSS.
    cc.on_ack(ack_of(10000, t + 1s));
    CHECK(cc.cwnd() == 82000);
}

TEST_CASE("newreno: slow start stops at ssthresh, then ~1 SMSS per RTT", "[tcp_cc]") {
    NewReno cc(config(1000, 10000, 15000));
    cc.on_ack(ack_of(2000, kT0));
    cc.on_ack(ack_of(2000, kT0));
    cc.on_ack(ack_of(2000, kT0)); // Would reach 16000: stops at 15000, 1000 left to CA.
    CHECK(cc.cwnd() == 15000);
    CHECK_FALSE(cc.in_slow_start());

    NewReno ca(config(1000, 20000, 20000));
    auto t = run_round_trip(ca, kT0, 100ms, 1000);
    CHECK(ca.cwnd() == 21000);
    t = run_round_trip(ca, t, 100ms, 1000);
    CHECK(ca.cwnd() == 22000);
    for (int i = 0; i < 8; ++i) {
        t = run_round_trip(ca, t, 100ms, 1000);
    }
    CHECK(ca.cwnd() == 30000);
}

TEST_CASE("newreno: no growth when not cwnd-limited or nothing new acked", "[tcp_cc]") {
    NewReno cc(config(1000));
    auto ack = ack_of(2000, kT0);
    ack.cwnd_limited = false;
    cc.on_ack(ack);
    cc.on_ack(ack_of(0, kT0));
    CHECK(cc.cwnd() == 10000);
}

TEST_CASE("newreno: fast recovery halves, inflates, deflates on partial ACK", "[tcp_cc]") {
    SECTION("SACK recovery: cwnd = ssthresh = FlightSize/2") {
        NewReno cc(config(1000, 40000, 20000));
        cc.on_congestion_event(CongestionEvent{kT0, 40000, 0});
        CHECK(cc.ssthresh() == 20000);
        CHECK(cc.cwnd() == 20000);
        CHECK(cc.in_recovery());
        cc.on_ack(ack_of(5000, kT0 + 10ms)); // No growth during recovery.
        CHECK(cc.cwnd() == 20000);
        cc.on_recovery_exit(kT0 + 100ms, 30000);
        CHECK_FALSE(cc.in_recovery());
        CHECK(cc.cwnd() == 20000);
        run_round_trip(cc, kT0 + 100ms, 100ms, 1000); // Congestion avoidance again.
        CHECK(cc.cwnd() == 21000);
    }
    SECTION("non-SACK RFC 6582: ssthresh + 3 SMSS, +1 SMSS per dup ACK, partial ACK") {
        NewReno cc(config(1000, 40000, 20000));
        cc.on_congestion_event(CongestionEvent{kT0, 40000, 3});
        CHECK(cc.cwnd() == 23000);
        cc.on_dup_ack_in_recovery();
        CHECK(cc.cwnd() == 24000);
        cc.on_partial_ack(5000); // 24000 - 5000 + 1000
        CHECK(cc.cwnd() == 20000);
        cc.on_partial_ack(500); // less than SMSS: no add-back
        CHECK(cc.cwnd() == 19500);
        cc.on_recovery_exit(kT0 + 1s, 4000); // min(ssthresh, max(FlightSize, SMSS) + SMSS)
        CHECK(cc.cwnd() == 5000);
        cc.on_dup_ack_in_recovery(); // Outside recovery: no inflation.
        CHECK(cc.cwnd() == 5000);
    }
    SECTION("ssthresh never below 2 SMSS") {
        NewReno cc(config(1000, 3000));
        cc.on_congestion_event(CongestionEvent{kT0, 3000, 0});
        CHECK(cc.ssthresh() == 2000);
    }
}

TEST_CASE("newreno: RTO collapses cwnd to 1 SMSS, ssthresh per RFC 5681 eq. 4", "[tcp_cc]") {
    NewReno cc(config(1000, 40000));
    cc.on_rto(kT0, 40000, false);
    CHECK(cc.cwnd() == 1000);
    CHECK(cc.ssthresh() == 20000);
    CHECK(cc.in_slow_start());
    cc.on_rto(kT0 + 1s, 1000, true); // Repeated timeout: ssthresh held constant.
    CHECK(cc.ssthresh() == 20000);
    cc.on_ack(ack_of(1000, kT0 + 2s));
    CHECK(cc.cwnd() == 2000);
}

TEST_CASE("cc: restart after idle uses min(IW, cwnd)", "[tcp_cc]") {
    NewReno big(config(1000)); // IW 10000, grown to 40000 by two round trips
    run_round_trip(big, run_round_trip(big, kT0, 10ms, 1000), 10ms, 1000);
    REQUIRE(big.cwnd() == 40000);
    big.on_idle_restart(kT0 + 10s);
    CHECK(big.cwnd() == 10000);
    NewReno small(config(1000, 5000));
    small.on_idle_restart(kT0);
    CHECK(small.cwnd() == 5000);
}
