// Issue 7's loss physics check: a long bulk TCP (NewReno, SACK) flow over a link with
// independent (Bernoulli) loss p follows the Mathis et al. 1997 model,
//
//     goodput ~= (MSS / RTT) * C / sqrt(p),   C = sqrt(3/2) ~= 1.22,
//
// and goodput falls as p rises. The link (20 Mbit/s, 60 ms RTT) is far faster than the model's
// rate at these p, so the congestion window, not the link, sets the pace: the regime the model
// describes.
//
// Tolerance: a factor of two either way. The model is a steady-state sawtooth with one
// halving per loss and no timeouts. The real stack departs from it in known directions:
// SACK repairs several losses in one window with one halving (fewer "loss events" than lost
// packets: faster than the model), while retransmission timeouts after lost retransmissions
// or too few duplicate ACKs in a small window stall the flow (slower). The RTT used is the
// propagation RTT plus one frame's serialization; queueing adds a little. Measured runs land
// well inside the band (the test prints the ratio), so a factor of two catches a broken loss
// recovery or congestion response without flaking on the model's own approximations.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <variant>

#include <fmt/format.h>

#include "sim/run_scenario.hpp"
#include "sim/scenario.hpp"

using namespace multios::net;
using namespace multios::net::sim;

namespace multios::net::sim_physics_test {
namespace {

constexpr double kRateBps = 20e6;
constexpr double kOneWayDelayS = 0.030;
/// Payload per segment: 1500 - 20 (IPv4) - 20 (TCP) - 12 (the timestamp option).
constexpr double kMssBytes = 1448;
constexpr double kFrameBits = 1514 * 8;
constexpr double kMathisC = 1.2247; // sqrt(3/2): periodic loss, one ACK per segment (RFC 3465 ABC)

/// One NewReno + SACK bulk flow for `seconds` over a lossy 20 Mbit/s, 60 ms RTT link.
std::string lossy_flow_scenario(double p, int seconds) {
    return fmt::format(R"(
[simulation]
duration = "{}s"
seed = 11
[[node]]
name = "tx"
addresses = ["10.9.0.1/24"]
[[node]]
name = "rx"
addresses = ["10.9.0.2/24"]
[[link]]
a = "tx"
b = "rx"
rate = "20Mbit"
delay = "30ms"
queue = 100
loss = {}
pcap = false
[[app]]
kind = "tcp_bulk"
name = "bulk"
from = "tx"
to = "rx"
congestion = "newreno"
sack = true
)",
                       seconds, p);
}

struct Measured {
    double goodput_bps = 0;
    std::uint64_t retransmits = 0;
};

Measured run_lossy(double p, int seconds) {
    auto parsed = parse_scenario(lossy_flow_scenario(p, seconds), "mathis.toml");
    if (const auto* e = std::get_if<ScenarioError>(&parsed)) {
        FAIL(e->message);
    }
    auto r = run_scenario(std::get<ScenarioFile>(parsed), SimulateOptions{});
    REQUIRE(r);
    REQUIRE(r->flows.size() == 1);
    INFO(format_summary(*r));
    REQUIRE(r->flows[0].error.empty());
    return {r->flows[0].goodput_bps, r->flows[0].retransmits};
}

double mathis_bps(double p) {
    const double rtt_s = 2 * kOneWayDelayS + kFrameBits / kRateBps;
    return kMssBytes * 8 / rtt_s * kMathisC / std::sqrt(p);
}

} // namespace
} // namespace multios::net::sim_physics_test

using namespace multios::net::sim_physics_test;

TEST_CASE("bulk TCP under Bernoulli loss follows the Mathis model", "[sim_physics]") {
    // 120 simulated seconds: at these rates that is well over 100 loss events per run, so
    // the long-run average dominates the slow-start transient.
    constexpr int kSeconds = 120;
    const double p_low = 0.005, p_high = 0.02;
    const Measured low = run_lossy(p_low, kSeconds);
    const Measured high = run_lossy(p_high, kSeconds);
    const double model_low = mathis_bps(p_low), model_high = mathis_bps(p_high);
    std::printf("mathis: p=%.3f measured %.3f Mbit/s, model %.3f (ratio %.2f, %llu retransmits); "
                "p=%.3f measured %.3f Mbit/s, model %.3f (ratio %.2f, %llu retransmits)\n",
                p_low, low.goodput_bps / 1e6, model_low / 1e6, low.goodput_bps / model_low,
                static_cast<unsigned long long>(low.retransmits), p_high, high.goodput_bps / 1e6,
                model_high / 1e6, high.goodput_bps / model_high,
                static_cast<unsigned long long>(high.retransmits));

    // The regime check: the model's rate is window-limited, well below the link.
    REQUIRE(model_low < 0.5 * kRateBps);

    CHECK(low.goodput_bps >= 0.5 * model_low);
    CHECK(low.goodput_bps <= 2.0 * model_low);
    CHECK(high.goodput_bps >= 0.5 * model_high);
    CHECK(high.goodput_bps <= 2.0 * model_high);
    // More loss, less goodput; the model says by sqrt(4) = 2 between these two p.
    CHECK(low.goodput_bps > high.goodput_bps);
    // Retransmissions track the loss rate: the lossier flow repairs a larger share.
    CHECK(high.retransmits * 1448.0 / (high.goodput_bps * kSeconds / 8) >
          low.retransmits * 1448.0 / (low.goodput_bps * kSeconds / 8));
}
