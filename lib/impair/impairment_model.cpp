#include "impair/impairment_model.hpp"

#include <algorithm>

namespace multios::net {

namespace {
double clamp_fraction(double p) {
    // NaN fails both comparisons and becomes 0: "no impairment" is the safe reading.
    if (!(p > 0.0)) {
        return 0.0;
    }
    return std::min(p, 1.0);
}
} // namespace

std::uint64_t impairment_stream_seed(std::uint64_t base, std::uint32_t port, ImpairDirection dir) {
    return prng::derive_seed(base, std::uint64_t{port} * 2 + static_cast<std::uint64_t>(dir));
}

ImpairmentModel::ImpairmentModel(const ImpairmentConfig& config, std::uint64_t seed)
    : config_(config), rng_(seed) {
    config_.loss = clamp_fraction(config.loss);
    config_.reorder = clamp_fraction(config.reorder);
    config_.delay = std::max(config.delay, Duration::zero());
}

Verdict ImpairmentModel::decide(Instant now) {
    const double loss_draw = rng_.uniform();
    const double reorder_draw = rng_.uniform();
    Verdict v;
    // uniform() is in [0, 1): loss 0 never drops, loss 1 always does.
    v.drop = loss_draw < config_.loss;
    v.release_at = now + config_.delay;
    v.hold_for_reorder = !v.drop && reorder_draw < config_.reorder;
    return v;
}

} // namespace multios::net
