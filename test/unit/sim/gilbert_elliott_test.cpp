// Gilbert-Elliott bursty loss (lib/impair/gilbert_elliott): long-run loss against the
// stationary formula, burst lengths against 1/r, and reproducibility.
#include <catch2/catch.hpp>

#include <cmath>

#include "impair/gilbert_elliott.hpp"

using namespace multios::net;

namespace multios::net::sim_test {
namespace {

struct LossRun {
    double loss_rate = 0;
    double mean_burst = 0; ///< Mean length of runs of consecutive losses.
    std::uint64_t bursts = 0;
};

LossRun run_chain(const GilbertElliottConfig& c, std::uint64_t seed, std::uint64_t n) {
    GilbertElliott ge(c, seed);
    std::uint64_t lost = 0, bursts = 0;
    bool prev = false;
    for (std::uint64_t i = 0; i < n; ++i) {
        const bool l = ge.lose();
        lost += l ? 1 : 0;
        bursts += (l && !prev) ? 1 : 0;
        prev = l;
    }
    LossRun r;
    r.loss_rate = static_cast<double>(lost) / static_cast<double>(n);
    r.bursts = bursts;
    r.mean_burst = bursts ? static_cast<double>(lost) / static_cast<double>(bursts) : 0;
    return r;
}

} // namespace
} // namespace multios::net::sim_test

using multios::net::sim_test::run_chain;

TEST_CASE("Gilbert-Elliott long-run loss matches p/(p+r)", "[sim]") {
    // Simple Gilbert: no loss in Good, all lost in Bad. pi_B = 0.01 / 0.26 = 0.03846.
    GilbertElliottConfig c;
    c.p_good_to_bad = 0.01;
    c.r_bad_to_good = 0.25;
    CHECK(c.stationary_loss() == Approx(0.01 / 0.26));
    const std::uint64_t n = 1'000'000;
    const auto r = run_chain(c, 7, n);
    // Tolerance: 4 standard deviations of the mean of a two-state Markov chain,
    // var = pi(1-pi)(1+lambda)/(1-lambda)/n with lambda = 1-p-r = 0.74: sd = 0.0005.
    const double pi = c.stationary_loss();
    const double lambda = 1.0 - c.p_good_to_bad - c.r_bad_to_good;
    const double sd = std::sqrt(pi * (1 - pi) * (1 + lambda) / (1 - lambda) / double(n));
    CHECK(std::abs(r.loss_rate - pi) < 4 * sd);
}

TEST_CASE("Gilbert-Elliott losses come in bursts of mean length 1/r", "[sim]") {
    GilbertElliottConfig c;
    c.p_good_to_bad = 0.01;
    c.r_bad_to_good = 0.25;
    const auto r = run_chain(c, 11, 1'000'000);
    // ~9,600 bursts, geometric with mean 1/r = 4 and variance (1-r)/r^2 = 12: the sample
    // mean's sd is ~0.035, so 0.15 is over 4 sd.
    REQUIRE(r.bursts > 5000);
    CHECK(std::abs(r.mean_burst - 4.0) < 0.15);

    // Independent loss at the same rate has bursts of about 1/(1-p) ~ 1.04: clearly shorter.
    GilbertElliottConfig bernoulli;
    bernoulli.p_good_to_bad = 0;
    bernoulli.loss_good = c.stationary_loss();
    const auto b = run_chain(bernoulli, 11, 1'000'000);
    CHECK(b.mean_burst < 1.1);
    CHECK(std::abs(b.loss_rate - c.stationary_loss()) < 0.002);
}

TEST_CASE("Gilbert-Elliott with lossy Good and leaky Bad states", "[sim]") {
    GilbertElliottConfig c;
    c.p_good_to_bad = 0.05;
    c.r_bad_to_good = 0.5;
    c.loss_good = 0.01;
    c.loss_bad = 0.3;
    // pi_B = 0.05/0.55; loss = 0.90909*0.01 + 0.090909*0.3 = 0.036364
    CHECK(c.stationary_loss() == Approx(0.036364).epsilon(1e-4));
    const auto r = run_chain(c, 3, 1'000'000);
    CHECK(std::abs(r.loss_rate - c.stationary_loss()) < 0.0015);
}

TEST_CASE("Gilbert-Elliott is reproducible per seed and clamps its inputs", "[sim]") {
    GilbertElliottConfig c;
    c.p_good_to_bad = 0.1;
    c.r_bad_to_good = 0.3;
    GilbertElliott a(c, 5), b(c, 5), d(c, 6);
    int same = 0, differs = 0;
    for (int i = 0; i < 10000; ++i) {
        const bool la = a.lose();
        same += la == b.lose() ? 1 : 0;
        differs += la != d.lose() ? 1 : 0;
    }
    CHECK(same == 10000);
    CHECK(differs > 0);

    GilbertElliottConfig wild;
    wild.p_good_to_bad = std::nan("");
    wild.r_bad_to_good = 7;
    wild.loss_good = -1;
    wild.loss_bad = 2;
    GilbertElliott w(wild, 1);
    CHECK(w.config().p_good_to_bad == 0.0);
    CHECK(w.config().r_bad_to_good == 1.0);
    CHECK(w.config().loss_good == 0.0);
    CHECK(w.config().loss_bad == 1.0);
    CHECK_FALSE(wild.active()); // never leaves Good, which loses nothing
    for (int i = 0; i < 1000; ++i) {
        REQUIRE_FALSE(w.lose());
    }
}
