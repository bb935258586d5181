// What happens to one packet on an impaired link direction: lost, delayed, or held back
// behind the next packet. Sans-IO: the caller passes `now` and gets a verdict; it owns the
// packets (rte_mbuf* on DPDK ports, the simulator's handles) and the queue that holds them
// (DelayLine). One model per port per direction, so rx and tx draw independent streams
// (CONTRACTS.md: "--loss P: a fraction 0-1, drawn independently for rx and tx").
#pragma once

#include <cstdint>

#include <multios/net/time.hpp>

#include "impair/prng.hpp"

namespace multios::net {

struct ImpairmentConfig {
    double loss = 0;    ///< Fraction 0..1 of packets dropped (Bernoulli).
    Duration delay{};   ///< One-way delay added to every packet that passes.
    double reorder = 0; ///< Fraction 0..1 of packets held back behind the next one.

    /// True when the configuration changes anything (a port without it pays nothing).
    bool active() const { return loss > 0 || delay > Duration::zero() || reorder > 0; }
};

struct Verdict {
    bool drop = false;             ///< Lost: the caller frees the packet.
    Instant release_at{};          ///< When it may go on (now + delay).
    bool hold_for_reorder = false; ///< Hold it until the next packet has passed.
};

/// Direction of a packet through a port, for deriving stream seeds.
enum class ImpairDirection : std::uint8_t { rx = 0, tx = 1 };

/// The stream seed of (port, direction) under a run's base seed (--seed N or a random one).
std::uint64_t impairment_stream_seed(std::uint64_t base, std::uint32_t port, ImpairDirection dir);

class ImpairmentModel {
  public:
    /// Fractions outside 0..1 (and NaN) are clamped; a negative delay counts as none.
    ImpairmentModel(const ImpairmentConfig& config, std::uint64_t seed);

    /// The fate of the next packet at `now`. Always draws twice (loss, then reorder), so the
    /// loss sequence of a seed does not depend on the reorder setting.
    Verdict decide(Instant now);

    const ImpairmentConfig& config() const { return config_; }

  private:
    ImpairmentConfig config_;
    prng::Xoshiro256 rng_;
};

} // namespace multios::net
