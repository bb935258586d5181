// Gilbert-Elliott bursty loss: a two-state Markov chain (Good, Bad) stepped once per packet,
// each state with its own loss probability. Real links lose packets in bursts (fading, a
// congested queue elsewhere), which hurts TCP differently from independent (Bernoulli) loss;
// SACK and loss-recovery scenarios need the bursts. Shared by the simulator's links and any
// port that wants bursty loss, like the Bernoulli model in impairment_model.hpp.
//
// Model (Gilbert 1960, Elliott 1963): before each packet the chain moves Good -> Bad with
// probability p and Bad -> Good with probability r; the packet is then lost with probability
// loss_good or loss_bad of the state it sees. Stationary P(Bad) = p / (p + r); a stay in Bad
// lasts a geometric number of packets with mean 1 / r.
#pragma once

#include <cstdint>

#include "impair/prng.hpp"

namespace multios::net {

struct GilbertElliottConfig {
    double p_good_to_bad = 0; ///< Per packet, 0..1.
    double r_bad_to_good = 1; ///< Per packet, 0..1 (0 makes Bad absorbing).
    double loss_good = 0;     ///< Loss probability in Good (1 - k in Elliott's notation).
    double loss_bad = 1;      ///< Loss probability in Bad (1 - h).

    /// True when the model can lose anything.
    bool active() const;
    /// Long-run fraction of packets in Bad: p / (p + r) (0 when both are 0: the chain never
    /// leaves Good, where it starts).
    double stationary_bad() const;
    /// Long-run loss rate: P(Good) * loss_good + P(Bad) * loss_bad.
    double stationary_loss() const;
};

class GilbertElliott {
  public:
    /// Probabilities outside 0..1 (and NaN) are clamped; the chain starts in Good.
    GilbertElliott(const GilbertElliottConfig& config, std::uint64_t seed);

    /// Steps the chain for one packet and says whether that packet is lost. Always draws
    /// twice (transition, then loss) so the sequence of a seed does not depend on the state.
    bool lose();

    bool in_bad_state() const { return bad_; }
    const GilbertElliottConfig& config() const { return config_; }

  private:
    GilbertElliottConfig config_;
    prng::Xoshiro256 rng_;
    bool bad_ = false;
};

} // namespace multios::net
