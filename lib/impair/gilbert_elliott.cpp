#include "impair/gilbert_elliott.hpp"

#include <algorithm>

namespace multios::net {

namespace {
double clamp_probability(double p) {
    // NaN fails the comparison and becomes 0, as in ImpairmentModel.
    if (!(p > 0.0)) {
        return 0.0;
    }
    return std::min(p, 1.0);
}
} // namespace

bool GilbertElliottConfig::active() const {
    return loss_good > 0 || (p_good_to_bad > 0 && loss_bad > 0);
}

double GilbertElliottConfig::stationary_bad() const {
    const double p = clamp_probability(p_good_to_bad);
    const double r = clamp_probability(r_bad_to_good);
    if (p + r == 0.0) {
        return 0.0;
    }
    return p / (p + r);
}

double GilbertElliottConfig::stationary_loss() const {
    const double bad = stationary_bad();
    return (1.0 - bad) * clamp_probability(loss_good) + bad * clamp_probability(loss_bad);
}

GilbertElliott::GilbertElliott(const GilbertElliottConfig& config, std::uint64_t seed)
    : config_(config), rng_(seed) {
    config_.p_good_to_bad = clamp_probability(config.p_good_to_bad);
    config_.r_bad_to_good = clamp_probability(config.r_bad_to_good);
    config_.loss_good = clamp_probability(config.loss_good);
    config_.loss_bad = clamp_probability(config.loss_bad);
}

bool GilbertElliott::lose() {
    const double move = rng_.uniform();
    const double loss = rng_.uniform();
    bad_ = bad_ ? !(move < config_.r_bad_to_good) : move < config_.p_good_to_bad;
    return loss < (bad_ ? config_.loss_bad : config_.loss_good);
}

} // namespace multios::net
